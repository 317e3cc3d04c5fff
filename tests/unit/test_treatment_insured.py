"""Treatment's own view of who is insured, kept from enrollment's published person events, and its reaction when a
relation is terminated: flag the filings and qualifications in effect, once, whatever the redeliveries."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.unit.gwt import TODAY, application, given
from tests.unit.insured_persons import person_events, published
from ybj_kernel.domain.process import COMPLETED
from ybj_kernel.errors import Conflict
from ybj_treatment.application import TreatmentApplication
from ybj_treatment.insured import INSURED_FACT, check_insured, insured_relations, kept_patch
from ybj_treatment.reactions import on_person_event

WANG_FANG = "52011519850312002X"  # P019's resident, 390 from 2026-01-01
CHEN_JING = "520102199003070022"  # P002's employee, 310 from 2026-12-01


def test_the_view_holds_each_enrolled_person_with_their_relations_and_not_their_contributions() -> None:
    app = application(TreatmentApplication)
    resident = app.get_entry("insured", WANG_FANG).state
    assert (resident["psn_name"], resident["relations"]["390"]["status"]) == ("王芳", "active")
    assert resident["relations"]["390"]["begndate"] == "2026-01-01"
    assert "contributions" not in resident
    assert "bases" not in resident
    assert app.get_entry("insured_psn_no", resident["psn_no"]).state == {"target": WANG_FANG}


def test_the_same_events_delivered_again_change_nothing() -> None:
    app = application(TreatmentApplication)
    version = app.get_entry("insured", CHEN_JING).version
    assert [app.react(e) for e in person_events()] == [0] * len(person_events())
    assert app.get_entry("insured", CHEN_JING).version == version


def test_an_event_of_another_kind_is_not_reacted_to() -> None:
    app = application(TreatmentApplication)
    other = {**person_events()[0], "type": "cn.ybj.enrollment.employer.EmployerRegistered.v1"}
    assert app.react(other) == 0


def _fact(relations: dict[str, Any]) -> dict[str, Any]:
    return {"psn_no": "52000000000001", "certno": CHEN_JING, "psn_name": "陈静", "relations": relations}


@pytest.mark.parametrize(
    ("relation", "on", "insured"),
    [
        ({"status": "active", "begndate": "2026-12-01", "enddate": None}, date(2026, 12, 1), True),
        ({"status": "active", "begndate": "2026-12-01", "enddate": None}, date(2026, 11, 30), False),
        ({"status": "terminated", "begndate": "2020-01-01", "enddate": "2026-06-30"}, date(2026, 6, 30), True),
        ({"status": "terminated", "begndate": "2020-01-01", "enddate": "2026-06-30"}, date(2026, 7, 1), False),
        ({"status": "suspended", "begndate": "2020-01-01", "enddate": None}, date(2026, 7, 1), True),
    ],
    ids=["from-its-first-day", "not-before", "until-its-end", "not-after-termination", "suspended-still-insured"],
)
def test_insured_on_a_day(relation: dict[str, Any], on: date, insured: bool) -> None:
    assert bool(insured_relations(_fact({"310": relation}), on)) is insured


def test_someone_not_insured_is_refused_naming_the_person() -> None:
    with pytest.raises(Conflict) as unknown:
        check_insured({"certno": "520102200001010011", "psn_name": "张三", INSURED_FACT: None}, on=TODAY)
    assert (unknown.value.code, unknown.value.field) == ("NOT_INSURED", "certno")
    assert "张三" in unknown.value.message_zh
    assert "520102200001010011" in unknown.value.message_zh
    ended = _fact({"310": {"status": "terminated", "begndate": "2020-01-01", "enddate": "2026-06-30"}})
    with pytest.raises(Conflict) as late:
        check_insured({"certno": CHEN_JING, INSURED_FACT: ended}, on=date(2026, 8, 1))
    assert "陈静" in late.value.message_zh
    assert "2026-08-01" in late.value.message_zh
    with pytest.raises(Conflict):  # insured, but not under the 险种 asked for
        check_insured(
            {INSURED_FACT: _fact({"310": {"status": "active", "begndate": "2020-01-01"}})}, TODAY, frozenset({"390"})
        )


def _terminations() -> list[dict[str, Any]]:
    """陈静's person events when P017 pays her account out and ends her 职工 relation."""
    return published(given("P017", at=COMPLETED).app, "person")


def test_a_termination_flags_the_filing_and_qualification_the_person_holds() -> None:
    events = _terminations()
    app = application(TreatmentApplication)
    flagged: list[tuple[str, dict[str, Any]]] = []
    for envelope in events:
        held = {"filing": {"psn_no": envelope["subject"]}}  # a filing in effect; no qualification

        def look(registry: str, key: str, held: dict[str, Any] = held) -> dict[str, Any] | None:
            return held.get(registry) if registry in held else app.look(registry, key)

        effects = on_person_event(envelope, look)
        flagged += [(e.registry, e.args) for e in effects if e.op == "flag_for_review"]
        app.react(envelope)
    assert [registry for registry, _ in flagged] == ["filing"]
    cause = flagged[0][1]
    assert cause["insutype"] == "310"
    assert cause["cause_event_id"] == events[-1]["id"]
    assert app.get_entry("insured", CHEN_JING).state["relations"]["310"]["status"] == "terminated"


def test_the_view_keeps_no_part_of_a_patch_outside_identity_and_relations() -> None:
    patch: list[dict[str, Any]] = [
        {"op": "add", "path": "/contributions/202612", "value": {"amt": 1}},
        {"op": "replace", "path": "/relations/310/status", "value": "terminated"},
        {"op": "replace", "path": "", "value": {"certno": CHEN_JING, "bases": {}, "psn_name": "陈静"}},
    ]
    assert kept_patch(patch) == [
        {"op": "replace", "path": "/relations/310/status", "value": "terminated"},
        {"op": "replace", "path": "", "value": {"certno": CHEN_JING, "psn_name": "陈静"}},
    ]


def test_a_batch_of_events_sees_what_its_earlier_events_did_and_is_saved_at_once() -> None:
    one_by_one = application(TreatmentApplication)  # fed event by event
    batched = TreatmentApplication(
        TreatmentApplication.default_definitions(),
        lambda *_: "x",
        env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
        today=lambda: TODAY,
    )
    outcomes = batched.react_many(list(person_events()))
    assert all(isinstance(n, int) and n > 0 for n in outcomes)  # 刘洋's second event found the entry his first opened
    for certno in (WANG_FANG, CHEN_JING, "520102198804150036"):
        assert batched.get_entry("insured", certno).state == one_by_one.get_entry("insured", certno).state
    assert batched.get_entry("insured", "520102198804150036").state["source_version"] == 2
    assert batched.react_many(list(person_events())) == [0] * len(person_events())


def test_the_view_is_kept_with_its_history_but_not_republished() -> None:
    app = application(TreatmentApplication)
    for envelope in published(given("P017", at=COMPLETED).app, "person"):
        app.react(envelope)
    assert app.get_entry("insured", CHEN_JING).version >= 1  # kept in treatment's own store, with its history
    assert {e.get("registry") for e in published(app)} == set()  # enrollment's events are the published facts
