"""P043 长期护理保险基金支出: 分期支付给商保公司 → 商保公司结算 → 次年清算 (DOMAIN E35, R36).

「财务部门根据与商保公司签订的协议金额——分期支付给商保公司——次年完成上年度的清算工作。具体的支出由商保公司根据实际的
发生额与患者家人和定点护理服务机构结算。」 (seeds/001 L1566-1572)
Not in the seeds, chosen here [A]: the installments are equal, to the fen, the remainder of the division going to the
last one (so they add up to the 协议金额 exactly); the clearing balance is 已支付 − 实际发生额 (positive: the insurer
returns it; negative: the fund pays it), and the clearing is dated within the following year (R36 「次年」).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from ybj_kernel.domain.process import ProcessDefinition, Stage
from ybj_kernel.domain.validation import Money
from ybj_kernel.errors import InvalidInput
from ybj_settlement.rules.adjustments import fen, yuan


class Installments(BaseModel):
    """协议金额 and how many installments it is paid in."""

    insurer_name: str = Field(min_length=1, max_length=200, description="商保公司")
    agreement_no: str = Field(pattern=r"^\S{1,40}$", description="协议编号")
    agreement_year: int = Field(ge=2000, le=2100, description="协议年度")
    agreement_amt: Money = Field(gt=0, description="协议金额（元）")
    installment_count: int = Field(ge=1, le=12, description="分期期数")


class InsurerSettlement(BaseModel):
    """商保公司与患者家人和定点护理服务机构结算的实际发生额."""

    family_amt: Money = Field(description="与患者家人结算金额（元）")
    institution_amt: Money = Field(description="与定点护理服务机构结算金额（元）")


class Clearing(BaseModel):
    """上年度清算."""

    cleared_on: date = Field(description="清算日期")


def split(amount_fen: int, count: int) -> list[int]:
    """Equal installments in fen; the remainder of the division is added to the last one."""
    each, remainder = divmod(amount_fen, count)
    return [each] * (count - 1) + [each + remainder]


def plan(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """分期支付: the installments (元), adding up to the 协议金额 to the fen."""
    parts = split(fen(Decimal(step["agreement_amt"])), int(step["installment_count"]))
    return {"installments": [yuan(p) for p in parts], "paid_amt": yuan(sum(parts))}


def actual(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """实际发生额 = 与患者家人 + 与定点护理服务机构."""
    return {"actual_amt": yuan(fen(Decimal(step["family_amt"])) + fen(Decimal(step["institution_amt"])))}


def check_next_year(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """「次年完成上年度的清算工作」: the clearing is dated in the year after the agreement's."""
    year = int(current["agreement_year"]) + 1
    if date.fromisoformat(str(step["cleared_on"])).year != year:
        raise InvalidInput(
            "CLEARING_NOT_NEXT_YEAR",
            f"{current['agreement_year']}年度的清算应在{year}年完成",
            f"the {current['agreement_year']} clearing is done in {year}",
            "cleared_on",
        )


def clearing(current: Mapping[str, Any], _step: Mapping[str, Any]) -> dict[str, Any]:
    """清算差额 = 已支付 − 实际发生额 (元)."""
    balance = fen(Decimal(current["paid_amt"])) - fen(Decimal(current["actual_amt"]))
    direction = "insurer_returns" if balance > 0 else "fund_pays" if balance < 0 else "settled"
    return {"clearing_balance": yuan(balance), "clearing_direction": direction}


P043 = ProcessDefinition(
    id="P043",
    slug="ltc_insurance_fund_disbursement",
    name_zh="长期护理保险基金支出",
    service="settlement",
    stages=(
        Stage(
            "installment_payment",
            "财务部门根据与商保公司签订的协议金额分期支付给商保公司",
            ("finance",),
            "InstallmentPaid",
            input=Installments,
            derive=plan,
            example={
                "insurer_name": "中国人寿保险股份有限公司贵州省分公司（示例）",
                "agreement_no": "CHX2025001",
                "agreement_year": 2025,
                "agreement_amt": "1000000.00",
                "installment_count": 3,
            },
        ),
        Stage(
            "insurer_settlement",
            "商保公司根据实际的发生额与患者家人和定点护理服务机构结算",
            ("commercial_insurer",),
            "InsurerSettled",
            input=InsurerSettlement,
            derive=actual,
            example={"family_amt": "312345.67", "institution_amt": "650000.00"},
        ),
        Stage(
            "annual_clearing",
            "次年完成上年度的清算工作",
            ("finance",),
            "AnnualClearingCompleted",
            input=Clearing,
            checks=(check_next_year,),
            derive=clearing,
            example={"cleared_on": "2026-03-31"},
        ),
    ),
)
