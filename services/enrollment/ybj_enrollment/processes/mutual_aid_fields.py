"""What the 个人账户共济 processes (S096, S097, S111) share: the two persons a request names, the facts the platform
looks up about them, and the checks on those facts.

Every request names the 授权人 (the employee whose 职工医保个人账户 is shared: 证件类型、证件号码、姓名) and a 使用人 (the
relative: 证件类型、证件号码, and 姓名 where it matters). The platform finds each through the `certno` index and reads
their `person` entry, their `mutual_aid` entry and, for a 代缴, the 授权人's `account`, recording what it read with the
step (Stage.lookups), so that every check below is pure and the case keeps the facts it was decided on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from ybj_enrollment.processes.fields import CertType
from ybj_enrollment.registries.codes import ACTIVE, RETIRED, SUSPENDED, TERMINATED
from ybj_enrollment.registries.mutual_aid import BOUND, MUTUAL_AID
from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.identity import certno_problem
from ybj_kernel.domain.process import Lookup
from ybj_kernel.domain.validation import bilingual
from ybj_kernel.errors import Conflict, NotFound

EMPLOYEE, RESIDENT = "310", "390"
# 授权人: an employee whose 职工医保 relation still holds an account (在职参保缴费、暂停缴费 or 退休); 停保 or 终止 does not.
HOLDER_STATUSES = frozenset({ACTIVE, SUSPENDED, RETIRED})


def valid_certno(value: str, cert_type: str, info: ValidationInfo) -> str:
    """A 居民身份证号 (证件类型 01) is checked whole and upper-cased; another document's number is upper-cased."""
    value = value.upper()
    if cert_type == "01" and (problem := certno_problem(value, today=today_of(info))):
        raise bilingual(f"证件号码无效：{problem[0]}", f"invalid 居民身份证号: {problem[1]}")
    return value


class HolderNamed(BaseModel):
    """授权人: the employee whose personal account is shared, as the request names them."""

    psn_cert_type: CertType = Field(default="01", description="授权人证件类型 (01 居民身份证)")
    certno: str = Field(min_length=1, max_length=50, description="授权人证件号码")
    psn_name: str = Field(min_length=1, max_length=50, description="授权人姓名")

    @field_validator("certno")
    @classmethod
    def _certno(cls, value: str, info: ValidationInfo) -> str:
        return valid_certno(value, info.data.get("psn_cert_type", "01"), info)


class UserNamed(HolderNamed):
    """授权人 and 使用人 (the relative), two different persons."""

    user_cert_type: CertType = Field(default="01", description="使用人证件类型 (01 居民身份证)")
    user_certno: str = Field(min_length=1, max_length=50, description="使用人证件号码")

    @field_validator("user_certno")
    @classmethod
    def _user_certno(cls, value: str, info: ValidationInfo) -> str:
        value = valid_certno(value, info.data.get("user_cert_type", "01"), info)
        if value == info.data.get("certno"):
            raise bilingual("使用人不能是授权人本人", "user_certno is the holder's own certno")
        return value


# ---- what the platform looks up -------------------------------------------------------------------------------


def _target(state: Mapping[str, Any]) -> Any:
    return state.get("target")


def _person(state: Mapping[str, Any]) -> dict[str, Any]:
    """Who the person is, the status of each 参保关系, and the 城乡居民 years paid in full (for a 代缴)."""
    paid = [
        int(c["ym"][:4])
        for c in state.get("contributions", {}).values()
        if c.get("insutype") == RESIDENT and c["paid"] >= c["due"]
    ]
    return {
        "psn_name": state.get("psn_name"),
        "psn_cert_type": state.get("psn_cert_type") or "01",
        "statuses": {t: r["status"] for t, r in state.get("relations", {}).items()},
        "resident_years_paid": sorted(set(paid)),
    }


def _aid(state: Mapping[str, Any]) -> dict[str, Any]:
    """The bindings in effect on both sides, and the 支付顺序."""
    return {
        "users": [b["psn_no"] for b in state.get("users", []) if b["status"] == BOUND],
        "authorizers": [b["psn_no"] for b in state.get("authorizers", []) if b["status"] == BOUND],
        "pay_order_type": state.get("pay_order_type"),
    }


def _account(state: Mapping[str, Any]) -> dict[str, Any]:
    return {"balance": state.get("balance", 0), "frozen": bool(state.get("frozen"))}


HOLDER_PSN_NO = Lookup("holder_psn_no", "certno", lambda d: str(d["certno"]).upper(), pick=_target)
HOLDER = Lookup("holder", "person", lambda d: d["holder_psn_no"], pick=_person)
HOLDER_AID = Lookup("holder_aid", MUTUAL_AID, lambda d: d["holder_psn_no"], pick=_aid)
HOLDER_ACCOUNT = Lookup("holder_account", "account", lambda d: d["holder_psn_no"], pick=_account)
USER_PSN_NO = Lookup("user_psn_no", "certno", lambda d: str(d["user_certno"]).upper(), pick=_target)
USER = Lookup("user", "person", lambda d: d["user_psn_no"], pick=_person)
USER_AID = Lookup("user_aid", MUTUAL_AID, lambda d: d["user_psn_no"], pick=_aid)


# ---- checks on what was found ------------------------------------------------------------------------------------


def _agrees(found: Mapping[str, Any] | None, name: Any, cert_type: Any) -> bool:
    return (
        found is not None
        and str(found.get("psn_name") or "").strip() == str(name or "").strip()
        and found.get("psn_cert_type", "01") == (cert_type or "01")
    )


def holder_named(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The 授权人 is on the register under the 证件类型, 证件号码 and 姓名 given (「本人数据」)."""
    if not _agrees(step.get("holder"), step.get("psn_name"), step.get("psn_cert_type")):
        raise NotFound(
            "PERSON_NOT_MATCHED",
            "未找到与证件类型、证件号码和姓名一致的参保人（授权人）",
            "no insured person matches the holder's certificate type, number and name",
            "certno",
        )


def holder_is_employee(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """Only an employee's 职工医保 personal account is shared: the 授权人's 310 relation must still hold it."""
    status = (step.get("holder") or {}).get("statuses", {}).get(EMPLOYEE)
    if status not in HOLDER_STATUSES:
        raise Conflict(
            "HOLDER_NOT_EMPLOYEE",
            "授权人须为参加职工基本医疗保险（在职或退休）的人员",
            "the holder must be insured as an employee (310), working or retired",
            "certno",
        )


def user_named(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The 使用人 is on the register under the 证件类型, 证件号码 and 姓名 given."""
    if not _agrees(step.get("user"), step.get("user_name"), step.get("user_cert_type")):
        raise NotFound(
            "USER_NOT_MATCHED",
            "未找到与证件类型、证件号码和姓名一致的参保人（使用人）",
            "no insured person matches the user's certificate type, number and name",
            "user_certno",
        )


def user_is_insured(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """A 使用人 must hold basic medical insurance here (职工 or 城乡居民, not ended)."""
    statuses = (step.get("user") or {}).get("statuses", {})
    if not any(statuses.get(t) not in (None, TERMINATED) for t in (EMPLOYEE, RESIDENT)):
        raise Conflict(
            "USER_NOT_INSURED",
            "使用人须在本省参加基本医疗保险（职工或城乡居民）",
            "the user must hold basic medical insurance here (310 or 390)",
            "user_certno",
        )


def holder_binds_user(current: Mapping[str, Any], step: Mapping[str, Any]) -> bool:
    """Whether the 授权人 holds a binding in effect with the 使用人 (as either entry found says)."""
    merged = {**current, **step}
    holder, user = merged.get("holder_psn_no"), merged.get("user_psn_no")
    if merged.get("holder_aid") is not None:
        return user in merged["holder_aid"]["users"]
    return merged.get("user_aid") is not None and holder in merged["user_aid"]["authorizers"]


def bound(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The two are bound (解绑, 支付顺序, 代缴 act on a binding in effect)."""
    if not holder_binds_user(current, step):
        raise Conflict(
            "NOT_BOUND",
            "授权人与使用人之间没有生效的共济关系",
            "the holder and the user are not bound",
            "user_certno",
        )


def not_bound(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The two are not bound yet (a second binding of the same relative is refused at once, not at the review)."""
    if holder_binds_user(current, step):
        raise Conflict(
            "ALREADY_BOUND",
            "授权人与使用人已有生效的共济关系",
            "the holder and the user are already bound",
            "user_certno",
        )
