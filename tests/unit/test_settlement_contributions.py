"""Settlement's own view of enrollment's 缴费记录 (contributions.py), kept from enrollment's published person events:
each payment under the month it arrived, once whatever the redeliveries, moved or withdrawn when enrollment changes or
undoes it, and never republished."""

from __future__ import annotations

import copy
from typing import Any

from tests.unit.enrolled_contributions import contribution_events
from tests.unit.gwt import TODAY, application, given, staff
from tests.unit.insured_persons import published
from ybj_kernel.domain.process import COMPLETED
from ybj_settlement.application import SettlementApplication
from ybj_settlement.contributions import BY_MONTH, BY_PERSON, REACTIONS, kept_patch, on_person_event

CHEN_JING = "520102199003070022"  # P002's employee; P011 records her 202610 contribution, paid by her unit
MONTH = f"{TODAY:%Y%m}"  # P011's example pays on the tests' day


def _bare() -> SettlementApplication:
    """A settlement application that has been fed nothing."""
    return SettlementApplication(
        SettlementApplication.default_definitions(),
        lambda *_: "x",
        env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
        today=lambda: TODAY,
    )


def _back_payment() -> tuple[Any, list[dict[str, Any]]]:
    """P011's example walked in enrollment, and the person events it published."""
    s = given("P011", at=COMPLETED)
    return s, published(s.app, "person")


def _chen_jing(events: list[dict[str, Any]]) -> str:
    return next(str(e["subject"]) for e in events if e["data"]["args"] and e["data"]["args"].get("certno") == CHEN_JING)


def test_the_settlement_reactor_reads_enrollments_person_events() -> None:
    assert set(REACTIONS) <= set(SettlementApplication.reactions)
    assert {r.service for r in REACTIONS} == {"enrollment"}


def test_a_contribution_paid_is_kept_under_the_month_it_arrived_with_its_payer_and_amounts() -> None:
    app = application(SettlementApplication)
    _, events = _back_payment()
    psn_no = _chen_jing(events)
    rows = app.get_entry(BY_MONTH, MONTH).state["rows"]
    row = rows[f"{psn_no}:310:202610"]
    assert (row["certno"], row["psn_name"], row["belong_ym"]) == (CHEN_JING, "陈静", "202610")
    assert (row["emp_no"], row["due_fen"], row["paid_fen"], row["paid_on"]) == (
        "52010213594430",
        52000,
        52000,
        TODAY.isoformat(),
    )
    assert row["late_fee_fen"] > 0
    person = app.get_entry(BY_PERSON, psn_no).state
    assert person["contributions"]["310:202610"]["paid"] == 52000
    assert "relations" not in person  # only the identity and the 缴费记录 are kept


def test_a_resident_contribution_is_kept_on_the_person_but_not_matched_by_p021() -> None:
    app = application(SettlementApplication)
    resident = [e for e in contribution_events() if e["data"]["args"] and e["data"]["args"].get("insutype") == "390"]
    assert resident, "P022's example records a 390 contribution"
    psn_no = str(resident[-1]["subject"])
    assert "390:202701" in app.get_entry(BY_PERSON, psn_no).state["contributions"]
    assert all(r["insutype"] != "390" for r in app.get_entry(BY_MONTH, MONTH).state["rows"].values())


def test_the_same_events_delivered_again_change_nothing() -> None:
    app = application(SettlementApplication)
    entries = ((BY_MONTH, MONTH), (BY_PERSON, _chen_jing(list(contribution_events()))))
    versions = [app.get_entry(registry, key).version for registry, key in entries]
    assert [app.react(e) for e in contribution_events()] == [0] * len(contribution_events())
    assert [app.get_entry(registry, key).version for registry, key in entries] == versions


def test_a_reverted_contribution_is_withdrawn_from_its_month() -> None:
    s, events = _back_payment()
    app = _bare()
    assert [app.react(e) for e in events] == [1, 2]  # the person opened; then the person and the month
    psn_no = _chen_jing(events)
    s.when(staff("reg-2", "registrar"), "step_back", comment="补缴期号有误")
    reverted = published(s.app, "person")[len(events) :]
    assert [e["eventname"] for e in reverted] == ["ChangeReverted"]
    assert app.react(reverted[0]) == 2
    assert app.get_entry(BY_MONTH, MONTH).state["rows"] == {}
    assert app.get_entry(BY_PERSON, psn_no).state["contributions"] == {}
    assert app.react(reverted[0]) == 0  # redelivered
    assert app.get_entry(BY_MONTH, MONTH).state["rows"] == {}


def test_a_contribution_recorded_again_with_another_payment_date_moves_to_that_month() -> None:
    _, events = _back_payment()
    app = _bare()
    for e in events:
        app.react(e)
    psn_no = _chen_jing(events)
    moved = copy.deepcopy(events[-1])
    moved.update(id="later-event", entryversion=events[-1]["entryversion"] + 1)
    moved["data"]["patch"] = [{"op": "replace", "path": "/contributions/310:202610/paid_on", "value": "2027-01-04"}]
    assert app.react(moved) == 3  # the person, the month it left, the month it arrived in
    assert app.get_entry(BY_MONTH, MONTH).state["rows"] == {}
    assert app.get_entry(BY_MONTH, "202701").state["rows"][f"{psn_no}:310:202610"]["paid_on"] == "2027-01-04"


def test_a_change_of_certno_reaches_the_month_rows() -> None:
    _, events = _back_payment()
    app = _bare()
    for e in events:
        app.react(e)
    psn_no = _chen_jing(events)
    corrected = copy.deepcopy(events[-1])
    corrected.update(
        id="corrected",
        entryversion=events[-1]["entryversion"] + 1,
        type="cn.ybj.enrollment.person.PersonInfoChanged.v1",
    )
    corrected["data"]["patch"] = [{"op": "replace", "path": "/certno", "value": "52010219900307002x"}]
    app.react(corrected)
    assert app.get_entry(BY_MONTH, MONTH).state["rows"][f"{psn_no}:310:202610"]["certno"] == "52010219900307002X"


def test_an_event_that_changes_nothing_kept_here_is_passed_over() -> None:
    _, events = _back_payment()
    app = _bare()
    for e in events:
        app.react(e)
    relation = copy.deepcopy(events[-1])
    relation.update(id="relation", entryversion=events[-1]["entryversion"] + 1)
    relation["data"]["patch"] = [{"op": "replace", "path": "/relations/310/status", "value": "suspended"}]
    assert app.react(relation) == 0
    assert on_person_event(relation, app.look) == []


def test_the_view_keeps_no_part_of_a_patch_outside_identity_and_contributions() -> None:
    patch: list[dict[str, Any]] = [
        {"op": "add", "path": "/contributions/310:202612", "value": {"paid": 1}},
        {"op": "replace", "path": "/relations/310/status", "value": "terminated"},
        {"op": "replace", "path": "", "value": {"certno": CHEN_JING, "bases": {}, "contributions": {}}},
    ]
    assert kept_patch(patch) == [
        {"op": "add", "path": "/contributions/310:202612", "value": {"paid": 1}},
        {"op": "replace", "path": "", "value": {"certno": CHEN_JING, "contributions": {}}},
    ]


def test_a_batch_of_events_gives_what_one_by_one_gives() -> None:
    one_by_one = application(SettlementApplication)
    batched = _bare()
    outcomes = batched.react_many(list(contribution_events()))
    assert all(isinstance(n, int) for n in outcomes)
    assert batched.get_entry(BY_MONTH, MONTH).state == one_by_one.get_entry(BY_MONTH, MONTH).state
    assert batched.react_many(list(contribution_events())) == [0] * len(contribution_events())


def test_the_views_are_kept_with_their_history_but_not_republished() -> None:
    app = application(SettlementApplication)
    assert app.get_entry(BY_MONTH, MONTH).version >= 1
    assert {e.get("registry") for e in published(app)} & {BY_MONTH, BY_PERSON} == set()
