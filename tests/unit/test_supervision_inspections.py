"""P073-P076 (F8 inspections): a reproducible sample by count and by ratio, findings only for sampled records,
the sample as a workbook; P077 through its stages to the 结案报告."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from tests.unit.gwt import given, staff
from ybj_kernel.domain.process import COMPLETED
from ybj_supervision.documents.f8_workbook import sample_xlsx
from ybj_supervision.processes.p073_routine_inspection import P073
from ybj_supervision.processes.p076_year_end_inspection import P076

AUDITOR = staff("a1", "auditor")


def query(**over: Any) -> dict[str, Any]:
    return {**P073.opening().example, **over}


def many(n: int) -> list[dict[str, Any]]:
    base = P073.opening().example["records"][0]
    return [{**base, "setl_id": f"R{i:03d}", "setl_time": f"2026-11-{1 + i % 28:02d}T10:00:00"} for i in range(n)]


def opened(data: dict[str, Any]) -> Any:
    case = given("P073")
    case.when(AUDITOR, "create", data).then(events=["SettlementDetailsExported"], stage="inspect")
    return case


def test_the_sample_by_count_is_reproducible_and_leaves_out_reversed_records() -> None:
    first, again = opened(query()).data(), opened(query()).data()
    assert first["sample"] == again["sample"]
    assert first["sample_cnt"] == 2
    assert not {"F80004", "F80005"} & set(first["sample"])  # F80005 reverses F80004
    other = opened(query(spot_seed="另一个种子", records=many(20), sample_count=5)).data()
    same = opened(query(spot_seed="另一个种子", records=many(20), sample_count=5)).data()
    reseeded = opened(query(spot_seed="第三个种子", records=many(20), sample_count=5)).data()
    assert other["sample"] == same["sample"]
    assert other["sample"] != reseeded["sample"]


def test_the_sample_by_ratio_rounds_up_and_only_one_way_is_given() -> None:
    data = opened(query(records=many(21), sample_count=None, sample_ratio="0.1")).data()
    assert data["sample_cnt"] == 3
    assert len(set(data["sample"])) == 3
    given("P073").when(AUDITOR, "create", query(sample_ratio="0.1")).then_refused("SAMPLE_BY_ONE", "sample_ratio")


def test_a_finding_for_a_record_not_in_the_sample_is_refused_naming_the_field() -> None:
    case = opened(query())
    drawn = case.data()["sample"][0]
    (outside,) = {"F80001", "F80002", "F80003"} - set(case.data()["sample"])
    bad = {"findings": [{"setl_id": drawn, "finding": "无异常"}, {"setl_id": outside, "finding": "重复收费"}]}
    case.when(AUDITOR, "inspect", bad).then_refused("NOT_SAMPLED", "findings.1.setl_id")
    good = {"findings": [{"setl_id": drawn, "finding": "重复收费", "vola_amt": "12.50"}]}
    case.when(AUDITOR, "inspect", good).then(events=["InspectionRecorded"], stage=COMPLETED)
    assert (case.data()["finding_cnt"], case.data()["vola_sumamt"]) == (1, "12.50")


def test_records_must_match_the_search() -> None:
    rows = P073.opening().example["records"]
    elsewhere = [{**rows[0], "fixmedins_code": "H52010200009"}, *rows[1:]]
    given("P073").when(AUDITOR, "create", query(records=elsewhere)).then_refused(
        "NOT_THIS_INSTITUTION", "records.0.fixmedins_code"
    )
    given("P073").when(AUDITOR, "create", query(pay_category="all")).then_refused(
        "INVALID_PAY_CATEGORY", "pay_category"
    )
    inpatient = [{**r, "med_type": "21"} for r in rows]
    given("P073").when(AUDITOR, "create", query(records=inpatient)).then_refused(
        "NOT_THIS_CATEGORY", "records.0.med_type"
    )


def test_the_year_end_inspection_covers_a_whole_year() -> None:
    half = {**P076.opening().example, "enddate": "2026-06-30"}
    given("P076").when(AUDITOR, "create", half).then_refused("NOT_WHOLE_YEAR", "enddate")


def test_the_sample_exports_as_a_workbook_of_the_sampled_rows() -> None:
    data = opened(query()).data()
    ws = load_workbook(io.BytesIO(sample_xlsx(data))).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][0] == "setl_id"
    assert [r[0] for r in rows[2:]] == data["sample"]


def test_p077_walks_to_the_closing_report_and_a_referral_says_what_is_referred() -> None:
    case = given("P077", at="decision")
    case.when(staff("a9", "auditor"), "decision", {"audit_decision": "追回", "judicial_referral": True}).then_refused(
        "MISSING_FIELD", "judicial_referral_cont"
    )
    case.walk_to(COMPLETED)
    assert case.data()["approval_opinion"] == "同意结案"
    specs = {d.name: d for d in case.process.documents}
    assert specs["audit-closing-report"].stages == frozenset({COMPLETED})
