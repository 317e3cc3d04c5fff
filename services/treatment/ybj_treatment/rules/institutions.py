"""Rules of the institutions area (DOMAIN R26, R33, R34), as pure functions staff can try (试算) and processes run.

- `institution_parameters` (P063, P064; R33/R34): which 起付线、自付比例 and 清算保证金预留比例 are in force on a date
  and for a 期号, read off an institution's parameter versions: the reimbursement calculation and the clearing use
  the same function (`registries.institutions.parameters_on` / `deposit_ratio_for`). The seed gives no values.
- `admission_statements` (P065, P066; R26): 「近三个月经营状况统计及会计报表」 must cover the three months before the
  application. Which three months is an assumption: the three calendar months before the month of application (that
  month's statements are not closed yet).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, model_validator

from ybj_kernel.domain.rules import Reason, Rule, RuleContext, Verdict
from ybj_kernel.domain.validation import bilingual
from ybj_treatment.registries.institutions import Period, Ratio, deposit_ratio_for, parameters_on, ratio_text

SEED = "seeds/001_42c4e4a66414dc3e.txt"


# ---- R33/R34 parameters in force ---------------------------------------------------------------------------------


class ParameterVersionIn(BaseModel):
    """One parameter version of an institution, as the registry keeps it (起付线 in fen)."""

    exe_date: date = Field(description="执行日期")
    dedc_std: int | None = Field(default=None, ge=0, description="起付线（分）")
    selfpay_prop: Ratio | None = Field(default=None, description="自付比例")
    dpst_prop: Ratio | None = Field(default=None, description="清算保证金预留比例")
    exe_prd: Period | None = Field(default=None, description="执行期号 (YYYYMM)")


class ParametersInput(BaseModel):
    """An institution's parameter versions (oldest first), the visit date and, optionally, a clearing 期号."""

    parameters: list[ParameterVersionIn] = Field(min_length=1, description="参数版本（按执行日期先后）")
    on: date = Field(description="就诊日期 / 查询日期")
    period: Period | None = Field(default=None, description="清算期号 (YYYYMM)")

    @model_validator(mode="after")
    def _in_order(self) -> ParametersInput:
        dates = [v.exe_date for v in self.parameters]
        if dates != sorted(dates):
            raise bilingual("参数版本须按执行日期先后排列", "the versions must be in order of exe_date")
        return self


class ParametersOutput(BaseModel):
    """The version in force on the date (None before the first) and the 预留比例 for the 期号."""

    in_force: bool = Field(description="该日是否已有执行中的参数")
    exe_date: date | None = Field(default=None, description="所依据版本的执行日期")
    dedc_std: int | None = Field(default=None, description="起付线（分）")
    dedc_std_yuan: Decimal | None = Field(default=None, description="起付线（元）")
    selfpay_prop: str | None = Field(default=None, description="自付比例")
    dpst_prop: str | None = Field(default=None, description="清算保证金预留比例（该日）")
    period_dpst_prop: str | None = Field(default=None, description="清算保证金预留比例（该期号）")


def parameters_rule() -> Rule[ParametersInput, ParametersOutput]:
    """R33/R34: the parameters in force on a date are those of the latest version whose 执行日期 is not after it."""

    def fn(inp: ParametersInput, ctx: RuleContext) -> ParametersOutput:
        versions = [
            {
                **v.model_dump(mode="json"),
                "selfpay_prop": ratio_text(v.selfpay_prop) if v.selfpay_prop is not None else None,
                "dpst_prop": ratio_text(v.dpst_prop) if v.dpst_prop is not None else None,
            }
            for v in inp.parameters
        ]
        state = {"parameters": versions}
        period = deposit_ratio_for(state, inp.period) if inp.period else None
        found = parameters_on(state, inp.on)
        if found is None:
            return ParametersOutput(in_force=False, period_dpst_prop=period)
        fen = found.get("dedc_std")
        return ParametersOutput(
            in_force=True,
            exe_date=date.fromisoformat(found["exe_date"]),
            dedc_std=fen,
            dedc_std_yuan=(Decimal(fen) / 100).quantize(Decimal("0.01")) if fen is not None else None,
            selfpay_prop=found.get("selfpay_prop"),
            dpst_prop=found.get("dpst_prop"),
            period_dpst_prop=period,
        )

    return Rule(
        id="institution_parameters",
        process_id="P063",
        also_applies_to=("P064",),
        name_zh="定点医药机构参数的执行版本（起付线、自付比例、清算保证金预留比例）",
        name_en="institution parameters in force on a date (deductible, copay, clearing deposit ratio)",
        source_zh="P063「起付线、自付比例修改……录入起付线、自付比例、执行日期等信息，点击保存」；"
        "P063/P064「清算保证金预留比例修改……录入执行期号等信息，点击保存」",
        source_ref=f"{SEED} L3103-3117, L3378-3386",
        input_model=ParametersInput,
        output_model=ParametersOutput,
        fn=fn,
        example={  # example values, not policy: the seed gives no 起付线 or 比例
            "parameters": [
                {
                    "exe_date": "2026-12-01",
                    "dedc_std": 80000,
                    "selfpay_prop": "0.15",
                    "dpst_prop": "0.05",
                    "exe_prd": "202612",
                },
                {
                    "exe_date": "2027-01-01",
                    "dedc_std": 100000,
                    "selfpay_prop": "0.20",
                    "dpst_prop": "0.05",
                    "exe_prd": "202612",
                },
            ],
            "on": "2026-12-20",
            "period": "202701",
        },
    )


# ---- R26 近三个月经营状况统计及会计报表 ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementsPolicy:
    """How many months of 经营状况统计及会计报表 an admission needs (seed: 近三个月)."""

    months: int = 3


class StatementsInput(BaseModel):
    """The months the handed-in statements cover, and the application date (default: today)."""

    stmt_months: list[Period] = Field(description="经营状况统计及会计报表所属年月 (YYYYMM)")
    applied_on: date | None = Field(default=None, description="申请日期（默认今天）")


class StatementsOutput(Verdict):
    """The months needed and those missing."""

    required_months: list[str] = Field(description="须提供的年月")
    missing_months: list[str] = Field(description="缺少的年月")


def months_before(day: date, count: int) -> list[str]:
    """The `count` calendar months before the month of `day`, oldest first, as YYYYMM."""
    index = day.year * 12 + day.month - 1
    return [f"{(i // 12):04d}{(i % 12) + 1:02d}" for i in range(index - count, index)]


def statements_rule(policy: StatementsPolicy = StatementsPolicy()) -> Rule[StatementsInput, StatementsOutput]:
    """R26: the statements cover each of the N calendar months before the month of application."""

    def fn(inp: StatementsInput, ctx: RuleContext) -> StatementsOutput:
        required = months_before(inp.applied_on or ctx.today, policy.months)
        missing = [m for m in required if m not in set(inp.stmt_months)]
        reasons = []
        if missing:
            reasons.append(
                Reason(
                    code="STATEMENTS_INCOMPLETE",
                    message_zh=f"须提供近{policy.months}个月经营状况统计及会计报表，缺少：{'、'.join(missing)}",
                    message_en=f"the statements of the last {policy.months} months are needed; missing {', '.join(missing)}",
                    field="stmt_months",
                )
            )
        return StatementsOutput(allowed=not missing, reasons=reasons, required_months=required, missing_months=missing)

    return Rule(
        id="admission_statements",
        process_id="P065",
        also_applies_to=("P066",),
        name_zh="近三个月经营状况统计及会计报表",
        name_en="operating statements of the last three months",
        source_zh="P065「6．近三个月经营状况统计及会计报表；」P066「（六）近三个月经营状况统计及会计报表；」",
        source_ref=f"{SEED} L3550, L3689",
        input_model=StatementsInput,
        output_model=StatementsOutput,
        fn=fn,
        example={"stmt_months": ["202609", "202610", "202611"], "applied_on": "2026-12-05"},
        parameters={"months": policy.months},
    )


PARAMETERS = parameters_rule()
STATEMENTS = statements_rule()
RULES: tuple[Rule[Any, Any], ...] = (PARAMETERS, STATEMENTS)
