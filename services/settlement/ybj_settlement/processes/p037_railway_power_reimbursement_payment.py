"""P037 省级医疗保险铁路电力零星报销: the online-banking payment chain (payment_chains.online_banking_chain), seed L1386.

「收业务提交的各部门和分管领导签字完成省级医疗保险单位零星报销拨付通知后，登录网银」 「网银支付：出纳制单—一级复核—二级复核—三级复核—审批支付流程完成」
The example payees, accounts, amounts and document numbers are 示例 (examples).
"""

from __future__ import annotations

from ybj_kernel.domain.process import Material
from ybj_settlement.processes.payment_chains import online_banking_chain, summary_stage

EXAMPLE = {  # 示例
    "doc_no": "TLBX2026-11",
    "purpose": "铁路电力零星报销",
    "pay_cnt": 1,
    "pay_sumamt": "1880.00",
    "payees": [
        {
            "acct_name": "王五",
            "bank_acct": "6228480010001234567",
            "bank_name": "中国农业银行贵阳铁路支行",
            "amount": "1880.00",
        },
    ],
    "signed_by": "分管领导（示例）",
}

P037 = online_banking_chain(
    id="P037",
    slug="railway_power_reimbursement_payment",
    name_zh="省级医疗保险铁路电力零星报销",
    summary_title="省级医疗保险单位零星报销审核拨付通知",
    lead=(
        summary_stage(
            "leader_sign_off",
            "各部门和分管领导签字完成《省级医疗保险单位零星报销拨付通知》并提交财务",
            "PaymentSummarySigned",
            EXAMPLE,
        ),
    ),
    stage_names=(
        "登录网银—出纳制单（根据拨付通知进行制单，录入收款人户名、账号、开户行、金额）",
        "一级复核",
        "二级复核",
        "三级复核",
        "审批支付流程完成",
    ),
    materials=(
        Material("省级医疗保险单位零星报销审核拨付通知"),
        Material("费用审核情况回执单（铁路、电力）"),
    ),
    summary_example=EXAMPLE,
)
