"""P011 单位欠费补缴: a unit pays an employee's arrears for 开始期号 … 结束期号, with the late fee, in one row (one case).

Batch mode (批量模式) is the usual way in; a single row is one employee. The late fee is the rule `late_fee` (「从欠缴之日起，
按日加收千分之二的滞纳金」, rounded half-up to the fen) for each month, and the restoration of benefits the rule
`benefit_restoration` (「自补足所欠基本医疗保险费的次月起恢复基本医疗保险待遇」): the same functions staff try, their
figures kept on the case. Completion records each month as paid on the person (with its late fee in fen).

When a month's contribution falls into arrears is not in the seeds: `ARREARS_FROM` below is an example setting
(the first day of the following month). Nor is any interest rate: 利息征收标志 1 is refused until one is configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ybj_enrollment.processes.fields import PersonLookup, fen, today_or_earlier
from ybj_enrollment.registries.codes import Insutype, psn_no_for
from ybj_enrollment.rule_models import Period
from ybj_enrollment.rules import RULES
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.rules import run
from ybj_kernel.domain.validation import Money, bilingual
from ybj_kernel.errors import InvalidInput

MAX_MONTHS = 120  # one row's span: a technical bound on the case's size, not a policy number


@dataclass(frozen=True)
class ArrearsPolicy:
    """What the seeds leave open. EXAMPLE VALUES: the day a month's contribution is in arrears, and the interest rate."""

    arrears_day: int = 1  # a month's contribution is in arrears from this day of the following month (example)
    interest_daily_rate: Decimal | None = None  # not in the seeds: 利息征收标志 1 is refused while it is None


ARREARS_FROM = ArrearsPolicy()


def _month_index(ym: str) -> int:
    return int(ym[:4]) * 12 + int(ym[4:]) - 1


def periods(begn_ym: str, end_ym: str) -> list[str]:
    """The 期号 from 开始期号 to 结束期号, both included (YYYYMM)."""
    return [f"{n // 12:04d}{n % 12 + 1:02d}" for n in range(_month_index(begn_ym), _month_index(end_ym) + 1)]


def arrears_date(ym: str, policy: ArrearsPolicy = ARREARS_FROM) -> date:
    """欠缴之日 of period `ym`: the configured day of the month after it."""
    following = _month_index(ym) + 1
    return date(following // 12, following % 12 + 1, policy.arrears_day)


class BackPayment(PersonLookup):
    """补缴条件 for one employee of the unit: 险种信息、开始期号、结束期号、利息/滞纳金征收标志、退收范围, and the amounts."""

    emp_no: str = Field(min_length=1, max_length=30, description="单位编号")
    emp_name: str = Field(min_length=1, max_length=200, description="单位名称")
    insutype: Insutype = Field(default="310", description="险种信息 (310 职工基本医疗保险, 510 生育保险)")
    begn_ym: Period = Field(description="开始期号 (YYYYMM，第一个欠缴月份)")
    end_ym: Period = Field(description="结束期号 (YYYYMM，含)")
    due_amt: Money = Field(gt=0, description="每月欠缴金额（元）")
    intr_flag: Literal["0", "1"] = Field(default="0", description="利息征收标志 (0 不征收, 1 征收)")
    late_fee_flag: Literal["0", "1"] = Field(default="1", description="滞纳金征收标志 (0 不征收, 1 征收)")
    refund_scope: str | None = Field(default=None, max_length=6, description="退收范围 (代码，按国家代码表)")
    paid_on: date | None = Field(default=None, validate_default=True, description="补缴日期（缺省为今天）")

    @field_validator("end_ym")
    @classmethod
    def _span(cls, value: str, info: ValidationInfo) -> str:
        begn = info.data.get("begn_ym")
        if begn is not None and value < begn:
            raise bilingual("结束期号不能早于开始期号", "end_ym cannot be before begn_ym")
        if begn is not None and _month_index(value) - _month_index(begn) >= MAX_MONTHS:
            raise bilingual(
                f"一次补缴不能超过 {MAX_MONTHS} 个月", f"one back payment covers at most {MAX_MONTHS} months"
            )
        return value

    @field_validator("intr_flag")
    @classmethod
    def _interest_configured(cls, value: str) -> str:
        if value == "1" and ARREARS_FROM.interest_daily_rate is None:
            raise bilingual(
                "指南未规定欠费利息的利率，尚未配置，暂不能征收利息",
                "no interest rate is configured (the guide gives none)",
            )
        return value

    @field_validator("paid_on", mode="after")
    @classmethod
    def _paid_by_today(cls, value: date | None, info: ValidationInfo) -> date:
        return today_or_earlier(value, info, "补缴日期")

    @model_validator(mode="after")
    def _in_arrears(self) -> BackPayment:
        """Only months already in arrears on the day of payment are paid back."""
        since = arrears_date(self.end_ym)
        if self.paid_on is not None and since > self.paid_on:
            raise InvalidInput(
                "NOT_IN_ARREARS",
                f"结束期号 {self.end_ym} 在补缴日期 {self.paid_on.isoformat()} 尚未欠缴（欠缴之日 {since.isoformat()}）",
                f"period {self.end_ym} is not in arrears on {self.paid_on.isoformat()} (arrears from {since.isoformat()})",
                "end_ym",
            )
        return self


# The rules' own field names, as this process's form names them.
_FIELDS = {"arrears_amount": "due_amt", "arrears_date": "end_ym", "pay_date": "paid_on", "interrupted_from": "begn_ym"}


def _trial(rule_id: str, raw: Mapping[str, Any], on: date) -> dict[str, Any]:
    """Run a rule exactly as a trial does (POST /api/v1/rules/{id}/trial), naming this form's fields in errors."""
    try:
        return run(RULES.get(rule_id), raw, on)
    except InvalidInput as err:
        raise replace(err, field=_FIELDS.get(err.field or "", err.field)) from None


def assess(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """Each month's late fee (rule late_fee) and the month benefits resume (rule benefit_restoration), as of paid_on.

    paid_on is the application's date unless an earlier one is given, so the rules run as of it.
    """
    paid_on = date.fromisoformat(str(step["paid_on"]))
    due = Decimal(str(step["due_amt"]))
    months = []
    for ym in periods(step["begn_ym"], step["end_ym"]):
        since = arrears_date(ym)
        fee: dict[str, Any] = {"days": 0, "late_fee": "0.00"}
        if step["late_fee_flag"] == "1":
            raw = {"arrears_amount": str(due), "arrears_date": since.isoformat(), "pay_date": paid_on.isoformat()}
            fee = _trial("late_fee", raw, paid_on)
        months.append({"ym": ym, "due": str(due), "arrears_date": since.isoformat(), **fee})
    restoration = _trial(
        "benefit_restoration", {"interrupted_from": step["begn_ym"], "paid_on": paid_on.isoformat()}, paid_on
    )
    total_fee = sum((Decimal(m["late_fee"]) for m in months), Decimal(0))
    return {
        "psn_no": step.get("psn_no") or psn_no_for(step["certno"]),
        "months": months,
        "due_total": str(due * len(months)),
        "late_fee_total": str(total_fee),
        "benefit_restoration": restoration,
    }


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """Each month is recorded as paid in full on the person, with its late fee in fen, under this unit only."""
    return [
        Effect(
            "person",
            str(data["psn_no"]),
            "record_contribution",
            {
                "insutype": data["insutype"],
                "ym": m["ym"],
                "due": fen(Decimal(m["due"])),
                "paid": fen(Decimal(m["due"])),
                "late_fee": fen(Decimal(m["late_fee"])),
                "paid_on": data["paid_on"],
                "emp_no": data["emp_no"],
                "kind": "back_payment",
            },
        )
        for m in data["months"]
    ]


P011 = ProcessDefinition(
    id="P011",
    slug="unit_arrears_back_payment",
    name_zh="单位欠费补缴",
    service="enrollment",
    materials=(Material("单位营业执照原件"), Material("经办人身份证原件")),
    stages=(
        Stage(
            "register_back_payment",
            "单位欠费补缴（批量模式：填写补缴条件，查询，保存）",
            ("registrar",),
            "BackPaymentRegistered",
            input=BackPayment,
            derive=assess,
            batch=True,
            example={
                "emp_no": "52010213594430",  # P001's example unit
                "emp_name": "贵阳云岩数智科技有限公司",
                "certno": "520102199003070022",  # P002's example employee
                "insutype": "310",
                "begn_ym": "202610",
                "end_ym": "202610",
                "due_amt": "520.00",
                "late_fee_flag": "1",
            },
        ),
    ),
    effects=effects,
)
