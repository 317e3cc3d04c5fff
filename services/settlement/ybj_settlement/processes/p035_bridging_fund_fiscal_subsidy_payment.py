"""P035 铺垫资金财政补助拨付: the online-banking payment chain (payment_chains.online_banking_chain), seed L1352.

「收业务提交的各部门和分管领导签字完成铺垫资金财政补助拨付审批表后，登录网银」 「网银支付：出纳制单—一级复核—二级复核—三级复核—审批支付流程完成」 「拨付的金额为财政补助部分」
The example payees, accounts, amounts and document numbers are 示例 (examples).
"""

from __future__ import annotations

from ybj_kernel.domain.process import Material
from ybj_settlement.processes.payment_chains import online_banking_chain, summary_stage

EXAMPLE = {  # 示例
    "doc_no": "PD2026-01",
    "purpose": "铺垫资金财政补助",
    "pay_cnt": 1,
    "pay_sumamt": "500000.00",
    "payees": [
        {
            "acct_name": "贵阳市第一人民医院",
            "bank_acct": "2402000109200012345",
            "bank_name": "中国工商银行贵阳中华北路支行",
            "amount": "500000.00",
        },
    ],
    "signed_by": "分管领导（示例）",
}

P035 = online_banking_chain(
    id="P035",
    slug="bridging_fund_fiscal_subsidy_payment",
    name_zh="铺垫资金财政补助拨付",
    summary_title="铺垫资金财政补助拨付审批表",
    lead=(
        summary_stage(
            "leader_sign_off",
            "各部门和分管领导签字完成《铺垫资金财政补助拨付审批表》并提交财务",
            "PaymentSummarySigned",
            EXAMPLE,
        ),
    ),
    stage_names=(
        "登录网银—出纳制单（根据审批表明细进行制单，录入收款人户名、账号、开户行、金额）",
        "一级复核",
        "二级复核",
        "三级复核",
        "审批支付流程完成",
    ),
    materials=(Material("铺垫资金财政补助拨付审批表"),),
    summary_example=EXAMPLE,
)
