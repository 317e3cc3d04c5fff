"""Input fields the physicians processes share: a 身份证号 checked against the clock, and dates that default to today."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, ValidationInfo

from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.identity import certno_problem
from ybj_kernel.domain.validation import bilingual


def _certno(value: str, info: ValidationInfo) -> str:
    value = value.upper()
    if problem := certno_problem(value, today=today_of(info)):
        raise bilingual(f"身份证号无效：{problem[0]}", f"invalid 居民身份证号: {problem[1]}")
    return value


def _today_if_missing(value: date | None, info: ValidationInfo) -> date:
    return value or today_of(info)


def _not_after_today(value: date | None, info: ValidationInfo) -> date:
    day = _today_if_missing(value, info)
    if day > today_of(info):
        raise bilingual("日期不能晚于今天", f"{info.field_name} cannot be after today")
    return day


# A 居民身份证号 (GB 11643), upper case, its birth date not after the application's date.
IdCard = Annotated[str, Field(min_length=18, max_length=18), AfterValidator(_certno)]
# A date that is today when not given (认定日期, 变更时间 …).
OnOrToday = Annotated[date | None, Field(default=None, validate_default=True), AfterValidator(_today_if_missing)]
# A date the applicant wrote on a form (申报日期, 申请日期): today when not given, never later.
FormDate = Annotated[date | None, Field(default=None, validate_default=True), AfterValidator(_not_after_today)]


class Effective(BaseModel):
    """The approval that puts the entry in effect: from when (today unless given)."""

    begndate: OnOrToday = Field(description="生效日期（默认审核当日）")
