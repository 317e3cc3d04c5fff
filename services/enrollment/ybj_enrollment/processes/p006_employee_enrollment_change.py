"""P006 职工参保信息变更登记: six variants, each one step that changes the person's record or their 310 relation.

姓名/性别/身份证件 (人员重要信息维护), 暂停缴费, 停保 (人员终止参保; 续保 later at a new unit), 续保, 职务变更
(人员一般信息维护) and 在职转退休. Stepping a completed case back (or cancelling it) restores the record as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from ybj_enrollment.processes.fields import PersonLookup, fen
from ybj_enrollment.registries.codes import psn_no_for
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import Money

EMPLOYEE = "310"


class KeyInfoChange(PersonLookup):
    """人员重要信息维护: the fields that change (关键信息变更加盖单位公章)."""

    new_psn_name: str | None = Field(default=None, min_length=1, max_length=50, description="姓名（变更后）")
    new_gend: Literal["1", "2", "9"] | None = Field(default=None, description="性别（变更后）")
    new_psn_cert_type: str | None = Field(default=None, max_length=6, description="证件类型（变更后）")
    new_certno: str | None = Field(default=None, min_length=1, max_length=50, description="证件号码（变更后）")


class Suspension(PersonLookup):
    """参保人员暂停缴费: 暂停日期、暂停原因."""

    paus_date: date = Field(description="暂停日期")
    paus_rea: str = Field(min_length=1, max_length=200, description="暂停原因")


class Termination(PersonLookup):
    """人员终止参保 (停保): 终止原因、终止时间."""

    stop_rea: str = Field(min_length=1, max_length=200, description="终止原因")
    stop_date: date = Field(description="终止时间")


class Resumption(PersonLookup):
    """续保: 新单位, 缴费工资, 续保日期, 续保原因."""

    emp_no: str = Field(min_length=1, max_length=30, description="新单位编号")
    emp_name: str = Field(min_length=1, max_length=200, description="新单位名称")
    wage: Money = Field(description="缴费工资（元）")
    resu_date: date = Field(description="续保日期")
    resu_rea: str = Field(min_length=1, max_length=200, description="续保原因")


class PositionChange(PersonLookup):
    """人员一般信息维护: 行政职务、专业技术职务等级."""

    admin_duty: str | None = Field(default=None, max_length=30, description="行政职务")
    pro_tech_duty_lv: str | None = Field(default=None, max_length=30, description="专业技术职务等级")


class Retirement(PersonLookup):
    """在职转退休: 单位, 离退休类型、离退休时间、离退休工资."""

    emp_no: str = Field(min_length=1, max_length=30, description="单位编号")
    emp_name: str = Field(min_length=1, max_length=200, description="单位名称")
    retr_type: str = Field(min_length=1, max_length=6, description="离退休类型")
    retr_date: date = Field(description="离退休时间")
    retr_wage: Money = Field(description="离退休工资（元）")


def _person(data: Mapping[str, Any]) -> str:
    return str(data.get("psn_no") or psn_no_for(str(data["certno"])))


def _key_info(data: Mapping[str, Any]) -> list[Effect]:
    psn_no = _person(data)
    changes = {
        "psn_name": data.get("new_psn_name"),
        "gend": data.get("new_gend"),
        "psn_cert_type": data.get("new_psn_cert_type"),
        "certno": data.get("new_certno"),
    }
    effects = [Effect("person", psn_no, "change_info", changes)]
    if data.get("new_certno") and data["new_certno"] != data["certno"]:  # the certno index moves with it
        effects += [
            Effect("certno", str(data["certno"]), "release", {"target": psn_no}),
            Effect("certno", str(data["new_certno"]), "hold", {"target": psn_no}),
        ]
    return effects


def _relation(op: str, on: str, reason: str | None, **extra: Any) -> dict[str, Any]:
    return {"insutype": EMPLOYEE, "on": on, "reason": reason, **extra}


def effects(data: Mapping[str, Any], variant: str | None) -> list[Effect]:
    """What each kind of change does to the person's record."""
    psn_no = _person(data)
    if variant == "key_info":
        return _key_info(data)
    if variant == "suspend":
        return [Effect("person", psn_no, "suspend_contribution", _relation("", data["paus_date"], data["paus_rea"]))]
    if variant == "stop":
        return [Effect("person", psn_no, "stop", _relation("", data["stop_date"], data["stop_rea"]))]
    if variant == "resume":
        args = _relation(
            "", data["resu_date"], data["resu_rea"], emp_no=data["emp_no"], clct_base=fen(Decimal(str(data["wage"])))
        )
        return [Effect("employer", str(data["emp_no"]), "check_open", {}), Effect("person", psn_no, "resume", args)]
    if variant == "position":
        changes = {"admin_duty": data.get("admin_duty"), "pro_tech_duty_lv": data.get("pro_tech_duty_lv")}
        return [Effect("person", psn_no, "change_info", changes)]
    retired = _relation(
        "", data["retr_date"], None, retr_type=data["retr_type"], retr_wage=fen(Decimal(str(data["retr_wage"])))
    )
    return [Effect("person", psn_no, "retire", retired)]


PERSON = {"certno": "520102199003070022"}  # P002's example employee
UNIT = {"emp_no": "52010213594430", "emp_name": "贵阳云岩数智科技有限公司"}  # P001's example unit


def _stage(key: str, name_zh: str, event: str, model: type[BaseModel], variant: str, example: dict[str, Any]) -> Stage:
    return Stage(
        key,
        name_zh,
        ("registrar", "channel"),
        event,
        input=model,
        variants=frozenset({variant}),
        example={**PERSON, **example},
    )


P006 = ProcessDefinition(
    id="P006",
    slug="employee_enrollment_change_registration",
    name_zh="职工参保信息变更登记",
    service="enrollment",
    variants=(
        Variant("key_info", "姓名、性别、身份证件信息变更"),
        Variant("suspend", "暂停缴费"),
        Variant("stop", "停保"),
        Variant("resume", "续保"),
        Variant("position", "职务变更"),
        Variant("retire", "在职转退休"),
    ),
    materials=(
        Material("职工本人提供医保电子凭证或有效身份证件或社保卡"),
        Material("《基本医疗保险职工参保信息变更登记表》（关键信息变更加盖单位公章）"),
        Material(
            "《退休审批表》或退休文件和《医疗保险信息变更表》（加盖单位公章）（在职转退休）",
            required=False,
            condition_zh="在职转退休",
        ),
        Material("员工停保原因说明（停保续保需由新单位出具）", required=False, condition_zh="停保、续保"),
    ),
    stages=(
        _stage(
            "change_key_info",
            "人员重要信息维护（姓名、性别、身份证件）",
            "KeyPersonInfoChanged",
            KeyInfoChange,
            "key_info",
            {"new_psn_name": "陈晶"},
        ),
        _stage(
            "suspend_contribution",
            "参保人员暂停缴费",
            "ContributionSuspended",
            Suspension,
            "suspend",
            {"paus_date": "2026-12-01", "paus_rea": "单位停产"},
        ),
        _stage(
            "terminate_enrollment",
            "人员终止参保（停保）",
            "EnrollmentTerminated",
            Termination,
            "stop",
            {"stop_rea": "离职", "stop_date": "2026-12-01"},
        ),
        _stage(
            "resume_enrollment",
            "续保（新单位、缴费工资、续保日期、续保原因）",
            "EnrollmentResumed",
            Resumption,
            "resume",
            {**UNIT, "wage": "7000.00", "resu_date": "2027-01-01", "resu_rea": "新单位录用"},
        ),
        _stage(
            "change_position",
            "人员一般信息维护（行政职务、专业技术职务等级）",
            "PositionChanged",
            PositionChange,
            "position",
            {"admin_duty": "科长", "pro_tech_duty_lv": "中级"},
        ),
        _stage(
            "convert_to_retired",
            "在职转退休",
            "ConvertedToRetired",
            Retirement,
            "retire",
            {**UNIT, "retr_type": "1", "retr_date": "2026-12-31", "retr_wage": "5200.00"},
        ),
    ),
    effects=effects,
)
