"""Given/when/then in events for one registry entry: given these ops (each by its own case), when an op or a revert,
then these facts recorded (or this error, and nothing changed)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from eventsourcing.application import Application

from ybj_kernel.domain.registry import Entry, Registry, apply_op, open_entry, revert_entry
from ybj_kernel.errors import YbjError

Step = tuple[str, Mapping[str, Any]]  # (op, args)


def facts(events: list[Any]) -> list[str]:
    """The business facts of these entry events (e.g. ContributionSuspended), in order."""
    return [str(getattr(e, "event_name", type(e).__name__)) for e in events]


@dataclass
class EntryScenario:
    """One entry of one registry, changed by numbered cases (case-1, case-2 …) unless a case is named."""

    reg: Registry
    key: str
    entry: Entry | None = None
    history: list[Any] = field(default_factory=list)  # every event the entry recorded, oldest first
    cases: int = 0

    def _case(self, case: str | None) -> str:
        self.cases += 1
        return case or f"case-{self.cases}"

    def _run(self, op: str, args: Mapping[str, Any], case: str | None) -> list[Any]:
        case_id = self._case(case)
        if self.entry is None:
            self.entry = open_entry(self.reg, self.key, op, args, case_id)
        else:
            apply_op(self.reg, self.entry, op, args, case_id)
        new = list(self.entry.collect_events())
        self.history.extend(new)
        return new

    def when(self, op: str, args: Mapping[str, Any] | None = None, *, case: str | None = None) -> Outcome:
        """Apply `op` by a new case (or `case`), keeping what happened for `then`."""
        before = copy.deepcopy(self.entry.state) if self.entry is not None else None
        try:
            return Outcome(self, self._run(op, args or {}, case), None, before)
        except YbjError as err:
            return Outcome(self, [], err, before)

    def when_reverted(self, case: str) -> Outcome:
        """Step `case` back: its change to this entry is reverted, if it is still the latest."""
        assert self.entry is not None, "nothing to revert: the entry was never opened"
        before = copy.deepcopy(self.entry.state)
        try:
            revert_entry(self.reg, self.entry, case)
        except YbjError as err:
            return Outcome(self, [], err, before)
        new = list(self.entry.collect_events())
        self.history.extend(new)
        return Outcome(self, new, None, before)

    @property
    def state(self) -> dict[str, Any]:
        """The entry's state now."""
        assert self.entry is not None
        return self.entry.state


@dataclass
class Outcome:
    """What a `when` did: the events recorded, or the error that refused it."""

    scenario: EntryScenario
    events: list[Any]
    error: YbjError | None
    before: dict[str, Any] | None

    def then(self, events: list[str]) -> EntryScenario:
        """Expect these facts, in order (an empty list: nothing was recorded)."""
        if self.error is not None:
            pytest.fail(f"refused: {self.error}")
        assert facts(self.events) == events
        return self.scenario

    def then_refused(self, code: str, field: str | None = None, status: int | None = None) -> YbjError:
        """Expect this error code (and field, and HTTP status), with the entry left as it was."""
        assert self.error is not None, f"accepted, recording {facts(self.events)}"
        assert self.error.code == code, str(self.error)
        if field is not None:
            assert self.error.field == field, str(self.error)
        if status is not None:
            assert self.error.status == status
        entry = self.scenario.entry
        assert (entry.state if entry is not None else None) == self.before, "a refused change changed the entry"
        return self.error


def given(reg: Registry, key: str, *steps: Step) -> EntryScenario:
    """An entry as these ops, each by its own case (case-1, case-2 …), left it."""
    scenario = EntryScenario(reg, key)
    for op, args in steps:
        scenario._run(op, args, None)
    return scenario


def round_trip(scenario: EntryScenario, *, snapshot: bool = False) -> tuple[Entry, Application[Any]]:
    """Store the entry's events in eventsourcing's in-memory store (through its JSON transcoder) and load it back."""
    assert scenario.entry is not None
    env = {"PERSISTENCE_MODULE": "eventsourcing.popo", "IS_SNAPSHOTTING_ENABLED": "y" if snapshot else "n"}
    app: Application[Any] = Application(env=env)
    app.save(*scenario.history)
    if snapshot:
        app.take_snapshot(scenario.entry.id)
    loaded: Entry = app.repository.get(scenario.entry.id)
    return loaded, app
