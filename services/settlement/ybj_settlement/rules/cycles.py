"""The cycle rules staff can list and try (试算); the cases of P079/P080 and P083-P086 run the same functions.

- `P079.settlement_calendar` (also P080): 「每月1-5日（节假日顺延）」 declaration, 「每月6日后」 review, 「每月25前」 slips.
- `P083.global_budget`, `P083.year_end_clearing`, `P084.deposit_clearing`, `P085.procurement_surplus_reward`,
  `P086.prepayment_assessment`: the seed names the figures but gives no formula or ratio; the formulas are the
  common ones and the coefficients come from policy/cycles.yaml (EXAMPLE values, labelled so in the file).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal, TypeVar

from ybj_kernel.domain.deadlines import DayOfMonth, due_on
from ybj_kernel.domain.rules import Rule, RuleContext
from ybj_kernel.errors import InvalidInput
from ybj_settlement.policy.cycles import POLICY, Version, in_force
from ybj_settlement.rules.cycles_models import (
    BudgetInput,
    BudgetOutput,
    CalendarInput,
    CalendarOutput,
    ClearingInput,
    ClearingOutput,
    DepositInput,
    DepositOutput,
    PrepaymentInput,
    PrepaymentOutput,
    ProcurementInput,
    ProcurementOutput,
    fen,
)

V = TypeVar("V", bound=Version)
SEED = "seeds/001_42c4e4a66414dc3e.txt"
ZERO = Decimal("0.00")
DECLARATION_CLOSES = DayOfMonth(5, roll_forward=True)  # 「每月1-5日（节假日顺延）」
SLIPS_DUE = DayOfMonth(25, roll_forward=False)  # 「每月25前」: the seed says no 顺延
REVIEW_FROM_DAY = 6  # 「每月6日后」


def _terms(versions: tuple[V, ...], year: int, section: str, group: str = "") -> V:
    on = date(year, 1, 1)
    found = in_force(versions, on, group)
    if found is None:
        raise InvalidInput(
            "NO_POLICY",
            f"{year}年没有在执行的{section}参数",
            f"no {section} parameters are in force on {on.isoformat()}",
            "year",
        )
    return found


def settlement_calendar(inp: CalendarInput, ctx: RuleContext) -> CalendarOutput:
    """The window of the month after `setl_ym`: declare 1st-5th (rolled), review after, slips to finance by the 25th."""
    year, month = int(inp.setl_ym[:4]), int(inp.setl_ym[4:])
    opens = date(year + month // 12, month % 12 + 1, 1)
    closes = due_on(opens, DECLARATION_CLOSES, ctx.calendar)
    review = max(closes + timedelta(days=1), opens.replace(day=REVIEW_FROM_DAY))
    return CalendarOutput(
        declaration_opens=opens,
        declaration_closes=closes,
        on_time=opens <= inp.decl_date <= closes,
        review_opens=ctx.calendar.next_working_day_on_or_after(review),
        slips_due=due_on(opens, SLIPS_DUE, ctx.calendar),
    )


def split_months(total: Decimal) -> list[Decimal]:
    """Twelve monthly shares of `total`, each rounded down to the fen, the remainder in December."""
    month = (total / 12).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    return [month] * 11 + [total - month * 11]


def global_budget(inp: BudgetInput, _ctx: RuleContext) -> BudgetOutput:
    """年度预算额度 = (上年支出 − 高额住院) × (1 + 增幅) × 人次人头比系数 × 次均费用系数 + 高额住院 × (1 + 高额增幅)."""
    if inp.high_cost_base > inp.base_fund_expenditure:
        raise InvalidInput(
            "HIGH_COST_EXCEEDS_BASE",
            "高额住院医疗费用基金支出不能大于上年度基金支出",
            "high_cost_base exceeds base_fund_expenditure",
            "high_cost_base",
        )
    ordinary = fen(
        (inp.base_fund_expenditure - inp.high_cost_base)
        * (1 + inp.growth_rate)
        * inp.visit_ratio_coef
        * inp.avg_cost_coef
    )
    high = fen(inp.high_cost_base * (1 + inp.high_cost_growth_rate))
    budget = ordinary + high
    return BudgetOutput(budget=budget, ordinary_part=ordinary, high_cost_part=high, monthly_quotas=split_months(budget))


def year_end_clearing(inp: ClearingInput, _ctx: RuleContext) -> ClearingOutput:
    """结余: reward = min(结余 × 奖励比例, 预算 × 奖励上限); 超支: fund shares 分担比例 of the overrun up to its cap."""
    t = _terms(POLICY.global_budget, inp.year, "总控")
    surplus = max(inp.budget - inp.actual_fund_expenditure, ZERO)
    overrun = max(inp.actual_fund_expenditure - inp.budget, ZERO)
    outcome: Literal["reward", "share", "balanced"]
    if surplus > 0:
        outcome, preliminary, bears = (
            "reward",
            min(fen(surplus * t.reward_ratio), fen(inp.budget * t.reward_cap_rate)),
            ZERO,
        )
    elif overrun > 0:
        shared = min(overrun, fen(inp.budget * t.share_cap_rate))
        outcome, preliminary = "share", fen(shared * t.share_ratio)
        bears = overrun - preliminary
    else:
        outcome, preliminary, bears = "balanced", ZERO, ZERO
    final = preliminary + inp.adjustment
    if final < 0:
        raise InvalidInput(
            "ADJUSTMENT_TOO_LARGE",
            f"调整后奖励或分担金额不能为负（初步金额 {preliminary}）",
            f"the adjustment makes the amount negative (preliminary {preliminary})",
            "adjustment",
        )
    return ClearingOutput(
        outcome=outcome,
        surplus=surplus,
        overrun=overrun,
        preliminary_amount=preliminary,
        institution_bears=bears,
        adjustment=inp.adjustment,
        final_amount=final,
    )


def deposit_clearing(inp: DepositInput, _ctx: RuleContext) -> DepositOutput:
    """应扣 = 预留 × min(1, (合格分 − 评分)⁺ × 每分比例 + 违规扣分 × 每分比例); 返还 = 预留 − 应扣."""
    t = _terms(POLICY.deposit, inp.year, "保证金")
    reserved = fen(inp.settled_amount * inp.deposit_ratio)
    rate = min(
        Decimal(1),
        max(t.pass_score - inp.annual_score, Decimal(0)) * t.deduction_per_point
        + inp.violation_points * t.deduction_per_violation_point,
    )
    deducted = fen(reserved * rate)
    return DepositOutput(reserved=reserved, deduction_rate=rate, deducted=deducted, refund=reserved - deducted)


def procurement_surplus_reward(inp: ProcurementInput, _ctx: RuleContext) -> ProcurementOutput:
    """结余 = Σ max(测算金额 − 实际金额, 0); 奖励 = 结余 × 留用比例 × 考核系数."""
    t = _terms(POLICY.procurement_reward, inp.year, "集采结余奖励", inp.kind)
    surplus = sum((max(i.expected_amount - i.actual_amount, ZERO) for i in inp.items), ZERO)
    return ProcurementOutput(surplus=surplus, reward=fen(surplus * t.reward_ratio * inp.assessment_coef))


def prepayment_assessment(inp: PrepaymentInput, _ctx: RuleContext) -> PrepaymentOutput:
    """核定预付金额 = min(申请金额, 上年度月均统筹基金支付 × 月数)."""
    t = _terms(POLICY.prepayment, inp.year, "预付金")
    cap = fen(inp.monthly_avg_fund_payment * t.months)
    return PrepaymentOutput(cap=cap, approved_amount=min(inp.requested_amount, cap))


def _params(section: str) -> dict[str, Any]:
    return POLICY.describe(section)


SETTLEMENT_CALENDAR: Rule[CalendarInput, CalendarOutput] = Rule(
    id="P079.settlement_calendar",
    process_id="P079",
    also_applies_to=("P080",),
    name_zh="月结算日历（申报期、审核期、拨付单据截止日）",
    name_en="Monthly settlement calendar (declaration window, review start, slips deadline)",
    source_zh="「每月1-5日（节假日顺延），定点医药机构通过联网系统申请清算上月记账医疗费用」「每月6日后，医保经办机构对定点医药"
    "机构申报费用进行审核结算」「每月25前，业务经办出具拨付单据，推送财务进行拨付」",
    source_ref=f"{SEED} L4255-L4265",
    input_model=CalendarInput,
    output_model=CalendarOutput,
    fn=settlement_calendar,
    example={"setl_ym": "202609", "decl_date": "2026-10-08"},
    parameters={"declaration_closes_day": 5, "roll_forward": True, "review_from_day": 6, "slips_due_day": 25},
)
GLOBAL_BUDGET: Rule[BudgetInput, BudgetOutput] = Rule(
    id="P083.global_budget",
    process_id="P083",
    name_zh="年度预算额度（总控参数生成）",
    name_en="Annual global budget from the control parameters",
    source_zh="「根据行政部门批复的年度医保付费总额控制指标在业务信息系统中逐条设置或批量导入各定点医疗机构该年度各项总额控制参数」"
    "（公式为示例：指南未给出）",
    source_ref=f"{SEED} L4503-L4530",
    input_model=BudgetInput,
    output_model=BudgetOutput,
    fn=global_budget,
    example={
        "year": 2026,
        "base_fund_expenditure": "12000000.00",
        "high_cost_base": "2000000.00",
        "growth_rate": "0.05",
        "high_cost_growth_rate": "0.03",
        "visit_ratio_coef": "1.02",
        "avg_cost_coef": "0.98",
    },
    parameters={"example_formula": True},
)
YEAR_END_CLEARING: Rule[ClearingInput, ClearingOutput] = Rule(
    id="P083.year_end_clearing",
    process_id="P083",
    name_zh="年度总控核算及清算（奖励或分担金额）",
    name_en="Year-end global budget clearing (reward or shared overrun)",
    source_zh="「进行年终核算，初步计算付费总额控制奖励或分担金额」「根据政策或特殊情况调整定点医疗机构奖励或分担金额」"
    "「根据初步总控计算和调整后的数据计算生成最终定点医疗机构年度总控奖励或分担金额」",
    source_ref=f"{SEED} L4520-L4540",
    input_model=ClearingInput,
    output_model=ClearingOutput,
    fn=year_end_clearing,
    example={"year": 2026, "budget": "12546400.00", "actual_fund_expenditure": "12000000.00", "adjustment": "0.00"},
    parameters=_params("global_budget"),
)
DEPOSIT_CLEARING: Rule[DepositInput, DepositOutput] = Rule(
    id="P084.deposit_clearing",
    process_id="P084",
    name_zh="年度保证金核算（应扣金额与返还金额）",
    name_en="Annual deposit clearing (deducted and returned)",
    source_zh="「系统自动核算年度保证金应扣金额和实际应拨返还保证金金额」「系统根据全年度考核评分汇总数及保证金清算规定自动计算」",
    source_ref=f"{SEED} L4650-L4700",
    input_model=DepositInput,
    output_model=DepositOutput,
    fn=deposit_clearing,
    example={
        "year": 2026,
        "deposit_ratio": "0.05",
        "settled_amount": "1200000.50",
        "annual_score": "86.5",
        "violation_points": "2",
    },
    parameters=_params("deposit"),
)
PROCUREMENT_REWARD: Rule[ProcurementInput, ProcurementOutput] = Rule(
    id="P085.procurement_surplus_reward",
    process_id="P085",
    name_zh="药品/耗材集采结余奖励核算",
    name_en="Centralized procurement surplus reward (drugs or consumables)",
    source_zh="「系统根据品集采结余奖励细则核算生成药品集采结余奖励数据」「系统根据耗材采结余奖励细则核算生成耗材集采结余奖励数据」",
    source_ref=f"{SEED} L4783-L4800",
    input_model=ProcurementInput,
    output_model=ProcurementOutput,
    fn=procurement_surplus_reward,
    example={
        "year": 2026,
        "kind": "drug",
        "items": [
            {"name": "阿托伐他汀钙片", "expected_amount": "30000.00", "actual_amount": "12000.33"},
            {"name": "氨氯地平片", "expected_amount": "8000.00", "actual_amount": "8500.00"},
        ],
        "assessment_coef": "0.95",
    },
    parameters=_params("procurement_reward"),
)
PREPAYMENT: Rule[PrepaymentInput, PrepaymentOutput] = Rule(
    id="P086.prepayment_assessment",
    process_id="P086",
    name_zh="预付金核定",
    name_en="Prepayment assessment",
    source_zh="「预付金核定」「新增录入预付金类型、统筹区基金类型、预付金金额」（核定上限为示例：指南未给出）",
    source_ref=f"{SEED} L4833-L4860",
    input_model=PrepaymentInput,
    output_model=PrepaymentOutput,
    fn=prepayment_assessment,
    example={"year": 2026, "monthly_avg_fund_payment": "850000.00", "requested_amount": "800000.00"},
    parameters=_params("prepayment"),
)

RULES: tuple[Rule[Any, Any], ...] = (
    SETTLEMENT_CALENDAR,
    GLOBAL_BUDGET,
    YEAR_END_CLEARING,
    DEPOSIT_CLEARING,
    PROCUREMENT_REWARD,
    PREPAYMENT,
)
