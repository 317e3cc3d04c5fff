"""P038 其他支出（省外异地安置个人账户返还）: the online-banking payment chain (payment_chains.online_banking_chain), seed L1407.

「收业务提交的各部门和分管领导签字完成贵州省基本医疗保险省铁路外异地安置个人账户返回汇总单后，登录网银」 「网银支付：出纳制单—一级复核—二级复核—三级复核—审批支付流程完成」
The example payees, accounts, amounts and document numbers are 示例 (examples).
"""

from __future__ import annotations

from ybj_kernel.domain.process import Material
from ybj_settlement.processes.payment_chains import online_banking_chain, summary_stage

EXAMPLE = {  # 示例
    "doc_no": "YZ2026-11",
    "purpose": "省外异地安置个人账户返还",
    "pay_cnt": 1,
    "pay_sumamt": "3210.45",
    "payees": [
        {
            "acct_name": "张三",
            "bank_acct": "6222022402001234567",
            "bank_name": "中国工商银行贵阳市南明支行",
            "amount": "3210.45",
        },
    ],
    "signed_by": "分管领导（示例）",
}

P038 = online_banking_chain(
    id="P038",
    slug="out_of_province_resettlement_account_refund_payment",
    name_zh="其他支出（省外异地安置个人账户返还）",
    summary_title="贵州省基本医疗保险省外异地安置个人账户返回（铁路）",
    lead=(
        summary_stage(
            "leader_sign_off",
            "各部门和分管领导签字完成《贵州省基本医疗保险省铁路外异地安置个人账户返回汇总单》并提交财务",
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
    materials=(Material("贵州省基本医疗保险省外异地安置个人账户返回（铁路）"),),
    summary_example=EXAMPLE,
)
