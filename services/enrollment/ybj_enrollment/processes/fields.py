"""Field groups the enrollment processes share, under national interface names, and the 30-日内 filing rule."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.identity import birth_date_of, certno_problem, gender_of
from ybj_kernel.domain.validation import bilingual

# 30 日内: P001 (成立之日起), P002 (人员录用之日起), P005 (变更或终止之日起). A late filing is accepted and flagged.
FILING_DAYS = 30
CertType = Literal["01", "02", "03", "04", "05", "06", "07", "08"]


def filing_flags(event_date: date | None, filed_on: date) -> dict[str, object]:
    """The 30-day filing rule: when the filing was due, and whether it came late (a late one is still accepted)."""
    if event_date is None:
        return {}
    due = event_date + timedelta(days=FILING_DAYS)
    return {"filing_due": due.isoformat(), "filing_late": filed_on > due}


def checked_certno(value: str, info: ValidationInfo) -> str:
    """A 居民身份证号 (证件类型 01) is checked whole (length, birth date, check digit) and upper-cased."""
    if info.data.get("psn_cert_type", "01") != "01":
        return value
    if problem := certno_problem(value.upper(), today=today_of(info)):
        raise bilingual(f"证件号码无效：{problem[0]}", f"invalid 居民身份证号: {problem[1]}")
    return value.upper()


def today_or_earlier(value: date | None, info: ValidationInfo, what_zh: str) -> date:
    """A date a clerk enters: today when left out, never after today (the clock is the application's)."""
    today = today_of(info)
    if value is None:
        return today
    if value > today:
        raise bilingual(f"{what_zh}不能晚于今天", f"{info.field_name} cannot be after today")
    return value


def fen(yuan: Decimal) -> int:
    """Yuan with fen precision to integer fen, half up."""
    return int((yuan * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class PersonIdentity(BaseModel):
    """证件类型、证件号码、姓名、性别、民族、出生日期; for a 居民身份证 gender and birth date must agree with it."""

    psn_cert_type: CertType = Field(default="01", description="证件类型 (01 居民身份证)")
    certno: str = Field(min_length=1, max_length=50, description="证件号码")
    psn_name: str = Field(min_length=1, max_length=50, description="姓名")
    gend: Literal["1", "2", "9"] = Field(description="性别 (1 男, 2 女)")
    naty: str = Field(default="01", pattern=r"^\d{2}$", description="民族 (01 汉族 …)")
    brdy: date = Field(description="出生日期")

    @field_validator("certno")
    @classmethod
    def _certno(cls, value: str, info: ValidationInfo) -> str:
        return checked_certno(value, info)

    @field_validator("gend")
    @classmethod
    def _gend(cls, value: str, info: ValidationInfo) -> str:
        certno = info.data.get("certno") if info.data.get("psn_cert_type", "01") == "01" else None
        if certno and value != gender_of(certno):
            raise bilingual("性别与身份证号不一致", "gend does not match the 17th digit of certno")
        return value

    @field_validator("brdy")
    @classmethod
    def _brdy(cls, value: date, info: ValidationInfo) -> date:
        certno = info.data.get("certno") if info.data.get("psn_cert_type", "01") == "01" else None
        if certno and value != birth_date_of(certno):
            raise bilingual("出生日期与身份证号不一致", "brdy does not match the birth date inside certno")
        return value


class PersonLookup(BaseModel):
    """人员查询: 证件类型、证件号码 (the person is found by certno everywhere)."""

    psn_cert_type: CertType = Field(default="01", description="证件类型")
    certno: str = Field(min_length=1, max_length=50, description="证件号码")
    psn_no: str | None = Field(default=None, max_length=30, description="人员编号 (found from certno when left out)")

    @field_validator("certno")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()
