"""Items 75-81 长护险服务: 失能申请 (78) opens process S078 失能评定 for the citizen; the others read what it recorded.

The seeds give these items no guide («指南无长护险失能评定流程»); the project backs them with treatment's process S078
(失能申请 → 评定 → 结论), its `ltc_eligibility` registry (the 评定结论 in effect, its 照护计划 and chosen 照护机构) and an
example 照护机构 directory, all read through the platform's entry point as the channel. Every personal item answers
only about the person the request names (insured.matched_person) and masks their 证件号码. What each item assumes is
in its `assumption_zh`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from ybj_gateway.items.call import ItemCall
from ybj_gateway.items.insured import PersonNamed, matched_person
from ybj_gateway.items.masking import mask_certno
from ybj_gateway.items.served import Served
from ybj_kernel.domain.validation import validate_input

LTC_PROCESS = "S078"
CARE_MODE_ZH = {"home": "居家上门照护", "institution": "机构住养照护"}
# What a 失能申请 shows of its case (not the facts the case looked up about the person).
APPLICATION_FIELDS = (
    "care_mode",
    "care_inst_code",
    "care_inst_name",
    "applied_on",
    "disability_level_name",
    "assessed_on",
)
INSTITUTION_FIELDS = (
    "care_inst_code",
    "care_inst_name",
    "admdvs",
    "addr",
    "tel",
    "care_modes",
    "care_modes_zh",
    "status",
)
PERSON_EXAMPLE = {"certno": "${person.certno}", "psn_name": "${person.psn_name}"}


class LtcApplying(PersonNamed):
    """失能申请: the person, the care they need and how, where (optional), and who applies for them."""

    care_mode: Literal["home", "institution"] = Field(
        description="照护方式: home 居家上门照护, institution 机构住养照护"
    )
    care_needs: str = Field(min_length=1, max_length=500, description="照护需求（失能状况、需要哪些帮助）")
    care_inst_code: str | None = Field(default=None, pattern=r"^L\d{11}$", description="意向照护机构编号（79 所列）")
    tel: str | None = Field(default=None, pattern=r"^[\d-]{7,20}$", description="联系电话")
    addr: str | None = Field(default=None, max_length=200, description="居住地址（上门评定）")
    agent_name: str | None = Field(default=None, max_length=50, description="代办人姓名（本人申请不填）")
    agent_rlts: str | None = Field(default=None, max_length=20, description="代办人与申请人关系")


class CareArea(BaseModel):
    """Which 照护机构: of a 医保区划 (all when left out), giving a kind of care (any when left out)."""

    admdvs: str | None = Field(default=None, pattern=r"^\d{6}$", description="医保区划")
    care_mode: Literal["home", "institution"] | None = Field(default=None, description="照护方式")


def _person(call: ItemCall) -> tuple[str, dict[str, Any]]:
    found, named = matched_person(call)
    return str(found["key"]), {"psn_name": found["state"].get("psn_name"), "certno": mask_certno(named["certno"])}


def _eligibility(call: ItemCall, psn_no: str) -> dict[str, Any] | None:
    current = call.read(f"/api/v1/persons/{psn_no}/ltc").get("current")
    return dict(current) if current else None


def _applications(call: ItemCall, psn_no: str) -> tuple[int, list[dict[str, Any]]]:
    found = call.read(f"/api/v1/persons/{psn_no}/cases", processes=LTC_PROCESS, page_size=20)
    lines = []
    for case in found.get("items") or ():
        data = case.get("data") or {}
        line = {k: case.get(k) for k in ("acceptance_no", "stage", "stage_name_zh", "status", "accepted_at")}
        line.update({k: data[k] for k in APPLICATION_FIELDS if data.get(k) is not None})
        if "care_mode" in line:
            line["care_mode_name"] = CARE_MODE_ZH.get(str(line["care_mode"]), "")
        lines.append(line)
    return int(found.get("total", len(lines))), lines


def validity(conclusion: Mapping[str, Any], today: date) -> str:
    """有效 within the 待遇享受期 (both ends), else 未到待遇享受期 or 已过期."""
    if today.isoformat() < str(conclusion.get("begndate")):
        return "未到待遇享受期"
    return "有效" if today.isoformat() <= str(conclusion.get("enddate")) else "已过期"


def _conclusion(conclusion: dict[str, Any] | None) -> dict[str, Any] | None:
    if conclusion is None:
        return None
    keep = ("disability_level", "disability_level_name", "adl_score", "assessed_on", "assessment_org", "begndate")
    return {
        **{k: conclusion[k] for k in (*keep, "enddate") if conclusion.get(k) is not None},
        "validity": validity(conclusion, date.today()),
    }


def apply_for_assessment(call: ItemCall) -> dict[str, Any]:
    """失能申请: opens S078 as the channel for the person named; the case waits at 评定 (the bureau's assessor)."""
    asked = validate_input(LtcApplying, call.business)
    _, person = _person(call)
    data = {**asked, "certno": str(asked["certno"]).upper()}
    ack = call.commands.open_case(LTC_PROCESS, None, data, call.app_id, call.admdvs, call.nonce)
    return {
        **person,
        "acceptance_no": ack.get("acceptance_no"),
        "process_id": ack.get("process_id", LTC_PROCESS),
        "stage": ack.get("stage"),
        "status": "已受理",
    }


def application_progress(call: ItemCall) -> dict[str, Any]:
    """申请进度查询: the person's 失能申请, newest first, each with its stage and status."""
    psn_no, person = _person(call)
    total, lines = _applications(call, psn_no)
    return {**person, "applications": lines, "total": total}


def assessment_conclusion(call: ItemCall) -> dict[str, Any]:
    """评定结论查询: the 结论 in effect (失能等级, 评分, 待遇享受期) and where the latest application stands."""
    psn_no, person = _person(call)
    _, lines = _applications(call, psn_no)
    conclusion = _conclusion(_eligibility(call, psn_no))
    return {
        **person,
        "assessed": conclusion is not None,
        "conclusion": conclusion,
        "latest_application": next(iter(lines), None),
    }


def care_plan(call: ItemCall) -> dict[str, Any]:
    """照护计划查询: the 照护计划 of the 结论 in effect (hours and services a month) and its period."""
    psn_no, person = _person(call)
    held = _eligibility(call, psn_no)
    if held is None:
        return {**person, "care_plan": None}
    plan = dict(held.get("care_plan") or {})
    return {
        **person,
        "care_plan": {
            **plan,
            "disability_level_name": held.get("disability_level_name"),
            "care_mode": held.get("care_mode"),
            "care_mode_name": CARE_MODE_ZH.get(str(held.get("care_mode")), ""),
            "begndate": held.get("begndate"),
            "enddate": held.get("enddate"),
        },
    }


def plan_subscription(call: ItemCall) -> dict[str, Any]:
    """照护计划订购查询: the 照护机构 chosen and the plan taken up with it, as recorded at 申请 or 结论."""
    psn_no, person = _person(call)
    held = _eligibility(call, psn_no)
    if held is None or not held.get("subscription"):
        return {**person, "subscription": None}
    subscription = dict(held["subscription"])
    institution = held.get("care_institution") or {}
    return {
        **person,
        "subscription": {
            **subscription,
            "care_inst_name": institution.get("care_inst_name"),
            "status_name": "已订购" if subscription.get("status") == "subscribed" else subscription.get("status"),
            "enddate": held.get("enddate"),
        },
    }


def care_institutions(call: ItemCall) -> dict[str, Any]:
    """照护机构查询: the directory's institutions (public information; example data, said so in the answer)."""
    asked = validate_input(CareArea, call.business)
    found = call.read("/api/v1/ltc/institutions", admdvs=asked.get("admdvs"), care_mode=asked.get("care_mode"))
    items = [{k: i[k] for k in INSTITUTION_FIELDS if i.get(k) is not None} for i in found.get("items") or ()]
    return {"items": items, "total": len(items), "example": bool(found.get("example")), "note_zh": found.get("note_zh")}


def ltc_summary(call: ItemCall) -> dict[str, Any]:
    """其他长护险服务: the person's 长护险 at a glance (结论, 照护计划, 照护机构, applications)."""
    psn_no, person = _person(call)
    held = _eligibility(call, psn_no)
    total, lines = _applications(call, psn_no)
    plan = (held or {}).get("care_plan") or {}
    return {
        **person,
        "conclusion": _conclusion(held),
        "care_plan": {k: plan[k] for k in ("plan_code", "hours_per_month") if k in plan} or None,
        "care_institution": (held or {}).get("care_institution"),
        "applications": total,
        "latest_application": next(iter(lines), None),
    }


_BACKING = (
    "指南无长护险失能评定流程：本项目以待遇服务的流程 S078 失能评定（失能申请→评定→结论）和“长护险待遇资格”登记簿支撑。"
)
SERVED = {
    75: Served(
        assessment_conclusion,
        PERSON_EXAMPLE,
        after=(78,),
        assumption_zh=_BACKING
        + "评定结论为审核通过后登记的失能等级（按示例等级表由 Barthel 日常生活活动能力评分确定，仅重度失能一至三级可通过）、"
        "评分和待遇享受期（示例有效期 24 个月）；尚无结论时答复最近一次申请的办理状态（审核不通过即评定不符合条件）。",
    ),
    76: Served(
        ltc_summary,
        PERSON_EXAMPLE,
        after=(78,),
        assumption_zh="“其他长护险服务”含义未明，作为兜底事项：答复本人长护险概况（评定结论、照护计划、照护机构、申请情况）。",
    ),
    77: Served(
        application_progress,
        PERSON_EXAMPLE,
        after=(78,),
        assumption_zh=_BACKING + "申请进度为本人各次失能申请（S078 案件）的受理号、所处环节和状态，最新在前。",
    ),
    78: Served(
        apply_for_assessment,
        {
            **PERSON_EXAMPLE,
            "care_mode": "home",
            "care_needs": "脑卒中后遗症，长期卧床，进食、如厕、翻身均需他人协助",
            "care_inst_code": "L52010200001",
            "agent_name": "王敏",
            "agent_rlts": "女儿",
        },
        assumption_zh=_BACKING
        + "渠道代参保人提交失能申请（照护需求、照护方式、可选的意向照护机构、代办人），案件停在评定环节由经办机构评定；"
        "示例参保范围为职工基本医疗保险参保人（国家试点从职工医保起步）。",
    ),
    79: Served(
        care_institutions,
        {"admdvs": "520100"},
        assumption_zh="指南未给出定点护理服务机构目录：以待遇服务随附的示例目录文件（policy/ltc_institutions_example.yaml，"
        "机构均为虚构）为准，各统筹区以实际目录替换；失能申请只能选择目录中正常服务的机构。",
    ),
    80: Served(
        care_plan,
        PERSON_EXAMPLE,
        after=(78,),
        assumption_zh=_BACKING
        + "照护计划为评定结论审核通过时按失能等级取自示例照护计划表（每月服务时长和服务项目），尚无结论时答复为空。",
    ),
    81: Served(
        plan_subscription,
        PERSON_EXAMPLE,
        after=(78,),
        assumption_zh=_BACKING
        + "照护计划订购为申请时选择（或结论时确认）的照护机构与该等级照护计划的订购记录，自待遇享受开始日起；未选择机构的答复为空。",
    ),
}
