"""P033 贵州省基本医疗保险转移拨付: the online-banking payment chain (payment_chains.online_banking_chain), seed L1294.

「收业务提交的各部门和分管领导签字完成贵州省基本医疗保险转出金额拨付汇总单后，登录网银」 「网银支付：出纳制单—一级复核—二级复核—三级复核—审批支付流程完成」 「付款确认处理：输入财务接口流水号，核对确认数据与纸质单据是否一致，一致则进行确认」
The example payees, accounts, amounts and document numbers are 示例 (examples).
"""

from __future__ import annotations

from ybj_kernel.domain.process import Material, Stage
from ybj_settlement.processes.payment_chains import confirmation_stage, online_banking_chain, summary_stage

EXAMPLE = {  # 示例
    "doc_no": "ZC2026-031",
    "purpose": "基本医疗保险转出金额",
    "pay_cnt": 1,
    "pay_sumamt": "15234.20",
    "payees": [
        {
            "acct_name": "成都市医疗保障事务中心",
            "bank_acct": "51001408337051500001",
            "bank_name": "中国建设银行成都新华支行",
            "amount": "15234.20",
        },
    ],
    "signed_by": "分管领导（示例）",
}

P033 = online_banking_chain(
    id="P033",
    slug="transfer_out_fund_payment",
    name_zh="贵州省基本医疗保险转移拨付",
    summary_title="贵州省基本医疗保险转出金额拨付汇总单",
    lead=(
        summary_stage(
            "leader_sign_off",
            "各部门和分管领导签字完成《贵州省基本医疗保险转出金额拨付汇总单》并提交财务",
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
    materials=(Material("贵州省基本医疗保险转出金额拨付汇总单"),),
    summary_example=EXAMPLE,
    tail=(
        confirmation_stage(
            "登录国家医疗保障系统—付款确认处理（输入财务接口流水号，核对确认数据与纸质单据是否一致）", EXAMPLE
        ),
        Stage("transfer_out_completed", "财务转出完成", ("system", "finance"), "TransferOutCompleted"),
    ),
)
