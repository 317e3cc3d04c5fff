"""The monitoring rules (a hit and a near-miss each), reversals, and the grouping of hits into P072 cases."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.unit.gwt import given, staff
from ybj_kernel.domain.rules import RuleContext, run
from ybj_supervision.rules.monitoring import (
    EXAMPLES,
    MONITORING_RULES,
    billing_after_insurance_ended,
    duplicate_billing,
    example_record,
    overlapping_inpatient_stays,
    quantity_over_limit,
    sex_specific_item,
)
from ybj_supervision.rules.monitoring_cases import suspicions_from_hits
from ybj_supervision.rules.monitoring_models import MonitoringInput

AT = "2026-11-20T09:00:00"
CTX = RuleContext(today=date(2026, 12, 5))


def line(code: str, cnt: str = "1", pric: int = 1500, at: str = AT) -> dict[str, Any]:
    return {"med_list_codg": code, "med_list_name": "", "cnt": cnt, "pric": pric,
            "det_item_fee_sumamt": int(float(cnt) * pric), "fee_ocur_time": at}  # fmt: skip


def screen(records: list[dict[str, Any]], **extra: Any) -> MonitoringInput:
    return MonitoringInput.model_validate({"records": records, **extra})


def test_every_rule_is_triable_and_its_example_hits() -> None:
    for rule in MONITORING_RULES:
        out = run(rule, rule.example, date(2026, 12, 5))
        assert out["hit_cnt"] >= 1
        assert out["rule_id"] == rule.id
        hit = out["hits"][0]
        assert hit["sev_deg"] in (1, 2, 3)
        assert hit["vola_evid"]
        assert hit["vola_cont"]
        assert rule.describe()["parameters"]["severity"] == hit["sev_deg"]


def test_duplicate_billing_across_records_and_the_next_day_is_no_duplicate() -> None:
    hits = duplicate_billing(MonitoringInput.model_validate(EXAMPLES["duplicate_billing"]))
    assert [(h.vola_amt, [(e.setl_id, e.line_idx) for e in h.vola_evid]) for h in hits] == [
        (1500, [("S1", [0]), ("S2", [0])])
    ]
    next_day = screen([
        example_record("S1", [line("EX-XM-0002")]),
        example_record("S2", [line("EX-XM-0002", at="2026-11-21T09:00:00")]),
    ])  # fmt: skip
    assert duplicate_billing(next_day) == []


def test_a_reversed_record_and_its_reversal_are_not_counted() -> None:
    data = screen([
        example_record("S1", [line("EX-XM-0002")]),
        example_record("S2", [line("EX-XM-0002")]),
        example_record("S3", [line("EX-XM-0002", cnt="-1")], reverses="S2"),
    ])  # fmt: skip
    assert duplicate_billing(data) == []


def test_quantity_over_limit_charges_the_excess_and_the_limit_itself_passes() -> None:
    hits = quantity_over_limit(screen([example_record("S1", [line("EX-XM-0001", "5", 2000)])]))
    assert [(h.vola_amt, h.sev_deg, h.vola_evid[0].line_idx) for h in hits] == [(4000, 2, [0])]
    assert quantity_over_limit(screen([example_record("S1", [line("EX-XM-0001", "3", 2000)])])) == []


def test_sex_specific_item_for_the_other_sex() -> None:
    woman = screen([example_record("S1", [line("EX-XM-1001"), line("EX-XM-2001", pric=8000)], gend="2")])
    hits = sex_specific_item(woman)
    assert [(h.vola_amt, h.sev_deg, h.vola_evid[0].line_idx) for h in hits] == [(8000, 3, [1])]
    assert sex_specific_item(screen([example_record("S1", [line("EX-XM-2001")], gend="1")])) == []


def stay(setl_id: str, begn: str, end: str, **over: Any) -> dict[str, Any]:
    return example_record(setl_id, [], med_type="21", begndate=begn, enddate=end, hifp_pay=50000, **over)


def test_overlapping_stays_and_a_discharge_on_the_day_of_the_next_admission() -> None:
    hits = overlapping_inpatient_stays(
        screen([stay("S1", "2026-11-01", "2026-11-10"), stay("S2", "2026-11-09", "2026-11-12")])
    )
    assert [(h.vola_amt, [e.setl_id for e in h.vola_evid]) for h in hits] == [(50000, ["S2", "S1"])]
    back_to_back = screen([stay("S1", "2026-11-01", "2026-11-10"), stay("S2", "2026-11-10", "2026-11-12")])
    assert overlapping_inpatient_stays(back_to_back) == []
    other_person = screen([stay("S1", "2026-11-01", "2026-11-10"), stay("S2", "2026-11-05", "2026-11-12", psn_no="P2")])
    assert overlapping_inpatient_stays(other_person) == []


def test_billing_after_insurance_ended_and_on_its_last_day() -> None:
    record = example_record(
        "S1", [line("EX-YP-0001", at="2026-10-31T23:00:00"), line("EX-YP-0001", at="2026-11-01T08:00:00")]
    )
    ends = [{"psn_no": record["psn_no"], "enddate": "2026-10-31"}]
    hits = billing_after_insurance_ended(screen([record], insurance_ends=ends))
    assert [(h.vola_amt, h.vola_evid[0].line_idx) for h in hits] == [(1500, [1])]
    ends_later = [{"psn_no": record["psn_no"], "enddate": "2026-11-01"}]
    assert billing_after_insurance_ended(screen([record], insurance_ends=ends_later)) == []


def test_hits_are_grouped_per_institution_and_month_into_p072_cases() -> None:
    records = [
        example_record("S1", [line("EX-XM-0001", "5", 2000)]),
        example_record(
            "S2", [line("EX-XM-2001", pric=8001, at="2026-12-01T09:00:00")], setl_time="2026-12-01T10:00:00"
        ),
        example_record("S3", [line("EX-XM-2001", pric=3333)]),
    ]
    data = screen(records)
    hits = [h for rule in MONITORING_RULES for h in rule.fn(data, CTX).hits]
    cases = suspicions_from_hits(hits, "520102")
    assert [(c["setl_ym"], c["suspect_amount"], len(c["hits"])) for c in cases] == [
        ("202611", "73.33", 2), ("202612", "80.01", 1)
    ]  # fmt: skip
    assert "rule_code" not in cases[0]
    assert cases[1]["rule_code"] == "sex_specific_item"
    auditor = staff("sys", "system")
    case = given("P072")
    case.when(auditor, "create", cases[0]).then(events=["Registered"], stage="first_review")
    assert case.data()["hits"][0]["vola_amt"] == "40.00"


def test_p072_refuses_a_month_whose_amount_is_not_its_hits_sum_and_a_visit_without_its_rule() -> None:
    data = screen([example_record("S1", [line("EX-XM-0001", "5", 2000)])])
    opening = suspicions_from_hits(MONITORING_RULES[1].fn(data, CTX).hits, "520102")[0]
    given("P072").when(staff("sys", "system"), "create", {**opening, "suspect_amount": "41.00"}).then_refused(
        "INVALID_SUSPECT_AMOUNT", "suspect_amount"
    )
    visit = {k: v for k, v in opening.items() if k != "hits"} | {"mdtrt_id": "MD1"}
    visit.pop("rule_code", None)
    given("P072").when(staff("sys", "system"), "create", visit).then_refused("MISSING_FIELD", "rule_code")
