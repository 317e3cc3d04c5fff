"""P008 个人一次性趸缴: someone retiring short of the required contribution years pays the shortfall at once.

登记 (证件信息, 工资, 预计退休时间, 已缴费月数) → 系统计算应缴费金额 → 发征集单到税务部门. The seeds give neither the years
required nor the formula (DOMAIN.md §3.3), so both are a `LumpSumPolicy` whose values are EXAMPLES, recorded on every
case beside the amount, to be replaced by the 统筹区's policy. Completion records the 征集单 on the person (E05).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import Field

from ybj_enrollment.processes.fields import PersonLookup, fen
from ybj_enrollment.registries.codes import psn_no_for
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage, Uniqueness
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import Money
from ybj_kernel.errors import InvalidInput

EMPLOYEE = "310"  # 职工基本医疗保险
FEN = Decimal("0.01")


@dataclass(frozen=True)
class LumpSumPolicy:
    """一次性趸缴's numbers. EXAMPLE VALUES ONLY: the seeds give neither the years required nor the rate."""

    required_months: int = 300  # example: 25 years of contributions required at retirement
    monthly_rate: Decimal = Decimal("0.08")  # example: share of the monthly wage due for each month short
    basis_zh: str = "示例参数（指南未规定趸缴年限与计算公式，须按统筹区政策配置）"


POLICY = LumpSumPolicy()


def lump_sum(wage: Decimal, pay_months: int, policy: LumpSumPolicy = POLICY) -> dict[str, Any]:
    """系统计算应缴费金额: months short of the requirement × wage × rate, rounded half-up to the fen."""
    short = max(0, policy.required_months - pay_months)
    amount = (wage * policy.monthly_rate * short).quantize(FEN, rounding=ROUND_HALF_UP)
    return {
        "required_months": policy.required_months,
        "short_months": short,
        "monthly_rate": str(policy.monthly_rate),
        "lump_sum_amt": str(amount),
        "policy_basis": policy.basis_zh,
    }


class LumpSumRegistration(PersonLookup):
    """医保退休不满足年限一次性缴纳: 证件信息, then 工资, 预计退休时间 and the months already paid."""

    wage: Money = Field(description="缴费工资（元/月）")
    retr_date: date = Field(description="预计退休时间")
    pay_months: int = Field(ge=0, le=1200, description="累计缴费月数（含视同缴费）")


def _register(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    return {"psn_no": step.get("psn_no") or psn_no_for(step["certno"]), "insutype": EMPLOYEE}


def _short_of_the_requirement(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    if step["pay_months"] >= POLICY.required_months:
        raise InvalidInput(
            "NO_SHORTFALL",
            f"累计缴费 {step['pay_months']} 个月，已满 {POLICY.required_months} 个月，无需一次性趸缴",
            f"{step['pay_months']} months paid meet the {POLICY.required_months} required: nothing to pay at once",
            "pay_months",
        )


def _calculate(current: Mapping[str, Any], _step: Mapping[str, Any]) -> dict[str, Any]:
    return lump_sum(Decimal(str(current["wage"])), int(current["pay_months"]))


def _bill(current: Mapping[str, Any], _step: Mapping[str, Any]) -> dict[str, Any]:
    """征集单号: the person and the month of retirement (one lump sum per person is in effect at a time)."""
    return {"collection_bill_no": f"ZJD{current['psn_no']}{str(current['retr_date'])[:7].replace('-', '')}"}


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """The 征集单 sent to the tax bureau is recorded on the person (E05 已生成征集单)."""
    bill = {
        "bill_no": data["collection_bill_no"],
        "kind": "lump_sum",
        "insutype": EMPLOYEE,
        "amount": fen(Decimal(str(data["lump_sum_amt"]))),
        "months": data["short_months"],
        "retr_date": data["retr_date"],
    }
    return [Effect("person", str(data["psn_no"]), "issue_collection_bill", bill)]


LUMP_SUM = Uniqueness(
    scope="lump_sum_contribution",
    key=lambda d: str(d["psn_no"]),
    field="certno",
    message_zh="该人员已有一次性趸缴业务在办或已办结",
    message_en="this person already has a lump-sum contribution case in effect",
)

P008 = ProcessDefinition(
    id="P008",
    slug="individual_lump_sum_contribution",
    name_zh="个人一次性趸缴",
    service="enrollment",
    materials=(
        Material("电子医保凭证或有效身份证件或社保卡"),
        Material("社保局提供的退休审批表（未交养老保险的不用提供）", required=False, condition_zh="已交养老保险"),
    ),
    stages=(
        Stage(
            "register",
            "医保退休不满足年限一次性缴纳（录入证件信息或医保电子凭证号码，导入工资、预计退休时间等信息，保存）",
            ("registrar",),
            "Registered",
            input=LumpSumRegistration,
            checks=(_short_of_the_requirement,),
            derive=_register,
            unique=LUMP_SUM,
            example={
                "certno": "520102199003070022",  # P002's example employee
                "wage": "6500.00",
                "retr_date": "2027-03-31",
                "pay_months": 276,
            },
        ),
        Stage("calculate_contribution", "系统计算应缴费金额", ("system",), "ContributionCalculated", derive=_calculate),
        Stage("send_collection_bill", "发征集单到税务部门", ("system",), "CollectionBillSentToTaxBureau", derive=_bill),
    ),
    effects=effects,
)
