"""个人账户 registry (E08): a balance in fen and every 注入/划拨/扣款/清退/结息/转移/代缴 entry, with a frozen flag."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from ybj_enrollment.registries.codes import refuse
from ybj_kernel.domain.registry import Op, Registry

EntryKind = Literal[
    "inject", "allocate", "deduct", "refund", "interest", "transfer_out", "transfer_in", "proxy_payment"
]
KIND_ZH = {
    "inject": "注入",
    "allocate": "划拨",
    "deduct": "扣款",
    "refund": "清退",
    "interest": "结息",
    "transfer_out": "转出",
    "transfer_in": "转入",
    "proxy_payment": "代缴",  # 个人医保账户代缴 (S111): a bound relative's 城乡居民 contribution
}
OUTFLOWS = frozenset({"deduct", "refund", "transfer_out", "proxy_payment"})


class Movement(BaseModel):
    """One 收支 entry of the account."""

    psn_no: str = Field(min_length=1, max_length=30)
    kind: EntryKind
    amount: int = Field(gt=0, strict=True, description="金额（分）")  # strict: a float (or "12.5") is refused
    on: date
    summary: str = Field(default="", max_length=200, description="摘要")
    insutype: str = "310"
    # 清退/转出 of the whole account (P016, P017): the amount must be the whole balance, neither more nor less.
    whole: bool = Field(default=False, description="整户支出：金额须等于账户余额")
    # The line's own particulars, e.g. 注入类型、定额标志 (P012), 参保所属医保区划、开始时间、结束时间 (P013).
    detail: dict[str, str] = Field(default_factory=dict, description="明细")


class Freeze(BaseModel):
    """冻结 / 解冻 and why."""

    psn_no: str = Field(min_length=1, max_length=30)
    on: date
    reason: str = Field(default="", max_length=200)
    # 一次性清退 (P017) freezes the account unless an earlier case (P018 扣款) already did: then nothing changes.
    if_not_frozen: bool = Field(default=False, description="已冻结则不再冻结")


class BalanceCheck(BaseModel):
    """核对余额: the balance a case was decided on (P018 扣款或追缴) must still be the account's."""

    psn_no: str = Field(min_length=1, max_length=30)
    balc: int = Field(ge=0, strict=True, description="个人账户余额（分）")


def _open(state: dict[str, Any], psn_no: str) -> None:
    state.setdefault("psn_no", psn_no)
    state.setdefault("balance", 0)
    state.setdefault("frozen", False)
    state.setdefault("entries", [])


def _move(state: dict[str, Any], args: dict[str, Any]) -> None:
    _open(state, args["psn_no"])
    kind, amount = args["kind"], args["amount"]
    # A frozen account takes only what the freeze is for: 结息 and the 清退/扣款 that close it.
    if state["frozen"] and kind not in ("interest", "refund", "deduct"):
        raise refuse(
            "ACCOUNT_FROZEN", f"个人账户已冻结，不能{KIND_ZH[kind]}", f"the account is frozen: no {kind}", "psn_no"
        )
    if kind in OUTFLOWS and amount > state["balance"]:
        raise refuse(
            "INSUFFICIENT_BALANCE",
            f"{KIND_ZH[kind]}金额 {amount / 100:.2f} 元超过账户余额 {state['balance'] / 100:.2f} 元",
            f"{kind} of {amount} fen exceeds the balance of {state['balance']} fen",
            "amount",
        )
    if kind in OUTFLOWS and args.get("whole") and amount != state["balance"]:
        raise refuse(
            "NOT_WHOLE_BALANCE",
            f"{KIND_ZH[kind]}应为账户全部余额 {state['balance'] / 100:.2f} 元，而非 {amount / 100:.2f} 元",
            f"a {kind} of the whole account must be the balance of {state['balance']} fen, not {amount} fen",
            "amount",
        )
    state["balance"] += -amount if kind in OUTFLOWS else amount
    line = {k: v for k, v in args.items() if k not in ("whole", "detail") or v}  # defaults left out of the statement
    state["entries"].append({**line, "kind_zh": KIND_ZH[kind], "balance_after": state["balance"]})


def _freeze(state: dict[str, Any], args: dict[str, Any]) -> None:
    _open(state, args["psn_no"])
    if state["frozen"] and args.get("if_not_frozen"):
        return
    if state["frozen"]:
        raise refuse("ACCOUNT_FROZEN", "个人账户已冻结", "the account is already frozen", "psn_no")
    state.update(frozen=True, frozen_on=args["on"], frozen_rea=args["reason"])


def _unfreeze(state: dict[str, Any], args: dict[str, Any]) -> None:
    _open(state, args["psn_no"])
    if not state["frozen"]:
        raise refuse("ACCOUNT_NOT_FROZEN", "个人账户未冻结", "the account is not frozen", "psn_no")
    state.update(frozen=False, frozen_on=None, frozen_rea=None)


def _check_balance(state: dict[str, Any], args: dict[str, Any]) -> None:
    # Changes nothing, so records nothing: the balance staff read when they decided is still the account's.
    if state.get("balance") != args["balc"]:
        raise refuse(
            "BALANCE_CHANGED",
            f"个人账户余额为 {state.get('balance', 0) / 100:.2f} 元，与办理时的 {args['balc'] / 100:.2f} 元不一致",
            f"the balance is {state.get('balance', 0)} fen, not the {args['balc']} fen the case was decided on",
            "balc",
        )


ACCOUNTS = Registry(
    "account",
    "个人账户",
    {
        "move": Op("个人账户收支", "AccountEntryRecorded", Movement, _move),
        "freeze": Op("冻结个人账户", "AccountFrozen", Freeze, _freeze),
        "unfreeze": Op("解冻个人账户", "AccountUnfrozen", Freeze, _unfreeze),
        "check_balance": Op("核对个人账户余额", "AccountBalanceChecked", BalanceCheck, _check_balance),
    },
    frozenset({"move", "freeze"}),
)


def statement(state: Mapping[str, Any]) -> list[dict[str, Any]]:
    """收支明细: the account's entries, newest first, each with its balance after."""
    return list(reversed(state.get("entries", [])))
