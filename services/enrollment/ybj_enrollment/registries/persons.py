"""参保人 registry (E02-E04): a person, their 参保关系 per 险种, 核定基数 and 缴费记录 by period."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

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
from ybj_kernel.errors import NotFound

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
    bank_acct: str | None = Field(default=None, max_length=40, description="银行信息")
    # 参保信息 beyond the above (P003: 首次参保年月、医疗保险类别、征缴规则、基数核定规则), kept on the relation when given.
    fst_insu_ym: str | None = Field(default=None, pattern=r"^\d{4}(0[1-9]|1[0-2])$", description="首次参保年月")
    hi_type: str | None = Field(default=None, max_length=6, description="医疗保险类别")
    clct_rule: str | None = Field(default=None, max_length=6, description="征缴规则")
    base_rule: str | None = Field(default=None, max_length=6, description="基数核定规则")
    clct_way: str | None = Field(default=None, max_length=6, description="征收方式")


# The relation's own fields among an enrollment's arguments (the rest describe the person).
RELATION_FIELDS = ("insutype", "emp_no", "begndate", "psn_type", "clct_base")
RELATION_TERMS = ("fst_insu_ym", "hi_type", "clct_rule", "base_rule", "clct_way")


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
    """人员重要信息维护 (姓名、性别、身份证件) or 一般信息 (职务); 城乡居民 also 民族、出生日期 (P020)."""

    psn_name: str | None = None
    gend: str | None = None
    naty: str | None = None
    brdy: date | None = None
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


class RelationInfo(BaseModel):
    """参保信息变更 of one relation in effect (P020 城乡居民); the unit, when named, must be the relation's (不能变更)."""

    insutype: Insutype
    emp_no: str | None = Field(default=None, max_length=30, description="参保单位编号（核对，不能变更）")
    certno: str | None = Field(default=None, max_length=50, description="证件号码（核对：人员编号须是其本人的）")
    psn_type: str | None = Field(default=None, min_length=1, max_length=6, description="人员类别")
    clct_grade: str | None = Field(default=None, min_length=1, max_length=6, description="缴费档次")
    clct_way: str | None = Field(default=None, min_length=1, max_length=6, description="征收方式")


class EmployerLeave(BaseModel):
    """单位注销: the person's relations under the unit that are still paying or suspended are stopped (停保)."""

    emp_no: str = Field(min_length=1, max_length=30)
    on: date
    reason: str = Field(min_length=1, max_length=200)


class Base(BaseModel):
    """核定基数 for one period and 险种 (fen); a unit's declaration names the unit, which must be the relation's."""

    insutype: Insutype
    ym: str = Field(pattern=r"^\d{4}(0[1-9]|1[0-2])$")
    amount: int = Field(ge=0, description="缴费基数（分）")
    emp_no: str | None = Field(default=None, max_length=30, description="申报单位编号")


class Contribution(BaseModel):
    """缴费记录 for one period and 险种: due, paid and late fee, in fen; a back payment (补缴) names the unit."""

    insutype: Insutype
    ym: str = Field(pattern=r"^\d{4}(0[1-9]|1[0-2])$")
    due: int = Field(ge=0)
    paid: int = Field(ge=0)
    late_fee: int = Field(default=0, ge=0)
    paid_on: date | None = None
    emp_no: str | None = Field(default=None, max_length=30, description="缴费单位编号")
    kind: Literal["regular", "back_payment"] = "regular"  # back_payment: 欠费补缴 (P011), refused for a paid month


# A bound on one assessment's span, so that one entry stays small: a technical limit, not a policy number.
MAX_ASSESSED_MONTHS = 120


class BaseAssessment(BaseModel):
    """核定基数 over 开始年月 … 结束年月 (both included) for one 险种, in fen (个人应缴工资基数核定)."""

    insutype: Insutype
    begn_ym: str = Field(pattern=r"^\d{4}(0[1-9]|1[0-2])$")
    end_ym: str = Field(pattern=r"^\d{4}(0[1-9]|1[0-2])$")
    amount: int = Field(ge=0, description="缴费基数（分）")
    emp_no: str | None = Field(default=None, max_length=30)


class CollectionBill(BaseModel):
    """征集单 (E05) sent to the tax bureau, e.g. 一次性趸缴: the amount due in fen and the months it covers."""

    bill_no: str = Field(min_length=1, max_length=40)
    kind: Literal["lump_sum"]
    insutype: Insutype
    amount: int = Field(gt=0, strict=True, description="应缴金额（分）")
    months: int = Field(gt=0, description="补足月数")
    retr_date: date | None = None


class Presence(BaseModel):
    """在册核对: the 证件号码 the person was looked up by, if any (it must still be theirs), and, when a unit and
    险种 are named, a relation in effect under that unit (an 注入 is for the unit's own people)."""

    certno: str | None = Field(default=None, max_length=50)
    emp_no: str | None = Field(default=None, max_length=30)
    insutype: Insutype | None = None


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
    person = {k: v for k, v in args.items() if k not in RELATION_FIELDS + RELATION_TERMS}
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
        **{k: args[k] for k in RELATION_TERMS if args.get(k) is not None},
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


def _change_relation(state: dict[str, Any], args: dict[str, Any]) -> None:
    if args.get("certno") is not None and str(state.get("certno", "")).upper() != args["certno"].upper():
        raise refuse(
            "CERTNO_MISMATCH",
            "人员编号登记的证件号码与本次不一致",
            "this psn_no is registered under another certno",
            "certno",
        )
    r = _relation(state, args["insutype"], IN_EFFECT, "变更参保信息", "change the enrollment")
    _in_unit(r, args.get("emp_no"))
    # Without a field to change this is a check (the person and unit are the ones named) and records nothing.
    r.update({k: v for k, v in args.items() if k not in ("insutype", "emp_no", "certno")})
    state["relations"][args["insutype"]] = r


def _leave_employer(state: dict[str, Any], args: dict[str, Any]) -> None:
    left = 0
    for insutype, r in state.get("relations", {}).items():
        if r["emp_no"] == args["emp_no"] and r["status"] in (ACTIVE, SUSPENDED):
            state["relations"][insutype] = {**r, "status": STOPPED, "stop_date": args["on"], "stop_rea": args["reason"]}
            left += 1
    if not left:
        raise refuse(
            "NOT_IN_UNIT",
            f"该人员在单位 {args['emp_no']} 没有参保缴费或暂停缴费的参保关系",
            f"no relation under unit {args['emp_no']} is paying or suspended",
            "emp_no",
        )


def _in_unit(relation: dict[str, Any], emp_no: str | None) -> None:
    """A unit acts only for its own insured: the relation must be under `emp_no` (when one is named)."""
    if emp_no is not None and relation["emp_no"] != emp_no:
        insutype = relation["insutype"]
        raise refuse(
            "NOT_IN_UNIT",
            f"该人员{INSUTYPE_ZH.get(insutype, insutype)}不在单位 {emp_no} 参保（参保单位 {relation['emp_no']}）",
            f"this person's {insutype} relation is not under unit {emp_no} (it is under {relation['emp_no']})",
            "emp_no",
        )


def _set_base(state: dict[str, Any], args: dict[str, Any]) -> None:
    _in_unit(_relation(state, args["insutype"], IN_EFFECT, "核定基数", "assess a base"), args.get("emp_no"))
    state.setdefault("bases", {})[f"{args['insutype']}:{args['ym']}"] = args["amount"]


def _months(begn_ym: str, end_ym: str) -> list[str]:
    first, last = int(begn_ym[:4]) * 12 + int(begn_ym[4:]) - 1, int(end_ym[:4]) * 12 + int(end_ym[4:]) - 1
    return [f"{n // 12:04d}{n % 12 + 1:02d}" for n in range(first, last + 1)]


def _assess_base(state: dict[str, Any], args: dict[str, Any]) -> None:
    _in_unit(_relation(state, args["insutype"], IN_EFFECT, "核定基数", "assess a base"), args.get("emp_no"))
    months = _months(args["begn_ym"], args["end_ym"])
    if not months:
        raise refuse("PERIOD_REVERSED", "结束年月不能早于开始年月", "end_ym is before begn_ym", "end_ym")
    if len(months) > MAX_ASSESSED_MONTHS:
        raise refuse(
            "PERIOD_TOO_LONG",
            f"一次核定不能超过 {MAX_ASSESSED_MONTHS} 个月",
            f"one assessment covers at most {MAX_ASSESSED_MONTHS} months",
            "end_ym",
        )
    bases = state.setdefault("bases", {})
    bases.update({f"{args['insutype']}:{ym}": args["amount"] for ym in months})


def _contribute(state: dict[str, Any], args: dict[str, Any]) -> None:
    _in_unit(_relation(state, args["insutype"], IN_EFFECT, "记录缴费", "record a contribution"), args.get("emp_no"))
    key = f"{args['insutype']}:{args['ym']}"
    held = state.get("contributions", {}).get(key)
    if args.get("kind") == "back_payment" and held is not None and held["paid"] >= held["due"]:
        raise refuse(
            "ALREADY_PAID",
            f"{args['ym']} 期已足额缴费，无需补缴",
            f"period {args['ym']} is already paid in full",
            "ym",
        )
    state.setdefault("contributions", {})[key] = args


def _issue_bill(state: dict[str, Any], args: dict[str, Any]) -> None:
    _relation(state, args["insutype"], IN_EFFECT, "开具征集单", "issue a collection bill")
    bills = state.setdefault("collection_bills", {})
    if args["bill_no"] in bills:
        raise refuse("BILL_EXISTS", f"征集单 {args['bill_no']} 已开具", "this collection bill exists", "bill_no")
    bills[args["bill_no"]] = {**args, "status": "sent"}


def _check_exists(state: dict[str, Any], args: dict[str, Any]) -> None:
    # On an empty state (no such person, or one no longer in effect: Op.checks_missing) it refuses, naming the field
    # the clerk entered.
    certno = args.get("certno")
    if not state.get("relations") or (certno is not None and str(state.get("certno", "")).upper() != certno.upper()):
        shown = f"证件号码 {certno}" if certno is not None else "该人员编号"
        raise NotFound(
            "PERSON_NOT_FOUND",
            f"没有{shown}的参保人员",
            "no insured person " + (f"with certno {certno}" if certno is not None else "with this psn_no"),
            "certno" if certno is not None else "psn_no",
        )
    if args.get("emp_no") is not None and args.get("insutype") is not None:
        relation = state["relations"].get(args["insutype"])
        if relation is None or relation["status"] not in IN_EFFECT or relation["emp_no"] != args["emp_no"]:
            raise refuse(
                "NOT_IN_UNIT",
                f"该人员不在单位 {args['emp_no']} 参加{INSUTYPE_ZH[args['insutype']]}",
                f"this person has no {args['insutype']} relation in effect under unit {args['emp_no']}",
                "emp_no",
            )


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
        "change_relation": Op("参保信息变更", "EnrollmentInfoChanged", RelationInfo, _change_relation),
        "leave_employer": Op("单位注销停保", "EmployerLeft", EmployerLeave, _leave_employer),
        "set_contribution_base": Op("核定缴费基数", "ContributionBaseSet", Base, _set_base),
        "record_contribution": Op("缴费记录", "ContributionRecorded", Contribution, _contribute),
        "assess_base": Op("缴费基数核定（按期间）", "ContributionBaseAssessed", BaseAssessment, _assess_base),
        "issue_collection_bill": Op("开具征集单", "CollectionBillIssued", CollectionBill, _issue_bill),
        # A check that changes nothing (and so records nothing): the person is on the register (P015 查询).
        "check_exists": Op("参保人员在册", "PersonChecked", Presence, _check_exists, checks_missing=True),
    },
    frozenset({"enroll"}),
)
