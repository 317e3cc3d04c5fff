"""The settlement cycles: P079/P080 monthly calendar, P082 quarterly deadline, P086 prepayment, the cycle rules and policy."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tests.unit.gwt import Scenario, given, staff
from ybj_kernel.domain.rules import run
from ybj_kernel.errors import InvalidInput
from ybj_settlement.policy.cycles import POLICY, PolicyFileError, load_policy, parse_policy
from ybj_settlement.rules.cycles import RULES, split_months

BOOK = {r.id: r for r in RULES}
TODAY = date(2026, 12, 5)


def trial(rule_id: str, **changes: Any) -> dict[str, Any]:
    return run(BOOK[rule_id], {**BOOK[rule_id].example, **changes}, TODAY)


def due_of(case: Scenario) -> str | None:
    assert case.case_id is not None
    return case.app.get_case(case.case_id).due_on


def declaration(setl_ym: str) -> dict[str, Any]:
    return {
        "fixmedins_code": "H52010000001",
        "fixmedins_name": "贵阳市第一人民医院",
        "admdvs": "520102",
        "setl_ym": setl_ym,
        "setl_cnt": 3,
        "declared_amount": "1000.00",
    }


@pytest.mark.parametrize("pid", ["P079", "P080"])
def test_declaring_in_the_window_runs_the_calendar_and_receive_is_due_on_the_rolled_fifth(pid: str) -> None:
    case = given(pid, today=date(2026, 10, 8))  # 国庆: the 5th is a holiday, the window rolls to the 8th
    case.when(staff("H52010000001", "institution"), "create", declaration("202609")).then(
        events=["SettlementDeclared"], stage="receive"
    )
    data = case.data()
    assert data["decl_date"] == "2026-10-08"
    assert data["calendar"] == run(BOOK["P079.settlement_calendar"], data["calendar_input"], TODAY)
    assert data["calendar"]["on_time"] is True
    assert data["calendar"]["declaration_closes"] == "2026-10-08"
    assert data["calendar"]["slips_due"] == "2026-10-25"
    assert due_of(case) == "2026-10-08"


def test_a_late_declaration_is_kept_and_flagged_and_the_reviews_were_due_by_the_25th() -> None:
    case = given("P079", at="first_review")  # declared 2026-12-05 for 202609: late
    assert case.data()["calendar"]["on_time"] is False
    assert case.data()["period_opens"] == "2026-10-01"
    assert due_of(case) == "2026-10-25"  # already overdue: the case shows it


def test_the_declaration_date_is_today_only() -> None:
    case = given("P079", today=date(2026, 10, 8))
    case.when(
        staff("H52010000001", "institution"), "create", {**declaration("202609"), "decl_date": "2026-10-01"}
    ).then_refused("INVALID_FIELD")


def test_p080_pays_exactly_the_payable_amount() -> None:
    case = given("P080", at="disburse")
    assert case.data()["payable_amount"] == "99900.25"
    case.when(
        staff("fin-1", "finance"), "disburse", {"disbursed_amount": "99900.24", "bank_voucher_no": "B"}
    ).then_refused("AMOUNT_MISMATCH", "disbursed_amount")


def test_calendar_rule_review_opens_after_the_window() -> None:
    out = trial("P079.settlement_calendar", setl_ym="202607", decl_date="2026-08-04")
    assert out["declaration_opens"] == "2026-08-01"
    assert out["review_opens"] > out["declaration_closes"] >= "2026-08-05"
    assert out["on_time"] is True


def test_p082_reviews_are_due_on_the_15th_and_totals_add_up() -> None:
    case = given("P082", at="first_review", today=date(2026, 10, 9))
    data = case.data()
    assert (data["payable_total"], data["receivable_total"], data["net_amount"]) == ("12000.10", "8000.05", "-4000.05")
    assert due_of(case) == "2026-10-15"


def test_p086_assessment_keeps_the_rule_input_and_refund_must_be_full() -> None:
    case = given("P086", at="refund")
    data = case.data()
    assert data["assessment"] == run(BOOK["P086.prepayment_assessment"], data["assessment_input"], TODAY)
    assert data["approved_amount"] == "800000.00"
    inst = staff("H52010000001", "institution")
    case.when(inst, "refund", {"refund_amount": "799999.99", "refund_voucher_no": "R"}).then_refused(
        "REFUND_NOT_FULL", "refund_amount"
    )
    case.when(inst, "refund", {"refund_amount": "800000.00", "refund_voucher_no": "R"}).then(
        events=["PrepaymentRefunded"], stage="completed"
    )


def test_prepayment_is_capped_by_the_example_months() -> None:
    assert trial("P086.prepayment_assessment", requested_amount="900000.00")["approved_amount"] == "850000.00"


def test_budget_quotas_add_up_to_the_fen() -> None:
    out = trial("P083.global_budget")
    assert sum(Decimal(q) for q in out["monthly_quotas"]) == Decimal(out["budget"])
    assert Decimal(out["budget"]) == Decimal(out["ordinary_part"]) + Decimal(out["high_cost_part"])
    assert sum(split_months(Decimal("100.00"))) == Decimal("100.00")


def test_year_end_reward_is_capped_and_overrun_shared() -> None:
    reward = trial("P083.year_end_clearing", budget="1000.00", actual_fund_expenditure="500.00")
    assert (reward["outcome"], reward["preliminary_amount"]) == ("reward", "100.00")  # min(250, 10% of 1000): example
    share = trial("P083.year_end_clearing", budget="1000.00", actual_fund_expenditure="1300.00", adjustment="-10.00")
    assert share["outcome"] == "share"
    assert share["preliminary_amount"] == "50.00"  # 50% of the first 100 (10% of the budget): example
    assert Decimal(share["preliminary_amount"]) + Decimal(share["institution_bears"]) == Decimal(share["overrun"])
    assert share["final_amount"] == "40.00"
    with pytest.raises(InvalidInput) as err:
        trial("P083.year_end_clearing", adjustment="-999999.00")
    assert err.value.code == "ADJUSTMENT_TOO_LARGE"


def test_deposit_reserved_splits_into_deducted_and_refund() -> None:
    out = trial("P084.deposit_clearing")
    assert Decimal(out["deducted"]) + Decimal(out["refund"]) == Decimal(out["reserved"]) == Decimal("60000.03")
    assert trial("P084.deposit_clearing", annual_score="0")["refund"] == "0.00"


def test_procurement_overruns_do_not_offset_surplus() -> None:
    out = trial("P085.procurement_surplus_reward")
    assert out["surplus"] == "17999.67"
    assert out["reward"] == "8549.84"  # 17999.67 × 0.50 × 0.95 = 8549.84325, half up


def test_no_policy_for_an_uncovered_year() -> None:
    with pytest.raises(InvalidInput) as err:
        trial("P084.deposit_clearing", year=2020)
    assert (err.value.code, err.value.field) == ("NO_POLICY", "year")


def test_policy_file_is_labelled_example_and_overlaps_are_refused() -> None:
    assert POLICY.example is True
    assert "示例" in POLICY.note_zh
    assert load_policy().deposit == POLICY.deposit
    text = """
example: true
note_zh: 示例
note_en: example
global_budget: [{begndate: "2026-01-01", enddate: null, reward_ratio: "0.5", reward_cap_rate: "0.1", share_ratio: "0.5", share_cap_rate: "0.1"}]
deposit:
  - {begndate: "2026-01-01", enddate: null, pass_score: "90", deduction_per_point: "0.02", deduction_per_violation_point: "0.01"}
  - {begndate: "2026-06-01", enddate: null, pass_score: "90", deduction_per_point: "0.02", deduction_per_violation_point: "0.01"}
procurement_reward: [{kind: drug, begndate: "2026-01-01", enddate: null, reward_ratio: "0.5"}]
prepayment: [{begndate: "2026-01-01", enddate: null, months: 1}]
"""
    with pytest.raises(PolicyFileError, match="deposit versions 1 and 2: periods overlap"):
        parse_policy(text, "t.yaml")
    with pytest.raises(PolicyFileError, match="float"):
        parse_policy(text.replace('reward_ratio: "0.5", reward_cap', "reward_ratio: 0.5, reward_cap"), "t.yaml")
