"""The annual settlement cycles: P083 总控 (年初 budget, 年终 clearing), P084 保证金, P085 集采结余奖励, and their forms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from tests.unit.gwt import Scenario, given, staff
from ybj_kernel.domain.documents import available_documents, document_content
from ybj_kernel.domain.process import COMPLETED
from ybj_kernel.domain.rules import run
from ybj_kernel.entrypoints.documents_api import case_view
from ybj_settlement.rules.cycles import RULES

BOOK = {r.id: r for r in RULES}
TODAY = date(2026, 12, 5)
REGISTRAR = staff("reg-x", "registrar")


def rule(rule_id: str, raw: dict[str, Any]) -> dict[str, Any]:
    return run(BOOK[rule_id], raw, TODAY)


def printed(case: Scenario, name: str) -> dict[str, str]:
    assert case.case_id is not None
    view = case_view(case.app, case.case_id, "x-7")
    spec = next(s for s in available_documents(case.process.documents, view) if s.name == name)
    return dict(document_content(spec, view).rows)


def forms(case: Scenario) -> set[str]:
    assert case.case_id is not None
    return {s.name for s in available_documents(case.process.documents, case_view(case.app, case.case_id, "x-7"))}


def test_p083_budget_is_the_rule_on_the_reviewed_parameters_and_quotas_add_up() -> None:
    case = given("P083", at="monthly_quota_adjustment", variant="budget_setup")
    data = case.data()
    assert data["budget_output"] == rule("P083.global_budget", data["budget_input"])
    assert data["budget_input"]["growth_rate"] == "0.05"  # from the reviewed entry, not typed again
    assert data["budget"] == "12555800.00"
    assert sum(Decimal(q) for q in data["monthly_quotas"]) == Decimal(data["budget"])


def test_p083_adjusted_quotas_set_the_budget_and_skipping_keeps_the_generated_one() -> None:
    case = given("P083", at="monthly_quota_adjustment", variant="budget_setup")
    quotas = ["1000000.00"] * 11 + ["1000000.01"]
    case.when(REGISTRAR, "monthly_quota_adjustment", {"monthly_quotas": quotas, "reason": "r"}).then(
        events=["MonthlyQuotaAdjusted"], stage="budget_first_review"
    )
    assert (case.data()["budget"], case.data()["generated_budget"]) == ("12000000.01", "12555800.00")
    skipped = given("P083", at="monthly_quota_adjustment", variant="budget_setup")
    skipped.when(REGISTRAR, "skip").then(events=["MonthlyQuotaAdjustmentSkipped"], stage="budget_first_review")
    assert skipped.data()["budget"] == "12555800.00"
    short = given("P083", at="monthly_quota_adjustment", variant="budget_setup")
    short.when(REGISTRAR, "monthly_quota_adjustment", {"monthly_quotas": quotas[:11], "reason": "r"}).then_refused(
        "INVALID_FIELD"
    )


def test_p083_periods_must_lie_in_the_year() -> None:
    case = given("P083", variant="budget_setup")
    opening = dict(case.process.stage("growth_parameters_entry").example)
    case.when(REGISTRAR, "create", {**opening, "end_period": "202701"}).then_refused("INVALID_FIELD")


def test_p083_year_end_clearing_runs_the_rule_with_the_adjustment_and_pays_the_final_amount() -> None:
    case = given("P083", at="disburse", variant="year_end_clearing")
    data = case.data()
    assert data["accounting_output"] == rule("P083.year_end_clearing", data["accounting_input"])
    assert data["clearing_output"] == rule("P083.year_end_clearing", data["clearing_input"])
    assert (data["outcome"], data["preliminary_amount"], data["final_amount"]) == ("reward", "273200.00", "270000.00")
    fin = staff("fin-1", "finance")
    case.when(fin, "disburse", {"disbursed_amount": "273200.00", "bank_voucher_no": "B"}).then_refused(
        "AMOUNT_MISMATCH", "disbursed_amount"
    )
    statement = printed(case, "global-budget-clearing-statement")
    assert statement["清算结果"] == "结余奖励"
    assert statement["调整原因"] == "年度考核扣减（示例）"


def test_p083_an_overrun_is_shared_and_a_too_large_adjustment_is_refused() -> None:
    case = given("P083", variant="year_end_clearing")
    opening = dict(case.process.stage("accounting_parameters_generation").example)
    case.when(REGISTRAR, "create", {**opening, "budget": "1000.00", "actual_fund_expenditure": "1300.00"}).then(
        events=["AccountingParametersGenerated"], stage="global_budget_accounting"
    )
    case.when(staff("reg-2", "registrar"), "global_budget_accounting").then(
        events=["GlobalBudgetAccounted"], stage="accounting_adjustment"
    )
    assert (case.data()["outcome"], case.data()["preliminary_amount"]) == ("share", "50.00")
    case.when(
        staff("reg-3", "registrar"), "accounting_adjustment", {"adjustment": "-50.01", "adjustment_reason": "r"}
    ).then_refused("ADJUSTMENT_TOO_LARGE", "adjustment")
    case.when(staff("reg-3", "registrar"), "skip").then(
        events=["AccountingAdjustmentSkipped"], stage="adjustment_first_review"
    )
    case.when(staff("fr-1", "first_reviewer"), "approve").then(
        events=["AdjustmentFirstReviewApproved"], stage="adjustment_second_review"
    )
    case.when(staff("sr-1", "second_reviewer"), "approve").then(
        events=["AdjustmentSecondReviewApproved"], stage="clearing"
    )
    case.when(staff("reg-4", "registrar"), "clearing").then(
        events=["ClearingCalculated"], stage="clearing_first_review"
    )
    data = case.data()
    assert (data["final_amount"], data["institution_bears"], data["adjustment"]) == ("50.00", "250.00", "0.00")


def test_p084_deposit_is_the_rule_on_the_ratio_and_scores_and_refund_is_paid() -> None:
    case = given("P084", at="disburse", variant="import")
    data = case.data()
    assert data["violation_points"] == "2.0"
    assert data["accounting_output"] == rule("P084.deposit_clearing", data["accounting_input"])
    assert (data["reserved"], data["deducted"], data["refund"]) == ("60000.03", "5400.00", "54600.03")
    assert Decimal(data["deducted"]) + Decimal(data["refund"]) == Decimal(data["reserved"])
    assert {"deposit-disbursement-slip", "merge-summary"} <= forms(case)
    case.when(
        staff("fin-1", "finance"), "disburse", {"disbursed_amount": "60000.03", "bank_voucher_no": "B"}
    ).then_refused("AMOUNT_MISMATCH", "disbursed_amount")
    case.when(staff("fin-1", "finance"), "disburse", {"disbursed_amount": "54600.03", "bank_voucher_no": "B"}).then(
        events=["Disbursed"], stage="write_back"
    )
    assert printed(case, "merge-summary")["汇总合单号"] == "HD001"


def test_p084_no_slip_before_the_print_stage() -> None:
    case = given("P084", at="clearing_second_review", variant="manual")
    assert forms(case) == set()


def test_p085_each_variant_computes_its_kind_and_prints_its_own_slip() -> None:
    for kind, other in (("drug", "consumable"), ("consumable", "drug")):
        case = given("P085", at=COMPLETED, variant=kind)
        data = case.data()
        assert data["kind"] == kind
        assert data["reward_input"]["kind"] == kind
        assert data["reward_output"] == rule("P085.procurement_surplus_reward", data["reward_input"])
        assert (data["surplus"], data["reward"], data["disbursed_amount"]) == ("17999.67", "8549.84", "8549.84")
        assert f"{kind}-reward-slip" in forms(case)
        assert f"{other}-reward-slip" not in forms(case)
