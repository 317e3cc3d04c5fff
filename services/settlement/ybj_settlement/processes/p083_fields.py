"""P083's inputs and calculations: the 年初 parameters and budget, the 年终 accounting, adjustment and clearing.

Both calculations are the rules of rules/cycles.py, run on the case's figures, their input and output kept with the
case: `P083.global_budget` at 年度预算额参数生成, `P083.year_end_clearing` at 年度总控核算 (no adjustment) and again at
年度总控清算 (with the adjustment decided, 「根据初步总控计算和调整后的数据计算生成最终…奖励或分担金额」). The rule's
figures are copied flat onto the case for the 清算表 and the 拨付 (拨付 must equal `final_amount`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, model_validator

from ybj_kernel.domain.rules import run
from ybj_kernel.domain.validation import Admdvs, Money, bilingual
from ybj_settlement.rules.cycles import GLOBAL_BUDGET, YEAR_END_CLEARING

PERIOD = r"^\d{4}(0[1-9]|1[0-2])$"


class Institution(BaseModel):
    """The 定点医疗机构 and the 总控年度 a case is about."""

    fixmedins_code: str = Field(pattern=r"^H\d{11}$", description="定点医疗机构编号 (H + 11 位)")
    fixmedins_name: str = Field(min_length=1, max_length=200, description="定点医疗机构名称")
    admdvs: Admdvs = Field(description="统筹区医保区划")
    year: int = Field(ge=2000, le=2100, description="总控年度")


class GrowthParameters(Institution):
    """年度医保基金支出测算增幅录入: one row of 《XX年度医疗保险付费总额控制指标参数表》."""

    begin_period: str = Field(pattern=PERIOD, description="开始期号 (YYYYMM)")
    end_period: str = Field(pattern=PERIOD, description="结束期号 (YYYYMM)")
    control_type: str = Field(min_length=1, max_length=40, description="总额控制类别（统筹区自定义）")
    visit_ratio_coef: Decimal = Field(
        description="本年度人次人头比调节系数", ge=0, le=10, max_digits=8, decimal_places=4
    )
    avg_cost_coef: Decimal = Field(description="本年度次均费用调节系数", ge=0, le=10, max_digits=8, decimal_places=4)
    growth_rate: Decimal = Field(description="本年度基金支出测算增幅", ge=-1, le=10, max_digits=8, decimal_places=4)
    high_cost_growth_rate: Decimal = Field(
        default=Decimal("0"),
        description="本年度高额住院医疗费用基金支出增幅",
        ge=-1,
        le=10,
        max_digits=8,
        decimal_places=4,
    )

    @model_validator(mode="after")
    def _periods_in_year(self) -> GrowthParameters:
        if self.begin_period > self.end_period:
            raise bilingual("开始期号不能晚于结束期号", "begin_period must not be after end_period")
        if {self.begin_period[:4], self.end_period[:4]} != {str(self.year)}:
            raise bilingual("开始期号和结束期号须在总控年度内", "begin_period and end_period must lie in year")
        return self


class BudgetBase(BaseModel):
    """年度预算额参数生成: last year's fund expenditure the budget grows from."""

    base_fund_expenditure: Money = Field(description="上年度医保基金支出（元，含高额住院）")
    high_cost_base: Money = Field(default=Decimal("0.00"), description="上年度高额住院医疗费用基金支出（元）")


class QuotaAdjustment(BaseModel):
    """年度月结算额度调整: the twelve monthly quotas as adjusted; the annual budget becomes their sum."""

    monthly_quotas: list[Money] = Field(min_length=12, max_length=12, description="1-12月月结算额度（元）")
    reason: str = Field(min_length=1, max_length=500, description="调整原因")


class AccountingParameters(Institution):
    """年度总控核算参数生成: the budget approved at the start of the year and what the fund actually paid."""

    budget: Money = Field(description="年度预算额度（元，年初复审通过的额度）")
    actual_fund_expenditure: Money = Field(description="年度实际医保基金支出（元）")


class AccountingAdjustment(BaseModel):
    """年度总控核算调整: 根据相关政策调整奖励或分担金额 (negative lowers it)."""

    adjustment: Decimal = Field(max_digits=16, decimal_places=2, description="奖励或分担调整金额（元，可为负）")
    adjustment_reason: str = Field(min_length=1, max_length=500, description="调整依据（政策或特殊情况）")


def _on(current: Mapping[str, Any]) -> date:
    return date(int(current["year"]), 1, 1)


def budget_generated(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """年度预算额参数生成: `P083.global_budget` on the reviewed parameters and last year's expenditure."""
    raw = {
        "year": current["year"],
        "base_fund_expenditure": str(step["base_fund_expenditure"]),
        "high_cost_base": str(step.get("high_cost_base", "0.00")),
        **{k: str(current[k]) for k in ("growth_rate", "high_cost_growth_rate", "visit_ratio_coef", "avg_cost_coef")},
    }
    out = run(GLOBAL_BUDGET, raw, _on(current))
    return {
        "budget_input": raw,
        "budget_output": out,
        "generated_budget": out["budget"],
        "budget": out["budget"],
        "monthly_quotas": out["monthly_quotas"],
    }


def quotas_adjusted(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """月结算额度调整: the adjusted quotas stand and the budget is their sum, to the fen."""
    quotas = [Decimal(str(q)) for q in step["monthly_quotas"]]
    return {"monthly_quotas": [str(q) for q in quotas], "budget": str(sum(quotas, Decimal("0.00")))}


def _clearing(current: Mapping[str, Any], adjustment: str) -> tuple[dict[str, Any], dict[str, Any]]:
    raw = {
        "year": current["year"],
        "budget": str(current["budget"]),
        "actual_fund_expenditure": str(current["actual_fund_expenditure"]),
        "adjustment": adjustment,
    }
    return raw, run(YEAR_END_CLEARING, raw, _on(current))


def accounted(current: Mapping[str, Any], _step: Mapping[str, Any]) -> dict[str, Any]:
    """年度总控核算: the preliminary 奖励 or 分担 (no adjustment yet)."""
    raw, out = _clearing(current, "0.00")
    return {
        "accounting_input": raw,
        "accounting_output": out,
        "outcome": out["outcome"],
        "preliminary_amount": out["preliminary_amount"],
    }


def adjusted(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """An adjustment that would make the amount negative is refused now (the rule's ADJUSTMENT_TOO_LARGE)."""
    _clearing(current, str(step["adjustment"]))


def cleared(current: Mapping[str, Any], _step: Mapping[str, Any]) -> dict[str, Any]:
    """年度总控清算: the rule again with the adjustment decided (0 when the adjustment step was skipped)."""
    raw, out = _clearing(current, str(current.get("adjustment", "0.00")))
    return {"clearing_input": raw, "clearing_output": out, **out}
