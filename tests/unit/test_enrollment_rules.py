"""Enrollment's rules give the issue's figures, refuse as documented, and quote their seed sentences verbatim."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ybj_enrollment.rules import RULES, LateFeePolicy, late_fee_rule
from ybj_kernel.domain.calendar import WorkingDayCalendar, YearSchedule
from ybj_kernel.domain.rules import RuleBook, evaluate, refusal, run
from ybj_kernel.errors import InvalidInput, NotFound

TODAY = date(2026, 12, 5)
SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "001_42c4e4a66414dc3e.txt"


def trial(rule_id: str, **raw: Any) -> dict[str, Any]:
    return run(RULES.get(rule_id), raw, TODAY)


def invalid(rule_id: str, **raw: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        trial(rule_id, **raw)
    return caught.value


# ---- late_fee (P011) ---------------------------------------------------------------------------------------------


def test_late_fee_of_the_issue() -> None:
    out = trial("late_fee", arrears_amount="1000.00", arrears_date="2026-03-01", pay_date="2026-04-01")
    assert (out["days"], out["late_fee"]) == (31, "62.00")  # 1,000.00 x 0.002 x 31


@pytest.mark.parametrize(
    ("amount", "days", "fee"),
    [
        ("11.25", 2, "0.05"),  # 0.045: half-up gives 0.05 where banker's rounding would give 0.04
        ("312.50", 1, "0.63"),  # 0.625 -> 0.63 (half-even: 0.62)
        ("312.49", 1, "0.62"),  # 0.62498 -> 0.62
    ],
)
def test_late_fee_rounds_half_up_to_the_fen(amount: str, days: int, fee: str) -> None:
    pay = date(2026, 3, 1 + days).isoformat()
    assert trial("late_fee", arrears_amount=amount, arrears_date="2026-03-01", pay_date=pay)["late_fee"] == fee


def test_paying_on_the_day_of_the_arrears_costs_nothing() -> None:
    out = trial("late_fee", arrears_amount="1000.00", arrears_date="2026-03-01", pay_date="2026-03-01")
    assert (out["days"], out["late_fee"]) == (0, "0.00")


def test_money_is_decimal_and_never_a_float() -> None:
    output = evaluate(
        RULES.get("late_fee"), {"arrears_amount": 1000, "arrears_date": "2026-03-01", "pay_date": "2026-04-01"}, TODAY
    )
    assert output.late_fee == Decimal("62.00")
    assert isinstance(output.late_fee, Decimal)
    assert isinstance(
        trial("late_fee", arrears_amount=1000, arrears_date="2026-03-01", pay_date="2026-04-01")["late_fee"], str
    )


@pytest.mark.parametrize(
    ("raw", "field", "code"),
    [
        (
            {"arrears_amount": "1000.00", "arrears_date": "2026-03-01", "pay_date": "2026-02-28"},
            "pay_date",
            "INVALID_FIELD",
        ),
        (
            {"arrears_amount": "10.005", "arrears_date": "2026-03-01", "pay_date": "2026-04-01"},
            "arrears_amount",
            "INVALID_FIELD",
        ),
        (
            {"arrears_amount": "-1", "arrears_date": "2026-03-01", "pay_date": "2026-04-01"},
            "arrears_amount",
            "INVALID_FIELD",
        ),
        ({"arrears_date": "2026-03-01", "pay_date": "2026-04-01"}, "arrears_amount", "MISSING_FIELD"),
        (
            {"arrears_amount": "1", "arrears_date": "2026-03-01", "pay_date": "2026-04-01", "rate": "0.001"},
            "rate",
            "INVALID_FIELD",
        ),
    ],
)
def test_late_fee_rejects_bad_input_naming_the_field(raw: dict[str, Any], field: str, code: str) -> None:
    error = invalid("late_fee", **raw)
    assert (error.field, error.code) == (field, code)
    assert error.message_zh
    assert error.message_en


def test_another_regions_rate_is_configuration() -> None:
    rule = late_fee_rule(LateFeePolicy(daily_rate=Decimal("0.0005")))  # an example rate, not any region's policy
    out = run(rule, {"arrears_amount": "1000.00", "arrears_date": "2026-03-01", "pay_date": "2026-04-01"}, TODAY)
    assert out["late_fee"] == "15.50"
    assert rule.describe()["parameters"] == {"daily_rate": "0.0005"}


# ---- benefit_restoration (P011) ----------------------------------------------------------------------------------


def test_five_months_interruption_restores_benefits_from_the_month_after_payment() -> None:
    out = trial("benefit_restoration", interrupted_from="2026-01", paid_on="2026-06-15")
    assert out == {"interrupted_months": 5, "eligible": True, "restored_from": "2026-07", "reasons": []}


def test_six_months_interruption_is_not_restored_by_this_rule() -> None:
    out = trial("benefit_restoration", interrupted_from="2026-01", paid_on="2026-07-01")
    assert (out["interrupted_months"], out["eligible"], out["restored_from"]) == (6, False, None)
    assert out["reasons"][0]["code"] == "INTERRUPTION_TOO_LONG"


def test_restoration_across_a_year_end_and_in_the_seeds_yyyymm_form() -> None:
    out = trial("benefit_restoration", interrupted_from="202610", paid_on="2026-12-03")
    assert (out["interrupted_months"], out["restored_from"]) == (2, "2027-01")


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"interrupted_from": "2026-13", "paid_on": "2026-06-15"}, "interrupted_from"),
        ({"interrupted_from": "2026-07", "paid_on": "2026-06-15"}, "paid_on"),
    ],
)
def test_restoration_rejects_bad_months(raw: dict[str, Any], field: str) -> None:
    assert invalid("benefit_restoration", **raw).field == field


# ---- deferral_period (P010) --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "months"), [("2026-03", "2026-04", 2), ("2026-03", "2026-03", 1), ("2026-12", "2027-01", 2)]
)
def test_a_deferral_of_up_to_two_months_is_allowed(start: str, end: str, months: int) -> None:
    assert trial("deferral_period", start_ym=start, end_ym=end) == {
        "allowed": True,
        "reasons": [],
        "months": months,
        "max_months": 2,
    }


def test_a_deferral_of_three_months_is_refused_with_its_figures() -> None:
    output = evaluate(RULES.get("deferral_period"), {"start_ym": "2026-03", "end_ym": "2026-05"}, TODAY)
    assert (output.allowed, output.months) == (False, 3)
    error = refusal(output)  # what a P010 case raises for the same input
    assert error is not None
    assert (error.code, error.field) == ("DEFERRAL_TOO_LONG", "end_ym")
    assert "2个月" in error.message_zh


def test_an_allowed_deferral_is_no_refusal() -> None:
    assert refusal(evaluate(RULES.get("deferral_period"), {"start_ym": "2026-03", "end_ym": "2026-04"}, TODAY)) is None


def test_a_deferral_ending_before_it_starts_is_invalid() -> None:
    assert invalid("deferral_period", start_ym="2026-05", end_ym="2026-03").field == "end_ym"


# ---- transfer_deadlines (P016) -----------------------------------------------------------------------------------


def test_transfer_deadlines_across_national_day_2026() -> None:
    out = trial("transfer_deadlines", accepted_on="2026-09-28")
    # 09-29, 09-30, (国庆 10-01..07), 10-08, 10-09, 10-10 (调休 Saturday) = 5 working days.
    assert out["contact_letter_due"] == "2026-10-10"
    assert out["info_sheet_due"] == "2026-10-23"  # 10 working days after the letter's due date
    assert out["completion_due"] == "2026-10-30"  # 5 working days after the information sheet's


def test_transfer_deadlines_count_from_when_the_papers_actually_arrived() -> None:
    out = trial("transfer_deadlines", accepted_on="2026-09-24", letter_received_on="2026-09-30")
    assert (out["info_sheet_counted_from"], out["info_sheet_due"]) == ("2026-09-30", "2026-10-20")
    out = trial("transfer_deadlines", accepted_on="2026-09-24", info_sheet_received_on="2026-11-02")
    assert (out["completion_counted_from"], out["completion_due"]) == ("2026-11-02", "2026-11-09")


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"accepted_on": "2026-09-24", "letter_received_on": "2026-09-23"}, "letter_received_on"),
        ({"accepted_on": "2026-09-24", "letter_received_on": "2026-12-06"}, "letter_received_on"),  # after today
        ({"accepted_on": "2026-12-15"}, "accepted_on"),  # due dates reach 2027, which the calendar lacks
    ],
)
def test_transfer_deadlines_reject_bad_or_uncountable_dates(raw: dict[str, Any], field: str) -> None:
    assert invalid("transfer_deadlines", **raw).field == field


def test_transfer_deadlines_into_2027_once_an_operator_supplies_the_year() -> None:
    calendar = WorkingDayCalendar([YearSchedule(2027, frozenset({date(2027, 1, 1)}), frozenset(), "illustrative")])
    out = run(RULES.get("transfer_deadlines"), {"accepted_on": "2026-12-28"}, TODAY, calendar)
    assert out["contact_letter_due"] == "2027-01-05"  # 29, 30, 31, (元旦), 01-04, 01-05


# ---- filing_deadline (P001, P002, P005) ----------------------------------------------------------------------------


def test_filing_on_the_thirtieth_day_is_on_time_and_later_is_flagged() -> None:
    on_time = trial("filing_deadline", occurred_on="2026-03-01", filed_on="2026-03-31")
    assert (on_time["due_on"], on_time["late"], on_time["days_late"]) == ("2026-03-31", False, 0)
    late = trial("filing_deadline", occurred_on="2026-03-01", filed_on="2026-04-02")
    assert (late["late"], late["days_late"]) == (True, 2)


def test_filing_without_a_date_is_judged_as_of_today() -> None:
    out = run(RULES.get("filing_deadline"), {"occurred_on": "2026-11-01"}, date(2026, 12, 5))
    assert (out["filed_on"], out["late"], out["days_late"]) == ("2026-12-05", True, 4)
    out = run(RULES.get("filing_deadline"), {"occurred_on": "2026-11-01"}, date(2026, 11, 20))
    assert (out["filed_on"], out["late"]) == ("2026-11-20", False)


def test_a_filing_date_after_today_is_invalid() -> None:
    assert invalid("filing_deadline", occurred_on="2026-11-01", filed_on="2026-12-06").field == "filed_on"


# ---- the book ------------------------------------------------------------------------------------------------------


def test_the_book_holds_the_issues_rules_for_their_processes() -> None:
    assert {r.id: r.process_ids for r in RULES} == {
        "filing_deadline": ("P001", "P002", "P005"),
        "late_fee": ("P011",),
        "benefit_restoration": ("P011",),
        "deferral_period": ("P010",),
        "transfer_deadlines": ("P016",),
        "account_interest": ("P017",),
        "overpayment_plan": ("P018",),
    }
    assert [d["id"] for d in RULES.describe("P002")] == ["filing_deadline"]


def test_every_rule_quotes_its_seed_sentences_verbatim() -> None:
    if not SEED.exists():
        pytest.fail(f"the seed is missing at {SEED}: ../shared must sit beside the repository")
    seed = re.sub(r"\s+", "", SEED.read_text(encoding="utf-8"))
    for rule in RULES:
        quotes = re.findall(r"「(.+?)」", rule.source_zh)
        assert quotes, rule.id
        for quote in quotes:
            assert quote in seed, f"{rule.id}: not verbatim in the seed: {quote}"


def test_every_rule_runs_its_example_and_describes_itself() -> None:
    for rule in RULES:
        assert isinstance(run(rule, rule.example, TODAY), dict)
        described = rule.describe()
        assert set(described["input_schema"]["properties"]) >= set(rule.example)
        assert described["output_schema"]["properties"]


def test_duplicate_ids_are_refused_naming_the_id() -> None:
    with pytest.raises(ValueError, match="'late_fee'"):
        RuleBook([*RULES, late_fee_rule()])


def test_an_unknown_rule_is_not_found() -> None:
    with pytest.raises(NotFound) as caught:
        RULES.get("no_such_rule")
    assert caught.value.code == "RULE_NOT_FOUND"
