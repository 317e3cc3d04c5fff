"""P017 个人账户一次性清退: 终止参保 → 支取登记 → 复审 → 结息 → 增加利息, then the whole account is paid out.

For a deceased employee (paid to the heir) or one moving where the new agency's bank account cannot yet be given.
The interest is the rule `account_interest` (the rate is example configuration: the seeds give none), run by the
system at 结息; the registrar adds the same amount to the withdrawal. Completion terminates the 310 relation,
freezes the account (unless already frozen, e.g. by a P018 扣款), records the 结息 entry and pays out principal plus
interest as one 清退 entry that must be the whole balance: more than the balance, or less, is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from ybj_enrollment.processes.fields import PersonLookup, fen, today_or_earlier
from ybj_enrollment.processes.p012_personal_account_injection import PERSON, psn_no_of
from ybj_enrollment.rules import RULES
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.rules import run
from ybj_kernel.domain.validation import Money, bilingual
from ybj_kernel.errors import InvalidInput

EMPLOYEE = "310"
DECEASED, MOVED = "1", "2"  # 支取原因


class Termination(PersonLookup):
    """先在系统内办理医保终止参保: the employee's 310 relation ends."""

    psn_name: str = Field(min_length=1, max_length=50, description="姓名")
    stop_date: date = Field(description="终止参保日期")
    stop_rea: str = Field(min_length=1, max_length=200, description="终止参保原因")

    @field_validator("stop_date")
    @classmethod
    def _stop_date(cls, value: date, info: ValidationInfo) -> date:
        return today_or_earlier(value, info, "终止参保日期")


class Withdrawal(BaseModel):
    """个人账户一次性支取登记: why, the balance paid out, and to whom (the heir for a deceased employee)."""

    wdrw_rea: Literal["1", "2"] = Field(description="支取原因 (1 死亡, 2 工作调动暂不能提供转入地银行账户)")
    balc: Money = Field(gt=0, description="个人账户余额（支取本金，元）")
    payee_name: str | None = Field(default=None, max_length=50, description="领款人姓名（死亡人员为继承人）")
    payee_certno: str | None = Field(
        default=None, max_length=50, validate_default=True, description="领款人证件号码（死亡人员为继承人）"
    )
    bank_name: str = Field(min_length=1, max_length=100, description="开户银行")
    bank_acct: str = Field(pattern=r"^\d{8,30}$", description="银行账号")
    intr_begndate: date = Field(description="起息日期（上次结息日）")

    @field_validator("payee_certno")
    @classmethod
    def _heir(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("wdrw_rea") == DECEASED and not (value and info.data.get("payee_name")):
            raise bilingual(
                "死亡人员的个人账户由继承人支取，请填写继承人姓名和证件号码",
                "a deceased employee's account is paid to the heir: payee_name and payee_certno are required",
            )
        return value


class InterestSettlement(BaseModel):
    """结息: the system settles the interest up to the 结息日期 (today unless given)."""

    intr_enddate: date | None = Field(default=None, validate_default=True, description="结息日期（缺省为今天）")

    @field_validator("intr_enddate", mode="after")
    @classmethod
    def _end(cls, value: date | None, info: ValidationInfo) -> date:
        return today_or_earlier(value, info, "结息日期")


class InterestAdded(BaseModel):
    """在支取信息中增加利息金额数据."""

    intr_amt: Money = Field(description="利息金额（元）")


# The rule's own field names, as this process's form names them.
_FIELDS = {"principal": "balc", "begin_on": "intr_begndate", "end_on": "intr_enddate"}


def settle_interest(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """结息 by the rule `account_interest`, exactly as a trial runs it, as of the 结息日期."""
    end = str(step["intr_enddate"])
    raw = {"principal": str(current["balc"]), "begin_on": str(current["intr_begndate"]), "end_on": end}
    try:
        out = run(RULES.get("account_interest"), raw, date.fromisoformat(end))
    except InvalidInput as err:
        raise replace(err, field=_FIELDS.get(err.field or "", err.field)) from None
    return {"stl_intr_amt": out["interest"], "intr_days": out["days"], "intr_rate": out["annual_rate"]}


def interest_as_settled(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The interest added to the withdrawal is the one the system settled."""
    if Decimal(str(step["intr_amt"])) != Decimal(str(current["stl_intr_amt"])):
        raise InvalidInput(
            "INTEREST_MISMATCH",
            f"利息金额应为系统结息金额 {current['stl_intr_amt']} 元",
            f"the interest must be the settled {current['stl_intr_amt']}",
            "intr_amt",
        )


def withdrawal_total(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """支取金额 = 本金 + 利息."""
    return {"wdrw_amt": str(Decimal(str(current["balc"])) + Decimal(str(step["intr_amt"])))}


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """The relation ends; the account is frozen, credited its interest and paid out whole."""
    psn_no = psn_no_of(data)
    on = data["intr_enddate"]
    why = "死亡" if data["wdrw_rea"] == DECEASED else "工作调动"
    interest = fen(Decimal(str(data["intr_amt"])))
    changes = [
        Effect(
            "person",
            psn_no,
            "terminate",
            {"insutype": EMPLOYEE, "on": data["stop_date"], "reason": data["stop_rea"]},
        ),
        Effect(
            "account",
            psn_no,
            "freeze",
            {"psn_no": psn_no, "on": on, "reason": "个人账户一次性清退", "if_not_frozen": True},
        ),
    ]
    if interest > 0:
        entry = {"psn_no": psn_no, "kind": "interest", "amount": interest, "on": on, "summary": "一次性清退结息"}
        changes.append(Effect("account", psn_no, "move", entry))
    refund = {
        "psn_no": psn_no,
        "kind": "refund",
        "amount": fen(Decimal(str(data["wdrw_amt"]))),
        "on": on,
        "summary": f"个人账户一次性清退（{why}）",
        "whole": True,
        "detail": {"payee_name": str(data.get("payee_name") or data["psn_name"]), "bank_acct": str(data["bank_acct"])},
    }
    return [*changes, Effect("account", psn_no, "move", refund)]


P017 = ProcessDefinition(
    id="P017",
    slug="personal_account_lump_sum_refund",
    name_zh="个人账户一次性清退",
    service="enrollment",
    materials=(
        Material("医保电子凭证或有效身份证件或社保卡"),
        Material("《职工基本医疗保险个人账户一次性支取申请表》"),
        Material("死亡职工继承人身份证、银行卡账户信息", required=False, condition_zh="死亡人员"),
        Material(
            "个人承诺书（通过数据共享无法查询死亡信息的）",
            required=False,
            condition_zh="通过数据共享无法查询死亡信息的",
        ),
    ),
    stages=(
        Stage(
            "terminate_enrollment",
            "先在系统内办理医保终止参保",
            ("registrar", "channel"),
            "EnrollmentTerminated",
            input=Termination,
            example={**PERSON, "psn_name": "陈晶", "stop_date": "2026-11-30", "stop_rea": "调往省外工作"},
        ),
        Stage(
            "register_withdrawal",
            "个人账户一次性支取登记，提交复审岗复核",
            ("registrar", "channel"),
            "WithdrawalRegistered",
            input=Withdrawal,
            example={
                "wdrw_rea": MOVED,
                "balc": "1000.00",  # the balance P012's example injected
                "bank_name": "中国工商银行贵阳云岩支行",
                "bank_acct": "6222020200112345678",
                "intr_begndate": "2026-01-01",
            },
        ),
        Stage("second_review", "复审岗审核", ("second_reviewer",), "SecondReviewApproved", review=True),
        Stage(
            "settle_interest",
            "冻结个人账户，进行结息（“结息”功能）",
            ("system",),
            "InterestSettled",
            input=InterestSettlement,
            derive=settle_interest,
            example={"intr_enddate": "2026-11-30"},
        ),
        Stage(
            "add_interest",
            "在支取信息中增加利息金额数据",
            ("registrar",),
            "InterestAmountAdded",
            input=InterestAdded,
            checks=(interest_as_settled,),
            derive=withdrawal_total,
            # 1000.00 × 0.35% (the example rate) × 333 days (2026-01-01 … 11-30) / 360 = 3.2375 → 3.24
            example={"intr_amt": "3.24"},
        ),
    ),
    effects=effects,
)
