"""参保单位 registry (E01): an employer's information, status and merge/split lineage, changed only by cases."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from ybj_enrollment.registries.codes import DEREGISTERED, INSUTYPE_ZH, MERGED, NORMAL, PAUSED, Insutype, refuse
from ybj_kernel.domain.registry import Op, Registry
from ybj_kernel.domain.validation import Admdvs, Uscc
from ybj_kernel.errors import NotFound


class EmployerInfo(BaseModel):
    """单位基本、联系、注册信息 (P001)."""

    emp_no: str = Field(min_length=1, max_length=30)
    uscc: Uscc
    emp_name: str = Field(min_length=1, max_length=200)
    emp_type: str = Field(min_length=1, max_length=6)
    emp_mgt_type: str = Field(min_length=1, max_length=6)
    admdvs: Admdvs
    contact_name: str | None = None
    tel: str | None = None
    admin_region: str | None = None
    addr: str | None = None
    legrep_name: str | None = None
    legrep_cert_type: str | None = None
    legrep_certno: str | None = None
    legrep_mob: str | None = None
    bank_info: str | None = None
    parent_emp_no: str | None = None
    insutypes: list[str] = Field(default_factory=list)
    founded_on: date | None = None


class UsccChange(BaseModel):
    """统一社会信用代码变更."""

    uscc: Uscc


class LegalRepresentative(BaseModel):
    """法人变更."""

    legrep_name: str | None = None
    legrep_cert_type: str | None = None
    legrep_certno: str | None = None
    legrep_mob: str | None = None


class Lineage(BaseModel):
    """合并 or 分户: the other unit and the date."""

    other_emp_no: str = Field(min_length=1, max_length=30)
    on: date
    role: Literal["survivor", "absorbed", "origin", "split_off"]


class InfoChange(BaseModel):
    """单位信息变更: name, address, contacts, bank, 上级单位 (the fields given change, the others stay)."""

    emp_name: str | None = Field(default=None, min_length=1, max_length=200)
    emp_type: str | None = Field(default=None, min_length=1, max_length=6)
    emp_mgt_type: str | None = Field(default=None, min_length=1, max_length=6)
    contact_name: str | None = None
    tel: str | None = None
    admin_region: str | None = None
    addr: str | None = None
    bank_info: str | None = None
    parent_emp_no: str | None = None


class Pause(BaseModel):
    """单位暂停参保 / 恢复: the date and why (item 6 has no guide: fields borrowed from P006, DOMAIN.md E01)."""

    on: date
    reason: str = Field(min_length=1, max_length=200)


class Deregistration(BaseModel):
    """单位注销: 注销日期, 注销原因."""

    dereg_date: date
    dereg_rea: str = Field(min_length=1, max_length=200)


def _register(state: dict[str, Any], args: dict[str, Any]) -> None:
    # Any status, 注销 and 已合并 included: a closed unit takes no change but a revert, not even a new registration.
    if state.get("status") is not None:
        raise refuse("EMPLOYER_EXISTS", "该单位已参保登记", "this employer is already registered", "emp_no")
    state.update(args, status=NORMAL, merged_into=None, merged_from=[], split_from=None, split_into=[])


def _open_only(state: dict[str, Any]) -> None:
    status = state.get("status")
    if status == DEREGISTERED:
        raise refuse("EMPLOYER_DEREGISTERED", "单位已注销，不能办理变更", "the employer is deregistered", "emp_no")
    if status == MERGED:
        raise refuse(
            "EMPLOYER_MERGED", f"单位已并入 {state.get('merged_into')}", "the employer has been merged", "emp_no"
        )


def _change_uscc(state: dict[str, Any], args: dict[str, Any]) -> None:
    _open_only(state)
    if args["uscc"] == state["uscc"]:
        raise refuse("NOTHING_CHANGES", "统一社会信用代码未变化", "the credit code is unchanged", "uscc")
    state["uscc"] = args["uscc"]


def _change_legrep(state: dict[str, Any], args: dict[str, Any]) -> None:
    _open_only(state)
    changes = {k: v for k, v in args.items() if v is not None}
    if all(state.get(k) == v for k, v in changes.items()):
        raise refuse(
            "NOTHING_CHANGES", "法定代表人信息未变化", "the legal representative is unchanged", "legrep_certno"
        )
    state.update(changes)


def _lineage(state: dict[str, Any], args: dict[str, Any]) -> None:
    _open_only(state)
    other, role = args["other_emp_no"], args["role"]
    if other == state["emp_no"]:
        raise refuse("SAME_EMPLOYER", "合并或分户的两个单位不能相同", "the two units must differ", "other_emp_no")
    if role == "survivor":
        state["merged_from"] = [*state["merged_from"], other]
    elif role == "absorbed":
        state.update(status=MERGED, merged_into=other, merged_on=args["on"])
    elif role == "origin":
        state["split_into"] = [*state["split_into"], other]
    else:
        state.update(split_from=other, split_on=args["on"])


def _change_info(state: dict[str, Any], args: dict[str, Any]) -> None:
    _open_only(state)
    if all(state.get(k) == v for k, v in args.items()):
        raise refuse("NOTHING_CHANGES", "没有需要变更的单位信息", "nothing to change", "emp_name")
    state.update(args)


def _suspend(state: dict[str, Any], args: dict[str, Any]) -> None:
    _open_only(state)
    if state["status"] == PAUSED:
        raise refuse("EMPLOYER_PAUSED", "单位已暂停参保", "the employer is already paused", "emp_no")
    state.update(status=PAUSED, paus_date=args["on"], paus_rea=args["reason"])


def _resume(state: dict[str, Any], args: dict[str, Any]) -> None:
    _open_only(state)
    if state["status"] != PAUSED:
        raise refuse("EMPLOYER_NOT_PAUSED", "单位未暂停参保，无需恢复", "the employer is not paused", "emp_no")
    state.update(status=NORMAL, resu_date=args["on"], resu_rea=args["reason"])


def _deregister(state: dict[str, Any], args: dict[str, Any]) -> None:
    _open_only(state)
    state.update(status=DEREGISTERED, **args)


class Deferral(BaseModel):
    """缓缴认定 (E07): 缓缴险种, 开始年月 … 结束年月 (both included), 缓交类型, 认定方向, 认定类型, and the approvers."""

    insutype: Insutype
    begn_ym: str = Field(pattern=r"^\d{4}(0[1-9]|1[0-2])$")
    end_ym: str = Field(pattern=r"^\d{4}(0[1-9]|1[0-2])$")
    defer_type: str = Field(min_length=1, max_length=6)
    idet_dir: str = Field(min_length=1, max_length=6)
    idet_type: str = Field(min_length=1, max_length=6)
    approved_by: list[str] = Field(min_length=1, description="审查批准的领导")


def _record_deferral(state: dict[str, Any], args: dict[str, Any]) -> None:
    _open_only(state)
    if args["end_ym"] < args["begn_ym"]:  # YYYYMM strings order as the months do
        raise refuse("PERIOD_REVERSED", "结束年月不能早于开始年月", "end_ym is before begn_ym", "end_ym")
    deferrals: dict[str, Any] = state.setdefault("deferrals", {})
    for held in deferrals.values():
        if (
            held["insutype"] == args["insutype"]
            and held["begn_ym"] <= args["end_ym"]
            and args["begn_ym"] <= held["end_ym"]
        ):
            raise refuse(
                "DEFERRAL_OVERLAPS",
                f"该单位{INSUTYPE_ZH.get(held['insutype'], held['insutype'])}已有缓缴认定"
                f"（{held['begn_ym']}至{held['end_ym']}），期间不能重叠",
                f"the unit already has a {held['insutype']} deferral from {held['begn_ym']} to {held['end_ym']}",
                "begn_ym",
            )
    deferrals[f"{args['insutype']}:{args['begn_ym']}"] = args


def _check_exists(state: dict[str, Any], args: dict[str, Any]) -> None:
    # On an empty state (no such unit, or one no longer in effect: Op.checks_missing) it refuses, naming emp_no.
    if state.get("status") is None:
        raise NotFound("EMPLOYER_NOT_FOUND", "没有该单位编号的参保单位", "no employer with this emp_no", "emp_no")


def _check_open(state: dict[str, Any], args: dict[str, Any]) -> None:
    _open_only(state)
    if state.get("status") == PAUSED:
        raise refuse("EMPLOYER_PAUSED", "单位已暂停参保", "the employer is paused", "emp_no")


EMPLOYERS = Registry(
    "employer",
    "参保单位",
    {
        "register": Op("单位参保登记", "EmployerRegistered", EmployerInfo, _register),
        "change_uscc": Op("统一社会信用代码变更", "UnitCreditCodeChanged", UsccChange, _change_uscc),
        "change_legal_representative": Op(
            "法人变更", "LegalRepresentativeChanged", LegalRepresentative, _change_legrep
        ),
        "change_info": Op("单位信息变更", "EmployerInfoChanged", InfoChange, _change_info),
        "record_lineage": Op("单位合并/分户", "LineageRecorded", Lineage, _lineage),
        "suspend": Op("单位暂停参保", "EmployerSuspended", Pause, _suspend),
        "resume": Op("单位恢复参保", "EmployerResumed", Pause, _resume),
        "deregister": Op("单位注销", "UnitDeregistered", Deregistration, _deregister),
        # A check that changes nothing (and so records nothing): the unit is registered and open.
        "check_open": Op("单位在册正常", "EmployerChecked", None, _check_open),
        "record_deferral": Op("单位缓缴认定", "ContributionDeferralGranted", Deferral, _record_deferral),
        # Records nothing either: the unit is on the register, whatever its status (P014 查询).
        "check_exists": Op("单位在册", "EmployerFound", None, _check_exists, checks_missing=True),
    },
    frozenset({"register"}),
)
