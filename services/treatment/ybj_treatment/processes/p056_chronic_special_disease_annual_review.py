"""P056 门诊慢特病病种年审: the year's review of a person's 门慢门特 qualifications, recorded on each 病种.

- 国家医疗保障信息平台—门慢门特年审（单人）: 「选择证件类型（默认居民身份证）并录入证件号码或扫码医保电子凭证，点击
  查询」. The guide's step is the query; what it records here is the year's review of every 病种 in effect.
- 贵州省医疗保障信息系统—特殊病种年审: 「录入参保人身份证号码或个人编码，点击检索，选择需年审的病种，点击保存」,
  with the 年审表's 经治医师.

The 年审表 carries the 「经治医师：」 and the 「定点医疗机构审核意见：」 (签名、盖章): the paper is checked at the counter (a
material); the 经治医师 is recorded. The person must be insured on the day of the review; a 病种 is reviewed once a year (the
`qualification` registry refuses a second review of the same year). [A] The seeds give no 年审 deadline, and do
not say that a missed 年审 ends a qualification: nothing here expires.
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
    PERSON,
    PersonByCertificate,
    the_person,
)
from ybj_treatment.registries.eligibility import QUALIFICATION_REGISTRY, DiseaseCode

NATIONAL, PROVINCIAL = "national", "provincial"


class NationalAnnualReview(PersonByCertificate):
    """门慢门特年审（单人）: the person, the 年审年度 (this year unless given) and the day of the review."""

    year: int | None = Field(default=None, ge=2000, le=2100, description="年审年度（默认今年）")
    reviewed_on: date | None = Field(default=None, description="年审日期（当天）")

    @field_validator("year")
    @classmethod
    def _not_later(cls, value: int | None, info: ValidationInfo) -> int | None:
        this_year = today_of(info).year
        if value is not None and value > this_year:
            raise bilingual(f"年审年度不能晚于今年（{this_year}）", f"the review year cannot be after {this_year}")
        return value

    @model_validator(mode="after")
    def _this_year(self, info: ValidationInfo) -> NationalAnnualReview:
        today = today_of(info)
        self.reviewed_on = today  # the day the review is done, never typed in
        if self.year is None:
            self.year = today.year
        return self


class ProvincialAnnualReview(NationalAnnualReview):
    """特殊病种年审: the 病种 chosen for review, and the 年审表's 经治医师."""

    opsp_dise_codes: list[DiseaseCode] = Field(min_length=1, description="需年审的病种（病种代码）")
    trt_dr_name: str = Field(min_length=1, max_length=50, description="经治医师（年审表）")

    @field_validator("opsp_dise_codes")
    @classmethod
    def _once(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise bilingual("需年审的病种重复", "a disease is listed twice")
        return value


def insured_on_review(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """Insured on the day of the review."""
    check_insured(step, on=date.fromisoformat(str(step["reviewed_on"])))


def effects(data: Mapping[str, Any], variant: str | None) -> list[Effect]:
    """The year's review on each 病种 (national: every 病种 in effect)."""
    review = {
        "opsp_dise_codes": list(data.get("opsp_dise_codes") or []) if variant == PROVINCIAL else [],
        "year": data["year"],
        "reviewed_on": data["reviewed_on"],
        "channel": variant or NATIONAL,
        "trt_dr_name": data.get("trt_dr_name"),
    }
    args = {k: v for k, v in review.items() if v is not None}
    return [Effect(QUALIFICATION_REGISTRY, str(data["psn_no"]), "annual_review", args)]


P056 = ProcessDefinition(
    id="P056",
    slug="chronic_special_disease_annual_review",
    name_zh="门诊慢特病病种年审",
    service="treatment",
    variants=(
        Variant(NATIONAL, "国家医疗保障信息平台—门慢门特年审（单人）"),
        Variant(PROVINCIAL, "贵州省医疗保障信息系统—特殊病种年审"),
    ),
    materials=(
        Material("《贵州省基本医疗保险门诊慢特病病种医疗证》"),
        Material("《贵州省基本医疗保险慢性特殊疾病门诊〈医疗证〉年审表》"),
        Material("社会保障卡（办理时出示）"),
    ),
    stages=(
        Stage(
            "annual_review_national",
            "门慢门特年审（单人）：录入证件号码或扫码医保电子凭证，查询",
            ("registrar", "channel"),
            "AnnualReviewChecked",
            input=NationalAnnualReview,
            lookups=(INSURED,),
            checks=(insured_on_review,),
            derive=the_person,
            variants=frozenset({NATIONAL}),
            example=PERSON,
        ),
        Stage(
            "annual_review_provincial",
            "特殊病种年审：检索参保人，选择需年审的病种，保存",
            ("registrar", "channel"),
            "AnnualReviewCompleted",
            input=ProvincialAnnualReview,
            lookups=(INSURED,),
            checks=(insured_on_review,),
            derive=the_person,
            variants=frozenset({PROVINCIAL}),
            # 李明 signs as 经治医师 on the example 年审表: an example name.
            example={**PERSON, "opsp_dise_codes": [ASTHMA["opsp_dise_code"]], "trt_dr_name": "李明"},
        ),
    ),
    effects=effects,
)
