"""Given/when/then in events over the in-memory application: given a stage (or the events so far), when an actor acts, then these events and this stage."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from tests.unit.prerequisites import PREREQUISITES
from ybj_enrollment.application import EnrollmentApplication
from ybj_gateway.application import GatewayApplication
from ybj_kernel.application import CaseAck, CaseApplication
from ybj_kernel.domain.engine import Actor, Command
from ybj_kernel.domain.process import COMPLETED, ProcessDefinition
from ybj_kernel.errors import YbjError
from ybj_settlement.application import SettlementApplication
from ybj_supervision.application import SupervisionApplication
from ybj_treatment.application import TreatmentApplication

SERVICE_APPS: tuple[type[CaseApplication], ...] = (
    EnrollmentApplication,
    TreatmentApplication,
    SettlementApplication,
    SupervisionApplication,
    GatewayApplication,
)

# The application's date in these tests: fixed, so that a rule such as "a month before the current one" holds.
TODAY = date(2026, 12, 5)
PROVINCE = "520000"  # 贵州省: staff of the province may act on every case in it


def application(app_class: type[CaseApplication], today: date = TODAY) -> CaseApplication:
    """A service's application on eventsourcing's in-memory store, with its own 受理号 counter and a fixed date."""
    counter = itertools.count(1)

    def numbers(code: str, admdvs: str, day: date) -> str:
        return f"{code}{admdvs}{day:%Y%m%d}{next(counter):08d}"

    env = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    app = app_class(app_class.default_definitions(), numbers, env=env, today=lambda: today)
    if app_class is TreatmentApplication:
        from tests.unit.insured_persons import feed_insured

        feed_insured(app)  # who is insured, as enrollment's events on Kafka would have told treatment
    if app_class is SettlementApplication:
        from tests.unit.enrolled_contributions import feed_contributions

        feed_contributions(app)  # 缴费记录, as enrollment's events on Kafka would have told settlement (P021)
    return app


def staff(user: str, role: str, admdvs: str = PROVINCE) -> Actor:
    """One person in one role."""
    return Actor(user, (role,), admdvs)


def walker(role: str, step: int) -> Actor:
    """A different person for each step of a walk, so that no review meets its own earlier step."""
    return staff(f"{role}-{step}", role)


@dataclass
class Then:
    """What a `when` did: the events it recorded and where the case went, or the error that refused it."""

    scenario: Scenario
    events: list[str]
    stage: str | None
    error: YbjError | None

    def then(self, *, events: Sequence[str], stage: str) -> Scenario:
        """Assert the events recorded (in order) and the case's stage, and carry on from there."""
        assert self.error is None, f"refused: {self.error}"
        assert (self.events, self.stage) == (list(events), stage)
        return self.scenario

    def then_refused(self, code: str, field: str | None = None) -> Scenario:
        """Assert the action was refused with this error code (and field), recording nothing."""
        assert self.error is not None, f"accepted: {self.events} → {self.stage}"
        assert self.error.code == code, str(self.error)
        if field is not None:
            assert self.error.field == field
        assert self.events == []
        return self.scenario


@dataclass
class Scenario:
    """One case of one process, moved by named actors."""

    app: CaseApplication
    process: ProcessDefinition
    variant: str | None = None
    case_id: UUID | None = None
    history: list[str] = field(default_factory=list)

    def when(self, actor: Actor, action: str, data: dict[str, Any] | None = None, comment: str | None = None) -> Then:
        """Take one action (`create` opens the case) at the case's current version."""
        before = self.app.get_case(self.case_id).version if self.case_id else 0
        try:
            if action == "create":
                ack: CaseAck = self.app.create_case(self.process.id, data or {}, actor, variant=self.variant)
                self.case_id = UUID(ack.case_id)
            else:
                assert self.case_id is not None, "create the case first"
                self.app.act(self.case_id, actor, Command(action, before, comment, data or {}))
        except YbjError as err:
            return Then(self, [], self.stage, err)
        assert self.case_id is not None
        new = [e.event_name for e in self.app.events.get(self.case_id, gt=before)]  # type: ignore[attr-defined]
        self.history += new
        return Then(self, new, self.stage, None)

    @property
    def stage(self) -> str | None:
        """The case's stage now (None before it is created)."""
        return self.app.get_case(self.case_id).stage if self.case_id else None

    def data(self) -> dict[str, Any]:
        """The case's data as it stands."""
        assert self.case_id is not None
        return self.app.get_case(self.case_id).data

    def walk_to(self, stage: str) -> Scenario:
        """Follow the happy path with each stage's example data, one person per step, until `stage`."""
        p, variant = self.process, self.variant
        if self.case_id is None:
            opening = p.opening(variant)
            self.when(walker(opening.roles[0], 0), "create", dict(opening.example)).then(
                events=[opening.event], stage=p.next_stage(opening.key, variant)
            )
        for step in itertools.count(1):
            current = self.stage
            assert current is not None
            if current == stage:
                return self
            if current == COMPLETED:
                pytest.fail(f"{p.id}: the happy path never reaches {stage!r}")
            s = p.stage(current)
            self.when(walker(s.roles[0], step), s.action, dict(s.example)).then(
                events=[s.event], stage=p.next_stage(s.key, variant)
            )
        raise AssertionError("unreachable")


def app_class_for(process_id: str) -> type[CaseApplication]:
    """The application of the service that runs a process."""
    return next(cls for cls in SERVICE_APPS if process_id in cls.default_definitions())


def given(
    process_id: str,
    *,
    at: str | None = None,
    events: Sequence[str] = (),
    today: date = TODAY,
    variant: str | None = None,
) -> Scenario:
    """A case of `process_id` (and `variant`) at stage `at`, or after exactly these happy-path `events` (none: not yet opened)."""
    app = application(app_class_for(process_id), today)
    for needed in PREREQUISITES.get(f"{process_id}:{variant}", PREREQUISITES.get(process_id, ())):
        needed_id, _, needed_variant = needed.partition(":")  # "P006:stop": that process in that variant
        Scenario(app, app.definition(needed_id), needed_variant or None).walk_to(COMPLETED)
    scenario = Scenario(app, app.definition(process_id), variant)
    if at is not None:
        return scenario.walk_to(at)
    p = scenario.process
    path = p.path(variant)
    assert [s.event for s in path[: len(events)]] == list(events), f"{process_id}'s happy path does not begin {events}"
    if events:
        scenario.walk_to(p.next_stage(path[len(events) - 1].key, variant))
    return scenario
