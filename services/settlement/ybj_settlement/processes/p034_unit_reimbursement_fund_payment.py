"""P034 贵州省基本医疗保险单位零星报销费用拨付: the bank-file payment chain (payment_chains.bank_file_chain), seed L1315.

「收业务提交的各部门和分管领导签字完成省级医疗保险单位零星报销拨付通知后，登录国家医疗保障信息平台」; 「业务拨付数据交接确认：笔数、金额、结算批次号必须一致，数据一致则可进行拨付」. The example payees, accounts, amounts and batch numbers are 示例 (examples).
"""

from __future__ import annotations

from ybj_kernel.domain.process import Material
from ybj_settlement.processes.payment_chains import bank_file_chain

EXAMPLE = {  # 示例
    "doc_no": "LX202611001-HZ",
    "setl_batch_no": "LX202611001",
    "purpose": "单位零星报销费用拨付",
    "pay_cnt": 1,
    "pay_sumamt": "3560.80",
    "payees": [
        {
            "acct_name": "贵州黔山机械有限公司",
            "bank_acct": "2402000109200067890",
            "bank_name": "中国工商银行贵阳小河支行",
            "amount": "3560.80",
        },
    ],
    "signed_by": "分管领导（示例）",
}

P034 = bank_file_chain(
    id="P034",
    slug="unit_reimbursement_fund_payment",
    name_zh="贵州省基本医疗保险单位零星报销费用拨付",
    summary_title="贵州省基本医疗保险单位零星报销审核拨付通知",
    stage_names=(
        "各部门和分管领导签字完成《省级医疗保险单位零星报销拨付通知》并提交财务",
        "业务拨付数据交接确认（笔数、金额、结算批次号必须一致）",
        "银行代发报盘处理（向银行发送报盘）",
        "基金支付审批—初审（查询支付批次号，核对金额、笔数、单位名称、单位账户、开户行）",
        "一级复核",
        "二级复核",
        "三级复核（审批流程完成）",
        "银行回盘处理（查询拨付的款项是否成功）",
        "支付流程完成",
    ),
    materials=(
        Material("贵州省基本医疗保险单位零星报销审核拨付通知"),
        Material("费用审核情况回执单"),
        Material("费用报销申报结算表"),
        Material("原始发票"),
    ),
    summary_example=EXAMPLE,
    pay_batch_no="ZF202612010005",  # 示例
)
