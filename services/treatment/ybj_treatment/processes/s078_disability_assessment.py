"""S078 失能评定 (长期护理保险): 失能申请 → 评定 → 结论, backing service item 78 失能申请 (and 75, 77, 80, 81).

The seeds give no guide for 长护险 (「指南无长护险失能评定流程」); this is the smallest process the items need, an
assumption of the project (process id S + the item's number):

- 失能申请 (`apply`): the person (证件类型, 证件号码, 姓名), their 照护需求 and the 照护方式 wanted (居家上门 / 机构住养), an
  optional 意向照护机构 from the directory, who applies for them (本人 or a 代办人). Filled by a channel for the citizen
  (item 78, role `channel`) or at the counter (`registrar`). Only someone insured under a covered 险种 on the day may
  apply (the example table: 职工医保, as the national pilot began).
- 评定 (`assess`, role `auditor`): the assessor records the Barthel score of 日常生活活动能力 (0-100); the 失能等级
  follows from the example table (policy/ltc_example.yaml), and the case records which table it came from.
- 结论 (`conclude`, role `approver`, a review): approved, the conclusion stands for the example validity period with
  the level's 照护计划 and the 照护机构 (the applicant's choice, or the one the approver confirms), written to the
  person's `ltc_eligibility` entry; a level that does not qualify (not 重度失能) cannot be approved: the approver
  rejects it (审核不通过) with the reason, and nothing is written. Stepping the approval back reverts the entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.identity import certno_problem
from ybj_kernel.domain.process import ProcessDefinition, Stage
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import bilingual
from ybj_kernel.errors import Conflict
from ybj_treatment.insured import INSURED, INSURED_FACT, check_insured, psn_no_of
from ybj_treatment.policy.ltc import CARE_MODE_ZH, INSTITUTIONS, POLICY, CareInstCode, CareMode
from ybj_treatment.registries.ltc import LTC_REGISTRY


class LtcApplication(BaseModel):
    """失能申请: who, what care they need, and (optionally) where."""

    psn_cert_type: Literal["01", "02", "03", "04", "05", "06", "07", "08"] = Field(
        default="01", description="人员证件类型（01 居民身份证）"
    )
    certno: str = Field(min_length=1, max_length=50, description="证件号码")
    psn_name: str = Field(min_length=1, max_length=50, description="姓名")
    care_mode: CareMode = Field(description="照护方式: home 居家上门照护, institution 机构住养照护")
    care_needs: str = Field(min_length=1, max_length=500, description="照护需求（失能状况、需要哪些帮助）")
    care_inst_code: CareInstCode | None = Field(default=None, description="意向照护机构编号（照护机构查询所列）")
    tel: str | None = Field(default=None, pattern=r"^[\d-]{7,20}$", description="联系电话")
    addr: str | None = Field(default=None, max_length=200, description="居住地址（上门评定）")
    agent_name: str | None = Field(default=None, max_length=50, description="代办人姓名（本人申请不填）")
    agent_rlts: str | None = Field(default=None, max_length=20, description="代办人与申请人关系")
    applied_on: date | None = Field(default=None, description="申请日期（默认当天）")

    @field_validator("certno")
    @classmethod
    def _certno(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("psn_cert_type", "01") == "01" and (
            problem := certno_problem(value.upper(), today=today_of(info))
        ):
            raise bilingual(f"证件号码无效：{problem[0]}", f"invalid 居民身份证号: {problem[1]}")
        return value.upper()

    @model_validator(mode="after")
    def _agent_and_day(self, info: ValidationInfo) -> LtcApplication:
        if self.agent_name and not self.agent_rlts:
            raise bilingual("代办的，请填写代办人与申请人关系", "an agent applying must give agent_rlts")
        if self.applied_on is None:
            self.applied_on = today_of(info)
        elif self.applied_on > today_of(info):
            raise bilingual("申请日期不能晚于今天", "applied_on is in the future")
        return self


class Assessment(BaseModel):
    """评定: the Barthel score of 日常生活活动能力, who assessed, and when."""

    adl_score: int = Field(ge=0, le=100, description="日常生活活动能力评分（Barthel 指数 0-100）")
    assessor_name: str = Field(min_length=1, max_length=50, description="评定人员")
    assessment_org: str | None = Field(default=None, max_length=100, description="评定机构")
    assessed_on: date | None = Field(default=None, description="评定日期（默认当天）")
    assessment_note: str | None = Field(default=None, max_length=500, description="评定意见")

    @model_validator(mode="after")
    def _day(self, info: ValidationInfo) -> Assessment:
        if self.assessed_on is None:
            self.assessed_on = today_of(info)
        elif self.assessed_on > today_of(info):
            raise bilingual("评定日期不能晚于今天", "assessed_on is in the future")
        return self


class Conclusion(BaseModel):
    """结论: from when the benefits begin, and the 照护机构 confirmed (the applicant's choice when left out)."""

    begndate: date | None = Field(default=None, description="待遇享受开始日期（默认当天）")
    care_inst_code: CareInstCode | None = Field(default=None, description="确认的照护机构编号（不填沿用申请）")
    conclusion_note: str | None = Field(default=None, max_length=500, description="结论意见")

    @model_validator(mode="after")
    def _day(self, info: ValidationInfo) -> Conclusion:
        if self.begndate is None:
            self.begndate = today_of(info)
        return self


def _refuse(code: str, zh: str, en: str, field: str) -> Conflict:
    return Conflict(code, zh, en, field)


def _check_institution(code: str | None, care_mode: str, field: str) -> None:
    if code is None:
        return
    found = INSTITUTIONS.find(code)
    if found is None:
        raise _refuse(
            "LTC_INSTITUTION_UNKNOWN",
            f"照护机构 {code} 不在照护机构目录中",
            f"{code} is not in the directory of care institutions",
            field,
        )
    if found.status != "active":
        raise _refuse(
            "LTC_INSTITUTION_SUSPENDED",
            f"照护机构 {found.care_inst_name}（{code}）已暂停服务，请另选",
            f"{code} is suspended; choose another",
            field,
        )
    if care_mode not in found.care_modes:
        raise _refuse(
            "LTC_INSTITUTION_MODE",
            f"照护机构 {found.care_inst_name} 不提供{CARE_MODE_ZH[care_mode]}",
            f"{code} does not give {care_mode} care",
            field,
        )


def covered_applicant(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """Insured under a covered 险种 on the day of the application, named as the registry names them."""
    check_insured(step, on=date.fromisoformat(str(step["applied_on"])), insutypes=POLICY.insutypes)
    registered = str((step.get(INSURED_FACT) or {}).get("psn_name") or "").strip()
    if registered != str(step["psn_name"]).strip():
        raise _refuse(
            "NAME_MISMATCH",
            "姓名与证件号码登记的参保人不一致",
            "the name does not match the insured person holding this number",
            "psn_name",
        )
    _check_institution(step.get("care_inst_code"), str(step["care_mode"]), "care_inst_code")


def applicant(_: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """人员编号 from the looked-up person; the chosen institution's name."""
    named = INSTITUTIONS.find(str(step["care_inst_code"])) if step.get("care_inst_code") else None
    return {"psn_no": psn_no_of(step), **({"care_inst_name": named.care_inst_name} if named else {})}


def assessed_after_application(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """Assessed on or after the day of the application."""
    if str(step["assessed_on"]) < str(current.get("applied_on") or ""):
        raise _refuse(
            "ASSESSED_BEFORE_APPLIED",
            f"评定日期（{step['assessed_on']}）不能早于申请日期（{current['applied_on']}）",
            f"assessed_on {step['assessed_on']} is before applied_on {current['applied_on']}",
            "assessed_on",
        )


def disability_level(_: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """The 失能等级 the score falls in, by the example table (the case records which)."""
    band = POLICY.level_for(int(step["adl_score"]))
    return {
        "disability_level": band.level,
        "disability_level_name": band.name_zh,
        "level_eligible": band.eligible,
        "levels_source": POLICY.source + ("（示例）" if POLICY.example else ""),
    }


def qualifying(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """Only a qualifying level (重度失能 in the example table) is approved; the benefits begin after the assessment."""
    if not current.get("level_eligible"):
        raise _refuse(
            "LTC_LEVEL_NOT_ELIGIBLE",
            f"评定等级为{current.get('disability_level_name')}，未达到长护险待遇享受条件，请审核不通过并填写原因",
            f"level {current.get('disability_level_name')} does not qualify for LTC benefits: reject with a reason",
            "disability_level",
        )
    if str(step["begndate"]) < str(current["assessed_on"]):
        raise _refuse(
            "BEGINS_BEFORE_ASSESSMENT",
            f"待遇享受开始日期（{step['begndate']}）不能早于评定日期（{current['assessed_on']}）",
            f"begndate {step['begndate']} is before assessed_on {current['assessed_on']}",
            "begndate",
        )
    _check_institution(step.get("care_inst_code"), str(current["care_mode"]), "care_inst_code")


def concluded(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """The validity period, the level's 照护计划 and the 照护机构 that stands (confirmed, else the applicant's)."""
    code = step.get("care_inst_code") or current.get("care_inst_code")
    named = INSTITUTIONS.find(str(code)) if code else None
    plan = POLICY.plan_for(str(current["disability_level"]))
    assert plan is not None  # an eligible level has a plan (checked when the table is loaded)
    begndate = date.fromisoformat(str(step["begndate"]))
    return {
        "enddate": POLICY.valid_until(begndate).isoformat(),
        "care_plan": plan.model_dump(mode="json"),
        **({"care_inst_code": named.care_inst_code, "care_inst_name": named.care_inst_name} if named else {}),
    }


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """The conclusion, its plan and the chosen institution, on the person's `ltc_eligibility` entry."""
    chosen = data.get("care_inst_code")
    args: dict[str, Any] = {
        k: data.get(k)
        for k in (
            "psn_no",
            "certno",
            "psn_name",
            "disability_level",
            "disability_level_name",
            "adl_score",
            "assessed_on",
            "assessor_name",
            "assessment_org",
            "begndate",
            "enddate",
            "care_mode",
            "care_plan",
            "levels_source",
        )
    }
    if chosen:
        args["care_institution"] = {"care_inst_code": chosen, "care_inst_name": data["care_inst_name"]}
        args["subscription"] = {
            "plan_code": data["care_plan"]["plan_code"],
            "care_inst_code": chosen,
            "ordered_on": data["begndate"],
        }
    args["process_id"] = "S078"
    return [Effect(LTC_REGISTRY, str(data["psn_no"]), "grant", {k: v for k, v in args.items() if v is not None})]


# 陈静 (enrollment's P002 example: 职工 310 from 2026-12-01) applying for home care, her daughter as the 代办人.
EXAMPLE_APPLICATION = {
    "certno": "520102199003070022",
    "psn_name": "陈静",
    "care_mode": "home",
    "care_needs": "脑卒中后遗症，长期卧床，进食、如厕、翻身均需他人协助",
    "care_inst_code": "L52010200001",
    "tel": "13800001234",
    "addr": "贵阳市云岩区示例路8号",
    "agent_name": "王敏",
    "agent_rlts": "女儿",
}
EXAMPLE_ASSESSMENT = {"adl_score": 15, "assessor_name": "李评定", "assessment_org": "贵阳市长护险评定中心（示例）"}

S078 = ProcessDefinition(
    id="S078",
    slug="ltc_disability_assessment",
    name_zh="长护险失能评定",
    service="treatment",
    stages=(
        Stage(
            "apply",
            "失能申请（申请人或代办人提交照护需求、照护方式和意向照护机构）",
            ("channel", "registrar"),
            "DisabilityAssessmentApplied",
            input=LtcApplication,
            lookups=(INSURED,),
            checks=(covered_applicant,),
            derive=applicant,
            example=EXAMPLE_APPLICATION,
        ),
        Stage(
            "assess",
            "失能评定（评定人员上门评定，录入日常生活活动能力评分，按等级表确定失能等级）",
            ("auditor",),
            "DisabilityAssessed",
            input=Assessment,
            checks=(assessed_after_application,),
            derive=disability_level,
            example=EXAMPLE_ASSESSMENT,
        ),
        Stage(
            "conclude",
            "评定结论（审核通过：确定待遇享受期、照护计划和照护机构；不符合条件的审核不通过）",
            ("approver",),
            "ConclusionApproved",
            review=True,
            input=Conclusion,
            checks=(qualifying,),
            derive=concluded,
        ),
    ),
    effects=effects,
)
