"""P018 个人账户扣款: money allocated to an account after allocations should have stopped is taken back.

The rule `overpayment_plan` (R20) decides the flow: 「个人账户余额能冲抵多划拨款项的，直接从个人账户进行扣款」 (扣款流程:
freeze, deduct, print 《扣款申请表》; the rest of the balance is then refunded through P017), 「对个人账户余额不足以冲抵
多划拨款项的，工作人员冻结个人账户」 (追缴流程: freeze, 追回金额, print 《追缴申请表》, the unit collects from the family
into the 基金收入户, finance moves it into the 统筹基金). Each flow refuses a case the rule puts in the other one.

Completion checks the balance is still the one the case was decided on, freezes the account and, in the 扣款流程,
records the 扣款 entry. The recovered money goes to the pooled fund, not to the account, which stays frozen: the
seeds do not say when it is unfrozen.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from ybj_enrollment.documents import DOCUMENTS
from ybj_enrollment.processes.fields import PersonLookup, fen, today_or_earlier
from ybj_enrollment.processes.p012_personal_account_injection import PERSON, UNIT, psn_no_of
from ybj_enrollment.rule_models import OverpaymentOutput
from ybj_enrollment.rules import overpayment_plan
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import Money
from ybj_kernel.errors import InvalidInput

DEDUCTION, RECOVERY = "deduction", "recovery"


class Overpayment(PersonLookup):
    """输入人员基本信息（证件类型、证件号码）并冻结个人账户, with the balance as queried."""

    psn_name: str = Field(min_length=1, max_length=50, description="姓名")
    insutype: Literal["310"] = Field(default="310", description="险种类型 (310 职工基本医疗保险)")
    emp_name: str | None = Field(default=None, max_length=200, description="参保人所在单位")
    balc: Money = Field(description="个人账户余额（元）")
    frz_date: date | None = Field(default=None, validate_default=True, description="冻结日期（缺省为今天）")

    @field_validator("frz_date", mode="after")
    @classmethod
    def _frz_date(cls, value: date | None, info: ValidationInfo) -> date:
        return today_or_earlier(value, info, "冻结日期")


class Deduction(BaseModel):
    """根据个人余额情况进行扣款处理: the 扣款金额 is the overpayment (rule overpayment_plan)."""

    ovpay_amt: Money = Field(gt=0, description="多划拨金额（元）")
    dedc_date: date | None = Field(default=None, validate_default=True, description="扣款日期（缺省为今天）")

    @field_validator("dedc_date", mode="after")
    @classmethod
    def _dedc_date(cls, value: date | None, info: ValidationInfo) -> date:
        return today_or_earlier(value, info, "扣款日期")


class Recovery(BaseModel):
    """个人账户多划账追回: 多划拨金额 and 追回金额."""

    ovpay_amt: Money = Field(gt=0, description="多划拨金额（元）")
    rcov_amt: Money = Field(gt=0, description="追回金额（元）")


class RecoveryPaid(BaseModel):
    """参保人所在单位向申请人或参保人家属追缴，并将款项缴入基金收入户."""

    paid_amt: Money = Field(gt=0, description="缴入基金收入户金额（元）")
    paid_date: date | None = Field(default=None, validate_default=True, description="缴款日期（缺省为今天）")

    @field_validator("paid_date", mode="after")
    @classmethod
    def _paid_date(cls, value: date | None, info: ValidationInfo) -> date:
        return today_or_earlier(value, info, "缴款日期")


class PoolDeposit(BaseModel):
    """基金财务科收到款项后，划入基本医疗保险统筹基金."""

    dpst_date: date | None = Field(default=None, validate_default=True, description="划入统筹基金日期（缺省为今天）")
    fin_intf_sn: str | None = Field(default=None, max_length=40, description="财务接口流水号")

    @field_validator("dpst_date", mode="after")
    @classmethod
    def _dpst_date(cls, value: date | None, info: ValidationInfo) -> date:
        return today_or_earlier(value, info, "划入日期")


def _plan(current: Mapping[str, Any], step: Mapping[str, Any]) -> OverpaymentOutput:
    return overpayment_plan(Decimal(str(current["balc"])), Decimal(str(step["ovpay_amt"])))


def balance_covers(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """扣款流程: only when the balance covers the overpayment."""
    if _plan(current, step).plan != DEDUCTION:
        raise InvalidInput(
            "BALANCE_SHORT",
            f"个人账户余额 {current['balc']} 元不足以冲抵多划拨款项 {step['ovpay_amt']} 元，应办理追缴流程",
            f"the balance {current['balc']} does not cover the overpayment {step['ovpay_amt']}: use the recovery flow",
            "ovpay_amt",
        )


def deduction(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """扣款金额 (the overpayment) and 扣款后的余额, the latter to be refunded through P017."""
    plan = _plan(current, step)
    return {"dedc_amt": str(plan.dedc_amt), "rfnd_amt": str(plan.rfnd_amt)}


def balance_short(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """追缴流程: only when the balance is short, and never more than the overpayment is recovered."""
    if _plan(current, step).plan != RECOVERY:
        raise InvalidInput(
            "BALANCE_COVERS",
            f"个人账户余额 {current['balc']} 元能冲抵多划拨款项 {step['ovpay_amt']} 元，应办理扣款流程",
            f"the balance {current['balc']} covers the overpayment {step['ovpay_amt']}: use the deduction flow",
            "ovpay_amt",
        )
    if Decimal(str(step["rcov_amt"])) > Decimal(str(step["ovpay_amt"])):
        raise InvalidInput(
            "RECOVERY_EXCEEDS_OVERPAYMENT",
            f"追回金额不能超过多划拨金额 {step['ovpay_amt']} 元",
            f"the amount recovered cannot exceed the overpayment of {step['ovpay_amt']}",
            "rcov_amt",
        )


def shortfall(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """余额不足以冲抵的差额, kept beside the 追回金额 staff entered."""
    return {"shortfall_amt": str(_plan(current, step).shortfall_amt)}


def paid_in_full(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The unit pays the 追回金额 into the 基金收入户."""
    if Decimal(str(step["paid_amt"])) != Decimal(str(current["rcov_amt"])):
        raise InvalidInput(
            "RECOVERY_AMOUNT_MISMATCH",
            f"缴入金额应为追回金额 {current['rcov_amt']} 元",
            f"the amount paid in must be the {current['rcov_amt']} recovered",
            "paid_amt",
        )


def effects(data: Mapping[str, Any], variant: str | None) -> list[Effect]:
    """The balance is as decided; the account is frozen and, in the 扣款流程, the overpayment deducted."""
    psn_no = psn_no_of(data)
    deducting = variant == DEDUCTION
    reason = "个人账户多划账扣款" if deducting else "个人账户多划账追回"
    changes = [
        Effect("account", psn_no, "check_balance", {"psn_no": psn_no, "balc": fen(Decimal(str(data["balc"])))}),
        Effect("account", psn_no, "freeze", {"psn_no": psn_no, "on": data["frz_date"], "reason": reason}),
    ]
    if deducting:
        entry = {
            "psn_no": psn_no,
            "kind": "deduct",
            "amount": fen(Decimal(str(data["dedc_amt"]))),
            "on": data["dedc_date"],
            "summary": reason,
            "insutype": data["insutype"],
        }
        changes.append(Effect("account", psn_no, "move", entry))
    return changes


def _only(variant: str) -> frozenset[str]:
    return frozenset({variant})


OVERPAID = {**PERSON, "psn_name": "陈晶", "emp_name": UNIT["emp_name"], "balc": "1000.00"}  # P012's example balance

P018 = ProcessDefinition(
    id="P018",
    slug="personal_account_overpayment_deduction",
    name_zh="个人账户扣款",
    service="enrollment",
    variants=(Variant(DEDUCTION, "扣款流程"), Variant(RECOVERY, "追缴流程")),
    materials=(Material("无", required=False),),
    stages=(
        Stage(
            "freeze_account",
            "输入人员基本信息并冻结个人账户",
            ("registrar",),
            "AccountFrozen",
            input=Overpayment,
            example=OVERPAID,
        ),
        Stage(
            "deduct",
            "根据个人余额情况进行扣款处理，保存打印《扣款申请表》（个人账户多划账扣款）",
            ("registrar",),
            "OverpaymentDeducted",
            input=Deduction,
            checks=(balance_covers,),
            derive=deduction,
            variants=_only(DEDUCTION),
            example={"ovpay_amt": "200.00"},
        ),
        Stage(
            "register_recovery",
            "个人账户多划账追回：填写追回金额，保存",
            ("registrar",),
            "RecoveryRegistered",
            input=Recovery,
            checks=(balance_short,),
            derive=shortfall,
            variants=_only(RECOVERY),
            example={"ovpay_amt": "1500.00", "rcov_amt": "1500.00"},
        ),
        Stage(
            "print_recovery_form",
            "打印《追缴申请表》（一式三份）",
            ("registrar",),
            "RecoveryFormPrinted",
            variants=_only(RECOVERY),
        ),
        Stage(
            "collect_from_family",
            "参保人所在单位向申请人或参保人家属进行追缴，并将款项缴入基金收入户",
            ("employer",),
            "RecoveryPaid",
            input=RecoveryPaid,
            checks=(paid_in_full,),
            variants=_only(RECOVERY),
            example={"paid_amt": "1500.00"},
        ),
        Stage(
            "deposit_to_pool",
            "基金财务科收到款项后，划入基本医疗保险统筹基金",
            ("finance",),
            "RecoveredFundsDeposited",
            input=PoolDeposit,
            variants=_only(RECOVERY),
            example={"fin_intf_sn": "CW2026120500012"},
        ),
    ),
    effects=effects,
    documents=DOCUMENTS["P018"],
)
