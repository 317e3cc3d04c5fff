"""Stored events map to the published CloudEvents envelope; consumers fold it back to the same case data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest

from tests.unit.conftest import Desk, staff
from ybj_kernel.adapters.relay import envelope_of
from ybj_kernel.envelope import event_id
from ybj_query.projection import PoisonMessage, check_envelope, fold_layers, merged

REG, AUDITOR, FIRST = staff("reg-1", "registrar"), staff("aud-1", "auditor"), staff("fr-1", "first_reviewer")
DECLARATION = {
    "fixmedins_code": "H52010000001",
    "fixmedins_name": "医院",
    "admdvs": "520102",
    "setl_ym": "202609",
    "setl_cnt": 3,
    "declared_amount": "500.00",
}


def _envelopes(desk: Desk) -> list[dict[str, Any]]:
    notes = desk.app.recorder.select_notifications(start=None, limit=1000)
    return [e for n in notes if (e := envelope_of(desk.app, n)) is not None]


@pytest.fixture
def walked(desk_for: Callable[[str], Desk]) -> tuple[Desk, str]:
    desk = desk_for("P079")
    ack = desk.create("P079", DECLARATION, staff("H52010000001", "institution"))
    ack = desk.act(ack, REG, "receive")
    ack = desk.act(
        ack, AUDITOR, "violation_deduction", {"deductions": [{"kind": "ordinary", "amount": "5", "reason": "x"}]}
    )
    ack = desk.act(ack, REG, "generate")
    ack = desk.act(ack, FIRST, "step_back", comment="退回重新生成")
    return desk, ack.case_id


def test_envelopes_carry_the_cloudevents_attributes(walked: tuple[Desk, str]) -> None:
    desk, case_id = walked
    envelopes = _envelopes(desk)
    assert [e["caseversion"] for e in envelopes] == [1, 2, 3, 4, 5]
    assert [e["eventname"] for e in envelopes] == [
        "SettlementDeclared",
        "DeclarationReceived",
        "ViolationDeductionApplied",
        "SettlementGenerated",
        "SteppedBack",
    ]
    last = envelopes[-1]
    assert last["specversion"] == "1.0"
    assert last["type"] == "cn.ybj.settlement.case.SteppedBack.v1"
    assert last["source"] == "/ybj/settlement"
    assert (last["subject"], last["caseid"], last["processid"]) == (case_id, case_id, "P079")
    assert (last["stagefrom"], last["stageto"], last["actor"], last["actorrole"]) == (
        "first_review",
        "generate",
        "fr-1",
        "first_reviewer",
    )
    assert last["admdvs"] == "520102"
    assert last["comment"] == "退回重新生成"
    assert last["id"] == event_id(UUID(case_id), 5)
    # Each action names the event it was decided on.
    assert last["causationid"] == envelopes[-2]["id"]
    for envelope in envelopes:
        assert check_envelope(envelope) is envelope
    # The stored event's chain digests travel as extensions (empty here: the in-memory store keeps no chain;
    # tests/unit/test_audit_chain.py checks them with the chained recorder's notifications).
    assert {"prevdigest", "digest"} <= last.keys()
    assert all(k.isalnum() and k.islower() for k in last)


def test_folding_the_published_events_gives_the_aggregates_data(walked: tuple[Desk, str]) -> None:
    desk, case_id = walked
    layers: list[dict[str, Any]] = []
    for envelope in _envelopes(desk):
        layers = fold_layers(layers, envelope["datamode"], envelope["data"])
    assert merged(layers) == desk.app.get_case(UUID(case_id)).data
    assert "payable_amount" not in merged(layers)


def test_claims_are_not_published(desk_for: Callable[[str], Desk]) -> None:
    desk = desk_for("P019")
    unit = {"emp_no": "1", "emp_name": "社区", "admdvs": "520115"}
    person = {
        "certno": "11010519491231002X",
        "psn_name": "张三",
        "naty": "01",
        "gend": "2",
        "brdy": "1949-12-31",
        "begndate": "2026-01-01",
        "fst_insu_ym": "202601",
        "psn_type": "11",
        "clct_grade": "1",
        "clct_way": "1",
        "max_acct_prd": "202612",
    }
    desk.act(desk.create("P019", unit, REG), REG, "register", person)
    # two case events, one claim, and the registry's certno index and person entry
    assert len(desk.app.recorder.select_notifications(start=None, limit=100)) == 5
    assert [e["eventname"] for e in _envelopes(desk)] == ["ResidenceUnitSelected", "Registered"]


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ([1, 2], "JSON object"),
        ({"specversion": "1.0", "schemaversion": "9"}, "schema version"),
        ({"specversion": "1.0", "schemaversion": "1", "id": "x"}, "missing"),
    ],
)
def test_poison_messages_are_recognised(message: Any, reason: str) -> None:
    with pytest.raises(PoisonMessage, match=reason):
        check_envelope(message)


def test_unknown_event_type_is_poison(walked: tuple[Desk, str]) -> None:
    envelope = {**_envelopes(walked[0])[0], "type": "com.example.Other"}
    with pytest.raises(PoisonMessage, match="unknown event type"):
        check_envelope(envelope)
