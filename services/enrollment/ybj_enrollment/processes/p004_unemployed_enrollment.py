"""P004 失业人员参保登记: one period's changes for the 失业金代缴医疗虚拟单位, then 缴费核定 and 单据生成.

A case is the unit's period. Offline (人社部门线下提供): the clerk enters the people who start (新参保) or resume
(续保) under the unit, then those who stop (停保: 暂停缴费), each as a list (the 单个/导盘/勾选/添加 rows of the
guide's 批量模式). Online (人社部门线上提供): the HR bureau's system declares the period's 续保 and 停保, and the clerk
applies them, leaving out any that cannot be done. Both then assess the unit's contributions (开始结束期号, 核定险种)
and generate the collection bill (征收方式 by default the unit's 经办机构自收, no 滞纳金 or 利息 by default).
The person registry changes as the case completes: 新参保 enrolls in the unit's 险种 and 续保 resumes under the unit,
both at the unit's fixed 申报工资、征缴规则、基数核定规则 (「默认不可修改」); 停保 suspends the relation.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from ybj_enrollment.processes.fields import CertType, PersonIdentity
from ybj_enrollment.registries.codes import UNEMPLOYED_UNIT, ClctWay, Insutype, VirtualUnit, psn_no_for, virtual_unit
from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage, Uniqueness, Variant
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import bilingual
from ybj_kernel.errors import InvalidInput

YM = r"^\d{6}$"
FIXED_BY_UNIT = ("decl_wage", "clct_rule", "base_rule")  # 「按照失业金代缴医疗虚拟单位默认不可修改」


def _unit_of(emp_no: object) -> VirtualUnit:
    unit = virtual_unit(str(emp_no), UNEMPLOYED_UNIT)
    assert unit is not None, "emp_no is checked when the case opens"
    return unit


def _current_ym(info: ValidationInfo) -> str:
    return f"{today_of(info):%Y%m}"


def _month(value: str) -> str:
    if not 1 <= int(value[4:]) <= 12:
        raise bilingual("期号的月份应为01至12", "the month of a period must be 01 to 12")
    return value


class _NotFixed(BaseModel):
    @model_validator(mode="before")
    @classmethod
    def _unit_defaults_stand(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and (given := [k for k in FIXED_BY_UNIT if data.get(k) not in (None, "")]):
            raise bilingual(
                f"{'、'.join(given)} 按照失业金代缴医疗虚拟单位默认，不可修改",
                f"{', '.join(given)} are the unemployment virtual unit's defaults and cannot be changed",
            )
        return data


class NewEnrollment(_NotFixed, PersonIdentity):
    """新参保: 人员基本信息 and 本次参保日期 (申报工资、征缴规则、基数核定规则 are the unit's)."""

    fir_work_date: date | None = Field(default=None, description="首次参工日期")
    begndate: date = Field(description="本次参保日期")


class PersonRef(BaseModel):
    """证件类型、证件号码 (人员编号 when the certno was corrected since the first enrollment)."""

    psn_cert_type: CertType = Field(default="01", description="证件类型")
    certno: str = Field(min_length=1, max_length=50, description="证件号码")
    psn_no: str | None = Field(default=None, max_length=30, description="人员编号 (不填按证件号码)")
    psn_name: str | None = Field(default=None, max_length=50, description="姓名")

    @field_validator("certno")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class Resumption(_NotFixed, PersonRef):
    """续保 under the unit: 续保日期、续保原因."""

    resu_date: date = Field(description="续保日期")
    resu_rea: str = Field(default="领取失业保险金", min_length=1, max_length=200, description="续保原因")


def _distinct(people: list[Any]) -> None:
    certnos = [p.certno for p in people]
    if len(set(certnos)) != len(certnos):
        raise bilingual("同一证件号码列了两次", "a certno is listed twice")


class PersonEnrollments(BaseModel):
    """人员参保: the unit, and this period's 新参保 and 续保 people (either list may be empty)."""

    model_config = ConfigDict(extra="forbid")  # a row of people is not a case: refuse rather than ignore it

    emp_no: str = Field(min_length=1, max_length=30, description="失业人员虚拟单位编号")
    emp_name: str = Field(min_length=1, max_length=200, description="虚拟单位名称")
    new_enrollments: list[NewEnrollment] = Field(default_factory=list, description="新参保人员")
    resumptions: list[Resumption] = Field(default_factory=list, description="续保人员")

    @field_validator("emp_no")
    @classmethod
    def _unemployed_unit(cls, value: str) -> str:
        return _check_unit(value)

    @field_validator("resumptions")
    @classmethod
    def _once_each(cls, value: list[Resumption], info: ValidationInfo) -> list[Resumption]:
        _distinct([*info.data.get("new_enrollments", []), *value])
        return value


def _check_unit(emp_no: str) -> str:
    if virtual_unit(emp_no, UNEMPLOYED_UNIT) is None:
        raise bilingual(f"{emp_no} 不是失业金代缴医疗虚拟单位编号", f"{emp_no} is not an unemployment virtual unit")
    return emp_no


class PersonSuspensions(BaseModel):
    """人员停保 (参保人员暂停缴费): 停保险种, 暂停日期 (原文「暂时日期」), 暂停原因, and the people."""

    model_config = ConfigDict(extra="forbid")

    insutype: Insutype = Field(default="310", description="停保险种")
    paus_date: date | None = Field(default=None, description="暂停日期")
    paus_rea: str | None = Field(default=None, min_length=1, max_length=200, description="暂停原因")
    persons: list[PersonRef] = Field(default_factory=list, description="停保人员")

    @field_validator("persons")
    @classmethod
    def _dated(cls, value: list[PersonRef], info: ValidationInfo) -> list[PersonRef]:
        if value and (info.data.get("paus_date") is None or info.data.get("paus_rea") is None):
            raise bilingual("录入停保人员须同时录入暂停日期和暂停原因", "paus_date and paus_rea are required")
        _distinct(value)
        return value


class DeclaredChange(PersonRef):
    """人社部门申报的一条失业人员变动: 续保 or 停保, its date and reason."""

    chg_type: Literal["1", "2"] = Field(description="变动类型 (1 续保, 2 停保)")
    chg_date: date = Field(description="变动日期 (续保日期或暂停日期)")
    chg_rea: str = Field(min_length=1, max_length=200, description="变动原因")


class UnemploymentDeclaration(BaseModel):
    """人社部门完成当期失业人员申报: the unit, the period, and the people to resume or stop."""

    emp_no: str = Field(min_length=1, max_length=30, description="失业人员虚拟单位编号")
    emp_name: str = Field(min_length=1, max_length=200, description="虚拟单位名称")
    ym: str = Field(pattern=YM, description="申报期号 (YYYYMM)")
    changes: list[DeclaredChange] = Field(default_factory=list, description="当期应续保或停保人员明细")

    @field_validator("emp_no")
    @classmethod
    def _unemployed_unit(cls, value: str) -> str:
        return _check_unit(value)

    @field_validator("ym")
    @classmethod
    def _not_ahead(cls, value: str, info: ValidationInfo) -> str:
        if _month(value) > _current_ym(info):
            raise bilingual("申报期号晚于当前期号", "the declared period is after the current one")
        return value

    @field_validator("changes")
    @classmethod
    def _once_each(cls, value: list[DeclaredChange]) -> list[DeclaredChange]:
        _distinct(value)
        return value


class PersonChangesReview(BaseModel):
    """人员变动: the clerk checks the declared people and saves, leaving out (by certno) any that cannot be done."""

    excluded: list[str] = Field(default_factory=list, description="不予办理人员（证件号码）")
    current_ym: str | None = Field(default=None, description="当前期号（系统取当月）")

    @model_validator(mode="after")
    def _now(self, info: ValidationInfo) -> PersonChangesReview:
        self.current_ym = _current_ym(info)
        self.excluded = [c.upper() for c in self.excluded]
        return self


def _basic() -> list[Insutype]:
    return ["310"]


class Assessment(BaseModel):
    """特殊单位缴费核定: 开始结束期号 and 核定险种."""

    begn_ym: str = Field(pattern=YM, description="开始期号 (YYYYMM)")
    end_ym: str = Field(pattern=YM, description="结束期号 (YYYYMM)")
    insutypes: list[Insutype] = Field(default_factory=_basic, min_length=1, description="核定险种")

    @field_validator("begn_ym")
    @classmethod
    def _begins(cls, value: str) -> str:
        return _month(value)

    @field_validator("end_ym")
    @classmethod
    def _ends(cls, value: str, info: ValidationInfo) -> str:
        if _month(value) < info.data.get("begn_ym", value):
            raise bilingual("结束期号不能早于开始期号", "end_ym is before begn_ym")
        return value


class BillGeneration(BaseModel):
    """医疗保险费缴费单据生成: 申办对象类型, 征收方式, 是否征收滞纳金、利息."""

    aplc_obj_type: Literal["1", "2"] = Field(default="1", description="申办对象类型 (1 单位, 2 个人)")
    clct_way: ClctWay | None = Field(default=None, description="征收方式 (1 经办机构自收, 2 税务征收; 不填为单位默认)")
    late_fee_flag: bool = Field(default=False, description="是否征收滞纳金")
    interest_flag: bool = Field(default=False, description="是否征收利息")


def declared_only(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """Only people in the declaration can be left out."""
    declared = {str(c["certno"]) for c in current.get("changes", [])}
    if unknown := sorted(set(step.get("excluded", [])) - declared):
        raise InvalidInput(
            "NOT_DECLARED",
            f"不在当期申报明细中：{'、'.join(unknown)}",
            f"not in the declaration: {', '.join(unknown)}",
            "excluded",
        )


def declaration_period(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """Whether the declaration is the current period's (「未完成的系统进行提示」: a prompt, not a refusal)."""
    return {"hr_declared_current": current.get("ym") == step.get("current_ym")}


def assessable(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """核定险种 are among the unit's."""
    unit = _unit_of(current["emp_no"])
    if not set(step["insutypes"]) <= set(unit.insutypes):
        raise InvalidInput(
            "INVALID_FIELD",
            f"核定险种只能是虚拟单位的险种（{'、'.join(unit.insutypes)}）",
            f"insutypes must be among the unit's ({', '.join(unit.insutypes)})",
            "insutypes",
        )


def bill_defaults(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """征收方式 defaults to the unit's (「根据单位信息默认为经办机构自收」)."""
    return {"clct_way": step.get("clct_way") or _unit_of(current["emp_no"]).clct_way}


def _psn_no(row: Mapping[str, Any]) -> str:
    return str(row.get("psn_no") or psn_no_for(str(row["certno"])))


def _resume(unit: VirtualUnit, row: Mapping[str, Any], on: str, reason: str) -> list[Effect]:
    args = {"on": on, "reason": reason, "emp_no": unit.emp_no, "clct_base": unit.decl_wage}
    return [Effect("person", _psn_no(row), "resume", {**args, "insutype": t}) for t in unit.insutypes]


def _enroll(unit: VirtualUnit, row: Mapping[str, Any]) -> list[Effect]:
    psn_no = _psn_no(row)
    person = ("psn_cert_type", "certno", "psn_name", "gend", "naty", "brdy", "fir_work_date")
    terms = {
        "psn_no": psn_no,
        **{k: row[k] for k in person if row.get(k) is not None},
        "emp_no": unit.emp_no,
        "begndate": row["begndate"],
        "psn_type": unit.psn_type,
        "clct_base": unit.decl_wage,
        "hi_type": unit.hi_type,
        "clct_rule": unit.clct_rule,
        "base_rule": unit.base_rule,
        "clct_way": unit.clct_way,
    }
    terms = {k: v for k, v in terms.items() if v is not None}
    return [
        Effect("certno", str(row["certno"]), "hold", {"target": psn_no}),
        *(Effect("person", psn_no, "enroll", {**terms, "insutype": t}) for t in unit.insutypes),
    ]


def _suspend(row: Mapping[str, Any], insutype: str, on: str, reason: str) -> Effect:
    return Effect("person", _psn_no(row), "suspend_contribution", {"insutype": insutype, "on": on, "reason": reason})


def effects(data: Mapping[str, Any], variant: str | None) -> list[Effect]:
    """新参保 and 续保 under the unit at its fixed terms, 停保 as 暂停缴费: the period's changes to the people."""
    unit = _unit_of(data["emp_no"])
    if variant == "online":
        excluded = set(data.get("excluded", []))
        found: list[Effect] = []
        for c in (c for c in data.get("changes", []) if c["certno"] not in excluded):
            if c["chg_type"] == "1":
                found += _resume(unit, c, c["chg_date"], c["chg_rea"])
            else:
                found.append(_suspend(c, "310", c["chg_date"], c["chg_rea"]))
        return found
    return [
        *(e for row in data.get("new_enrollments", []) for e in _enroll(unit, row)),
        *(e for row in data.get("resumptions", []) for e in _resume(unit, row, row["resu_date"], row["resu_rea"])),
        *(_suspend(row, data["insutype"], data["paus_date"], data["paus_rea"]) for row in data.get("persons", [])),
    ]


# One HR declaration per unit and period: the same period's list cannot be applied twice.
UNEMPLOYMENT_DECLARATION = Uniqueness(
    scope="unemployment_declaration",
    key=lambda d: f"{d['emp_no']}:{d['ym']}",
    field="ym",
    message_zh="该虚拟单位本期失业人员申报已在办理",
    message_en="this unit's unemployment declaration for the period is already being handled",
)

UNIT = {"emp_no": "52010099000002", "emp_name": "贵阳市失业金代缴医疗虚拟单位（示例）"}
NEWLY_UNEMPLOYED = {"certno": "52011519920808004X", "psn_name": "张丽", "gend": "2", "brdy": "1992-08-08"}
LAID_OFF_EMPLOYEE = {"certno": "520102199003070022", "psn_name": "陈静"}  # P002's employee, stopped by P006
OFFLINE_EXAMPLE = {
    **UNIT,
    "new_enrollments": [{**NEWLY_UNEMPLOYED, "fir_work_date": "2014-07-01", "begndate": "2026-12-01"}],
    "resumptions": [{**LAID_OFF_EMPLOYEE, "resu_date": "2026-12-01", "resu_rea": "领取失业保险金"}],
}
ONLINE_EXAMPLE = {
    **UNIT,
    "ym": "202612",
    "changes": [{**NEWLY_UNEMPLOYED, "chg_type": "2", "chg_date": "2026-12-31", "chg_rea": "失业保险金领取期满"}],
}
OFFLINE, ONLINE = frozenset({"offline"}), frozenset({"online"})

P004 = ProcessDefinition(
    id="P004",
    slug="unemployed_person_enrollment_registration",
    name_zh="失业人员参保登记",
    service="enrollment",
    variants=(
        Variant("offline", "人社部门线下提供失业人员变动信息模式"),
        Variant("online", "人社部门线上提供失业人员变动信息模式"),
    ),
    materials=(
        Material(
            "《职工基本医疗保险参保登记表》（人社部门线下提供的失业人员变动信息模式）",
            required=False,
            condition_zh="人社部门线下提供的失业人员变动信息模式",
        ),
    ),
    stages=(
        Stage(
            "enroll_persons",
            "人员参保（职工参保登记，单个模式或批量模式完成新参保、续保）",
            ("registrar",),
            "Registered",
            input=PersonEnrollments,
            variants=OFFLINE,
            batch=True,
            example=OFFLINE_EXAMPLE,
        ),
        Stage(
            "suspend_contribution",
            "人员停保（参保人员暂停缴费：单个模式，或批量模式之导盘/勾选/添加操作模式）",
            ("registrar",),
            "ContributionSuspended",
            input=PersonSuspensions,
            variants=OFFLINE,
            batch=True,
            example={"insutype": "310", "persons": []},
        ),
        Stage(
            "hr_declaration",
            "人社部门完成当期失业人员申报（系统根据当前期号判断，未完成的进行提示）",
            ("hr_bureau",),
            "UnemploymentDeclarationReceived",
            input=UnemploymentDeclaration,
            unique=UNEMPLOYMENT_DECLARATION,
            variants=ONLINE,
            example=ONLINE_EXAMPLE,
        ),
        Stage(
            "apply_person_changes",
            "人员变动（失业人员信息变动：核对当期应续保或停保人员明细，保存提交，显示失败名单）",
            ("registrar",),
            "PersonChangesApplied",
            input=PersonChangesReview,
            checks=(declared_only,),
            derive=declaration_period,
            variants=ONLINE,
            example={"excluded": []},
        ),
        Stage(
            "contribution_assessment",
            "缴费核定（特殊单位缴费核定：确认或修改开始结束期号，选择核定险种，保存提交）",
            ("registrar",),
            "ContributionAssessed",
            input=Assessment,
            checks=(assessable,),
            example={"begn_ym": "202612", "end_ym": "202612", "insutypes": ["310"]},
        ),
        Stage(
            "collection_bill_generation",
            "单据生成（医疗保险费缴费单据生成：选择征收方式、是否征收滞纳金和利息，生成征集单据）",
            ("registrar",),
            "CollectionBillGenerated",
            input=BillGeneration,
            derive=bill_defaults,
            example={"aplc_obj_type": "1", "late_fee_flag": False, "interest_flag": False},
        ),
    ),
    effects=effects,
)
