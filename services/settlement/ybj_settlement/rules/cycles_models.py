"""Input and output models of the cycle rules (rules/cycles.py): money as Decimal yuan with fen precision."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from ybj_kernel.domain.validation import Money, bilingual

FEN = Decimal("0.01")


def fen(amount: Decimal) -> Decimal:
    """Round to the fen, half up: the one place figures are rounded."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


class CalendarInput(BaseModel):
    """P079/P080: the month settled and the day the institution declared it."""

    setl_ym: str = Field(pattern=r"^\d{4}(0[1-9]|1[0-2])$", description="结算年月 (YYYYMM)")
    decl_date: date = Field(description="申报日期")


class CalendarOutput(BaseModel):
    """The month's settlement calendar on the working-day calendar, and whether the declaration was in its window."""

    declaration_opens: date = Field(description="申报开始日（次月1日）")
    declaration_closes: date = Field(description="申报截止日（次月5日，节假日顺延）")
    on_time: bool = Field(description="是否在申报期内申报")
    review_opens: date = Field(description="审核结算开始日（申报期截止后的下一个工作日，不早于6日）")
    slips_due: date = Field(description="拨付单据推送财务截止日（次月25日）")


class BudgetInput(BaseModel):
    """P083 年初: one institution's 总额控制参数 for the year."""

    year: int = Field(ge=2000, le=2100, description="总控年度")
    base_fund_expenditure: Money = Field(description="上年度医保基金支出（元，含高额住院）")
    high_cost_base: Money = Field(default=Decimal("0"), description="上年度高额住院医疗费用基金支出（元）")
    growth_rate: Decimal = Field(description="本年度基金支出测算增幅", ge=-1, le=10, max_digits=8, decimal_places=4)
    high_cost_growth_rate: Decimal = Field(
        default=Decimal("0"),
        description="本年度高额住院医疗费用基金支出增幅",
        ge=-1,
        le=10,
        max_digits=8,
        decimal_places=4,
    )
    visit_ratio_coef: Decimal = Field(
        default=Decimal("1"), description="本年度人次人头比调节系数", ge=0, le=10, max_digits=8, decimal_places=4
    )
    avg_cost_coef: Decimal = Field(
        default=Decimal("1"), description="本年度次均费用调节系数", ge=0, le=10, max_digits=8, decimal_places=4
    )


class BudgetOutput(BaseModel):
    """年度预算额度 and its twelve monthly quotas (月结算额度), adding up to the fen."""

    budget: Decimal = Field(description="年度预算额度（元）")
    ordinary_part: Decimal = Field(description="普通部分（元）")
    high_cost_part: Decimal = Field(description="高额住院部分（元）")
    monthly_quotas: list[Decimal] = Field(description="1-12月月结算额度（元），尾差计入12月")


class ClearingInput(BaseModel):
    """P083 年终: the budget, what the fund actually paid, and the adjustment decided (根据政策或特殊情况调整)."""

    year: int = Field(ge=2000, le=2100, description="总控年度")
    budget: Money = Field(description="年度预算额度（元）")
    actual_fund_expenditure: Money = Field(description="年度实际医保基金支出（元）")
    adjustment: Decimal = Field(
        default=Decimal("0.00"), max_digits=16, decimal_places=2, description="奖励或分担调整金额（元，可为负）"
    )


class ClearingOutput(BaseModel):
    """初步计算 and final 奖励 (positive) or 分担 figures; `final_amount` is what the fund pays on top of the months."""

    outcome: Literal["reward", "share", "balanced"] = Field(description="reward 结余奖励 / share 超支分担 / balanced")
    surplus: Decimal = Field(description="结余金额（元）")
    overrun: Decimal = Field(description="超支金额（元）")
    preliminary_amount: Decimal = Field(description="初步奖励或基金分担金额（元）")
    institution_bears: Decimal = Field(description="超支中由医疗机构承担的金额（元）")
    adjustment: Decimal = Field(description="调整金额（元）")
    final_amount: Decimal = Field(description="最终奖励或分担金额（元，不小于0）")


class DepositInput(BaseModel):
    """P084: the reserved ratio, the year's settled amount it was reserved from, and the scores."""

    year: int = Field(ge=2000, le=2100, description="清算年度")
    deposit_ratio: Decimal = Field(ge=0, le=1, max_digits=6, decimal_places=4, description="预留保证金比例")
    settled_amount: Money = Field(description="年度月结算应拨总额（元）")
    annual_score: Decimal = Field(ge=0, le=100, max_digits=5, decimal_places=2, description="年度考核评分")
    violation_points: Decimal = Field(
        default=Decimal("0"), ge=0, le=100, max_digits=5, decimal_places=2, description="年中违规扣分分值"
    )


class DepositOutput(BaseModel):
    """保证金: reserved, deducted (应扣) and returned (实际应拨返还), adding up to the fen."""

    reserved: Decimal = Field(description="预留保证金（元）")
    deduction_rate: Decimal = Field(description="扣除比例")
    deducted: Decimal = Field(description="应扣保证金（元）")
    refund: Decimal = Field(description="实际应拨返还保证金（元）")


class ProcurementItem(BaseModel):
    """One procured product: what the agreed volume would have cost and what was spent."""

    name: str = Field(min_length=1, max_length=200, description="药品或耗材名称")
    expected_amount: Money = Field(description="集采前价格测算金额（元）")
    actual_amount: Money = Field(description="集采实际使用金额（元）")


class ProcurementInput(BaseModel):
    """P085: one institution's procured drugs or consumables for the year and its assessment coefficient."""

    year: int = Field(ge=2000, le=2100, description="清算年度")
    kind: Literal["drug", "consumable"] = Field(description="drug 药品 / consumable 耗材")
    items: list[ProcurementItem] = Field(min_length=1, max_length=5000)
    assessment_coef: Decimal = Field(ge=0, le=1, max_digits=5, decimal_places=4, description="结余奖励考核系数")


class ProcurementOutput(BaseModel):
    """结余 and 结余奖励."""

    surplus: Decimal = Field(description="结余金额（元，各品种结余之和，超支品种不抵减）")
    reward: Decimal = Field(description="结余奖励（元）")


class PrepaymentInput(BaseModel):
    """P086: the type, last year's average monthly fund payment and the amount asked for."""

    year: int = Field(ge=2000, le=2100, description="预付年度")
    monthly_avg_fund_payment: Money = Field(description="上年度月均统筹基金支付额（元）")
    requested_amount: Money = Field(description="申请预付金额（元）")

    @field_validator("requested_amount")
    @classmethod
    def _positive(cls, value: Decimal) -> Decimal:
        if value <= 0:
            raise bilingual("申请预付金额须大于0", "requested_amount must be positive")
        return value


class PrepaymentOutput(BaseModel):
    """核定预付金额 = min(申请金额, 月均 × 月数)."""

    cap: Decimal = Field(description="核定上限（元）")
    approved_amount: Decimal = Field(description="核定预付金额（元）")
