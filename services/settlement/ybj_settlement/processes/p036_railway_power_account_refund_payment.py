"""P036 铁路电力个人账户清退拨付: the online-banking payment chain (payment_chains.online_banking_chain), seed L1369.

「收业务提交的各部门和分管领导签字完成铁路电力医疗保险个人账户清退拨付汇总单后，登录网银」 「网银支付：出纳制单—一级复核—二级复核—三级复核—审批支付流程完成」
The example payees, accounts, amounts and document numbers are 示例 (examples).
"""

from __future__ import annotations

from ybj_kernel.domain.process import Material
from ybj_settlement.processes.payment_chains import online_banking_chain, summary_stage

EXAMPLE = {  # 示例
    "doc_no": "TL2026-11",
    "purpose": "铁路电力个人账户清退",
    "pay_cnt": 1,
    "pay_sumamt": "2345.60",
    "payees": [
        {
            "acct_name": "王五",
            "bank_acct": "6228480010001234567",
            "bank_name": "中国农业银行贵阳铁路支行",
            "amount": "2345.60",
        },
    ],
    "signed_by": "分管领导（示例）",
}

P036 = online_banking_chain(
    id="P036",
    slug="railway_power_account_refund_payment",
    name_zh="铁路电力个人账户清退拨付",
    summary_title="铁路（电力）分中心医疗保险个人账户清退汇总单",
    lead=(
        summary_stage(
            "leader_sign_off",
            "各部门和分管领导签字完成《铁路电力医疗保险个人账户清退拨付汇总单》并提交财务",
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
    materials=(Material("铁路（电力）分中心医疗保险个人账户清退汇总单"),),
    summary_example=EXAMPLE,
)
