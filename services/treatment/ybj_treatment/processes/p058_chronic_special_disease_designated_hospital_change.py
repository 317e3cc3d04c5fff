"""P058 门诊慢特病病种新增（变更）定点医院: the 选定医院 of one 病种 in effect, changed.

- 国家医疗保障信息平台—门慢门特维护: 「对需要变更的医院进行删除，新增医院通过录入定点医药机构编号点击新增，点击提交」
  → 门慢门特维护审核 (单次或批量, 审核标志 通过/不通过). The change applies on approval.
- 贵州省医疗保障信息系统—特殊疾病资格信息修改: 「列表内勾选需要变更的医院信息，点击修改——录入需变更的医院名称或编号，
  点击保存」, one step.

A hospital removed must be one of the 病种's, a hospital added must not be one already, and at least one stays
(the `qualification` registry refuses otherwise, naming `remove` or `add`). The person must be insured on the day
the change is entered.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import bilingual
from ybj_treatment.insured import INSURED, check_insured
from ybj_treatment.processes.p055_chronic_special_disease_benefit_certification import (
    ASTHMA,
    HOSPITAL,
    PERSON,
    SECOND_HOSPITAL,
    PersonByCertificate,
    the_person,
)
from ybj_treatment.registries.eligibility import QUALIFICATION_REGISTRY, DiseaseCode, FixmedinsCode

NATIONAL, PROVINCIAL = "national", "provincial"


class HospitalChangeRequest(PersonByCertificate):
    """The 病种, the hospitals removed (删除) and those added (新增, by 定点医药机构编号)."""

    opsp_dise_code: DiseaseCode = Field(description="病种代码")
    remove_fixmedins_codes: list[FixmedinsCode] = Field(
        default_factory=list, description="删除的医院（定点医药机构编号）"
    )
    add_fixmedins_codes: list[FixmedinsCode] = Field(
        default_factory=list, validate_default=True, description="新增的医院（定点医药机构编号）"
    )
    changed_on: date | None = Field(default=None, description="变更日期（当天）")

    @field_validator("remove_fixmedins_codes")
    @classmethod
    def _removed_once(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise bilingual("删除的医院重复", "a hospital is listed twice")
        return value

    @field_validator("add_fixmedins_codes")
    @classmethod
    def _a_change(cls, value: list[str], info: ValidationInfo) -> list[str]:
        removed = info.data.get("remove_fixmedins_codes") or []
        if not removed and not value:
            raise bilingual("请删除或新增至少一家医院", "remove or add at least one hospital")
        if len(set(value)) != len(value):
            raise bilingual("新增的医院重复", "a hospital is listed twice")
        if set(removed) & set(value):
            raise bilingual("同一医院不能既删除又新增", "a hospital cannot be both removed and added")
        return value

    @model_validator(mode="after")
    def _today(self, info: ValidationInfo) -> HospitalChangeRequest:
        self.changed_on = today_of(info)
        return self


def insured_on_change(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """Insured on the day the change is entered."""
    check_insured(step, on=date.fromisoformat(str(step["changed_on"])))


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """The 病种's hospitals changed."""
    change = {
        "opsp_dise_code": data["opsp_dise_code"],
        "remove_fixmedins_codes": list(data.get("remove_fixmedins_codes") or []),
        "add_fixmedins_codes": list(data.get("add_fixmedins_codes") or []),
    }
    return [Effect(QUALIFICATION_REGISTRY, str(data["psn_no"]), "change_hospitals", change)]


def _stage(key: str, name_zh: str, event: str, variant: str, example: dict[str, Any]) -> Stage:
    return Stage(
        key,
        name_zh,
        ("registrar", "channel"),
        event,
        input=HospitalChangeRequest,
        lookups=(INSURED,),
        checks=(insured_on_change,),
        derive=the_person,
        variants=frozenset({variant}),
        example={**PERSON, "opsp_dise_code": ASTHMA["opsp_dise_code"], **example},
    )


P058 = ProcessDefinition(
    id="P058",
    slug="chronic_special_disease_designated_hospital_change",
    name_zh="门诊慢特病病种新增（变更）定点医院",
    service="treatment",
    variants=(
        Variant(NATIONAL, "国家医疗保障信息平台—门慢门特维护"),
        Variant(PROVINCIAL, "贵州省医疗保障信息系统—特殊疾病资格信息修改"),
    ),
    materials=(Material("《贵州省基本医疗保险门诊慢特病病种医疗证》"), Material("社会保障卡（办理时出示）")),
    stages=(
        # After P055's example 陈静 holds 支气管哮喘 at 贵阳市第一人民医院 only: the national example adds a second
        # hospital (an example code), the provincial one replaces the first by it.
        _stage(
            "maintain",
            "门慢门特维护（删除需变更的医院，录入定点医药机构编号新增医院，提交）",
            "HospitalChangeSubmitted",
            NATIONAL,
            {"add_fixmedins_codes": [SECOND_HOSPITAL]},
        ),
        Stage(
            "review",
            "门慢门特维护审核（单次审核或批量审核）",
            ("first_reviewer",),
            "ReviewApproved",
            review=True,
            batch=True,
            variants=frozenset({NATIONAL}),
        ),
        _stage(
            "modify_provincial",
            "特殊疾病资格信息修改（勾选需要变更的医院信息，录入需变更的医院名称或编号，保存）",
            "QualificationInfoModified",
            PROVINCIAL,
            {"remove_fixmedins_codes": [HOSPITAL], "add_fixmedins_codes": [SECOND_HOSPITAL]},
        ),
    ),
    effects=effects,
)
