"""Benefit payments handed to settlement: the `benefit_payment` registry and its `BenefitPaymentApproved` event.

Treatment decides what is owed (a reimbursement, a maternity allowance, medical assistance); settlement pays it
through its fund-payment chain. The hand-over is an event, never a call: completing a case that approves money opens
an entry here, published as `cn.ybj.treatment.benefit_payment.BenefitPaymentApproved.v1` with the payee, the amount
in fen, the bank account and the source process (`bycaseid` in the envelope names the source case). Stepping the
case back publishes `ChangeReverted` for the same entry: the payment is withdrawn, and settlement must not pay it.

Key: one per payment, chosen by the process from what identifies it, e.g. "P049-<受理号-like claim number>".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field

from ybj_kernel.domain.reactions import Look
from ybj_kernel.domain.registry import Effect, Op, Registry
from ybj_kernel.errors import Conflict

BENEFIT_PAYMENT = "benefit_payment"
PayeeType = Literal["person", "institution", "employer"]


class BankAccount(BaseModel):
    """收款账户: a bank account, or the person's 社保卡 (金融账户) where they have one."""

    acct_name: str | None = Field(default=None, max_length=200, description="开户名称 / 收款人")
    bank_name: str | None = Field(default=None, max_length=200, description="开户银行")
    bank_acct: str | None = Field(default=None, max_length=40, description="银行账号")
    bank_code: str | None = Field(default=None, max_length=20, description="开户银行行号")
    via_social_security_card: bool = Field(default=False, description="拨付至社保卡金融账户")


class PaymentApproval(BaseModel):
    """What settlement needs to pay: who, how much (fen), into which account, and why."""

    payee_type: PayeeType = Field(
        description="收款方类型 (person 个人, institution 定点医药机构/对公账户, employer 参保单位)"
    )
    payee_name: str = Field(min_length=1, max_length=200, description="收款方名称")
    payee_id: str = Field(min_length=1, max_length=50, description="人员编号 or 定点医药机构编号")
    amount_fen: int = Field(gt=0, description="应付金额（分）")
    bank: BankAccount = Field(description="收款账户")
    source_process: str = Field(pattern=r"^P\d{3}$", description="来源业务流程")
    reason_zh: str = Field(min_length=1, max_length=200, description="支付事由")
    admdvs: str | None = Field(default=None, max_length=6, description="医保区划")


def _approve(state: dict[str, Any], args: dict[str, Any]) -> None:
    if state.get("status") == "approved":
        raise Conflict(
            "PAYMENT_ALREADY_APPROVED",
            "该笔待遇支付已审核通过，不能重复支付",
            "this benefit payment is already approved",
            "amount_fen",
        )
    state.update(args, status="approved")


def _mark_paid(state: dict[str, Any], args: dict[str, Any]) -> None:
    if state.get("paid_by_case") == args["settlement_case_id"]:
        return  # the same news again
    state.update(status="paid", paid_by_case=args["settlement_case_id"], paid_fen=int(args["paid_fen"]))


BENEFIT_PAYMENTS = Registry(
    BENEFIT_PAYMENT,
    "待遇支付（移交结算）",
    {
        "approve": Op("待遇支付审核通过", "BenefitPaymentApproved", PaymentApproval, _approve),
        "mark_paid": Op("结算已拨付", "BenefitPaymentPaid", None, _mark_paid),
    },
    frozenset({"approve"}),
)


PAID_IN_SETTLEMENT = "cn.ybj.settlement.payable."


def on_payable_paid(envelope: Mapping[str, Any], look: Look) -> list[Effect]:
    """Settlement paid a payment this service handed over: its entry here names the settlement case that paid it."""
    if envelope.get("eventname") != "PayablePaid" or look(BENEFIT_PAYMENT, str(envelope["subject"])) is None:
        return []
    paid = {
        "settlement_case_id": str(envelope.get("bycaseid")),
        "paid_fen": int(((envelope.get("data") or {}).get("args") or {}).get("amount_fen", 0)),
    }
    return [Effect(BENEFIT_PAYMENT, str(envelope["subject"]), "mark_paid", paid)]


def payment_effect(
    key: str,
    *,
    payee_type: PayeeType,
    payee_name: str,
    payee_id: str,
    amount_fen: int,
    bank: dict[str, Any],
    source_process: str,
    reason_zh: str,
    admdvs: str | None = None,
) -> Effect:
    """The effect that hands one approved payment to settlement (validated by the registry when applied)."""
    return Effect(
        BENEFIT_PAYMENT,
        key,
        "approve",
        {
            "payee_type": payee_type,
            "payee_name": payee_name,
            "payee_id": payee_id,
            "amount_fen": amount_fen,
            "bank": bank,
            "source_process": source_process,
            "reason_zh": reason_zh,
            "admdvs": admdvs,
        },
    )
