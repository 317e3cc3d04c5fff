"""P032 贵州省基本医疗保险费用个人账户清退拨付: the bank-file payment chain (payment_chains.bank_file_chain), seed L1263.

「收业务提交的各部门和分管领导签字完成贵州省基本医疗保险费用个人账户清退拨付汇总单后，登录国家医疗保障信息平台」; 「业务拨付数据交接确认：笔数、金额、结算批次号必须一致，数据一致则可进行拨付」. The example payees, accounts, amounts and batch numbers are 示例 (examples).
"""

from __future__ import annotations

from ybj_kernel.domain.process import Material
from ybj_settlement.processes.payment_chains import bank_file_chain

EXAMPLE = {  # 示例
    "doc_no": "QT202611001-HZ",
    "setl_batch_no": "QT202611001",
    "purpose": "个人账户清退",
    "pay_cnt": 2,
    "pay_sumamt": "2023.66",
    "payees": [
        {
            "acct_name": "张三",
            "bank_acct": "6222022402001234567",
            "bank_name": "中国工商银行贵阳市南明支行",
            "amount": "1234.56",
        },
        {
            "acct_name": "李四",
            "bank_acct": "6217002430001234567",
            "bank_name": "中国建设银行六盘水钟山支行",
            "amount": "789.10",
        },
    ],
    "signed_by": "分管领导（示例）",
}

P032 = bank_file_chain(
    id="P032",
    slug="personal_account_refund_fund_payment",
    name_zh="贵州省基本医疗保险费用个人账户清退拨付",
    summary_title="贵州省基本医疗保险费用个人账户清退汇总单",
    stage_names=(
        "各部门和分管领导签字完成《贵州省基本医疗保险费用个人账户清退拨付汇总单》并提交财务",
        "业务拨付数据交接确认（笔数、金额、结算批次号必须一致）",
        "银行代发报盘处理（向银行发送报盘）",
        "基金支付审批—初审（查询支付批次号，核对金额、笔数、单位名称、单位账户、开户行）",
        "一级复核",
        "二级复核",
        "三级复核（审批流程完成）",
        "银行回盘处理（查询拨付的款项是否成功）",
        "支付流程完成",
    ),
    materials=(Material("贵州省基本医疗保险费用个人账户清退汇总单"),),
    summary_example=EXAMPLE,
    pay_batch_no="ZF202612010004",  # 示例
)
