"""个人账户共济 registry: who an employee's personal account is shared with, in which 支付顺序, and what it paid for them.

One entry per person, keyed by 人员编号, holding both sides of the person's bindings, so that a person's entry answers
「按使用人和授权人查询」 without a search:

    {
      "psn_no", "certno", "psn_name",
      "users":       [binding …]   as 授权人: the relatives bound to this person's account (职工医保个人账户)
      "authorizers": [binding …]   as 使用人: the persons whose accounts this person may use
          binding: {"psn_no", "certno", "psn_name" (the other side), "rlts", "rlts_name" (what the 使用人 is to the
                    授权人: 配偶/父母/子女 …, policy/mutual_aid_examples.yaml), "begndate", "enddate", "status"}
      "pay_order_type", "pay_order_name", "pay_order_set_by", "pay_order_set_on"   (as 使用人)
      "pay_order":   [psn_no …]    the accounts the 使用人's own share of a bill is charged to, in order (their own
                                   人员编号 standing for their own account, where they have one)
      "proxy_payments": [{"user_psn_no", "user_certno", "user_name", "insutype", "clct_year", "amount", "paid_on"}]
                                   as 授权人: 城乡居民 contributions paid for a 使用人 from this account (代缴, fen)
    }

A binding (S097) is two events, one on each person's entry, recorded by the same case in one transaction; so is its end.
A binding is never edited: unbinding ends it ("status": "ended", "enddate"), and binding the same relative again later
adds a new binding beside the ended one, so the entry keeps every binding there ever was.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from ybj_enrollment.registries.codes import refuse
from ybj_kernel.domain.registry import Op, Registry

MUTUAL_AID = "mutual_aid"
BOUND, ENDED = "bound", "ended"
STATUS_ZH = {BOUND: "已绑定", ENDED: "已解绑"}
OWN_FIRST, AID_FIRST = "1", "2"
PAY_ORDER_ZH = {OWN_FIRST: "先本人个人账户，后共济账户", AID_FIRST: "先共济账户，后本人个人账户"}


class Binding(BaseModel):
    """共济绑定: the 授权人 (an employee whose account is shared), the 使用人, and what the 使用人 is to them."""

    holder_psn_no: str = Field(min_length=1, max_length=30, description="授权人人员编号")
    holder_certno: str = Field(min_length=1, max_length=50, description="授权人证件号码")
    holder_name: str = Field(min_length=1, max_length=50, description="授权人姓名")
    user_psn_no: str = Field(min_length=1, max_length=30, description="使用人人员编号")
    user_certno: str = Field(min_length=1, max_length=50, description="使用人证件号码")
    user_name: str = Field(min_length=1, max_length=50, description="使用人姓名")
    rlts: str = Field(min_length=1, max_length=2, description="使用人与授权人关系代码")
    rlts_name: str = Field(min_length=1, max_length=20, description="使用人与授权人关系")
    begndate: date = Field(description="共济关系生效日期")


class Unbinding(BaseModel):
    """解除共济绑定: the two persons and from when."""

    holder_psn_no: str = Field(min_length=1, max_length=30, description="授权人人员编号")
    user_psn_no: str = Field(min_length=1, max_length=30, description="使用人人员编号")
    enddate: date = Field(description="共济关系终止日期")


class PaymentOrder(BaseModel):
    """支付顺序 of a 使用人, set by one of their 授权人."""

    holder_psn_no: str = Field(min_length=1, max_length=30, description="设置的授权人人员编号")
    pay_order_type: Literal["1", "2"] = Field(description="支付顺序 (1 先本人个人账户, 2 先共济账户)")
    on: date = Field(description="设置日期")


class ProxyPayment(BaseModel):
    """个人医保账户代缴: a 使用人's 城乡居民 contribution of a year, paid from the 授权人's account."""

    user_psn_no: str = Field(min_length=1, max_length=30, description="使用人人员编号")
    user_certno: str = Field(min_length=1, max_length=50, description="使用人证件号码")
    user_name: str = Field(min_length=1, max_length=50, description="使用人姓名")
    insutype: Literal["390"] = Field(default="390", description="险种类型 (390 城乡居民基本医疗保险)")
    clct_year: int = Field(ge=2000, le=2100, description="缴费年度")
    amount: int = Field(gt=0, strict=True, description="代缴金额（分）")
    paid_on: date = Field(description="代缴日期")


def _me(state: dict[str, Any], psn_no: str, certno: str, psn_name: str) -> None:
    """The entry's own person (name and 证件号码 kept as the latest binding gave them)."""
    state.update(psn_no=psn_no, certno=certno, psn_name=psn_name)
    state.setdefault("users", [])
    state.setdefault("authorizers", [])


def _bound(bindings: list[dict[str, Any]], psn_no: str) -> int | None:
    """The index of the binding in effect with this person, if any."""
    return next((i for i, b in enumerate(bindings) if b["psn_no"] == psn_no and b["status"] == BOUND), None)


def _binding(args: dict[str, Any], side: Literal["holder", "user"]) -> dict[str, Any]:
    return {
        "psn_no": args[f"{side}_psn_no"],
        "certno": args[f"{side}_certno"],
        "psn_name": args[f"{side}_name"],
        "rlts": args["rlts"],
        "rlts_name": args["rlts_name"],
        "begndate": args["begndate"],
        "enddate": None,
        "status": BOUND,
    }


def _bind_user(state: dict[str, Any], args: dict[str, Any]) -> None:
    _me(state, args["holder_psn_no"], args["holder_certno"], args["holder_name"])
    _refuse_double(state["users"], args["user_psn_no"], args)
    state["users"].append(_binding(args, "user"))


def _bind_authorizer(state: dict[str, Any], args: dict[str, Any]) -> None:
    _me(state, args["user_psn_no"], args["user_certno"], args["user_name"])
    _refuse_double(state["authorizers"], args["holder_psn_no"], args)
    state["authorizers"].append(_binding(args, "holder"))
    state.setdefault("pay_order_type", OWN_FIRST)
    state.setdefault("pay_order_name", PAY_ORDER_ZH[OWN_FIRST])
    _reorder(state)


def _refuse_double(bindings: list[dict[str, Any]], other: str, args: dict[str, Any]) -> None:
    if args["holder_psn_no"] == args["user_psn_no"]:
        raise refuse("SELF_BINDING", "授权人不能绑定本人为使用人", "the holder cannot bind themself", "user_certno")
    if _bound(bindings, other) is not None:
        raise refuse(
            "ALREADY_BOUND",
            f"{args['holder_name']} 与 {args['user_name']} 已有生效的共济关系",
            "these two persons are already bound to each other",
            "user_certno",
        )


def _end(bindings: list[dict[str, Any]], other: str, enddate: str) -> None:
    at = _bound(bindings, other)
    if at is None:
        raise refuse("NOT_BOUND", "二人之间没有生效的共济关系", "these two persons are not bound", "user_certno")
    if str(enddate) < str(bindings[at]["begndate"]):
        raise refuse(
            "END_BEFORE_BEGIN",
            f"共济关系终止日期不能早于生效日期 {bindings[at]['begndate']}",
            f"enddate is before the binding's begndate {bindings[at]['begndate']}",
            "enddate",
        )
    bindings[at] = {**bindings[at], "status": ENDED, "enddate": enddate}


def _unbind_user(state: dict[str, Any], args: dict[str, Any]) -> None:
    _end(state.setdefault("users", []), args["user_psn_no"], args["enddate"])


def _unbind_authorizer(state: dict[str, Any], args: dict[str, Any]) -> None:
    _end(state.setdefault("authorizers", []), args["holder_psn_no"], args["enddate"])
    _reorder(state)


def _reorder(state: dict[str, Any]) -> None:
    """The accounts a 使用人's share is charged to, in order: their own, and each 授权人's in effect, oldest binding
    first, own first or last as the 支付顺序 says."""
    aid = [b["psn_no"] for b in state.get("authorizers", []) if b["status"] == BOUND]
    own = [state["psn_no"]]
    state["pay_order"] = own + aid if state.get("pay_order_type", OWN_FIRST) == OWN_FIRST else aid + own


def _set_pay_order(state: dict[str, Any], args: dict[str, Any]) -> None:
    if _bound(state.get("authorizers", []), args["holder_psn_no"]) is None:
        raise refuse(
            "NOT_BOUND",
            "该授权人与使用人之间没有生效的共济关系，不能设置支付顺序",
            "the holder is not bound to this user: no payment order to set",
            "user_certno",
        )
    if state.get("pay_order_type") == args["pay_order_type"]:
        raise refuse(
            "NOTHING_CHANGES",
            f"支付顺序已是「{PAY_ORDER_ZH[args['pay_order_type']]}」",
            "the payment order is already this one",
            "pay_order_type",
        )
    state.update(
        pay_order_type=args["pay_order_type"],
        pay_order_name=PAY_ORDER_ZH[args["pay_order_type"]],
        pay_order_set_by=args["holder_psn_no"],
        pay_order_set_on=args["on"],
    )
    _reorder(state)


def _record_proxy_payment(state: dict[str, Any], args: dict[str, Any]) -> None:
    if _bound(state.get("users", []), args["user_psn_no"]) is None:
        raise refuse(
            "NOT_BOUND",
            f"授权人与 {args['user_name']} 之间没有生效的共济关系，不能代缴",
            "the holder is not bound to this user: no proxy payment",
            "user_certno",
        )
    paid = state.setdefault("proxy_payments", [])
    if any(p["user_psn_no"] == args["user_psn_no"] and p["clct_year"] == args["clct_year"] for p in paid):
        raise refuse(
            "ALREADY_PAID",
            f"已为 {args['user_name']} 代缴 {args['clct_year']} 年度城乡居民医保个人缴费",
            f"the {args['clct_year']} contribution of this user is already paid from this account",
            "clct_year",
        )
    paid.append(dict(args))


MUTUAL_AID_REGISTRY = Registry(
    MUTUAL_AID,
    "个人账户共济",
    {
        "bind_user": Op("绑定使用人", "UserBound", Binding, _bind_user),
        "bind_authorizer": Op("绑定授权人", "AuthorizerBound", Binding, _bind_authorizer),
        "unbind_user": Op("解除绑定使用人", "UserUnbound", Unbinding, _unbind_user),
        "unbind_authorizer": Op("解除绑定授权人", "AuthorizerUnbound", Unbinding, _unbind_authorizer),
        "set_pay_order": Op("设置支付顺序", "PaymentOrderSet", PaymentOrder, _set_pay_order),
        "record_proxy_payment": Op("个人账户代缴", "ProxyPaymentRecorded", ProxyPayment, _record_proxy_payment),
    },
    frozenset({"bind_user", "bind_authorizer"}),
)
