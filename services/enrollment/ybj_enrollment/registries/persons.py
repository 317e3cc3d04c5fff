"""参保人 registry (E02-E04): a person, their 参保关系 per 险种, 核定基数 and 缴费记录 by period."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from ybj_enrollment.registries.codes import (
    ACTIVE,
    BASIC_INSUTYPES,
    IN_EFFECT,
    INSUTYPE_ZH,
    RELATION_STATUS_ZH,
    RETIRED,
    STOPPED,
    SUSPENDED,
    TERMINATED,
    Insutype,
    refuse,
)
from ybj_kernel.domain.registry import Op, Registry

Period = str  # YYYYMM


class Enrollment(BaseModel):
    """新参保: the person (opened on their first enrollment) and the relation for one 险种."""

    psn_no: str = Field(min_length=1, max_length=30)
    psn_cert_type: str = "01"
    certno: str = Field(min_length=1, max_length=50)
    psn_name: str = Field(min_length=1, max_length=50)
    gend: str
    naty: str | None = None
    brdy: date
    tel: str | None = None
    addr: str | None = None
    fir_work_date: date | None = None
    insutype: Insutype
    emp_no: str = Field(min_length=1, max_length=30)
    begndate: date
    psn_type: str = Field(default="11", max_length=6)
    clct_base: int = Field(default=0, ge=0, description="缴费基数（分）")


class RelationChange(BaseModel):
    """暂停缴费 / 停保 / 续保 / 终止 / 在职转退休 of one relation."""

    insutype: Insutype
    on: date
    reason: str | None = Field(default=None, max_length=200)
    emp_no: str | None = Field(default=None, max_length=30, description="续保: the new unit")
    clct_base: int | None = Field(default=None, ge=0, description="续保: 缴费工资（分）")
    retr_type: str | None = None
    retr_wage: int | None = Field(default=None, ge=0)


class KeyInfo(BaseModel):
    """人员重要信息维护 (姓名、性别、身份证件) or 一般信息 (职务)."""

    psn_name: str | None = None
    gend: str | None = None
    psn_cert_type: str | None = None
    certno: str | None = None
    admin_duty: str | None = None
    pro_tech_duty_lv: str | None = None
    tel: str | None = None
    addr: str | None = None


class EmployerMove(BaseModel):
    """单位合并/分户: the person's relations move from one unit to another."""

    from_emp_no: str
    to_emp_no: str
    on: date


class Base(BaseModel):
    """核定基数 for one period and 险种 (fen)."""

    insutype: Insutype
    ym: str = Field(pattern=r"^\d{4}(0[1-9]|1[0-2])$")
    amount: int = Field(ge=0, description="缴费基数（分）")


class Contribution(BaseModel):
    """缴费记录 for one period and 险种: due, paid and late fee, in fen."""

    insutype: Insutype
    ym: str = Field(pattern=r"^\d{4}(0[1-9]|1[0-2])$")
    due: int = Field(ge=0)
    paid: int = Field(ge=0)
    late_fee: int = Field(default=0, ge=0)
    paid_on: date | None = None


def _enroll(state: dict[str, Any], args: dict[str, Any]) -> None:
    relations: dict[str, Any] = state.setdefault("relations", {})
    insutype = args["insutype"]
    if (held := relations.get(insutype)) and held["status"] in IN_EFFECT:
        raise refuse(
            "ALREADY_ENROLLED",
            f"该人员已有{INSUTYPE_ZH[insutype]}参保关系（{RELATION_STATUS_ZH[held['status']]}，单位 {held['emp_no']}）",
            f"this person already has a {insutype} relation in effect (unit {held['emp_no']})",
            "insutype",
        )
    if insutype in BASIC_INSUTYPES:
        other = next((t for t in BASIC_INSUTYPES - {insutype} if relations.get(t, {}).get("status") in IN_EFFECT), None)
        if other:
            raise refuse(
                "ALREADY_ENROLLED",
                f"该人员已参加{INSUTYPE_ZH[other]}，不能同时参加{INSUTYPE_ZH[insutype]}",
                f"this person already has basic medical insurance {other} in effect",
                "insutype",
            )
    if state.get("certno") not in (None, args["certno"]):
        # The same 人员编号 under another 证件号码 is a different person or a wrong number, never a silent correction
        # (a certno correction is 人员重要信息维护, which moves the certno index too).
        raise refuse(
            "CERTNO_MISMATCH",
            f"人员编号 {args['psn_no']} 登记的证件号码与本次不一致",
            f"person {args['psn_no']} is registered under another certno",
            "certno",
        )
    person = {k: v for k, v in args.items() if k not in ("insutype", "emp_no", "begndate", "psn_type", "clct_base")}
    # A person already registered keeps their information: changing it is 人员信息变更 (change_info), not 参保.
    state.update({k: v for k, v in person.items() if k not in state})
    relations[insutype] = {
        "insutype": insutype,
        "emp_no": args["emp_no"],
        "status": ACTIVE,
        "begndate": args["begndate"],
        "enddate": None,
        "psn_type": args["psn_type"],
        "clct_base": args["clct_base"],
    }
    state.setdefault("bases", {})
    state.setdefault("contributions", {})


def _relation(
    state: dict[str, Any], insutype: str, allowed: frozenset[str], what_zh: str, what_en: str
) -> dict[str, Any]:
    relation = state.get("relations", {}).get(insutype)
    if relation is None or relation["status"] not in allowed:
        now = RELATION_STATUS_ZH[relation["status"]] if relation else "未参保"
        raise refuse(
            "RELATION_STATE",
            f"该人员{INSUTYPE_ZH.get(insutype, insutype)}当前为{now}，不能{what_zh}",
            f"the {insutype} relation is {relation['status'] if relation else 'not insured'}: cannot {what_en}",
            "insutype",
        )
    return dict(relation)


def _suspend(state: dict[str, Any], args: dict[str, Any]) -> None:
    r = _relation(state, args["insutype"], frozenset({ACTIVE}), "暂停缴费", "suspend contributions")
    state["relations"][args["insutype"]] = {
        **r,
        "status": SUSPENDED,
        "paus_date": args["on"],
        "paus_rea": args["reason"],
    }


def _stop(state: dict[str, Any], args: dict[str, Any]) -> None:
    r = _relation(state, args["insutype"], frozenset({ACTIVE, SUSPENDED}), "停保", "stop the enrollment")
    state["relations"][args["insutype"]] = {**r, "status": STOPPED, "stop_date": args["on"], "stop_rea": args["reason"]}


def _resume(state: dict[str, Any], args: dict[str, Any]) -> None:
    r = _relation(state, args["insutype"], frozenset({SUSPENDED, STOPPED}), "续保（恢复）", "resume")
    r.update(status=ACTIVE, resu_date=args["on"], resu_rea=args["reason"])
    if args.get("emp_no"):
        r["emp_no"] = args["emp_no"]
    if args.get("clct_base") is not None:
        r["clct_base"] = args["clct_base"]
    state["relations"][args["insutype"]] = r


def _terminate(state: dict[str, Any], args: dict[str, Any]) -> None:
    r = _relation(state, args["insutype"], IN_EFFECT, "终止参保", "terminate")
    state["relations"][args["insutype"]] = {
        **r,
        "status": TERMINATED,
        "enddate": args["on"],
        "stop_rea": args["reason"],
    }


def _retire(state: dict[str, Any], args: dict[str, Any]) -> None:
    r = _relation(state, args["insutype"], frozenset({ACTIVE}), "办理在职转退休", "convert to retired")
    r.update(status=RETIRED, retr_date=args["on"], retr_type=args.get("retr_type"), retr_wage=args.get("retr_wage"))
    state["relations"][args["insutype"]] = r


def _change_info(state: dict[str, Any], args: dict[str, Any]) -> None:
    changes = {k: v for k, v in args.items() if v is not None}
    if not changes:
        raise refuse("NOTHING_CHANGES", "没有需要变更的信息", "nothing to change", "psn_name")
    state.update(changes)


def _move(state: dict[str, Any], args: dict[str, Any]) -> None:
    moved = 0
    for insutype, r in state.get("relations", {}).items():
        if r["emp_no"] == args["from_emp_no"] and r["status"] in IN_EFFECT:
            state["relations"][insutype] = {**r, "emp_no": args["to_emp_no"], "moved_on": args["on"]}
            moved += 1
    if not moved:
        raise refuse(
            "NOT_IN_UNIT", f"该人员不在单位 {args['from_emp_no']} 参保", "not enrolled under that unit", "emp_no"
        )


def _set_base(state: dict[str, Any], args: dict[str, Any]) -> None:
    _relation(state, args["insutype"], IN_EFFECT, "核定基数", "assess a base")
    state.setdefault("bases", {})[f"{args['insutype']}:{args['ym']}"] = args["amount"]


def _contribute(state: dict[str, Any], args: dict[str, Any]) -> None:
    _relation(state, args["insutype"], IN_EFFECT, "记录缴费", "record a contribution")
    state.setdefault("contributions", {})[f"{args['insutype']}:{args['ym']}"] = args


PERSONS = Registry(
    "person",
    "参保人",
    {
        "enroll": Op("参保登记", "Enrolled", Enrollment, _enroll),
        "suspend_contribution": Op("暂停缴费", "ContributionSuspended", RelationChange, _suspend),
        "stop": Op("停保", "EnrollmentStopped", RelationChange, _stop),
        "resume": Op("续保", "EnrollmentResumed", RelationChange, _resume),
        "terminate": Op("终止参保", "EnrollmentTerminated", RelationChange, _terminate),
        "retire": Op("在职转退休", "ConvertedToRetired", RelationChange, _retire),
        "change_info": Op("人员信息变更", "PersonInfoChanged", KeyInfo, _change_info),
        "move_employer": Op("单位合并/分户转移", "MovedToEmployer", EmployerMove, _move),
        "set_contribution_base": Op("核定缴费基数", "ContributionBaseSet", Base, _set_base),
        "record_contribution": Op("缴费记录", "ContributionRecorded", Contribution, _contribute),
    },
    frozenset({"enroll"}),
)
