"""The registry read model's fold, on the envelopes a real relay mapping gives: each patch applied to the state
before it, a step back, a re-sent event; and the patch applier, against the `jsonpatch` library."""

from __future__ import annotations

from typing import Any

import jsonpatch
import orjson
import pytest
from hypothesis import given as for_all
from hypothesis import settings
from hypothesis import strategies as st

from tests.unit.conftest import staff
from tests.unit.gwt import given
from ybj_enrollment.registries.codes import ACTIVE, SUSPENDED, psn_no_for
from ybj_kernel.adapters.relay import Envelopes
from ybj_kernel.domain.process import COMPLETED
from ybj_kernel.domain.registry import patched
from ybj_query.bulk import StoredEntry
from ybj_query.projection import PoisonMessage, check_envelope
from ybj_query.registry_projection import PoisonRegistryMessage, fold, searchable

CERTNO = "520102199003070022"  # P002's example employee
PSN_NO = psn_no_for(CERTNO)
CLERK, REVIEWER = staff("clerk-9", "registrar"), staff("reviewer-9", "registrar")


@pytest.fixture(scope="module")
def published() -> list[dict[str, Any]]:
    """P001 employer, P002 employee, P006 暂停缴费 completed then stepped back: the registry envelopes, in order."""
    s = given("P006", variant="suspend")
    s.when(CLERK, "create", {"certno": CERTNO, "paus_date": "2026-12-01", "paus_rea": "单位停产"}).then(
        events=["ContributionSuspended"], stage=COMPLETED
    )
    s.when(REVIEWER, "step_back", comment="暂停日期填错").then(events=["SteppedBack"], stage="suspend_contribution")
    mapper = Envelopes(s.app)
    notes = s.app.recorder.select_notifications(start=None, limit=1000)
    return [e for n in notes if (e := mapper(n)) is not None and "entryid" in e]


def _person(envelopes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in envelopes if e["registry"] == "person"]


def test_the_read_model_holds_each_entry_as_it_stands_with_both_moves_in_its_history(
    published: list[dict[str, Any]],
) -> None:
    folded = fold({}, published)
    assert all(folded.applied)
    person = next(e for e in folded.opened if e["registry"] == "person")
    assert (person["key"], person["version"], person["in_effect"]) == (PSN_NO, 3, True)
    assert person["state"]["relations"]["310"]["status"] == ACTIVE  # the suspension was stepped back
    assert (person["certno"], person["psn_name"]) == (CERTNO, "陈静")
    history = [h for h in folded.history if h["registry"] == "person"]
    assert [(h["version"], h["event_name"]) for h in history] == [
        (1, "Enrolled"),
        (2, "ContributionSuspended"),
        (3, "ChangeReverted"),
    ]
    assert history[1]["patch"] == _person(published)[1]["data"]["patch"]  # the change, not the state after it
    assert "state" not in history[1]
    assert history[2]["args"] is None
    assert history[2]["op"] == "suspend_contribution"
    assert history[1]["case_id"] == history[2]["case_id"] == person["case_id"]
    employer = next(e for e in folded.opened if e["registry"] == "employer")
    assert employer["emp_nos"] == [employer["key"]] == person["emp_nos"]
    assert employer["uscc"] == employer["state"]["uscc"]
    assert employer["admdvs"] == "520102"


def _state_at(published: list[dict[str, Any]], version: int) -> dict[str, Any]:
    """The person's state at `version` (a new document each time: a fold changes the state it is given in place)."""
    state: dict[str, Any] = fold({}, _person(published)[:version]).opened[0]["state"]
    return state


def _held(published: list[dict[str, Any]], version: int) -> StoredEntry:
    """The person as a read model holds it at `version`."""
    return StoredEntry(version, True, _state_at(published, version))


def test_each_patch_applies_to_the_state_the_read_model_holds(published: list[dict[str, Any]]) -> None:
    person = _person(published)
    assert _state_at(published, 2)["relations"]["310"]["status"] == SUSPENDED
    # The read model held version 2; version 3 (the step back) is applied to that state alone.
    restored = fold({("person", PSN_NO): _held(published, 2)}, person[2:]).moved[0]
    assert restored["state"] == _state_at(published, 1)
    assert "paus_rea" not in restored["state"]["relations"]["310"]
    # A patch that does not fit the state held (a read model out of step with the topic) is refused, not guessed at.
    with pytest.raises(PoisonRegistryMessage, match="does not apply"):
        fold({("person", PSN_NO): StoredEntry(2, True, {"certno": CERTNO})}, person[2:])


def test_a_redelivered_event_changes_nothing(published: list[dict[str, Any]]) -> None:
    person = _person(published)
    # The same event again in one batch, and an early arrival (3 before 2) in another: neither applies.
    assert fold({}, [person[0], person[0], person[1]]).applied == [True, False, True]
    later = fold({("person", PSN_NO): _held(published, 2)}, [person[1], person[0], person[2]])
    assert later.applied == [False, False, True]
    assert later.opened == []
    assert [m["version"] for m in later.moved] == [3]
    assert later.moved[0]["read_version"] == 2
    early = fold({("person", PSN_NO): _held(published, 1)}, [person[2], person[1]])
    assert early.applied == [False, True]
    assert early.moved[0]["version"] == 2
    assert early.moved[0]["state"] == _state_at(published, 2)
    # Everything already applied: nothing to write at all (and the state need not have been read).
    again = fold({("person", PSN_NO): StoredEntry(3, True, None)}, person)
    assert again.applied == [False, False, False]
    assert (again.history, again.opened, again.moved) == ([], [], [])


def test_an_entry_no_longer_in_effect_keeps_its_row_without_searchable_values(published: list[dict[str, Any]]) -> None:
    opened = _person(published)[0]
    undone = {
        **opened,
        "id": "undone",
        "entryversion": 2,
        "eventname": "ChangeReverted",
        "type": "cn.ybj.enrollment.person.ChangeReverted.v1",
        "ineffect": False,
        "data": {"args": None, "patch": [{"op": "replace", "path": "", "value": {}}]},
    }
    folded = fold({}, [opened, undone])
    row = folded.opened[0]
    assert (row["version"], row["in_effect"], row["state"]) == (2, False, {})
    assert (row["certno"], row["psn_name"], row["emp_nos"]) == (None, None, [])


def test_searchable_columns_come_off_the_state() -> None:
    person = {
        "certno": "X1",
        "psn_name": "李四",
        "relations": {
            "310": {"emp_no": "U1", "enddate": None},
            "510": {"emp_no": "U0", "enddate": "2025-01-01"},  # ended: no longer the person's unit
        },
    }
    assert searchable(person) == {
        "emp_name": None,
        "uscc": None,
        "certno": "X1",
        "psn_name": "李四",
        "admdvs": None,
        "emp_nos": ["U1"],
    }
    assert searchable({"target": "U1"})["emp_nos"] == []  # an index entry: nothing to search by
    assert searchable({"emp_no": "U2", "emp_name": 7})["emp_name"] is None  # only text is searched


def test_registry_events_are_understood_and_malformed_ones_are_poison(published: list[dict[str, Any]]) -> None:
    for envelope in published:
        assert check_envelope(envelope) is envelope
    # A registry the query service has never heard of (another service's) is projected like any other.
    other = {**published[0], "registry": "filing", "type": "cn.ybj.treatment.filing.FilingKept.v1"}
    other |= {"eventname": "FilingKept", "source": "/ybj/treatment"}
    assert check_envelope(other) is other
    for broken, reason in (
        ({"entryversion": 0}, "not a version"),
        ({"data": {"args": None}}, "data.patch"),
        ({"data": {"args": None, "state": {}}}, "data.patch"),
        ({"data": {"args": None, "patch": [{"op": "add"}]}}, "data.patch"),
        ({"type": "cn.ybj.enrollment.person.Other.v1"}, "unknown event type"),
        ({"registry": "employer"}, "unknown event type"),
        ({"ineffect": "yes"}, "boolean"),
        ({"entryid": "not-a-uuid"}, "malformed"),
    ):
        with pytest.raises(PoisonMessage, match=reason):
            check_envelope({**published[0], **broken})
    missing = dict(published[0])
    del missing["bycaseid"]
    with pytest.raises(PoisonMessage, match="missing"):
        check_envelope(missing)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text("ab/~", max_size=2),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text("ab/~", max_size=2), inner, max_size=4),
    max_leaves=12,
)


@for_all(before=_JSON, after=_JSON, later=_JSON)
@settings(max_examples=300, deadline=None)
def test_the_projector_applies_a_registry_patch_as_the_registry_does(before: Any, after: Any, later: Any) -> None:
    # Moves, list inserts and removals, keys with "/" and "~": every patch the registry can store comes out the same.
    patch = jsonpatch.make_patch(before, after).patch
    kept = orjson.dumps(patch)
    doc = patched(orjson.loads(orjson.dumps(before)), patch)
    assert doc == after
    # A later patch changes the document, never the values the earlier patch put in (history rows keep them).
    patched(doc, jsonpatch.make_patch(after, later).patch)
    assert orjson.dumps(patch) == kept
