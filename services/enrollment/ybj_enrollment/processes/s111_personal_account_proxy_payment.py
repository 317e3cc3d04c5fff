"""S111 个人医保账户代缴 (service item 111): an employee (授权人) pays a bound relative's (使用人) 城乡居民基本医疗保险
个人缴费 of one 缴费年度 from their 职工医保个人账户. The seed gives the item no guide; this is the smallest honest
process behind it.

受理 (the 授权人 through a channel, or a clerk at the window) → 审核 by the bureau's staff → on approval, in one
transaction: a 代缴 entry out of the 授权人's `account` (a frozen account or one short of the amount refuses it, as any
outflow), the year's 缴费记录 on the 使用人's 390 relation (as P022 records a payment through the tax bureau), and the
代缴 record on the 授权人's `mutual_aid` entry (service item 112 reads it).

The amount is not the applicant's to choose: it is the year's 个人缴费标准 from the policy file (policy/mutual_aid.py,
EXAMPLE figures; a year the file does not list cannot be paid). At acceptance the platform reads the account, so a
balance short of the amount is refused at once, and read again at approval, so money spent in between is caught then.
One payment per resident and year, whichever way it is paid: S111 shares P022's uniqueness scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from ybj_enrollment.policy.mutual_aid import POLICY
from ybj_enrollment.processes.fields import today_or_earlier
from ybj_enrollment.processes.mutual_aid_fields import (
    HOLDER,
    HOLDER_ACCOUNT,
    HOLDER_AID,
    HOLDER_PSN_NO,
    RESIDENT,
    USER,
    USER_PSN_NO,
    UserNamed,
    bound,
    holder_is_employee,
    holder_named,
    user_named,
)
from ybj_enrollment.processes.p022_resident_contribution_payment import ANNUAL_PERIOD_MONTH, RESIDENT_CONTRIBUTION
from ybj_enrollment.processes.s097_mutual_aid_registration import HOLDER_EXAMPLE, USER_EXAMPLE
from ybj_enrollment.registries.codes import IN_EFFECT
from ybj_enrollment.registries.mutual_aid import MUTUAL_AID
from ybj_kernel.domain.process import ProcessDefinition, Stage, Uniqueness
from ybj_kernel.domain.registry import Effect
from ybj_kernel.errors import Conflict, InvalidInput


class ProxyPaymentApplication(UserNamed):
    """代缴申请: the 授权人, the 使用人 with their name, and the 缴费年度."""

    user_name: str = Field(min_length=1, max_length=50, description="使用人姓名")
    clct_year: int = Field(ge=2000, le=2100, description="缴费年度")


class ProxyPaymentReview(BaseModel):
    """审核: the opinion, and the day the account pays (the day it is approved unless staff give an earlier one)."""

    aprv_opnn: str | None = Field(default=None, max_length=200, description="审核意见")
    pay_date: date | None = Field(default=None, validate_default=True, description="代缴日期（缺省为今天）")

    @field_validator("pay_date", mode="after")
    @classmethod
    def _pay_date(cls, value: date | None, info: ValidationInfo) -> date:
        return today_or_earlier(value, info, "代缴日期")


def standard_fen(year: int) -> int:
    """The year's 个人缴费标准 in fen, or a refusal naming 缴费年度 where the policy file gives none."""
    amount = POLICY.standard_fen(year)
    if amount is None:
        listed = "、".join(str(y) for y in POLICY.standards)
        raise InvalidInput(
            "NO_CONTRIBUTION_STANDARD",
            f"{year} 年度城乡居民个人缴费标准未设置，可代缴年度：{listed}",
            f"no resident contribution standard is set for {year}",
            "clct_year",
        )
    return amount


def user_is_resident(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The 使用人 holds a 城乡居民 relation (the contribution is recorded on it) and has not paid the year yet."""
    user = step.get("user") or {}
    if user.get("statuses", {}).get(RESIDENT) not in IN_EFFECT:
        raise Conflict(
            "USER_NOT_RESIDENT",
            "使用人未参加城乡居民基本医疗保险，不能代缴城乡居民医保个人缴费",
            "the user holds no resident (390) relation to pay a contribution on",
            "user_certno",
        )
    if step["clct_year"] in user.get("resident_years_paid", []):
        raise Conflict(
            "ALREADY_PAID",
            f"使用人 {step['clct_year']} 年度城乡居民医保个人缴费已足额缴纳",
            f"the user's {step['clct_year']} resident contribution is already paid",
            "clct_year",
        )


def affordable(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The 授权人's account exists, is not frozen and holds the year's standard."""
    amount = standard_fen(int(step["clct_year"]))
    account = step.get("holder_account")
    if account is None or account["frozen"]:
        zh, en = ("授权人个人账户已冻结", "is frozen") if account else ("授权人没有个人账户", "does not exist")
        raise Conflict("ACCOUNT_UNAVAILABLE", f"{zh}，不能代缴", f"the holder's personal account {en}", "certno")
    if account["balance"] < amount:
        raise Conflict(
            "INSUFFICIENT_BALANCE",
            f"代缴金额 {amount / 100:.2f} 元超过授权人个人账户余额 {account['balance'] / 100:.2f} 元",
            f"the contribution of {amount} fen exceeds the holder's balance of {account['balance']} fen",
            "clct_year",
        )


def amount_due(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """代缴金额: the year's 个人缴费标准, in fen and in yuan."""
    amount = standard_fen(int(step["clct_year"]))
    return {"pay_amt_fen": amount, "pay_amt": str((Decimal(amount) / 100).quantize(Decimal("0.01")))}


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """The 代缴 out of the 授权人's account, the 缴费记录 on the 使用人's 390 relation, the record of the 代缴."""
    holder, user, year, amount = (
        str(data["holder_psn_no"]),
        str(data["user_psn_no"]),
        data["clct_year"],
        data["pay_amt_fen"],
    )
    debit = {
        "psn_no": holder,
        "kind": "proxy_payment",
        "amount": amount,
        "on": data["pay_date"],
        "summary": f"个人医保账户代缴：{data['user_name']} {year} 年度城乡居民医保个人缴费",
        "detail": {"user_psn_no": user, "clct_year": str(year)},
    }
    contribution = {
        "insutype": RESIDENT,
        "ym": f"{year}{ANNUAL_PERIOD_MONTH}",
        "due": amount,
        "paid": amount,
        "late_fee": 0,
        "paid_on": data["pay_date"],
    }
    record = {
        "user_psn_no": user,
        "user_certno": data["user_certno"],
        "user_name": data["user_name"],
        "clct_year": year,
        "amount": amount,
        "paid_on": data["pay_date"],
    }
    return [
        Effect("account", holder, "move", debit),
        Effect("person", user, "record_contribution", contribution),
        Effect(MUTUAL_AID, holder, "record_proxy_payment", record),
    ]


# The same scope as P022's: a resident's year is paid once, through the tax bureau or from a relative's account.
RESIDENT_YEAR = Uniqueness(
    scope=RESIDENT_CONTRIBUTION.scope,
    key=lambda data: f"{str(data['user_certno']).upper()}:{data['clct_year']}",
    field="user_certno",
    message_zh=RESIDENT_CONTRIBUTION.message_zh,
    message_en=RESIDENT_CONTRIBUTION.message_en,
)

S111 = ProcessDefinition(
    id="S111",
    slug="personal_account_proxy_payment",
    name_zh="个人医保账户代缴",
    service="enrollment",
    stages=(
        Stage(
            "accept_proxy_payment",
            "受理个人医保账户代缴申请（授权人网上申请或窗口办理）",
            ("channel", "registrar"),
            "ProxyPaymentAccepted",
            input=ProxyPaymentApplication,
            lookups=(HOLDER_PSN_NO, HOLDER, HOLDER_ACCOUNT, HOLDER_AID, USER_PSN_NO, USER),
            checks=(holder_named, holder_is_employee, user_named, bound, user_is_resident, affordable),
            derive=amount_due,
            unique=RESIDENT_YEAR,
            example={**HOLDER_EXAMPLE, **USER_EXAMPLE, "clct_year": 2027},
        ),
        Stage(
            "review",
            "审核",
            ("first_reviewer",),
            "ProxyPaymentApproved",
            review=True,
            input=ProxyPaymentReview,
            example={"aprv_opnn": "同意代缴"},
        ),
    ),
    effects=effects,
)
