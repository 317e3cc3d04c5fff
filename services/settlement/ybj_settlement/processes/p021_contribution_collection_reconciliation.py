"""P021 基本医疗保险征缴实收对账（职工医保-单位、个人缴费）: the tax bureau's month against the platform's receipts.

1. 接收: the tax bureau's 《实际税务征收明细表》 rows (险种类型, 到账起止时间, the collection month) are kept in the case,
   with their totals (单位, 个人, 本月征收本月部分, 本月征收非本月部分).
2. 对账: the 税务代征数据对账 module's figures (单位应缴金额, 个人应缴金额, 单位划统筹金额, 单位划入个帐金额, 滞纳金, 利息) are
   entered; 单位 and 个人 are compared with the tax totals (`totals_match`).
3. 比对 (optional, 「数据有误差，导出对账起止期内所有缴费记录」): nothing is typed in. The platform's 缴费记录 are the ones
   enrollment recorded and published, as settlement keeps them (contributions.py): the step looks up the months of the
   到账起止时间 (`RECEIVED`), keeps the rows paid within it under the chosen 险种, and the rule
   `contribution_reconciliation` matches them against the tax rows: each person, 险种 and 所属期 missing on the
   platform, missing from the tax details, or paid another amount is a difference (the case keeps the rule's output as
   `reconciliation`; GET /api/v1/reconciliations/{case_id}/differences.xlsx lists them as Excel).
4. 误差处理 (optional): finance records the causes found with the tax and finance departments.
5. 《医保基金实收分配情况表》: refused while a gap has not been analysed (step 3) or a difference found not explained (step 4).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, model_validator

from ybj_kernel.domain.process import Material, ProcessDefinition, Stage
from ybj_kernel.domain.rules import run
from ybj_kernel.domain.validation import Money, bilingual
from ybj_kernel.errors import InvalidInput
from ybj_settlement.contributions import RECEIVED, received_between
from ybj_settlement.documents.adjustments import ALLOCATION_TABLE, RECONCILIATION_DIFFERENCES, difference_lines
from ybj_settlement.rules.adjustments import yuan
from ybj_settlement.rules.adjustments_reconciliation import MAX_ROWS, RECONCILIATION, YM, ContributionRow, Insutype

ZERO = Decimal("0.00")
# The 到账起止时间 of one reconciliation lie in at most this many calendar months: the matching step reads one month of
# received contributions per lookup (contributions.RECEIVED). A technical limit of this system, not a policy number.
MAX_ARRIVAL_MONTHS = len(RECEIVED)


class TaxDetails(BaseModel):
    """月《XX市/州实际税务征收明细表》: the period chosen and the rows."""

    insutypes: list[Insutype] = Field(min_length=1, max_length=4, description="险种类型")
    arrival_begin: date = Field(description="到账起始时间")
    arrival_end: date = Field(description="到账截止时间")
    collection_ym: str = Field(pattern=YM, description="税务征收月份 (YYYYMM)")
    tax_rows: list[ContributionRow] = Field(min_length=1, max_length=MAX_ROWS, description="实际税务征收明细")

    @model_validator(mode="after")
    def _consistent(self) -> TaxDetails:
        if self.arrival_end < self.arrival_begin:
            raise bilingual("到账截止时间不能早于到账起始时间", "arrival_end cannot be before arrival_begin")
        begin, end = self.arrival_begin, self.arrival_end
        if (end.year - begin.year) * 12 + end.month - begin.month >= MAX_ARRIVAL_MONTHS:
            raise InvalidInput(
                "ARRIVAL_PERIOD_TOO_LONG",
                f"到账起止时间至多跨{MAX_ARRIVAL_MONTHS}个自然月",
                f"the arrival period spans at most {MAX_ARRIVAL_MONTHS} calendar months",
                "arrival_end",
            )
        if len(set(self.insutypes)) != len(self.insutypes):
            raise bilingual("险种类型重复", "insutypes lists a 险种 twice")
        for i, row in enumerate(self.tax_rows):
            if row.insutype not in self.insutypes:
                raise InvalidInput(
                    "INSUTYPE_NOT_SELECTED",
                    f"第{i + 1}行险种类型 {row.insutype} 不在所选险种类型中",
                    f"row {i + 1}: insutype {row.insutype} is not among the chosen insutypes",
                    f"tax_rows.{i}.insutype",
                )
        return self


class PlatformFigures(BaseModel):
    """税务代征数据对账: the figures the platform module shows for the period."""

    emp_amt: Money = Field(description="单位应缴金额（元）")
    psn_amt: Money = Field(description="个人应缴金额（元）")
    emp_to_pool_amt: Money = Field(default=ZERO, description="单位划统筹金额（元）")
    emp_to_account_amt: Money = Field(default=ZERO, description="单位划入个帐金额（元）")
    late_fee_amt: Money = Field(default=ZERO, description="滞纳金（元）")
    interest_amt: Money = Field(default=ZERO, description="利息（元）")


class Causes(BaseModel):
    """通过基金财务科与税务部门、财政部门沟通，找出数据误差原因."""

    discrepancy_causes: str = Field(min_length=1, max_length=2000, description="误差原因")


class Allocation(BaseModel):
    """《医保基金实收分配情况表》's figures the clerk fills besides the tax totals."""

    emp_to_pool_amt: Money = Field(description="单位划入统筹金额（元）")
    emp_to_account_amt: Money = Field(description="单位划入个人帐户金额（元）")
    civil_servant_amt: Money = Field(default=ZERO, description="单位缴纳公务员补助金额（元）")


def _reconcile(current: Mapping[str, Any], platform: list[dict[str, Any]]) -> dict[str, Any]:
    raw = {"collection_ym": current["collection_ym"], "tax_rows": current["tax_rows"], "platform_rows": platform}
    return run(RECONCILIATION, raw, date.fromisoformat(str(current["arrival_end"])))


def tax_totals(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """The tax side's totals, from the rule run with no platform rows."""
    tax = _reconcile(step, [])["tax"]
    return {
        "tax_emp_amt": tax["emp_amt"],
        "tax_psn_amt": tax["psn_amt"],
        "tax_total_amt": tax["total_amt"],
        "current_month_amt": tax["current_month_amt"],
        "other_month_amt": tax["other_month_amt"],
    }


def compare_figures(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """单位 and 个人 of the platform module against the tax totals."""
    emp_gap = Decimal(current["tax_emp_amt"]) - Decimal(step["emp_amt"])
    psn_gap = Decimal(current["tax_psn_amt"]) - Decimal(step["psn_amt"])
    return {"totals_match": emp_gap == 0 and psn_gap == 0, "figures_gap_amt": str(emp_gap + psn_gap)}


def platform_rows(current: Mapping[str, Any], step: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The looked-up 缴费记录 paid within the case's 到账起止时间 under its 险种, as the matching rule's platform rows."""
    begin, end = date.fromisoformat(str(current["arrival_begin"])), date.fromisoformat(str(current["arrival_end"]))
    return [
        {
            "certno": r["certno"],
            "psn_no": r["psn_no"],
            "psn_name": r.get("psn_name"),
            "insutype": r["insutype"],
            "belong_ym": r["belong_ym"],
            "emp_no": r.get("emp_no"),
            "paid_amt": yuan(int(r["paid_fen"])),
        }
        for r in received_between(step, begin, end, frozenset(current["insutypes"]))
    ]


def compare_rows(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """Match the tax rows against enrollment's records; the case keeps the rule's whole output and the figures the
    forms print."""
    out = _reconcile(current, platform_rows(current, step))
    kept = {
        "reconciliation": out,
        "platform_total_amt": out["platform"]["total_amt"],
        "diff_total_amt": out["diff_total_amt"],
        "difference_count": out["difference_count"],
        "balanced": out["balanced"],
    }
    return {**kept, "difference_lines": difference_lines(kept)}


def check_settled(current: Mapping[str, Any], _step: Mapping[str, Any]) -> None:
    """「数据有误差…找出数据误差原因，核对无误后填写」: a gap is analysed, and differences are explained, first."""
    if not current.get("totals_match") and "reconciliation" not in current:
        raise InvalidInput(
            "DISCREPANCY_NOT_ANALYSED",
            "对账数据有误差，须先将税务征收明细与平台缴费记录比对",
            "the totals differ: compare the tax details with the platform's contribution records first",
        )
    if current.get("difference_count") and not current.get("discrepancy_causes"):
        raise InvalidInput(
            "DISCREPANCY_NOT_RESOLVED",
            f"比对发现{current['difference_count']}笔误差，须先查明误差原因",
            f"{current['difference_count']} differences were found: record their causes first",
            "discrepancy_causes",
        )


_TAX_EXAMPLE = dict(RECONCILIATION.example)
P021 = ProcessDefinition(
    id="P021",
    slug="contribution_collection_reconciliation",
    name_zh="基本医疗保险征缴实收对账（职工医保-单位、个人缴费）",
    service="settlement",
    materials=(
        Material("税务部门提供月《XX市/州实际税务征收明细表》"),
        Material("财务部门提供的《医保基金实收分配情况表》", required=False, condition_zh="对账结束时填写"),
    ),
    stages=(
        Stage(
            "receive_tax_details",
            "接收税务部门提供的月《XX市/州实际税务征收明细表》",
            ("tax_bureau", "registrar"),
            "TaxCollectionDetailsReceived",
            input=TaxDetails,
            derive=tax_totals,
            example={
                "insutypes": ["310"],
                "arrival_begin": "2026-12-01",
                "arrival_end": "2026-12-31",
                "collection_ym": _TAX_EXAMPLE["collection_ym"],
                "tax_rows": _TAX_EXAMPLE["tax_rows"],
            },
        ),
        Stage(
            "platform_reconciliation",
            "税务代征数据对账（选择险种类型、到账起止时间，查询对账数据并与税务部门提供的数据核对）",
            ("registrar",),
            "ReconciliationChecked",
            input=PlatformFigures,
            derive=compare_figures,
            example={"emp_amt": "400.00", "psn_amt": "120.00", "emp_to_pool_amt": "400.00"},
        ),
        Stage(
            "export_and_compare",
            "数据有误差时导出对账起止期内所有缴费记录，与税务征收明细比对，分析误差原因并列出误差数额",
            ("registrar",),
            "DiscrepancyAnalysed",
            optional=True,
            derive=compare_rows,
            lookups=RECEIVED,
        ),
        Stage(
            "resolve_discrepancy",
            "通过基金财务科与税务部门、财政部门沟通，找出数据误差原因",
            ("finance",),
            "DiscrepancyResolved",
            optional=True,
            input=Causes,
            example={
                "discrepancy_causes": (
                    "陈静202610期个人缴费5.00元为税务多征，待退；人员编号52000000000000000001的202612期80.00元"
                    "平台尚未记录缴费，转参保征缴科核实（示例）"
                )
            },
        ),
        Stage(
            "fill_allocation_table",
            "填写《医保基金实收分配情况表》，返基金财务科，结束税务对账",
            ("registrar",),
            "ReconciliationCompleted",
            input=Allocation,
            checks=(check_settled,),
            example={"emp_to_pool_amt": "400.00", "emp_to_account_amt": "0.00"},
        ),
    ),
    documents=(RECONCILIATION_DIFFERENCES, ALLOCATION_TABLE),
)
