"""P009 个人应缴工资基数核定: one employee's 申报工资 assessed as their 核定基数 for 开始年月 … 结束年月 (单个模式).

Completing the case sets the person's base for every month of the period, in one change; stepping it back restores
the bases it replaced.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from ybj_enrollment.processes.fields import PersonLookup, fen
from ybj_enrollment.registries.codes import Insutype, psn_no_for
from ybj_enrollment.registries.persons import MAX_ASSESSED_MONTHS
from ybj_enrollment.rule_models import Period
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import Money, bilingual


def months_between(begn_ym: str, end_ym: str) -> int:
    """Months from 开始年月 to 结束年月 (YYYYMM), both included."""
    return (int(end_ym[:4]) - int(begn_ym[:4])) * 12 + int(end_ym[4:]) - int(begn_ym[4:]) + 1


class BaseAssessment(PersonLookup):
    """人员基本信息 (证件类型、证件号码) and 申报信息: 险种类型、开始年月、结束年月、申报工资."""

    insutype: Insutype = Field(default="310", description="险种类型 (310 职工基本医疗保险, 510 生育保险)")
    begn_ym: Period = Field(description="开始年月 (YYYYMM)")
    end_ym: Period = Field(description="结束年月 (YYYYMM，含)")
    decl_wage: Money = Field(description="申报工资（元）")

    @field_validator("end_ym")
    @classmethod
    def _not_before_start(cls, value: str, info: ValidationInfo) -> str:
        begn = info.data.get("begn_ym")
        if begn is not None and value < begn:
            raise bilingual("结束年月不能早于开始年月", "end_ym cannot be before begn_ym")
        if begn is not None and months_between(begn, value) > MAX_ASSESSED_MONTHS:
            raise bilingual(
                f"一次核定不能超过 {MAX_ASSESSED_MONTHS} 个月",
                f"one assessment covers at most {MAX_ASSESSED_MONTHS} months",
            )
        return value


def person_number(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """The employee's 人员编号, found from the 证件号码 when not given."""
    return {"psn_no": step.get("psn_no") or psn_no_for(step["certno"])}


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """The person's 核定基数 for every month of the period (the relation for that 险种 must be in effect)."""
    assessment = {
        "insutype": data["insutype"],
        "begn_ym": data["begn_ym"],
        "end_ym": data["end_ym"],
        "amount": fen(Decimal(str(data["decl_wage"]))),
    }
    return [Effect("person", str(data["psn_no"]), "assess_base", assessment)]


P009 = ProcessDefinition(
    id="P009",
    slug="individual_contribution_base_assessment",
    name_zh="个人应缴工资基数核定",
    service="enrollment",
    materials=(
        Material("职工本人提供医保电子凭证或有效身份证件或社保卡"),
        Material("《缴费基数申报表》（加盖单位公章）"),
        Material("职工工资发放花名册（加盖单位公章）"),
    ),
    stages=(
        Stage(
            "assess_base",
            "缴费工资申报核定（单个模式：填写人员信息及申报信息，保存）",
            ("registrar",),
            "ContributionBaseAssessed",
            input=BaseAssessment,
            derive=person_number,
            example={
                "certno": "520102199003070022",  # P002's example employee
                "insutype": "310",
                "begn_ym": "202612",
                "end_ym": "202711",
                "decl_wage": "6500.00",
            },
        ),
    ),
    effects=effects,
)
