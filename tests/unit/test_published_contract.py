"""Stored events map to the published CloudEvents envelope; consumers fold it back to the same case data, and read
each registry entry's state after every one of its events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import jsonpatch
import jsonschema
import orjson
import pytest
from hypothesis import given as for_all
from hypothesis import settings
from hypothesis import strategies as st

from tests.unit.conftest import Desk, staff
from tests.unit.gwt import Scenario, given
from ybj_enrollment.registries import REGISTRIES
from ybj_enrollment.registries.codes import ACTIVE, SUSPENDED, psn_no_for
from ybj_kernel.adapters.relay import Envelopes, envelope_of, patched
from ybj_kernel.asyncapi import asyncapi_document
from ybj_kernel.domain.process import COMPLETED
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


# Registry entry events: published beside the case events, each with the entry's whole state after it.

CERTNO = "520102199003070022"  # P002's example employee
CLERK, REVIEWER = staff("clerk-9", "registrar"), staff("reviewer-9", "registrar")


def _suspended_and_stepped_back() -> tuple[Scenario, list[dict[str, Any]]]:
    """P001 employer, P002 employee, then P006 暂停缴费 completed and stepped back; every published envelope."""
    s = given("P006", variant="suspend")
    s.when(CLERK, "create", {"certno": CERTNO, "paus_date": "2026-12-01", "paus_rea": "单位停产"}).then(
        events=["ContributionSuspended"], stage=COMPLETED
    )
    s.when(REVIEWER, "step_back", comment="暂停日期填错").then(events=["SteppedBack"], stage="suspend_contribution")
    notes = s.app.recorder.select_notifications(start=None, limit=1000)
    mapper = Envelopes(s.app)
    return s, [e for n in notes if (e := mapper(n)) is not None]


def test_registry_events_are_published_with_the_state_after_each() -> None:
    s, envelopes = _suspended_and_stepped_back()
    psn_no = psn_no_for(CERTNO)
    person = [e for e in envelopes if e.get("registry") == "person"]
    assert [e["type"] for e in person] == [
        "cn.ybj.enrollment.person.Enrolled.v1",
        "cn.ybj.enrollment.person.ContributionSuspended.v1",
        "cn.ybj.enrollment.person.ChangeReverted.v1",
    ]
    enrolled, suspended, reverted = person
    entry_id = str(REGISTRIES["person"].entry_id(psn_no))
    assert {(e["subject"], e["entryid"], e["source"]) for e in person} == {(psn_no, entry_id, "/ybj/enrollment")}
    assert [e["entryversion"] for e in person] == [1, 2, 3]
    assert suspended["id"] == event_id(entry_id, 2)
    # The case that made each change: P006's for the suspension and for its undoing.
    assert suspended["bycaseid"] == reverted["bycaseid"] == str(s.case_id)
    assert enrolled["bycaseid"] != suspended["bycaseid"]
    assert (suspended["op"], reverted["op"]) == ("suspend_contribution", "suspend_contribution")
    assert suspended["data"]["args"] == {"insutype": "310", "on": "2026-12-01", "reason": "单位停产"}
    assert reverted["data"]["args"] is None
    relation = suspended["data"]["state"]["relations"]["310"]
    assert (relation["status"], relation["paus_rea"]) == (SUSPENDED, "单位停产")
    # The step back restores the record: the state after the revert is the state after the enrollment.
    assert reverted["data"]["state"] == enrolled["data"]["state"]
    assert reverted["data"]["state"]["relations"]["310"]["status"] == ACTIVE
    assert reverted["ineffect"] is True
    # Each state after is exactly the entry as the service rebuilds it at that version.
    for e in person:
        then: Any = s.app.repository.get(UUID(entry_id), version=e["entryversion"])
        assert e["data"]["state"] == then.state
    # An envelope handed out never changes afterwards (the next event's state is a copy).
    assert "paus_rea" not in enrolled["data"]["state"]["relations"]["310"]
    for e in person:
        assert check_envelope(e) is e
        assert {"prevdigest", "digest"} <= e.keys()
        assert all(k.isalnum() and k.islower() for k in e)
        assert "caseid" not in e  # the stream is the entry's: consumers counting a case's events never see these


def test_every_registry_of_the_cases_is_published_and_matches_the_asyncapi_message() -> None:
    _s, envelopes = _suspended_and_stepped_back()
    registries = {e["registry"] for e in envelopes if "registry" in e}
    assert registries == {"employer", "uscc", "person", "certno"}
    document = asyncapi_document("enrollment", "ybj.enrollment.events", [], REGISTRIES.values())
    messages = document["components"]["messages"]
    for e in envelopes:
        if "registry" not in e:
            continue
        message = messages[f"{e['registry']}.{e['eventname']}"]
        assert message["name"] == e["type"]
        jsonschema.validate(e, {**message["payload"], "components": document["components"]})
    assert "person.ChangeReverted" in messages
    assert messages["account.AccountEntryRecorded"]["payload"]["properties"]["data"]["properties"]["args"] == {
        "$ref": "#/components/schemas/Movement"
    }


def test_an_entry_the_relay_does_not_hold_is_rebuilt_from_the_store() -> None:
    s, remembered = _suspended_and_stepped_back()
    notes = s.app.recorder.select_notifications(start=None, limit=1000)
    forgetful = Envelopes(s.app, remembered=1)  # every entry forgotten as soon as another one is published
    assert forgetful.unseen(notes[-2:])  # the last events start from states this mapper never saw
    forgetful.load(notes[-2:])
    assert forgetful.unseen(notes[-2:]) == []
    again = [e for n in notes if (e := forgetful(n)) is not None]
    assert again == remembered
    short_of_memory = Envelopes(s.app, memory=1)  # no room for a second entry's state
    tight = [e for n in notes if (e := short_of_memory(n)) is not None]
    assert tight == remembered
    # A batch sent again (Kafka did not acknowledge it) maps to the same envelopes, though the mapper moved past it.
    resent = [e for n in notes[-6:] if (e := forgetful(n)) is not None]
    by_id = {e["id"]: e for e in remembered}
    assert any("registry" in e for e in resent)
    assert all(e == by_id[e["id"]] for e in resent)


def test_registry_events_are_published_but_claims_are_not(desk_for: Callable[[str], Desk]) -> None:
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
    notes = desk.app.recorder.select_notifications(start=None, limit=100)
    mapper = Envelopes(desk.app)
    published = [e for n in notes if (e := mapper(n)) is not None]
    # two case events, the certno index and the person entry; the uniqueness claim stays in the service
    assert [e["eventname"] for e in published] == ["ResidenceUnitSelected", "Registered", "KeyHeld", "Enrolled"]
    assert [e["subject"] for e in published[2:]] == ["11010519491231002X", psn_no_for("11010519491231002X")]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text("ab/~", max_size=2),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text("ab/~", max_size=2), inner, max_size=4),
    max_leaves=12,
)


@for_all(before=_JSON, after=_JSON)
@settings(max_examples=300, deadline=None)
def test_the_relay_applies_a_registry_patch_as_the_registry_does(before: Any, after: Any) -> None:
    # Moves, list inserts and removals, keys with "/" and "~": every patch the registry can store comes out the same.
    patch = jsonpatch.make_patch(before, after).patch
    assert patched(orjson.loads(orjson.dumps(before)), patch) == after
