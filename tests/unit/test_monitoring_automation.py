"""Monitoring by itself: settlement's records screened as they are published, a declared month's hits opened as one
P072 case by the system, a violation the panel confirms deducted by settlement (P078), and each side naming the other.
The same events delivered twice change nothing and open nothing twice."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from tests.unit.gwt import Scenario, application, staff
from tests.unit.insured_persons import published
from ybj_kernel.application import REACTOR_USER, CaseApplication, opened_case_id
from ybj_kernel.domain.process import COMPLETED
from ybj_settlement.application import SettlementApplication
from ybj_settlement.ingestion import ingest
from ybj_supervision.application import SupervisionApplication

HOSPITAL, OTHER = "H52010200001", "H52010200002"
WANG, LI = "52000000000000000001", "52000000000000000002"


def _record(setl_id: str, psn_no: str, at: str, code: str = HOSPITAL, **more: Any) -> dict[str, Any]:
    return {
        "setl_id": setl_id,
        "mdtrt_id": f"MD{setl_id}",
        "psn_no": psn_no,
        "gend": "2",
        "fixmedins_code": code,
        "insutype": "310",
        "med_type": "11",
        "setl_time": at,
        "medfee_sumamt": "15.00",
        "hifp_pay": "9.00",
        "psn_cash_pay": "6.00",
        "lines": [
            {
                "med_list_codg": "EX-XM-0002",
                "med_list_name": "静脉输液（示例）",
                "cnt": "1",
                "pric": "15.00",
                "det_item_fee_sumamt": "15.00",
                "fee_ocur_time": at,
            }
        ],
        **more,
    }


def _deliver(source: CaseApplication, target: CaseApplication, registry: str | None = None, seen: int = 0) -> int:
    """Deliver what `source` published after the first `seen` envelopes to `target`'s reactions, twice (at least
    once delivery); return how many envelopes there were in all."""
    envelopes = published(source, registry)
    fresh = envelopes[seen:]
    target.react_many(fresh)
    assert all(n == 0 for n in target.react_many(fresh))  # redelivered: nothing changes, nothing opens twice
    return len(envelopes)


def _declared(settlement: CaseApplication, code: str = HOSPITAL) -> list[dict[str, Any]]:
    month = Scenario(settlement, settlement.definition("P079"), None)
    declaration = {
        "fixmedins_code": code,
        "fixmedins_name": "示例医院",
        "admdvs": "520102",
        "setl_ym": "202611",
        "setl_cnt": 3,
        "declared_amount": "45.00",
    }
    month.when(staff("inst-1", "institution", "520102"), "create", declaration).then(
        events=["SettlementDeclared"], stage="receive"
    )
    return [e for e in published(settlement) if e.get("eventname") == "SettlementDeclared"]


def _opened(app: CaseApplication, key: str, admdvs: str = "520102") -> UUID:
    return opened_case_id(app.service, key, admdvs)


def test_a_declared_month_of_hits_becomes_one_p072_case_and_a_confirmed_violation_a_p078_deduction() -> None:
    settlement, supervision = application(SettlementApplication), application(SupervisionApplication)
    ingest(
        settlement,
        [
            _record("S1", WANG, "2026-11-20T09:00:00+08:00"),
            _record("S2", WANG, "2026-11-20T15:00:00+08:00"),  # the same 静脉输液 again that day: a duplicate
            _record("S3", LI, "2026-11-21T09:00:00+08:00"),  # someone else: nothing wrong
        ],
        "batch-1",
    )
    _deliver(settlement, supervision, "settlement_record")
    month = supervision.get_entry("monitoring_month", f"{HOSPITAL}:202611").state
    assert [(h["rule_id"], h["psn_no"], h["vola_amt"]) for h in month["hits"]] == [("duplicate_billing", WANG, 1500)]
    assert month["cases"] == []  # not declared yet: no case

    declared = _declared(settlement)
    for envelope in declared:
        supervision.react(envelope)
        assert supervision.react(envelope) == 0
    p072 = supervision.get_case(_opened(supervision, f"P072:{HOSPITAL}:202611:1"))
    assert (p072.process_id, p072.stage, p072.data["suspect_amount"]) == ("P072", "first_review", "15.00")
    assert p072.data["hits"][0]["vola_evid"] == [
        {"setl_id": "S1", "line_idx": [0]},
        {"setl_id": "S2", "line_idx": [0]},
    ]
    opened: Any = next(iter(supervision.events.get(p072.id)))
    assert (opened.actor["user_id"], opened.causation_id) == (REACTOR_USER, declared[0]["id"])

    review = Scenario(supervision, supervision.definition("P072"), None, case_id=p072.id)
    verdict = {"is_violation": True, "vola_amt": "15.00"}
    review.when(staff("fr-1", "first_reviewer"), "approve", verdict).then(
        events=["FirstReviewCompleted"], stage="appeal"
    )
    review.when(staff("sr-1", "second_reviewer"), "skip").then(events=["AppealSkipped"], stage="second_review")
    review.when(staff("sr-2", "second_reviewer"), "approve", verdict).then(
        events=["SecondReviewCompleted"], stage="collegial_review"
    )
    panel = {**verdict, "fund_type": "310100", "kind": "ordinary"}
    review.when(staff("pn-1", "panel"), "approve", panel).then(
        events=["CollegialReviewCompleted"], stage="compensation"
    )
    review.when(staff("sys", "system"), "compensation").then(events=["CompensationSentToSettlement"], stage="close")
    review.when(staff("au-1", "auditor"), "close").then(events=["CaseClosed"], stage=COMPLETED)
    violation = supervision.get_entry("violation", f"{HOSPITAL}:202611:1").state
    assert (violation["vola_amt"], violation["setl_ym"], violation["fund_type"]) == ("15.00", "202611", "310100")

    _deliver(supervision, settlement, "violation")
    p078_id = _opened(settlement, f"P078:supervision:{HOSPITAL}:202611:1")
    deduction = Scenario(settlement, settlement.definition("P078"), "intelligent_review", case_id=p078_id)
    assert deduction.stage == "generate"
    assert deduction.data()["supervision_case_id"] == str(p072.id)
    deduction.when(staff("rg-1", "registrar"), "generate").then(events=["DeductionGenerated"], stage="first_review")
    deduction.when(staff("fr-2", "first_reviewer"), "approve").then(
        events=["FirstReviewApproved"], stage="second_review"
    )
    deduction.when(staff("sr-3", "second_reviewer"), "approve").then(events=["SecondReviewApproved"], stage=COMPLETED)
    in_force = settlement.get_entry("deduction", f"{HOSPITAL}:202611").state
    assert (in_force["pool_deduction_fen"], in_force["items"][0]["source"]) == (
        1500,
        f"supervision:{HOSPITAL}:202611:1",
    )

    _deliver(settlement, supervision, "deduction")
    noted = supervision.get_entry("violation", f"{HOSPITAL}:202611:1").state["deductions"]
    assert noted == [{"deduction_case_id": str(p078_id), "setl_ym": "202611", "kind": "ordinary", "amount_fen": 1500}]


def test_a_hit_after_the_declaration_opens_a_further_case_and_a_month_without_hits_opens_none() -> None:
    settlement, supervision = application(SettlementApplication), application(SupervisionApplication)
    ingest(settlement, [_record("S1", WANG, "2026-11-20T09:00:00+08:00")], "batch-1")
    seen = _deliver(settlement, supervision)
    for envelope in _declared(settlement):
        supervision.react(envelope)
    month = supervision.get_entry("monitoring_month", f"{HOSPITAL}:202611").state
    assert (month["declared"], month["cases"]) == (True, [])

    ingest(settlement, [_record("S2", WANG, "2026-11-20T16:00:00+08:00")], "batch-2")  # a late record, a duplicate
    _deliver(settlement, supervision, seen=seen)
    late = supervision.get_case(_opened(supervision, f"P072:{HOSPITAL}:202611:1"))
    assert (late.stage, late.data["screening_key"]) == ("first_review", f"{HOSPITAL}:202611:1")


def test_a_reversed_record_is_not_a_duplicate() -> None:
    settlement, supervision = application(SettlementApplication), application(SupervisionApplication)
    ingest(settlement, [_record("S1", WANG, "2026-11-20T09:00:00+08:00")], "batch-1")
    ingest(
        settlement,
        [
            _record("R1", WANG, "2026-11-20T10:00:00+08:00", reverses="S1"),
            _record("S2", WANG, "2026-11-20T11:00:00+08:00"),  # billed again after the 冲正: the one bill that counts
        ],
        "batch-2",
    )
    _deliver(settlement, supervision, "settlement_record")
    assert supervision.look("monitoring_month", f"{HOSPITAL}:202611") is None


def _person_event(psn_no: str, version: int, relation: dict[str, Any]) -> dict[str, Any]:
    """Enrollment's person event (the whole person at version 1; the 参保关系 replaced later)."""
    if version == 1:
        patch = [{"op": "replace", "path": "", "value": {"psn_no": psn_no, "relations": {"310": relation}}}]
    else:
        patch = [{"op": "replace", "path": "/relations/310", "value": relation}]
    return {
        "id": f"person-{psn_no}-{version}",
        "type": "cn.ybj.enrollment.person.PersonChanged.v1",
        "subject": psn_no,
        "entryversion": version,
        "registry": "person",
        "data": {"args": None, "patch": patch},
    }


def test_bills_after_the_insurance_ended_are_hits_whichever_arrives_first() -> None:
    settlement, supervision = application(SettlementApplication), application(SupervisionApplication)
    active = {"insutype": "310", "status": "active", "begndate": "2000-01-01", "enddate": None}
    ended = {**active, "status": "terminated", "enddate": "2026-11-10"}
    supervision.react_many([_person_event(WANG, 1, active), _person_event(LI, 1, active)])
    supervision.react(_person_event(LI, 2, ended))  # 李 ends before his bill; 王 after hers
    ingest(
        settlement,
        [_record("S1", WANG, "2026-11-20T09:00:00+08:00"), _record("S2", LI, "2026-11-21T09:00:00+08:00")],
        "batch-1",
    )
    _deliver(settlement, supervision, "settlement_record")
    hits = supervision.get_entry("monitoring_month", f"{HOSPITAL}:202611").state["hits"]
    assert [(h["rule_id"], h["psn_no"]) for h in hits] == [("billing_after_insurance_ended", LI)]

    supervision.react(_person_event(WANG, 2, ended))  # 王's termination arrives after her bill: screened again
    assert supervision.react(_person_event(WANG, 2, ended)) == 0
    hits = supervision.get_entry("monitoring_month", f"{HOSPITAL}:202611").state["hits"]
    assert [(h["rule_id"], h["psn_no"], h["vola_amt"]) for h in hits][-1] == (
        "billing_after_insurance_ended",
        WANG,
        1500,
    )
    assert len(hits) == 2
