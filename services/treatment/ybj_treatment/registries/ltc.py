"""长护险待遇资格 (`ltc_eligibility`): a person's 失能评定结论, the 照护计划 it gives and the 照护机构 chosen, keyed by
人员编号 `psn_no`, changed only by process S078 失能评定 (service item 78 失能申请 → 评定 → 结论).

    {
      "psn_no", "certno", "psn_name",
      "disability_level": "3" | "4" | "5",  "disability_level_name": "重度失能一级" …,
      "adl_score": 0-100 (Barthel 日常生活活动能力评分),  "assessed_on", "assessor_name", "assessment_org"?,
      "begndate", "enddate":  the 评定结论's validity (待遇享受期),
      "care_mode": "home" | "institution",
      "care_plan": {"plan_code", "level", "hours_per_month", "items": [{"code", "name_zh", "times_per_month"}]},
      "care_institution": {"care_inst_code", "care_inst_name"} (absent: none chosen),
      "subscription": {"plan_code", "care_inst_code", "ordered_on", "status": "subscribed"} (absent: none chosen),
      "levels_source": the example table the level was derived by,
      "status": "active",  "process_id": "S078"
    }

One operation, `grant` (认定): a 结论 approved puts the conclusion in place; a later 复评 (another S078 case) replaces
it, the earlier one standing in the entry's history. Stepping the approving case back reverts its grant (the kernel's
ChangeReverted), refused while a later case's grant stands on it.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from ybj_kernel.domain.registry import Op, Registry
from ybj_kernel.errors import Conflict
from ybj_treatment.policy.ltc import CareInstCode, CareMode, CarePlan, Level

LTC_REGISTRY = "ltc_eligibility"
ACTIVE = "active"


class ChosenInstitution(BaseModel):
    """The 照护机构 the person chose (at 申请, confirmed or changed at 结论)."""

    care_inst_code: CareInstCode
    care_inst_name: str = Field(min_length=1, max_length=100)


class Subscription(BaseModel):
    """照护计划订购: the plan taken up with the chosen institution, from the day benefits begin."""

    plan_code: str = Field(min_length=1, max_length=20)
    care_inst_code: CareInstCode
    ordered_on: date = Field(description="订购日期")
    status: Literal["subscribed"] = "subscribed"


class Grant(BaseModel):
    """认定: the conclusion as approved."""

    psn_no: str = Field(min_length=1, max_length=30)
    certno: str = Field(min_length=1, max_length=50)
    psn_name: str = Field(min_length=1, max_length=50)
    disability_level: Level
    disability_level_name: str = Field(min_length=1, max_length=20)
    adl_score: int = Field(ge=0, le=100)
    assessed_on: date
    assessor_name: str = Field(min_length=1, max_length=50)
    assessment_org: str | None = Field(default=None, max_length=100)
    begndate: date
    enddate: date
    care_mode: CareMode
    care_plan: CarePlan
    care_institution: ChosenInstitution | None = None
    subscription: Subscription | None = None
    levels_source: str = Field(min_length=1, max_length=200)
    process_id: str = Field(pattern=r"^S078$")


def _grant(state: dict[str, Any], args: dict[str, Any]) -> None:
    if args["enddate"] < args["begndate"]:
        raise Conflict(
            "END_BEFORE_BEGIN",
            f"待遇享受结束日期（{args['enddate']}）不能早于开始日期（{args['begndate']}）",
            f"the enddate {args['enddate']} is before the begndate {args['begndate']}",
            "begndate",
        )
    if args["care_plan"]["level"] != args["disability_level"]:
        raise Conflict(
            "PLAN_LEVEL_MISMATCH",
            f"照护计划（{args['care_plan']['plan_code']}）与失能等级（{args['disability_level_name']}）不一致",
            f"the care plan {args['care_plan']['plan_code']} is not the plan of level {args['disability_level']}",
            "disability_level",
        )
    state.clear()  # a 复评 replaces the conclusion before it (which stays in the entry's history)
    state.update({k: v for k, v in args.items() if v is not None}, status=ACTIVE)


LTC_ELIGIBILITY = Registry(
    LTC_REGISTRY,
    "长护险待遇资格",
    {"grant": Op("认定长护险待遇资格", "LtcEligibilityGranted", Grant, _grant)},
    frozenset({"grant"}),
)
REGISTRIES = (LTC_ELIGIBILITY,)
