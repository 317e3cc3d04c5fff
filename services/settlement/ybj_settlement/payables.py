"""Payments other services hand to settlement, waiting to be paid (待支付): the `payable` registry and its reaction.

Treatment approves what is owed (a reimbursement, a maternity allowance, medical assistance) and publishes
`cn.ybj.treatment.benefit_payment.BenefitPaymentApproved.v1`; settlement keeps each as a `payable` entry under the
source's key, with the payee, the amount in fen, the bank account, the source process and the source case (the
envelope's `bycaseid`), until a fund-payment chain pays it. A `ChangeReverted` of the source (its case stepped back
before payment) withdraws it; one already paid is not withdrawn here but refused, naming the payment, for staff to
recover. The same event delivered twice changes nothing. A row the bank returns unpaid comes back to this queue with the
bank's reason (`fail`; a row that was not a payable is queued as one, payment_chains.paid_payables).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ybj_kernel.domain.reactions import Look, Reaction
from ybj_kernel.domain.registry import Effect, Op, Registry
from ybj_kernel.errors import Conflict

PAYABLE = "payable"
APPROVED = "cn.ybj.treatment.benefit_payment."
PENDING, WITHDRAWN, PAID = "pending", "withdrawn", "paid"


def _receive(state: dict[str, Any], args: dict[str, Any]) -> None:
    if state.get("source_event_id") == args["source_event_id"]:
        return  # the same approval again
    if state.get("status") == PAID:
        raise Conflict(
            "ALREADY_PAID",
            f"待遇支付 {args['key']} 已拨付，不能再次受理",
            f"payment {args['key']} is already paid",
            "key",
        )
    state.update(args, status=PENDING)


def _withdraw(state: dict[str, Any], args: dict[str, Any]) -> None:
    if state.get("status") == WITHDRAWN:
        return
    if state.get("status") == PAID:
        raise Conflict(
            "ALREADY_PAID",
            f"待遇支付 {state.get('key')} 已拨付，来源业务回退须另行追回",
            f"payment {state.get('key')} was already paid: its source stepped back, recover it separately",
            "key",
        )
    state.update(status=WITHDRAWN, withdrawn_by_event=args["source_event_id"])


def _pay(state: dict[str, Any], args: dict[str, Any]) -> None:
    if state.get("status") != PENDING:
        now = {PAID: "已拨付", WITHDRAWN: "已撤回"}.get(str(state.get("status")), "未受理")
        raise Conflict(
            "PAYABLE_NOT_PENDING",
            f"待支付款项 {state.get('key')} 当前为{now}，不能拨付",
            f"payable {state.get('key')} is {state.get('status')}, not pending",
            "payable_key",
        )
    if int(args["amount_fen"]) != int(state["amount_fen"]):
        raise Conflict(
            "PAYABLE_AMOUNT_MISMATCH",
            f"待支付款项 {state.get('key')} 应付 {state['amount_fen']} 分，本次拨付 {args['amount_fen']} 分，不一致",
            f"payable {state.get('key')} is {state['amount_fen']} fen, paid {args['amount_fen']}",
            "payable_key",
        )
    state.update(status=PAID, paid_fen=int(args["amount_fen"]), pay_batch_no=args.get("pay_batch_no"))


def _fail(state: dict[str, Any], args: dict[str, Any]) -> None:
    if state.get("status") != PENDING:
        raise Conflict(
            "PAYABLE_NOT_PENDING",
            f"待支付款项 {state.get('key')} 当前不是待支付，不能登记银行退回",
            f"payable {state.get('key')} is {state.get('status')}, not pending",
            "payable_key",
        )
    state["last_failure"] = dict(args)  # still pending: back in the queue, with the bank's reason


PAYABLES = Registry(
    PAYABLE,
    "待支付款项",
    {
        "receive": Op("受理待遇支付", "PayableReceived", None, _receive),
        "withdraw": Op("撤回待遇支付", "PayableWithdrawn", None, _withdraw),
        "pay": Op("待遇支付已拨付", "PayablePaid", None, _pay),
        "fail": Op("银行退回（支付失败）", "PayableReturnedByBank", None, _fail),
    },
    frozenset({"receive"}),
)


def on_benefit_payment(envelope: Mapping[str, Any], look: Look) -> list[Effect]:
    """Receive an approved payment, or withdraw it when its source was stepped back."""
    key = str(envelope["subject"])
    event = str(envelope.get("eventname", ""))
    if event == "BenefitPaymentApproved":
        args = dict((envelope.get("data") or {}).get("args") or {})
        received = {
            **args,
            "key": key,
            "source_service": "treatment",
            "source_case_id": envelope.get("bycaseid"),
            "source_event_id": str(envelope["id"]),
        }
        return [Effect(PAYABLE, key, "receive", received)]
    if event == "ChangeReverted" and look(PAYABLE, key) is not None:
        return [Effect(PAYABLE, key, "withdraw", {"source_event_id": str(envelope["id"])})]
    return []


REACTIONS = (Reaction("benefit_payments", "treatment", APPROVED, on_benefit_payment),)
