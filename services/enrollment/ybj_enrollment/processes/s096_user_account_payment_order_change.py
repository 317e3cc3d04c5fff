"""S096 修改使用人个人账户支付顺序 (service item 96): the order in which a 使用人's own share of a bill is charged to the
accounts they may use: 先本人个人账户、后共济账户 (the default a binding starts with) or 先共济账户、后本人个人账户. The seed
gives the item no guide; this is the smallest honest process behind it.

One step, in force at once, with no review by staff. The change moves no money and gives no one access to an account
they could not already use: it only reorders accounts whose sharing S097's reviewed binding already allows, and either
order charges the same bill to the same persons' accounts. A review would add a wait and check nothing the request does
not already prove: the 授权人 is found under the 证件 and name given, and the binding with the 使用人 is in effect (both
looked up as the step is done). Every change is an event on the 使用人's `mutual_aid` entry, so its history shows who set
which order when.

The 授权人 sets it (the request names them, as every 共济 item does); it applies to the 使用人 as a whole, so with two
授权人 the later setting holds for both of their accounts' place against the 使用人's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from ybj_enrollment.processes.fields import today_or_earlier
from ybj_enrollment.processes.mutual_aid_fields import (
    HOLDER,
    HOLDER_PSN_NO,
    USER_AID,
    USER_PSN_NO,
    UserNamed,
    bound,
    holder_named,
)
from ybj_enrollment.processes.s097_mutual_aid_registration import HOLDER_EXAMPLE, USER_EXAMPLE
from ybj_enrollment.registries.mutual_aid import MUTUAL_AID, PAY_ORDER_ZH
from ybj_kernel.domain.process import ProcessDefinition, Stage
from ybj_kernel.domain.registry import Effect
from ybj_kernel.errors import Conflict


class PaymentOrderChange(UserNamed):
    """The 授权人, the 使用人 (by 证件) and the order asked for."""

    pay_order_type: Literal["1", "2"] = Field(
        description="支付顺序 (1 先本人个人账户后共济账户, 2 先共济账户后本人个人账户)"
    )
    chg_date: date | None = Field(default=None, validate_default=True, description="变更日期（缺省为今天）")

    @field_validator("chg_date", mode="after")
    @classmethod
    def _chg_date(cls, value: date | None, info: ValidationInfo) -> date:
        return today_or_earlier(value, info, "变更日期")


def changes_something(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The order asked for is not the one in force (refused at once rather than recorded as a change)."""
    if (step.get("user_aid") or {}).get("pay_order_type") == step["pay_order_type"]:
        raise Conflict(
            "NOTHING_CHANGES",
            f"支付顺序已是「{PAY_ORDER_ZH[step['pay_order_type']]}」",
            "the payment order is already this one",
            "pay_order_type",
        )


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """The new order on the 使用人's entry (which re-lists their accounts in that order)."""
    order = {"holder_psn_no": data["holder_psn_no"], "pay_order_type": data["pay_order_type"], "on": data["chg_date"]}
    return [Effect(MUTUAL_AID, str(data["user_psn_no"]), "set_pay_order", order)]


S096 = ProcessDefinition(
    id="S096",
    slug="user_account_payment_order_change",
    name_zh="修改使用人个人账户支付顺序",
    service="enrollment",
    stages=(
        Stage(
            "change_payment_order",
            "修改使用人个人账户支付顺序（授权人网上办理或窗口办理，即时生效）",
            ("channel", "registrar"),
            "PaymentOrderChanged",
            input=PaymentOrderChange,
            lookups=(HOLDER_PSN_NO, HOLDER, USER_PSN_NO, USER_AID),
            checks=(holder_named, bound, changes_something),
            example={**HOLDER_EXAMPLE, "user_certno": USER_EXAMPLE["user_certno"], "pay_order_type": "2"},
        ),
    ),
    effects=effects,
)
