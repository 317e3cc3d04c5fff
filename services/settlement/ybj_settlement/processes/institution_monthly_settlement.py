"""The shared flow `institution_monthly_settlement` (P079 两定月结算, P080 异地就医月结算) and the 拨付 tail every cycle uses.

申报 → 接收 → 违规扣款 → 生成 → 初审 → 复审 → 打印 → 合单 → 推送FES → 拨付 → 回写. Amounts are Decimal yuan with fen
precision; 申报 − 扣款 = 应拨, and 拨付 must pay exactly what the signed slips say. The calendar (rules/cycles.py
`P079.settlement_calendar`) is kept with the case: 「每月1-5日（节假日顺延）」 to declare, 「每月6日后」 to review,
「每月25前」 for the slips to reach finance; the stages carry the matching deadlines counted from the first day of the
month after the settled month (`period_opens`): 接收 by the rolled 5th, the reviews and slips by the 25th.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.documents import DocumentSpec
from ybj_kernel.domain.process import Check, Lookup, Material, ProcessDefinition, Stage
from ybj_kernel.domain.rules import run
from ybj_kernel.domain.validation import Admdvs, Money, bilingual
from ybj_kernel.errors import InvalidInput
from ybj_settlement.records import INSTITUTION_MONTH
from ybj_settlement.registries.deductions import DEDUCTION
from ybj_settlement.registries.deductions import month_key as deduction_month_key
from ybj_settlement.rules.cycles import DECLARATION_CLOSES, SETTLEMENT_CALENDAR, SLIPS_DUE

CENT = Decimal("0.01")
OPENS = "period_opens"  # the clocks of the month start on its first day (Declaration.period_opens)


class Declaration(BaseModel):
    """定点医药机构申请清算上月记账医疗费用; the declaration date is the application's date."""

    fixmedins_code: str = Field(pattern=r"^[HP]\d{11}$", description="定点医药机构编号 (H/P + 11 位)")
    fixmedins_name: str = Field(min_length=1, max_length=200, description="定点医药机构名称")
    admdvs: Admdvs = Field(description="统筹区医保区划")
    setl_ym: str = Field(pattern=r"^\d{4}(0[1-9]|1[0-2])$", description="结算年月 (YYYYMM)")
    insutype: Literal["310", "390", "510"] = Field(default="310", description="险种类型")
    setl_cnt: int = Field(ge=0, description="结算笔数")
    declared_amount: Money = Field(description="申报金额（元）")
    decl_date: date | None = Field(default=None, description="申报日期（系统记为当日，不得填写其他日期）")
    period_opens: date | None = Field(default=None, description="申报期开始日（结算年月的次月1日，由系统计算）")

    @field_validator("setl_ym")
    @classmethod
    def _past_month(cls, value: str, info: ValidationInfo) -> str:
        if value >= today_of(info).strftime("%Y%m"):
            raise bilingual("只能申请清算本月以前的记账费用", "setl_ym must be a month before the current one")
        return value

    @model_validator(mode="after")
    def _today(self, info: ValidationInfo) -> Declaration:
        today = today_of(info)
        if self.decl_date is not None and self.decl_date != today:
            raise bilingual("申报日期只能是当日", "decl_date must be today")
        self.decl_date = today
        year, month = int(self.setl_ym[:4]), int(self.setl_ym[4:])
        opens = date(year + month // 12, month % 12 + 1, 1)
        if self.period_opens is not None and self.period_opens != opens:
            raise bilingual("申报期开始日由结算年月确定，不得另填", "period_opens follows from setl_ym; do not set it")
        self.period_opens = opens
        return self


class Deduction(BaseModel):
    """One violation deduction: ordinary (违规扣款) or a multiple penalty (倍数处罚性扣款)."""

    kind: Literal["ordinary", "penalty"] = Field(description="ordinary 违规扣款 / penalty 倍数处罚性扣款")
    amount: Money = Field(description="扣款金额（元）")
    reason: str = Field(min_length=1, max_length=500, description="扣款原因")
    source: Literal["manual", "audit", "intelligent_review"] = Field(
        default="manual", description="违规处罚扣款 / 医疗费用审核扣款 / 智能审核扣款"
    )


class Deductions(BaseModel):
    """违规扣款处理: zero or more deductions against this declaration."""

    deductions: list[Deduction] = Field(default_factory=list, max_length=1000)


class Merge(BaseModel):
    """合单: the merged summary number that the signed paper carries."""

    merge_no: str = Field(min_length=1, max_length=40, description="汇总合单号")


class FesPush(BaseModel):
    """银医互联推送拨付: the finance interface serial number checked against the paper."""

    fes_serial_no: str = Field(min_length=1, max_length=40, description="财务接口流水号")


class Disbursement(BaseModel):
    """财务拨付: what finance actually paid."""

    disbursed_amount: Money = Field(description="实拨金额（元）")
    bank_voucher_no: str = Field(min_length=1, max_length=40, description="银行凭证号")


class WriteBack(BaseModel):
    """回写财务处理标识."""

    finance_flag: Literal["1"] = Field(default="1", description="财务处理标识 (1 已拨付)")


def yuan(amount: Decimal) -> str:
    """A Decimal as a yuan string with fen precision."""
    return str(amount.quantize(CENT))


def calendar_of(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """The month's calendar as the rule gives it; a late declaration is kept and flagged (on_time false), not refused."""
    raw = {"setl_ym": step["setl_ym"], "decl_date": str(step["decl_date"])}
    return {"calendar_input": raw, "calendar": run(SETTLEMENT_CALENDAR, raw, date.fromisoformat(raw["decl_date"]))}


def compared_with_records(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """The declaration beside the institution's settlement records of the month (their 统筹 total, reversals netted
    out): the difference is shown to the reviewer, with the records behind it at /api/v1/persons/…/settlements and the
    `institution_month` entry, and not refused (an institution may declare before its last records arrive)."""
    month = step.get(INSTITUTION_MONTH.field) or {}
    fund = Decimal(int(month.get("hifp_pay", 0))) / 100
    return {
        "records_cnt": int(month.get("count", 0)),
        "records_hifp_pay": yuan(fund),
        "declared_difference": yuan(Decimal(current["declared_amount"]) - fund),
        "declared_cnt_difference": int(current["setl_cnt"]) - int(month.get("count", 0)),
    }


# The deductions P078 put in force for the institution and month (违规扣款), read beside those entered here.
REGISTERED_DEDUCTIONS = Lookup("registered_deductions", DEDUCTION, deduction_month_key)


def total_deductions(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """Sum ordinary and penalty deductions, entered here and put in force by P078 (its 违规扣款 cases: a 倍数处罚性
    扣款 reduces the declared amount, an ordinary one the 统筹区 amount); together they may not exceed the declaration."""
    items = step.get("deductions", [])
    registered = step.get(REGISTERED_DEDUCTIONS.field) or {}
    ordinary = sum((Decimal(d["amount"]) for d in items if d["kind"] == "ordinary"), Decimal(0))
    penalty = sum((Decimal(d["amount"]) for d in items if d["kind"] == "penalty"), Decimal(0))
    ordinary += Decimal(int(registered.get("pool_deduction_fen", 0))) / 100
    penalty += Decimal(int(registered.get("declared_deduction_fen", 0))) / 100
    total = ordinary + penalty
    if total > Decimal(current["declared_amount"]):
        raise InvalidInput(
            "DEDUCTION_EXCEEDS_DECLARED",
            "扣款合计超过申报金额",
            "total deductions exceed the declared amount",
            "deductions",
        )
    return {"ordinary_deduction": yuan(ordinary), "penalty_deduction": yuan(penalty), "deduction_total": yuan(total)}


def payable(current: Mapping[str, Any], _step: Mapping[str, Any]) -> dict[str, Any]:
    """应拨金额 = 申报金额 − 扣款合计."""
    deducted = Decimal(current.get("deduction_total", "0"))
    return {"payable_amount": yuan(Decimal(current["declared_amount"]) - deducted)}


def disbursed_matches(field: str) -> Check:
    """拨付 must pay exactly the amount in `field` (金额须与签批单据一致)."""

    def check(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
        if Decimal(step["disbursed_amount"]) != Decimal(current[field]):
            raise InvalidInput(
                "AMOUNT_MISMATCH",
                f"实拨金额与应拨金额 {current[field]} 不一致",
                f"disbursed amount differs from the payable amount {current[field]}",
                "disbursed_amount",
            )

    return check


def payout_stages(
    amount_field: str,
    disbursed_example: str,
    variants: frozenset[str] = frozenset(),
    merge_name: str = "汇总合单及打印",
) -> tuple[Stage, ...]:
    """合单 → 推送FES → 拨付 → 回写, the tail of every cycle; 拨付 must equal `amount_field`."""
    return (
        Stage(
            "merge_and_print",
            merge_name,
            ("registrar",),
            "SummaryMerged",
            input=Merge,
            example={"merge_no": "HD001"},
            variants=variants,
        ),
        Stage(
            "push_to_fes",
            "银医互联推送拨付（录入汇总合单号或财务接口流水号，核对无误后推送FES系统）",
            ("registrar",),
            "DisbursementPushedToFes",
            input=FesPush,
            example={"fes_serial_no": "F1"},
            variants=variants,
        ),
        Stage(
            "disburse",
            "财务核对后进行拨付",
            ("finance",),
            "Disbursed",
            input=Disbursement,
            checks=(disbursed_matches(amount_field),),
            example={"disbursed_amount": disbursed_example, "bank_voucher_no": "B1"},
            variants=variants,
        ),
        Stage(
            "write_back",
            "实拨后系统自动回写或人工修改财务处理标识",
            ("system", "finance"),
            "DisbursementWrittenBack",
            input=WriteBack,
            variants=variants,
        ),
    )


def monthly_settlement(
    *,
    id: str,
    slug: str,
    name_zh: str,
    declarer_zh: str,
    subsystem_zh: str,
    summary_form: str,
    documents: tuple[DocumentSpec, ...] = (),
) -> ProcessDefinition:
    """One monthly settlement process of the shared flow; P079 and P080 differ in names, subsystem and forms (their
    拨付单据 and 汇总合单: documents/cycles.py)."""
    return ProcessDefinition(
        id=id,
        slug=slug,
        name_zh=name_zh,
        service="settlement",
        materials=(
            Material(summary_form, required=False, condition_zh="根据各统筹区经办管理决定是否需要同时报送纸质版"),
        ),
        stages=(
            Stage(
                "declare",
                f"{declarer_zh}通过联网系统申请清算上月记账医疗费用",
                ("institution",),
                "SettlementDeclared",
                input=Declaration,
                derive=calendar_of,
                example={
                    "fixmedins_code": "H52010000001",
                    "fixmedins_name": "贵阳市第一人民医院",
                    "admdvs": "520102",
                    "setl_ym": "202609",
                    "setl_cnt": 12,
                    "declared_amount": "100000.50",
                },
            ),
            Stage(
                "receive",
                f"月结算接收（{subsystem_zh}—两定月结算）",
                ("registrar",),
                "DeclarationReceived",
                due=DECLARATION_CLOSES,
                due_from=OPENS,
                lookups=(INSTITUTION_MONTH,),
                derive=compared_with_records,
            ),
            Stage(
                "violation_deduction",
                "违规扣款处理（违规处罚扣款/医疗费用审核扣款/智能审核扣款）",
                ("auditor",),
                "ViolationDeductionApplied",
                input=Deductions,
                lookups=(REGISTERED_DEDUCTIONS,),
                derive=total_deductions,
                example={"deductions": [{"kind": "ordinary", "amount": "100.25", "reason": "超限价"}]},
            ),
            Stage("generate", "月结算生成", ("registrar",), "SettlementGenerated", derive=payable),
            Stage(
                "first_review",
                "月结算初审",
                ("first_reviewer",),
                "FirstReviewApproved",
                review=True,
                batch=True,
                due=SLIPS_DUE,
                due_from=OPENS,
            ),
            Stage(
                "second_review",
                "月结算复审",
                ("second_reviewer",),
                "SecondReviewApproved",
                review=True,
                batch=True,
                due=SLIPS_DUE,
                due_from=OPENS,
            ),
            Stage(
                "print_slips",
                "月结算报表查询打印（拨付单据）",
                ("registrar",),
                "DisbursementSlipsPrinted",
                due=SLIPS_DUE,
                due_from=OPENS,
            ),
            *payout_stages("payable_amount", "99900.25", merge_name="月结算合单及打印"),
        ),
        documents=documents,
    )
