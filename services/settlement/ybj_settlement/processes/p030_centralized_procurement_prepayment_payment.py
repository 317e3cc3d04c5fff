"""P030 定点医疗机构药品和耗材集中采购预付款拨付: the online-banking payment chain (payment_chains.online_banking_chain), seed L1224.

「收业务提交的各部门和分管领导签字完成定点医疗机构药品和耗材集中采购预付款申报拨付汇总单后，登录网银」 「网银支付：出纳制单—一级复核—二级复核—三级复核—审批支付流程完成」
The example payees, accounts, amounts and document numbers are 示例 (examples).
"""

from __future__ import annotations

from ybj_kernel.domain.process import Material
from ybj_settlement.processes.payment_chains import online_banking_chain, summary_stage

EXAMPLE = {  # 示例
    "doc_no": "JC2026-12",
    "purpose": "集中采购预付款",
    "pay_cnt": 2,
    "pay_sumamt": "350000.00",
    "payees": [
        {
            "acct_name": "贵阳市第一人民医院",
            "bank_acct": "2402000109200012345",
            "bank_name": "中国工商银行贵阳中华北路支行",
            "amount": "200000.00",
        },
        {
            "acct_name": "遵义市第二人民医院",
            "bank_acct": "52050164363600000123",
            "bank_name": "中国建设银行遵义分行营业部",
            "amount": "150000.00",
        },
    ],
    "signed_by": "分管领导（示例）",
}

P030 = online_banking_chain(
    id="P030",
    slug="centralized_procurement_prepayment_payment",
    name_zh="定点医疗机构药品和耗材集中采购预付款拨付",
    summary_title="定点医疗机构贵州省基本医疗保险药品和耗材集中采购预付款申报拨付汇总单",
    lead=(
        summary_stage(
            "leader_sign_off",
            "各部门和分管领导签字完成《定点医疗机构药品和耗材集中采购预付款申报拨付汇总单》并提交财务",
            "PaymentSummarySigned",
            EXAMPLE,
        ),
    ),
    stage_names=(
        "登录网银—出纳制单（根据业务单据的金额进行制单，录入收款人户名、账号、开户行、金额）",
        "一级复核",
        "二级复核",
        "三级复核",
        "审批支付流程完成",
    ),
    materials=(Material("定点医疗机构贵州省基本医疗保险药品和耗材集中采购预付款申报拨付汇总单"),),
    summary_example=EXAMPLE,
)
