"""Printed forms of the settlement cycles: the 拨付单 (one institution's slip) and the 合单 (the signed summary).

Every cycle ends 「…拨付单查询打印」 then 「…拨付汇总合单打印（…打印汇总单审核签批）」 and 银医互联推送拨付 (the tail of
processes/institution_monthly_settlement.py). A 拨付单 prints the institution, the period and the figures of its
case; a 合单 prints the 汇总合单号 the signed paper carries, the amount to pay and, once paid, the finance facts.
Field codes are the case data of the processes; a figure the case does not hold yet prints as 「—」. Titles contain the
catalogue's export_items (less 「（审核签批）」, which the 合单's note says): P079/P080 拨付单据 and 汇总合单, P083 总控清算表,
P084 保证金拨付单, P085 集采结余奖励拨付单, P086 预付金拨付单, 预付金拨付汇总合单 and 预付金清算汇总单.
"""

from __future__ import annotations

from ybj_kernel.domain.documents import DocumentField, DocumentSpec
from ybj_kernel.domain.process import COMPLETED

# The stages of the tail (payout_stages) and after: a 合单 exists once merge_and_print is done.
AFTER_MERGE = frozenset({"push_to_fes", "disburse", "write_back", COMPLETED})
INSTITUTION = (
    DocumentField("fixmedins_code", "医药机构编号"),
    DocumentField("fixmedins_name", "医药机构名称"),
    DocumentField("admdvs", "医保统筹区"),
)


def slips_from(print_stage: str) -> frozenset[str]:
    """A slip may be printed from its print stage to the end: the print stage itself and the whole tail."""
    return frozenset({print_stage, "merge_and_print"}) | AFTER_MERGE


def disbursement_slip(
    name: str,
    title_zh: str,
    figures: tuple[DocumentField, ...],
    *,
    print_stage: str,
    variants: frozenset[str] = frozenset(),
    note_zh: str | None = None,
    later: frozenset[str] = frozenset(),
) -> DocumentSpec:
    """拨付单 (or 清算表): the institution, then the case's `figures`, issuable from `print_stage` on (and at the
    `later` stages a process has after the tail, e.g. P086's 年终清算)."""
    return DocumentSpec(
        name=name,
        title_zh=title_zh,
        fields=(*INSTITUTION, *figures),
        stages=slips_from(print_stage) | later,
        variants=variants,
        note_zh=note_zh,
    )


def merge_summary(
    title_zh: str,
    amount_field: str,
    *,
    period: DocumentField,
    variants: frozenset[str] = frozenset(),
    later: frozenset[str] = frozenset(),
) -> DocumentSpec:
    """汇总合单: the number signed on paper, the amount finance must pay (拨付须与之一致) and what finance recorded;
    `later`: stages a process has after the tail, at which the 合单 may still be printed."""
    return DocumentSpec(
        name="merge-summary",
        title_zh=title_zh,
        fields=(
            DocumentField("merge_no", "汇总合单号"),
            period,
            *INSTITUTION,
            DocumentField(amount_field, "应拨金额", "money_yuan"),
            DocumentField("fes_serial_no", "财务接口流水号"),
            DocumentField("disbursed_amount", "实拨金额", "money_yuan"),
            DocumentField("bank_voucher_no", "银行凭证号"),
        ),
        stages=AFTER_MERGE | later,
        variants=variants,
        note_zh="审核签批：经办人、初审人、复审人、科室负责人签字后送财务；财务按应拨金额核对拨付。",
    )


OUTCOMES_ZH = {"reward": "结余奖励", "share": "超支分担", "balanced": "收支持平"}
KINDS_ZH = {"drug": "药品", "consumable": "耗材"}

# P083 定点医疗机构总控清算表 and 总控清算汇总合单（审核签批）.
P083_VARIANT = frozenset({"year_end_clearing"})
P083_DOCUMENTS = (
    disbursement_slip(
        "global-budget-clearing-statement",
        "定点医疗机构总控清算表",
        (
            DocumentField("year", "总控年度"),
            DocumentField("budget", "年度预算额度", "money_yuan"),
            DocumentField("actual_fund_expenditure", "年度实际医保基金支出", "money_yuan"),
            DocumentField("outcome", "清算结果", "code", OUTCOMES_ZH),
            DocumentField("surplus", "结余金额", "money_yuan"),
            DocumentField("overrun", "超支金额", "money_yuan"),
            DocumentField("preliminary_amount", "初步奖励或分担金额", "money_yuan"),
            DocumentField("adjustment", "调整金额", "money_yuan"),
            DocumentField("adjustment_reason", "调整原因"),
            DocumentField("institution_bears", "医疗机构承担超支金额", "money_yuan"),
            DocumentField("final_amount", "最终奖励或分担金额（应拨）", "money_yuan"),
        ),
        print_stage="print_clearing_statement",
        variants=P083_VARIANT,
    ),
    merge_summary(
        "年终总控清算汇总合单", "final_amount", period=DocumentField("year", "总控年度"), variants=P083_VARIANT
    ),
)

# P084 定点医药机构保证金拨付单 and 拨付汇总表合单（审核签批）.
P084_DOCUMENTS = (
    disbursement_slip(
        "deposit-disbursement-slip",
        "定点医药机构保证金拨付单",
        (
            DocumentField("year", "清算年度"),
            DocumentField("deposit_ratio", "预留保证金比例"),
            DocumentField("settled_amount", "年度月结算应拨总额", "money_yuan"),
            DocumentField("reserved", "预留保证金", "money_yuan"),
            DocumentField("annual_score", "年度考核评分"),
            DocumentField("violation_points", "违规扣分分值"),
            DocumentField("deducted", "应扣保证金", "money_yuan"),
            DocumentField("refund", "实际应拨返还保证金", "money_yuan"),
        ),
        print_stage="print_slips",
        note_zh="应扣保证金 + 实际应拨返还保证金 = 预留保证金。",
    ),
    merge_summary("保证金拨付汇总表合单", "refund", period=DocumentField("year", "清算年度")),
)

# P085 药品/耗材集采结余奖励拨付单 (one per variant) and 药品耗材集采结余奖励拨付合单.
P085_FIGURES = (
    DocumentField("year", "清算年度"),
    DocumentField("kind", "集采类别", "code", KINDS_ZH),
    DocumentField("item_cnt", "品种数"),
    DocumentField("surplus", "结余金额", "money_yuan"),
    DocumentField("assessment_coef", "结余奖励考核系数"),
    DocumentField("reward", "结余奖励（应拨）", "money_yuan"),
)
P085_DOCUMENTS = (
    disbursement_slip(
        "drug-reward-slip",
        "药品集采结余奖励拨付单",
        P085_FIGURES,
        print_stage="drug_reward_print",
        variants=frozenset({"drug"}),
    ),
    disbursement_slip(
        "consumable-reward-slip",
        "耗材集采结余奖励拨付单",
        P085_FIGURES,
        print_stage="consumable_reward_print",
        variants=frozenset({"consumable"}),
    ),
    merge_summary("药品耗材集采结余奖励拨付合单", "reward", period=DocumentField("year", "清算年度")),
)


# P079 两定 / P080 异地就医 月结算: 「逐一单笔打印拨付单据」 at 月结算报表查询打印, then 「汇总合单并打印审核签批」.
INSUTYPES_ZH = {"310": "职工基本医疗保险", "390": "城乡居民基本医疗保险", "510": "生育保险"}
MONTHLY_FIGURES = (
    DocumentField("setl_ym", "结算年月", "date"),
    DocumentField("insutype", "险种类型", "code", INSUTYPES_ZH),
    DocumentField("setl_cnt", "结算笔数"),
    DocumentField("decl_date", "申报日期", "date"),
    DocumentField("declared_amount", "申报金额", "money_yuan"),
    DocumentField("ordinary_deduction", "违规扣款", "money_yuan"),
    DocumentField("penalty_deduction", "倍数处罚性扣款", "money_yuan"),
    DocumentField("deduction_total", "扣款合计", "money_yuan"),
    DocumentField("payable_amount", "应拨金额（申报金额−扣款合计）", "money_yuan"),
)


def monthly_settlement_documents(settlement_zh: str) -> tuple[DocumentSpec, DocumentSpec]:
    """The 拨付单据 and the 汇总合单 of one monthly settlement process, titled after it (`settlement_zh`)."""
    return (
        disbursement_slip(
            "disbursement-slip",
            f"{settlement_zh}拨付单据",
            MONTHLY_FIGURES,
            print_stage="print_slips",
            note_zh="应拨金额 = 申报金额 − 扣款合计；每月25日前出具，推送财务拨付。",
        ),
        merge_summary(
            f"{settlement_zh}汇总合单", "payable_amount", period=DocumentField("setl_ym", "结算年月", "date")
        ),
    )


P079_DOCUMENTS = monthly_settlement_documents("定点医药机构费用月结算")
P080_DOCUMENTS = monthly_settlement_documents("异地就医医药机构费用月结算")

# P086 预付金拨付单 (预付金拨付生成), 预付金拨付汇总合单（打印汇总单审核签批） and, at the year end, 预付金清算汇总单.
PREPAY_TYPES_ZH = {"1": "年度预付", "2": "专项预付"}  # example codes (the seed names the field, not its codes)
PREPAY_FUNDS_ZH = {"310": "职工基本医疗保险统筹基金", "390": "城乡居民基本医疗保险基金"}
AFTER_CLEARING = frozenset({"clearing_write_back", "refund", COMPLETED})
P086_LATER = frozenset({"year_end_clearing"}) | AFTER_CLEARING
PREPAYMENT_YEAR = DocumentField("year", "预付年度")
P086_DOCUMENTS = (
    disbursement_slip(
        "prepayment-disbursement-slip",
        "预付金拨付单",
        (
            PREPAYMENT_YEAR,
            DocumentField("prepay_type", "预付金类型", "code", PREPAY_TYPES_ZH),
            DocumentField("fund_type", "统筹区基金类型", "code", PREPAY_FUNDS_ZH),
            DocumentField("requested_amount", "申请预付金额", "money_yuan"),
            DocumentField("monthly_avg_fund_payment", "上年度月均统筹基金支付额", "money_yuan"),
            DocumentField("prepayment_cap", "预付金核定上限", "money_yuan"),
            DocumentField("approved_amount", "核定预付金额（应拨）", "money_yuan"),
        ),
        print_stage="disbursement_generation",
        later=P086_LATER,
        note_zh="核定预付金额取申请金额与核定上限之较小者；年终清算时全额返还。",
    ),
    merge_summary("预付金拨付汇总合单", "approved_amount", period=PREPAYMENT_YEAR, later=P086_LATER),
    DocumentSpec(
        name="prepayment-clearing-summary",
        title_zh="预付金清算汇总单",
        fields=(
            DocumentField("clearing_no", "清算汇总单号"),
            PREPAYMENT_YEAR,
            *INSTITUTION,
            DocumentField("merge_no", "拨付汇总合单号"),
            DocumentField("disbursed_amount", "年初预拨预付金（实拨，应全额返还）", "money_yuan"),
            DocumentField("bank_voucher_no", "拨付银行凭证号"),
            DocumentField("refund_amount", "已返还金额", "money_yuan"),
            DocumentField("refund_voucher_no", "返还银行凭证号"),
        ),
        stages=AFTER_CLEARING,
        note_zh="根据年初预付金拨付数据生成，推送财务清算；定点医药机构根据清算通知全额返还年初预拨预付金。",
    ),
)
