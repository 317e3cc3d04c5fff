"""Stored events map to the published CloudEvents envelope; consumers fold it back to the same case data, and keep
each registry entry by applying its events' patches in turn."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import jsonpatch
import jsonschema
import orjson
import pytest

from tests.unit.conftest import Desk, staff
from tests.unit.gwt import Scenario, application, given
from ybj_enrollment.application import EnrollmentApplication
from ybj_enrollment.registries import REGISTRIES
from ybj_enrollment.registries.codes import ACTIVE, SUSPENDED, psn_no_for
from ybj_kernel.adapters.relay import Envelopes, envelope_of
from ybj_kernel.asyncapi import asyncapi_document
from ybj_kernel.domain.process import COMPLETED
from ybj_kernel.domain.registry import apply_op, open_entry, revert_entry
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


# Registry entry events: published beside the case events, each with the JSON Patch it applies to the entry's state.

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


def _states(envelopes: list[dict[str, Any]]) -> list[Any]:
    """What a consumer keeps: each version's patch applied (by the `jsonpatch` library) to the state before it."""
    states: list[Any] = []
    for e in envelopes:
        states.append(jsonpatch.apply_patch(states[-1] if states else {}, e["data"]["patch"]))
    return states


def test_registry_events_are_published_with_the_patch_each_applies() -> None:
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
    assert reverted["ineffect"] is True
    # The suspension's patch touches the 310 relation only, and the revert's takes exactly that back.
    assert all(op["path"].startswith("/relations/310/") for op in suspended["data"]["patch"])
    assert reverted["data"]["patch"] == jsonpatch.make_patch(_states(person[:2])[1], _states(person[:1])[0]).patch
    assert "state" not in suspended["data"]
    states = _states(person)
    assert (states[1]["relations"]["310"]["status"], states[1]["relations"]["310"]["paus_rea"]) == (
        SUSPENDED,
        "单位停产",
    )
    assert states[2] == states[0]
    assert states[2]["relations"]["310"]["status"] == ACTIVE
    # Applied in turn, the patches give exactly the entry as the service rebuilds it at each version.
    for e, state in zip(person, states, strict=True):
        then: Any = s.app.repository.get(UUID(entry_id), version=e["entryversion"])
        assert state == then.state
    for e in person:
        assert check_envelope(e) is e
        assert {"prevdigest", "digest"} <= e.keys()
        assert all(k.isalnum() and k.islower() for k in e)
        assert "caseid" not in e  # the stream is the entry's: consumers counting a case's events never see these


def test_an_envelope_grows_with_the_change_not_with_the_entry() -> None:
    # An account with 300 收支 entries: the last one's envelope is as small as the second's.
    app = application(EnrollmentApplication)
    account, psn_no = REGISTRIES["account"], psn_no_for(CERTNO)

    def movement(n: int) -> dict[str, Any]:
        return {"psn_no": psn_no, "kind": "inject", "amount": 100 + n, "on": "2026-12-01", "summary": "注入"}

    entry = open_entry(account, psn_no, "move", movement(0), "case-0")
    app.save(entry)
    for n in range(1, 300):
        apply_op(account, entry, "move", movement(n), f"case-{n}")
        app.save(entry)
    notes = app.recorder.select_notifications(start=None, limit=1000)
    mapper = Envelopes(app)
    published = [e for n in notes if (e := mapper(n)) is not None]
    assert [e["entryversion"] for e in published] == list(range(1, 301))
    sizes = [len(orjson.dumps(e)) for e in published]
    assert max(sizes[1:]) < sizes[1] + 50  # a few more digits, not 299 more entries
    assert _states(published)[-1] == app.get_entry("account", psn_no).state
    # A restarted relay reads the account's registry and key off its opening event, and nothing else of it.
    restarted = Envelopes(app)
    assert restarted.unnamed(notes[-3:]) == [entry.id]
    restarted.learn(notes[-3:])
    assert restarted.unnamed(notes[-3:]) == []
    assert [restarted(n) for n in notes[-3:]] == published[-3:]


def test_undoing_an_opening_empties_the_entry_and_a_later_change_opens_it_anew() -> None:
    app = application(EnrollmentApplication)
    account, psn_no = REGISTRIES["account"], psn_no_for(CERTNO)
    movement = {"psn_no": psn_no, "kind": "inject", "amount": 500, "on": "2026-12-01"}
    entry = open_entry(account, psn_no, "move", movement, "case-a")
    app.save(entry)
    revert_entry(account, entry, "case-a")  # the case that opened it is cancelled
    app.save(entry)
    apply_op(account, entry, "move", {**movement, "amount": 700}, "case-b")
    app.save(entry)
    notes = app.recorder.select_notifications(start=None, limit=10)
    mapper = Envelopes(app)
    opened, undone, again = (e for n in notes if (e := mapper(n)) is not None)
    assert opened["data"]["patch"] == [
        {"op": "replace", "path": "", "value": app.repository.get(entry.id, version=1).state}
    ]
    assert (undone["ineffect"], undone["data"]["patch"]) == (False, [{"op": "replace", "path": "", "value": {}}])
    assert again["ineffect"] is True
    states = _states([opened, undone, again])
    assert [s.get("balance") for s in states] == [500, None, 700]
    assert states[-1] == entry.state


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
