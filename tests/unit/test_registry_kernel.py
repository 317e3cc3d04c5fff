"""The kernel's registry entries in events: changes say which case made them, reverts are new events, and a later
case's change blocks the revert of an earlier one; the index keeps one holder; entries survive the store."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, Field

from tests.unit.registry_gwt import facts, given, round_trip
from ybj_kernel.domain.registry import Op, Registry, index_registry, registry_named
from ybj_kernel.errors import Conflict, InvalidInput, NotFound


class Line(BaseModel):
    """One line of a test ledger."""

    text: str = Field(min_length=1)
    ym: str = Field(default="202601", pattern=r"^\d{4}(0[1-9]|1[0-2])$")


def _open(state: dict[str, Any], args: dict[str, Any]) -> None:
    state.update(lines=[args["text"]], status="open")


def _add(state: dict[str, Any], args: dict[str, Any]) -> None:
    if state["status"] == "closed":
        raise Conflict("CLOSED", "已关闭", "closed", "status")
    state["lines"].append(args["text"])


def _close(state: dict[str, Any], _args: dict[str, Any]) -> None:
    state["status"] = "closed"


def _check(state: dict[str, Any], _args: dict[str, Any]) -> None:
    if state["status"] == "closed":
        raise Conflict("CLOSED", "已关闭", "closed", "status")


LEDGER = Registry(  # a test registry: a list of lines that can be closed
    "ledger",
    "台账",
    {
        "open": Op("建账", "LedgerOpened", Line, _open),
        "add": Op("记一笔", "LineAdded", Line, _add),
        "close": Op("关闭", "LedgerClosed", None, _close),
        "check": Op("检查未关闭", "LedgerChecked", None, _check),
    },
    frozenset({"open"}),
)
CERTNO = index_registry("certno", "证件号码", "人员")


def test_each_change_records_its_fact_and_the_case_that_made_it() -> None:
    ledger = given(LEDGER, "L1", ("open", {"text": "a"}))
    ledger.when("add", {"text": "b"}, case="case-b").then(events=["LineAdded"])
    assert [getattr(e, "case_id", None) for e in ledger.history] == ["case-1", "case-b"]
    assert [getattr(e, "op", None) for e in ledger.history] == ["open", "add"]
    assert ledger.state["lines"] == ["a", "b"]


def test_an_entry_id_is_fixed_by_registry_and_key() -> None:
    first, second = given(LEDGER, "L1", ("open", {"text": "a"})), given(LEDGER, "L1", ("open", {"text": "b"}))
    assert first.entry is not None
    assert second.entry is not None
    assert LEDGER.entry_id("L1") == first.entry.id == second.entry.id
    assert LEDGER.entry_id("L1") != CERTNO.entry_id("L1")


def test_an_op_that_changes_nothing_records_nothing() -> None:
    given(LEDGER, "L2", ("open", {"text": "a"})).when("check").then(events=[])


def test_unknown_ops_bad_arguments_and_missing_entries_are_refused_with_their_field() -> None:
    ledger = given(LEDGER, "L3", ("open", {"text": "a"}))
    ledger.when("burn").then_refused("UNKNOWN_OPERATION", "op", status=InvalidInput.status)
    ledger.when("add", {"text": ""}).then_refused("INVALID_FIELD", "text", status=422)
    ledger.when("add", {"text": "b", "ym": "202613"}).then_refused("INVALID_FIELD", "ym", status=422)
    given(LEDGER, "L4").when("add", {"text": "b"}).then_refused("ENTRY_NOT_FOUND", status=NotFound.status)


def test_a_revert_restores_the_state_before_the_change_and_both_stay_in_history() -> None:
    ledger = given(LEDGER, "L5", ("open", {"text": "a"}), ("add", {"text": "b"}))
    ledger.when_reverted("case-2").then(events=["ChangeReverted"])
    assert ledger.state["lines"] == ["a"]
    assert facts(ledger.history) == ["LedgerOpened", "LineAdded", "ChangeReverted"]
    assert ledger.entry is not None
    assert ledger.entry.changed_by() == ["case-1"]


def test_a_revert_is_blocked_by_a_later_case_naming_it_until_that_case_is_stepped_back() -> None:
    ledger = given(LEDGER, "L6", ("open", {"text": "a"}), ("add", {"text": "b"}), ("add", {"text": "c"}))
    err = ledger.when_reverted("case-2").then_refused("CHANGED_SINCE", status=409)
    assert "case-3" in err.message_zh
    assert "case-3" in err.message_en
    assert "请先回退后续业务" in err.message_zh
    ledger.when_reverted("case-3").then(events=["ChangeReverted"])
    ledger.when_reverted("case-2").then(events=["ChangeReverted"])
    assert ledger.state["lines"] == ["a"]


def test_a_case_that_changed_nothing_has_nothing_to_revert() -> None:
    ledger = given(LEDGER, "L7", ("open", {"text": "a"}))
    ledger.when("check", case="case-x").then(events=[])
    ledger.when_reverted("case-x").then(events=[])


def test_reverting_the_opening_frees_the_key_for_a_new_registration() -> None:
    ledger = given(LEDGER, "L8", ("open", {"text": "a"}))
    ledger.when_reverted("case-1").then(events=["ChangeReverted"])
    assert ledger.entry is not None
    assert ledger.entry.in_effect is False
    ledger.when("add", {"text": "b"}).then_refused("ENTRY_NOT_IN_EFFECT", status=409)
    ledger.when("open", {"text": "z"}, case="case-again").then(events=["LedgerOpened"])
    assert (ledger.entry.in_effect, ledger.state["lines"]) == (True, ["z"])
    # Reverting the re-registration leaves the key free again, not the first registration's state.
    ledger.when_reverted("case-again").then(events=["ChangeReverted"])
    assert (ledger.entry.in_effect, ledger.state) == (False, {})


def test_a_closed_entry_takes_no_change_but_the_revert_of_its_closing() -> None:
    ledger = given(LEDGER, "L9", ("open", {"text": "a"}), ("close", {}))
    ledger.when("add", {"text": "b"}).then_refused("CLOSED", "status")
    ledger.when_reverted("case-2").then(events=["ChangeReverted"])
    ledger.when("add", {"text": "b"}).then(events=["LineAdded"])


def test_the_index_holds_one_holder_at_a_time() -> None:
    certno = given(CERTNO, "520102199003070022", ("hold", {"target": "P1"}))
    err = certno.when("hold", {"target": "P2"}).then_refused("KEY_HELD", status=409)
    assert "P1" in err.message_zh
    assert "P1" in err.message_en
    certno.when("hold", {"target": "P1"}).then(events=[])  # the same holder again: nothing to record
    certno.when("release", {"target": "P2"}).then_refused("KEY_NOT_HELD", "target", status=409)
    certno.when("release", {"target": "P1"}, case="case-release").then(events=["KeyReleased"])
    certno.when("hold", {"target": "P2"}, case="case-p2").then(events=["KeyHeld"])
    assert certno.state["target"] == "P2"
    # P1's release cannot be undone while P2 holds the key: P2's case must be stepped back first.
    certno.when_reverted("case-release").then_refused("CHANGED_SINCE")
    certno.when_reverted("case-p2").then(events=["ChangeReverted"])
    certno.when_reverted("case-release").then(events=["ChangeReverted"])
    assert certno.state["target"] == "P1"


def test_an_entry_reconstructs_from_its_stored_events_and_from_a_snapshot() -> None:
    ledger = given(LEDGER, "L10", ("open", {"text": "a"}), ("add", {"text": "b"}), ("add", {"text": "c"}))
    ledger.when_reverted("case-3").then(events=["ChangeReverted"])
    assert ledger.entry is not None
    for snapshot in (False, True):
        loaded, _app = round_trip(ledger, snapshot=snapshot)
        assert (loaded.state, loaded.in_effect, loaded.version) == (ledger.state, True, ledger.entry.version)
        assert loaded.changed_by() == ["case-1", "case-2"]
        # The restored entry goes on as the original would: case-2 is still revertible.
        loaded.reverted(case_id="case-2", op="add", event_name="ChangeReverted", patch=loaded.changes[-1]["undo"])
        assert loaded.state["lines"] == ["a"]


def test_stored_changes_hold_what_changed_not_the_whole_entry() -> None:
    ledger = given(LEDGER, "L11", ("open", {"text": "a"}), *[("add", {"text": f"line {i}"}) for i in range(300)])
    _loaded, app = round_trip(ledger)
    stored = [app.mapper.to_stored_event(e) for e in ledger.history]
    payloads = [json.loads(s.state) for s in stored]
    assert payloads[-1]["patch"] == [{"op": "add", "path": "/lines/300", "value": "line 299"}]
    assert len(stored[-1].state) < 2 * len(stored[2].state)  # the 300th line costs what the 2nd did


def test_a_registry_describes_its_ops_with_their_chinese_names_and_argument_schemas() -> None:
    described = {o["op"]: o for o in LEDGER.describe()["ops"]}
    assert described["open"]["name_zh"] == "建账"
    assert described["open"]["opens"] is True
    assert described["add"]["event"] == "LineAdded"
    assert described["add"]["opens"] is False
    assert "ym" in described["add"]["args_schema"]["properties"]
    assert described["close"]["args_schema"] is None


def test_an_effect_names_a_registry_the_service_owns() -> None:
    assert registry_named({"ledger": LEDGER}, "ledger") is LEDGER
    with pytest.raises(NotFound) as err:
        registry_named({"ledger": LEDGER}, "fund")
    assert (err.value.code, err.value.field) == ("UNKNOWN_REGISTRY", "registry")
