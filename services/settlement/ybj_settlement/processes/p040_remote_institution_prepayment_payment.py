"""P040 异地就医两定机构预付款拨付: the online-banking payment chain (payment_chains.online_banking_chain), seed L1457.

「网银支付：出纳制单—一级复核—二级复核—三级复核—审批支付流程完成」 「收局长办公会会议纪要后，根据会议纪要内容，按会议纪要通过金额进行制单」
The example payees, accounts, amounts and document numbers are 示例 (examples).
"""

from __future__ import annotations

from ybj_kernel.domain.process import Material
from ybj_settlement.processes.payment_chains import online_banking_chain, summary_stage

EXAMPLE = {  # 示例
    "doc_no": "局办纪〔2026〕12号",
    "purpose": "异地就医两定机构预付款",
    "pay_cnt": 2,
    "pay_sumamt": "500000.00",
    "payees": [
        {
            "acct_name": "贵阳市第一人民医院",
            "bank_acct": "2402000109200012345",
            "bank_name": "中国工商银行贵阳中华北路支行",
            "amount": "300000.00",
        },
        {
            "acct_name": "遵义市第二人民医院",
            "bank_acct": "52050164363600000123",
            "bank_name": "中国建设银行遵义分行营业部",
            "amount": "200000.00",
        },
    ],
    "signed_by": "分管领导（示例）",
}

P040 = online_banking_chain(
    id="P040",
    slug="remote_institution_prepayment_payment",
    name_zh="异地就医两定机构预付款拨付",
    summary_title="局长办公会会议纪要",
    lead=(
        summary_stage(
            "directors_meeting_decision", "局长办公会会议纪要（确定预付款金额）", "PrepaymentApprovedByMeeting", EXAMPLE
        ),
    ),
    stage_names=(
        "登录网银—出纳制单（根据会议纪要通过金额进行制单，录入收款人户名、账号、开户行、金额）",
        "一级复核",
        "二级复核",
        "三级复核",
        "审批支付流程完成",
    ),
    materials=(Material("局长办公会会议纪要"),),
    summary_example=EXAMPLE,
)
