"""P078 医药机构违规扣款: 人工审核扣款 or 智能审核扣款 → 违规扣款生成 → 初审 → 复审; one case is one deduction.

「根据人工审核、稽核出具的违规扣款数据逐条录入或批量导入扣款信息」 / 「接收智能审核系统推送的违规扣款数据信息」: the first
stage of each variant is a batch stage (one row a case; a batch upload stops before 生成). The 人工审核 entry names the
decision it comes from (处理决定书编号); the 智能审核 entry names the supervision case (P072 受理号) that confirmed the
violation. 生成 runs the rule `violation_deduction` exactly as a trial does (the case keeps `deduction_input` and
`deduction`); an entered 应扣款金额 must be what the rule computes. Completing the case (after 复审) puts the deduction
in force in the `deduction` registry for the institution and month it applies to; stepping back removes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from ybj_kernel.domain.process import Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.rules import evaluate, refusal, run
from ybj_kernel.domain.validation import Admdvs, Money, bilingual
from ybj_kernel.errors import InvalidInput
from ybj_settlement.documents.adjustments import DEDUCTION_DETAIL
from ybj_settlement.registries.deductions import YM, add_effect
from ybj_settlement.rules.adjustments import DEDUCTION

MANUAL, INTELLIGENT = "manual_review", "intelligent_review"
FUND_TYPES = {"310100": "职工基本医疗保险统筹基金", "390100": "城乡居民基本医疗保险基金", "510100": "生育保险基金"}


class Violation(BaseModel):
    """录入医保统筹区、医保分中心、违规金额、扣款倍数、应扣款金额、违规起止日期、扣款基金类型, for one institution."""

    fixmedins_code: str = Field(pattern=r"^[HP]\d{11}$", description="医药机构编号")
    fixmedins_name: str | None = Field(default=None, max_length=200, description="医药机构名称")
    admdvs: Admdvs = Field(description="医保统筹区")
    subcenter: str | None = Field(default=None, max_length=100, description="医保分中心")
    setl_ym: str = Field(pattern=YM, description="扣款所属清算年月 (YYYYMM，扣减该月月结算)")
    vola_amt: Money = Field(gt=0, description="违规金额（元）")
    multiple: Decimal = Field(default=Decimal(1), gt=0, le=100, max_digits=6, decimal_places=2, description="扣款倍数")
    kind: Literal["ordinary", "penalty"] = Field(description="ordinary 违规扣款 / penalty 倍数处罚性扣款")
    deduct_amt: Money | None = Field(default=None, description="应扣款金额（元，录入时须与核算一致；不填由系统核算）")
    vola_begndate: date = Field(description="违规开始日期")
    vola_enddate: date = Field(description="违规结束日期")
    fund_type: Literal["310100", "390100", "510100"] = Field(description="扣款基金类型")

    @model_validator(mode="after")
    def _period(self) -> Violation:
        if self.vola_enddate < self.vola_begndate:
            raise bilingual("违规结束日期不能早于违规开始日期", "vola_enddate cannot be before vola_begndate")
        return self


class ManualEntry(Violation):
    """人工审核扣款: the deduction from a manual review or an inspection (稽核), with its decision."""

    decision_no: str = Field(pattern=r"^\S{1,60}$", description="处理决定书编号（人工审核/稽核出具）")
    reason: str = Field(min_length=1, max_length=500, description="违规事由")


class IntelligentEntry(Violation):
    """智能审核扣款: the deduction pushed by intelligent review, naming the supervision case (P072) it comes from."""

    supervision_case_no: str = Field(
        pattern=r"^\S{1,60}$", description="智能审核违规编号（P072 认定的违规；监管推送时为其违规登记键）"
    )
    supervision_case_id: str | None = Field(default=None, max_length=40, description="智能审核案件编号（P072）")
    mdtrt_id: str | None = Field(default=None, max_length=30, description="就诊流水号")


def _rule_input(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"vola_amt": data["vola_amt"], "multiple": data["multiple"], "kind": data["kind"]}


def _on(data: Mapping[str, Any]) -> date:
    """The rule's date: the violation's end (the rule reads no date; a fixed one keeps the case reproducible)."""
    return date.fromisoformat(str(data["vola_enddate"]))


def check_deduction(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The kind and the multiple agree, and an entered 应扣款金额 is what the rule computes."""
    out = evaluate(DEDUCTION, _rule_input(step), _on(step))
    if (error := refusal(out)) is not None:
        raise error
    entered = step.get("deduct_amt")
    if entered is not None and Decimal(str(entered)) != Decimal(out.deduct_amt):
        raise InvalidInput(
            "DEDUCTION_AMOUNT_MISMATCH",
            f"应扣款金额 {entered} 元与核算金额 {out.deduct_amt} 元（违规金额×扣款倍数）不一致",
            f"deduct_amt {entered} differs from vola_amt × multiple = {out.deduct_amt}",
            "deduct_amt",
        )


def source_of(data: Mapping[str, Any]) -> str:
    """The deduction's source: the supervision case it comes from, or the manual decision."""
    if data.get("supervision_case_no"):
        return f"supervision:{data['supervision_case_no']}"
    return f"manual:{data['decision_no']}"


def generate(current: Mapping[str, Any], _step: Mapping[str, Any]) -> dict[str, Any]:
    """违规扣款生成: the rule's input and output, and the figures the forms print."""
    rule_input = _rule_input(current)
    out = run(DEDUCTION, rule_input, _on(current))
    return {
        "deduction_input": rule_input,
        "deduction": out,
        "deduct_amt": out["deduct_amt"],
        "reduces": out["reduces"],
        "reduces_zh": out["reduces_zh"],
        "source": source_of(current),
    }


def effects(data: Mapping[str, Any], _variant: str | None) -> Sequence[Effect]:
    """复审 passed: the deduction is in force for its institution-month."""
    out = data["deduction"]
    return [
        add_effect(
            str(data["fixmedins_code"]),
            str(data["setl_ym"]),
            source_of(data),
            str(data["kind"]),
            int(out["deduct_fen"]),
            str(out["reduces"]),
        )
    ]


_VIOLATION = {
    "fixmedins_code": "H52010200001",
    "fixmedins_name": "贵阳市第一人民医院",
    "admdvs": "520102",
    "setl_ym": "202611",
    "vola_begndate": "2026-10-01",
    "vola_enddate": "2026-10-31",
    "fund_type": "310100",
}

P078 = ProcessDefinition(
    id="P078",
    slug="institution_violation_deduction",
    name_zh="医药机构违规扣款",
    service="settlement",
    variants=(Variant(MANUAL, "人工审核扣款"), Variant(INTELLIGENT, "智能审核扣款")),
    materials=(
        Material("《人工审核/智能审核违规扣款明细表》"),
        Material("《人工审核/智能审核违规扣款汇总表》"),
    ),
    stages=(
        Stage(
            "manual_deduction_entry",
            "人工审核扣款（录入医药机构编号及扣款信息；逐条录入或批量导入）",
            ("registrar",),
            "DeductionRegistered",
            input=ManualEntry,
            checks=(check_deduction,),
            variants=frozenset({MANUAL}),
            batch=True,
            example={
                **_VIOLATION,
                "vola_amt": "1234.57",
                "multiple": "2",
                "kind": "penalty",
                "deduct_amt": "2469.14",
                "decision_no": "黔医保稽〔2026〕18号",
                "reason": "串换药品",
            },
        ),
        Stage(
            "intelligent_deduction_receive",
            "智能审核扣款（接收智能审核系统推送的违规扣款信息；逐条接收或批量接收）",
            ("system", "registrar"),
            "IntelligentDeductionsReceived",
            input=IntelligentEntry,
            checks=(check_deduction,),
            variants=frozenset({INTELLIGENT}),
            batch=True,
            example={
                **_VIOLATION,
                "vola_amt": "356.80",
                "kind": "ordinary",
                "supervision_case_no": "4052010220261201000001",
                "mdtrt_id": "MD202610150001",
            },
        ),
        Stage(
            "generate",
            "违规扣款生成（系统根据扣款规则自动核算生成扣款信息）",
            ("system", "registrar"),
            "DeductionGenerated",
            derive=generate,
        ),
        Stage("first_review", "违规扣款初审", ("first_reviewer",), "FirstReviewApproved", review=True),
        Stage("second_review", "违规扣款复审", ("second_reviewer",), "SecondReviewApproved", review=True),
    ),
    effects=effects,
    documents=(DEDUCTION_DETAIL,),
)
