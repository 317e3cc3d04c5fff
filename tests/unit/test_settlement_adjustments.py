"""P078 违规扣款, P021 征缴实收对账, P041-P043 基金支出: the rules, the registry, the cases and their amounts."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.unit import test_catalogue_alignment as alignment
from tests.unit.gwt import TODAY, given, staff, walker
from ybj_kernel.domain.process import COMPLETED
from ybj_kernel.domain.rules import RuleBook, run
from ybj_kernel.errors import InvalidInput
from ybj_settlement.areas.adjustments import PROCESSES, RULES
from ybj_settlement.contributions import RECEIVED_FACT, RECEIVED_LATER_FACT
from ybj_settlement.documents.adjustments import differences_xlsx
from ybj_settlement.processes.p021_contribution_collection_reconciliation import platform_rows
from ybj_settlement.processes.p043_ltc_insurance_fund_disbursement import split
from ybj_settlement.registries.deductions import DEDUCTIONS_LOOKUP, deduction_key
from ybj_settlement.rules.adjustments import DEDUCTION
from ybj_settlement.rules.adjustments_reconciliation import RECONCILIATION

BOOK = RuleBook(RULES)
KEY = deduction_key("H52010200001", "202611")


def deduction(vola: str, multiple: str, kind: str) -> dict[str, Any]:
    return run(DEDUCTION, {"vola_amt": vola, "multiple": multiple, "kind": kind}, TODAY)


# --- P078: the rule ---------------------------------------------------------------------------------------------


def test_a_penalty_comes_off_the_declared_amount_and_an_ordinary_deduction_off_the_pool() -> None:
    penalty = deduction("1234.57", "2", "penalty")
    assert (penalty["deduct_amt"], penalty["deduct_fen"], penalty["reduces"]) == ("2469.14", 246914, "declared")
    ordinary = deduction("356.80", "1", "ordinary")
    assert (ordinary["deduct_amt"], ordinary["reduces"], ordinary["allowed"]) == ("356.80", "pool", True)


def test_the_deduction_is_rounded_half_up_to_the_fen() -> None:
    assert deduction("0.05", "1.5", "penalty")["deduct_amt"] == "0.08"  # 0.075 → 0.08
    assert deduction("10.01", "2.5", "penalty")["deduct_amt"] == "25.03"  # 25.025 → 25.03


@pytest.mark.parametrize(
    ("multiple", "kind", "code"),
    [("2", "ordinary", "ORDINARY_MULTIPLE_NOT_ONE"), ("1", "penalty", "PENALTY_MULTIPLE_TOO_LOW")],
)
def test_a_kind_and_multiple_that_disagree_are_refused_with_the_figures(multiple: str, kind: str, code: str) -> None:
    out = deduction("100.00", multiple, kind)
    assert out["allowed"] is False
    assert out["reasons"][0]["code"] == code


def test_every_rule_of_the_area_runs_its_own_example() -> None:
    for rule in BOOK:
        assert run(rule, rule.example, TODAY)


# --- P078: the cases and the registry ---------------------------------------------------------------------------


def test_a_manual_penalty_walks_to_its_institution_month_and_stepping_back_removes_it() -> None:
    s = given("P078", variant="manual_review", at=COMPLETED)
    assert (s.data()["deduct_amt"], s.data()["source"]) == ("2469.14", "manual:黔医保稽〔2026〕18号")
    state = s.app.get_entry("deduction", KEY).state
    assert state == {
        "fixmedins_code": "H52010200001",
        "ym": "202611",
        "items": [
            {"source": "manual:黔医保稽〔2026〕18号", "kind": "penalty", "amount_fen": 246914, "reduces": "declared"}
        ],
        "declared_deduction_fen": 246914,
        "pool_deduction_fen": 0,
    }
    s.when(staff("r2", "second_reviewer"), "step_back", comment="复审有误，回退").then(
        events=["SteppedBack"], stage="second_review"
    )
    assert not s.app.get_entry("deduction", KEY).in_effect


def test_both_variants_add_up_in_one_institution_month_and_a_source_deducts_once() -> None:
    s = given("P078", variant="manual_review", at=COMPLETED)
    app = s.app
    from tests.unit.gwt import Scenario

    Scenario(app, app.definition("P078"), "intelligent_review").walk_to(COMPLETED)
    state = app.get_entry("deduction", KEY).state
    assert (state["declared_deduction_fen"], state["pool_deduction_fen"]) == (246914, 35680)
    assert state["items"][1]["source"] == "supervision:4052010220261201000001"
    again = Scenario(app, app.definition("P078"), "intelligent_review").walk_to("second_review")
    again.when(walker("second_reviewer", 99), "approve").then_refused("DEDUCTION_ALREADY_IN_FORCE", "source")


def test_an_entered_deduction_amount_must_be_what_the_rule_computes() -> None:
    s = given("P078", variant="manual_review")
    data = dict(s.process.stage("manual_deduction_entry").example, deduct_amt="2469.15")
    s.when(staff("r", "registrar"), "create", data).then_refused("DEDUCTION_AMOUNT_MISMATCH", "deduct_amt")
    data = dict(data, deduct_amt=None, kind="ordinary")
    s.when(staff("r", "registrar"), "create", data).then_refused("ORDINARY_MULTIPLE_NOT_ONE", "multiple")


def test_the_monthly_settlement_lookup_reads_the_institution_month() -> None:
    assert DEDUCTIONS_LOOKUP.key({"fixmedins_code": "h52010200001", "setl_ym": "202611"}) == KEY
    assert DEDUCTIONS_LOOKUP.key({"fixmedins_code": "H52010200001"}) is None


# --- P021 -------------------------------------------------------------------------------------------------------


def test_the_matching_rule_lists_each_difference_and_they_account_for_the_gap() -> None:
    row = {"certno": "520102199003070022", "insutype": "310"}
    other = {"certno": "52011519850312002X", "psn_no": "P1"}
    out = run(
        RECONCILIATION,
        {
            "collection_ym": "202611",
            "tax_rows": [
                {**row, "belong_ym": "202611", "emp_amt": "500.00", "psn_amt": "125.00"},
                {**row, "belong_ym": "202610", "psn_amt": "0.01"},  # only the tax bureau has it
                {"psn_no": "P1", "insutype": "330", "belong_ym": "202611", "psn_amt": "3.00"},
                {"psn_no": "P1", "insutype": "330", "belong_ym": "202611", "emp_amt": "4.00"},  # added up
                {
                    "psn_no": "P9",
                    "insutype": "330",
                    "belong_ym": "202611",
                    "psn_amt": "1.00",
                },  # nobody the platform knows
            ],
            "platform_rows": [
                {**row, "psn_no": "P2", "belong_ym": "202611", "emp_no": "E1", "paid_amt": "620.00"},
                {**other, "insutype": "330", "belong_ym": "202611", "paid_amt": "7.00"},  # 单位 + 个人 = 实缴
                {**other, "insutype": "310", "belong_ym": "202611", "emp_no": "E1", "paid_amt": "9.99"},
            ],
        },
        TODAY,
    )
    kinds = [(d["kind"], d["certno"], d["psn_no"], d["belong_ym"], d["diff_amt"]) for d in out["differences"]]
    assert sorted(kinds) == sorted(
        [
            ("missing_in_tax", "52011519850312002X", "P1", "202611", "-9.99"),
            ("missing_on_platform", "520102199003070022", "P2", "202610", "0.01"),
            ("amount_differs", "520102199003070022", "P2", "202611", "5.00"),
            ("missing_on_platform", "人员编号:P9", "P9", "202611", "1.00"),
        ]
    )
    differs = next(d for d in out["differences"] if d["kind"] == "amount_differs")
    assert (differs["tax_emp_amt"], differs["tax_psn_amt"], differs["tax_amt"]) == ("500.00", "125.00", "625.00")
    assert (differs["platform_amt"], differs["platform_emp_nos"]) == ("620.00", ["E1"])
    assert (out["tax"]["total_amt"], out["platform"]["total_amt"], out["diff_total_amt"]) == (
        "633.01",
        "636.99",
        "-3.98",
    )
    assert (out["tax"]["emp_amt"], out["tax"]["psn_amt"]) == ("504.00", "129.01")
    assert (out["tax"]["current_month_amt"], out["tax"]["other_month_amt"]) == ("633.00", "0.01")
    assert (out["reconciles"], out["balanced"]) == (True, False)


def test_the_platform_side_is_what_enrollment_recorded_paid_within_the_arrival_period() -> None:
    s = given("P021", at="export_and_compare")
    s.when(walker("registrar", 9), "export_and_compare", {"platform_rows": [{"certno": "X"}]}).then(
        events=["DiscrepancyAnalysed"], stage="resolve_discrepancy"
    )
    data = s.data()
    # 陈静's 202610 contribution, paid by her unit on the tests' day (P011's example), read from settlement's view;
    # what the user sent as platform rows is not an input of this step.
    assert [(r["certno"], r["belong_ym"], r["paid_fen"]) for r in data[RECEIVED_FACT]] == [
        ("520102199003070022", "202610", 52000)
    ]
    assert data[RECEIVED_LATER_FACT] is None  # the arrival period is one month
    assert (data["platform_total_amt"], data["diff_total_amt"], data["difference_count"]) == ("520.00", "85.00", 2)
    assert "platform_rows" not in data


def test_a_record_paid_outside_the_arrival_period_or_under_another_insutype_is_not_matched() -> None:
    s = given("P021", at="export_and_compare")
    month = s.app.look("contributions_by_month", "202612")
    assert month is not None
    looked_up = {RECEIVED_FACT: list(month["rows"].values())}
    current = s.data()
    assert [r["paid_amt"] for r in platform_rows(current, looked_up)] == ["520.00"]
    assert platform_rows({**current, "arrival_begin": "2026-12-06"}, looked_up) == []  # 陈静 paid on the 5th
    assert platform_rows({**current, "insutypes": ["510"]}, looked_up) == []


def test_a_reconciliation_with_differences_walks_to_the_allocation_table_and_exports_them() -> None:
    s = given("P021", at=COMPLETED)
    data = s.data()
    assert (data["tax_total_amt"], data["totals_match"], data["difference_count"]) == ("605.00", False, 2)
    assert [d["kind"] for d in data["reconciliation"]["differences"]] == ["amount_differs", "missing_on_platform"]
    sheet = load_workbook(io.BytesIO(differences_xlsx(data))).worksheets[0]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert "误差类型" in values[0]
    header = [str(v) for v in values[0]]
    by_kind = {row[0]: dict(zip(header, row, strict=True)) for row in values[2:]}
    assert by_kind["金额不一致"]["误差数额（税务−平台）"] == "5.00"
    assert by_kind["金额不一致"]["平台缴费单位"] == "52010213594430"
    assert by_kind["平台无缴费记录"]["误差数额（税务−平台）"] == "80.00"


def test_differences_must_be_explained_before_the_allocation_table() -> None:
    s = given("P021", at="resolve_discrepancy")
    s.when(walker("finance", 9), "skip").then(events=["ResolveDiscrepancySkipped"], stage="fill_allocation_table")
    example = dict(s.process.stage("fill_allocation_table").example)
    s.when(walker("registrar", 10), "fill_allocation_table", example).then_refused("DISCREPANCY_NOT_RESOLVED")


def test_a_gap_not_compared_with_the_records_is_refused_at_the_allocation_table() -> None:
    s = given("P021", at="export_and_compare")
    s.when(walker("registrar", 9), "skip").then(events=["ExportAndCompareSkipped"], stage="resolve_discrepancy")
    s.when(walker("finance", 10), "skip").then(events=["ResolveDiscrepancySkipped"], stage="fill_allocation_table")
    example = dict(s.process.stage("fill_allocation_table").example)
    s.when(walker("registrar", 11), "fill_allocation_table", example).then_refused("DISCREPANCY_NOT_ANALYSED")


def test_an_arrival_period_over_more_than_two_months_is_refused() -> None:
    s = given("P021")
    data = dict(s.process.stage("receive_tax_details").example, arrival_begin="2026-10-31")
    s.when(staff("t", "tax_bureau"), "create", data).then_refused("ARRIVAL_PERIOD_TOO_LONG", "arrival_end")


def test_a_tax_row_outside_the_chosen_insutypes_is_refused_naming_the_row() -> None:
    s = given("P021")
    data = dict(s.process.stage("receive_tax_details").example, insutypes=["330"])
    s.when(staff("t", "tax_bureau"), "create", data).then_refused("INSUTYPE_NOT_SELECTED", "tax_rows.0.insutype")


# --- P041, P042, P043 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["institution_claims", "personal_claims"])
def test_medical_assistance_pays_exactly_the_summary(variant: str) -> None:
    s = given("P041", variant=variant, at="recheck")
    s.when(walker("finance", 5), "recheck", {"line_count": 2, "total_amt": "14346.01"}).then_refused("RECHECK_MISMATCH")
    assert given("P041", variant=variant, at=COMPLETED).data()["total_amt"] == "14346.00"


def test_a_summary_whose_lines_do_not_add_up_is_refused() -> None:
    s = given("P041")
    data = dict(s.process.stage("receive_summary").example, total_amt="14346.01")
    s.when(staff("f", "finance"), "create", data).then_refused("LINES_DO_NOT_ADD_UP", "total_amt")


@pytest.mark.parametrize("variant", ["platform", "online_banking"])
def test_resident_fund_disbursement_walks_each_payment_chain(variant: str) -> None:
    data = given("P042", variant=variant, at=COMPLETED).data()
    assert (data["approved_total"], data["deducted_total"], data["payment_status"]) == ("187654.32", "2345.68", "paid")


def test_the_handover_needs_the_same_count_amount_and_batch_number() -> None:
    s = given("P042", variant="platform", at="disbursement_handover")
    step = {"line_count": 2, "total_amt": "187654.32", "setl_batch_no": "JS2026110002"}
    s.when(walker("finance", 9), "disbursement_handover", step).then_refused("BATCH_NO_MISMATCH", "setl_batch_no")
    step = {**step, "setl_batch_no": "JS2026110001", "line_count": 3}
    s.when(walker("finance", 9), "disbursement_handover", step).then_refused("COUNT_OR_AMOUNT_MISMATCH", "line_count")


def test_a_failed_bank_return_line_is_paid_less_to_the_fen() -> None:
    s = given("P042", variant="platform", at="bank_return")
    s.when(walker("bank", 20), "bank_return", {"failed_codes": ["H52010200002"]}).then(
        events=["BankReturnProcessed"], stage="payment_completed"
    )
    assert (s.data()["paid_total"], s.data()["failed_total"]) == ("147654.32", "40000.00")


def test_the_three_rechecks_are_three_people() -> None:
    s = given("P042", variant="online_banking", at="recheck_level_2_netbank")
    assert s.case_id is not None
    first = s.app.get_case(s.case_id).stage_layers[-1]["actor"]["user_id"]
    s.when(staff(first, "finance_reviewer_2"), "approve").then_refused("SEPARATION_OF_DUTIES")


def test_ltc_installments_add_up_and_the_clearing_is_the_next_year() -> None:
    assert split(100_000_000, 3) == [33_333_333, 33_333_333, 33_333_334]
    s = given("P043", at="annual_clearing")
    assert s.data()["installments"] == ["333333.33", "333333.33", "333333.34"]
    s.when(walker("finance", 9), "annual_clearing", {"cleared_on": "2025-12-31"}).then_refused(
        "CLEARING_NOT_NEXT_YEAR", "cleared_on"
    )
    s.when(walker("finance", 9), "annual_clearing", {"cleared_on": "2026-03-31"}).then(
        events=["AnnualClearingCompleted"], stage=COMPLETED
    )
    assert (s.data()["clearing_balance"], s.data()["clearing_direction"]) == ("37654.33", "insurer_returns")


# --- every variant and batch flag, as the catalogue alignment will check once settlement is fully modelled ----


@pytest.mark.parametrize("definition", PROCESSES, ids=lambda d: d.id)
def test_fully_aligned_with_the_catalogue(definition: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alignment, "FULLY_MODELLED", {*alignment.FULLY_MODELLED, "settlement"})
    catalogue = {p["id"]: p for p in __import__("yaml").safe_load(alignment.CATALOGUE.read_text("utf-8"))["processes"]}
    alignment.test_definition_matches_catalogue(definition, catalogue)


def test_invalid_input_is_bilingual() -> None:
    with pytest.raises(InvalidInput) as err:
        run(DEDUCTION, {"vola_amt": "-1", "multiple": "1", "kind": "ordinary"}, TODAY)
    assert err.value.field == "vola_amt"
