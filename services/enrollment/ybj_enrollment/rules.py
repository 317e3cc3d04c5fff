"""Enrollment's rules with numbers (DOMAIN R01-R10), as pure functions staff can try (试算) and processes run.

Every number below is the seed's; each sits in a policy dataclass so that another 统筹区 (「其余统筹区按各自政策
规定执行」) or a later national rule (「国家单独作出特殊规定的，按规定执行」) can be configured as data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from ybj_enrollment.rule_models import (
    DeferralInput,
    DeferralOutput,
    FilingInput,
    FilingOutput,
    InterestInput,
    InterestOutput,
    LateFeeInput,
    LateFeeOutput,
    OverpaymentInput,
    OverpaymentOutput,
    RestorationInput,
    RestorationOutput,
    TransferInput,
    TransferOutput,
    month_number,
    year_month,
)
from ybj_kernel.domain.deadlines import CalendarDays, Deadline, WorkingDays, describe, due_on
from ybj_kernel.domain.rules import Reason, Rule, RuleBook, RuleContext
from ybj_kernel.errors import InvalidInput

FEN = Decimal("0.01")
SEED = "seeds/001_42c4e4a66414dc3e.txt"


def _on_field(error: InvalidInput, field: str) -> InvalidInput:
    """Name the input field behind a calendar error raised deep inside a computation."""
    return replace(error, field=error.field or field)


def _due(start: date, deadline: Deadline, ctx: RuleContext, field: str) -> date:
    try:
        return due_on(start, deadline, ctx.calendar)
    except InvalidInput as exc:
        raise _on_field(exc, field) from None


# ---- R01-R03 登记时限: P001, P002, P005 -------------------------------------------------------------------------


@dataclass(frozen=True)
class FilingPolicy:
    """How long an employer has to file (seed: 30日内); a late filing is accepted and flagged, not refused."""

    deadline: CalendarDays = CalendarDays(30)  # noqa: RUF009 - frozen, so one shared default is safe


def filing_deadline_rule(policy: FilingPolicy = FilingPolicy()) -> Rule[FilingInput, FilingOutput]:
    """R01-R03: the registration is due N calendar days after founding, hiring, or the change."""

    def fn(inp: FilingInput, ctx: RuleContext) -> FilingOutput:
        due = due_on(inp.occurred_on, policy.deadline, ctx.calendar)
        filed = inp.filed_on or ctx.today
        days_late = max(0, (filed - due).days)
        return FilingOutput(due_on=due, filed_on=filed, late=days_late > 0, days_late=days_late)

    return Rule(
        id="filing_deadline",
        process_id="P001",
        also_applies_to=("P002", "P005"),
        name_zh="参保登记时限（30日内）",
        name_en="registration deadline (within 30 days)",
        source_zh="P001「新成立的用人单位应当从成立之日起30日内，到县级以上医疗保险经办机构办理基本医疗保险登记手续。」"
        "P002「单位新录用人员，应在单位成立、人员录用之日起30日内，到各级医疗保险经办机构办理医疗保险登记和缴费申报手续。」"
        "P005「用人单位医疗保险登记事项在发生变更或用人单位依法终止的，应当自变更或终止之日起30日内，"
        "到县级以上医保经办机构办理变更、注销社会保险登记手续。」",
        source_ref=f"{SEED} L5-9, L53-55, L277-281",
        input_model=FilingInput,
        output_model=FilingOutput,
        fn=fn,
        example={"occurred_on": "2026-03-01", "filed_on": "2026-04-02"},
        parameters={"deadline": describe(policy.deadline)},
    )


# ---- R06 滞纳金: P011 --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LateFeePolicy:
    """The late fee's daily rate: 千分之二 per the seed, which states it for 省本级."""

    daily_rate: Decimal = Decimal("0.002")


def late_fee_rule(policy: LateFeePolicy = LateFeePolicy()) -> Rule[LateFeeInput, LateFeeOutput]:
    """R06: arrears × daily rate × days, simple interest, rounded half-up to the fen."""

    def fn(inp: LateFeeInput, _: RuleContext) -> LateFeeOutput:
        days = (inp.pay_date - inp.arrears_date).days
        fee = (inp.arrears_amount * policy.daily_rate * days).quantize(FEN, rounding=ROUND_HALF_UP)
        return LateFeeOutput(days=days, daily_rate=policy.daily_rate, late_fee=fee)

    return Rule(
        id="late_fee",
        process_id="P011",
        name_zh="欠费滞纳金（按日千分之二）",
        name_en="late fee on arrears (0.2% a day)",
        source_zh="「用人单位未按规定缴纳和代扣代缴医疗保险费的，除补缴欠缴数额外，从欠缴之日起，按日加收千分之二的滞纳金。"
        "滞纳金并入医疗保险统筹基金。」",
        source_ref=f"{SEED} L573-577",
        input_model=LateFeeInput,
        output_model=LateFeeOutput,
        fn=fn,
        example={"arrears_amount": "1000.00", "arrears_date": "2026-03-01", "pay_date": "2026-04-01"},
        parameters={"daily_rate": str(policy.daily_rate)},
    )


# ---- R05 + R07 恢复待遇: P011 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestorationPolicy:
    """Back payment restores benefits when the interruption is under this many months (seed: 不足6个月, 省本级)."""

    months_under: int = 6


def benefit_restoration_rule(
    policy: RestorationPolicy = RestorationPolicy(),
) -> Rule[RestorationInput, RestorationOutput]:
    """R05/R07: under N months' interruption, benefits resume the month after the arrears are paid in full."""

    def fn(inp: RestorationInput, _: RuleContext) -> RestorationOutput:
        paid_month = inp.paid_on.year * 12 + inp.paid_on.month - 1
        months = paid_month - month_number(inp.interrupted_from)
        if months < policy.months_under:
            return RestorationOutput(interrupted_months=months, eligible=True, restored_from=year_month(paid_month + 1))
        reason = Reason(
            code="INTERRUPTION_TOO_LONG",
            message_zh=f"中断缴费{months}个月，不足{policy.months_under}个月方可补缴后恢复待遇；其余情形指南未作规定，按政策另行处理",
            message_en=f"contributions were interrupted for {months} months; back payment restores benefits only "
            f"under {policy.months_under} months, and the guide does not say what happens otherwise",
            field="interrupted_from",
        )
        return RestorationOutput(interrupted_months=months, eligible=False, restored_from=None, reasons=[reason])

    return Rule(
        id="benefit_restoration",
        process_id="P011",
        name_zh="补缴后恢复待遇（省本级，中断不足6个月）",
        name_en="benefits restored after back payment (provincial level, interruption under 6 months)",
        source_zh="「省本级中断缴费不足6个月的用人单位，按实际中断缴费月份补足应缴的基本医疗保险费、利息和滞纳金，"
        "其职工和退休人员自补足所欠基本医疗保险费的次月起恢复基本医疗保险待遇。」",
        source_ref=f"{SEED} L567-571",
        input_model=RestorationInput,
        output_model=RestorationOutput,
        fn=fn,
        example={"interrupted_from": "2026-01", "paid_on": "2026-06-15"},
        parameters={"months_under": policy.months_under},
    )


# ---- R04 缓缴期限: P010 ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeferralPolicy:
    """The longest deferral in months, both ends counted (seed: 不得超过2个月)."""

    max_months: int = 2


def deferral_period_rule(policy: DeferralPolicy = DeferralPolicy()) -> Rule[DeferralInput, DeferralOutput]:
    """R04: the deferral may last at most N months, 开始年月 and 结束年月 both counted."""

    def fn(inp: DeferralInput, _: RuleContext) -> DeferralOutput:
        months = month_number(inp.end_ym) - month_number(inp.start_ym) + 1
        if months <= policy.max_months:
            return DeferralOutput(allowed=True, months=months, max_months=policy.max_months)
        reason = Reason(
            code="DEFERRAL_TOO_LONG",
            message_zh=f"缓缴期限{months}个月，不得超过{policy.max_months}个月",
            message_en=f"a deferral of {months} months exceeds the maximum of {policy.max_months}",
            field="end_ym",
        )
        return DeferralOutput(allowed=False, reasons=[reason], months=months, max_months=policy.max_months)

    return Rule(
        id="deferral_period",
        process_id="P010",
        name_zh="缓缴期限（不超过2个月）",
        name_en="contribution deferral period (at most 2 months)",
        source_zh="「对因特殊原因导致单位暂时经济困难无力缴纳基本医疗保险费的用人单位，可以向医保经办机构提出书面申请，"
        "经中心领导、局领导审查批准后方可缓缴。缴缴期限不得超过2个月，缓缴期内应及时补足缓缴期间应缴纳的基本医疗保险费及利息。」",
        source_ref=f"{SEED} L534-542",
        input_model=DeferralInput,
        output_model=DeferralOutput,
        fn=fn,
        example={"start_ym": "2026-03", "end_ym": "2026-04"},
        parameters={"max_months": policy.max_months},
    )


# ---- R08-R10 关系转移接续时限: P016 -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TransferPolicy:
    """The three legs of a transfer (seed: 5, 10 and 5 working days)."""

    # Frozen dataclasses, so one shared default is safe.
    contact_letter: WorkingDays = WorkingDays(5)  # noqa: RUF009
    info_sheet: WorkingDays = WorkingDays(10)  # noqa: RUF009
    completion: WorkingDays = WorkingDays(5)  # noqa: RUF009


def transfer_deadlines_rule(policy: TransferPolicy = TransferPolicy()) -> Rule[TransferInput, TransferOutput]:
    """R08-R10: each leg's due date, counted from when the previous leg's paper arrived (or was due)."""

    def fn(inp: TransferInput, ctx: RuleContext) -> TransferOutput:
        letter_due = _due(inp.accepted_on, policy.contact_letter, ctx, "accepted_on")
        sheet_from = inp.letter_received_on or letter_due
        sheet_due = _due(
            sheet_from, policy.info_sheet, ctx, "letter_received_on" if inp.letter_received_on else "accepted_on"
        )
        done_from = inp.info_sheet_received_on or sheet_due
        done_due = _due(
            done_from, policy.completion, ctx, "info_sheet_received_on" if inp.info_sheet_received_on else "accepted_on"
        )
        return TransferOutput(
            contact_letter_due=letter_due,
            info_sheet_counted_from=sheet_from,
            info_sheet_due=sheet_due,
            completion_counted_from=done_from,
            completion_due=done_due,
        )

    return Rule(
        id="transfer_deadlines",
        process_id="P016",
        name_zh="关系转移接续时限（5/10/5个工作日）",
        name_en="transfer deadlines (5/10/5 working days)",
        source_zh="「转入地经办机构应在受理后5个工作日内生成并发出《联系函》。」"
        "「转出地经办机构收到《联系函》后10个工作日内生成、发出《信息表》并划转或一次性清退个人账户资金。」"
        "「转入地经办机构收到《信息表》和转移资金后应在5个工作日内办结。」",
        source_ref=f"{SEED} L726-735",
        input_model=TransferInput,
        output_model=TransferOutput,
        fn=fn,
        example={"accepted_on": "2026-09-28"},
        parameters={
            "contact_letter": describe(policy.contact_letter),
            "info_sheet": describe(policy.info_sheet),
            "completion": describe(policy.completion),
        },
    )


# ---- 结息 (P017) and 多划账扣款/追缴 (R20, P018) ------------------------------------------------------------------


@dataclass(frozen=True)
class InterestPolicy:
    """结息: EXAMPLE VALUES. The seeds give no interest rate (DOMAIN §3.3); each 统筹区 configures its own."""

    annual_rate: Decimal = Decimal("0.0035")  # example only: not a rate stated anywhere in the seeds
    day_basis: int = 360  # example only: days a year for a daily rate (日利率 = 年利率 / 360)


EXAMPLE_INTEREST = InterestPolicy()


def account_interest(principal: Decimal, days: int, policy: InterestPolicy = EXAMPLE_INTEREST) -> Decimal:
    """Simple interest on the account for `days`, rounded half-up to the fen."""
    return (principal * policy.annual_rate * days / policy.day_basis).quantize(FEN, rounding=ROUND_HALF_UP)


def account_interest_rule(policy: InterestPolicy = EXAMPLE_INTEREST) -> Rule[InterestInput, InterestOutput]:
    """P017 结息: principal × annual rate × days / day basis, from 起息日 (counted) to 结息日 (not counted)."""

    def fn(inp: InterestInput, _: RuleContext) -> InterestOutput:
        days = (inp.end_on - inp.begin_on).days
        return InterestOutput(
            days=days,
            annual_rate=policy.annual_rate,
            day_basis=policy.day_basis,
            interest=account_interest(inp.principal, days, policy),
        )

    return Rule(
        id="account_interest",
        process_id="P017",
        name_zh="个人账户一次性清退结息（利率为示例配置）",
        name_en="interest on a personal account paid out in one sum (the rate is example configuration)",
        source_zh="「通过“结息”功能，复审岗审核后，冻结个人账户，进行结息。」「系统结息后，可在支取信息中增加利息金额数据。」",
        source_ref=f"{SEED} L769-773",
        input_model=InterestInput,
        output_model=InterestOutput,
        fn=fn,
        example={"principal": "1000.00", "begin_on": "2026-01-01", "end_on": "2026-12-05"},
        parameters={
            "annual_rate": str(policy.annual_rate),
            "day_basis": policy.day_basis,
            "example": True,
            "note_zh": "示例数据：指南未给出结息利率及计息方式，由各统筹区按规定配置",
        },
    )


def overpayment_plan(balc: Decimal, ovpay_amt: Decimal) -> OverpaymentOutput:
    """R20: a balance that covers the overpayment is deducted (the rest refunded), a short one frozen and recovered."""
    if balc >= ovpay_amt:
        return OverpaymentOutput(
            plan="deduction", freeze=True, dedc_amt=ovpay_amt, rfnd_amt=balc - ovpay_amt, shortfall_amt=Decimal("0.00")
        )
    return OverpaymentOutput(
        plan="recovery", freeze=True, dedc_amt=Decimal("0.00"), rfnd_amt=Decimal("0.00"), shortfall_amt=ovpay_amt - balc
    )


def overpayment_plan_rule() -> Rule[OverpaymentInput, OverpaymentOutput]:
    """R20 (P018): which flow handles an overpaid account, and its figures."""
    return Rule(
        id="overpayment_plan",
        process_id="P018",
        name_zh="个人账户多划拨款项处理（扣款或追缴）",
        name_en="money allocated to a personal account in excess: deduct it or recover it",
        source_zh="「个人账户余额能冲抵多划拨款项的，直接从个人账户进行扣款，对扣款的余额办理清退手续（操作指南见29）；"
        "对个人账户余额不足以冲抵多划拨款项的，工作人员冻结个人账户。」",
        source_ref=f"{SEED} L783-789",
        input_model=OverpaymentInput,
        output_model=OverpaymentOutput,
        fn=lambda inp, _: overpayment_plan(inp.balc, inp.ovpay_amt),
        example={"balc": "1000.00", "ovpay_amt": "200.00"},
    )


RULES = RuleBook(
    [
        filing_deadline_rule(),
        late_fee_rule(),
        benefit_restoration_rule(),
        deferral_period_rule(),
        transfer_deadlines_rule(),
        account_interest_rule(),
        overpayment_plan_rule(),
    ]
)
