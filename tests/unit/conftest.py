"""Unit fixtures: the case engine on eventsourcing's in-memory store, with every service's processes."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from tests.unit.gwt import TODAY
from ybj_enrollment.application import EnrollmentApplication
from ybj_kernel.application import CaseAck, CaseApplication
from ybj_kernel.domain.engine import Actor, Command
from ybj_kernel.domain.identity import certno_check_digit
from ybj_settlement.application import SettlementApplication
from ybj_supervision.application import SupervisionApplication
from ybj_treatment.application import TreatmentApplication

APPS: dict[str, type[CaseApplication]] = {
    "P019": EnrollmentApplication,
    "P044": TreatmentApplication,
    "P079": SettlementApplication,
    "P072": SupervisionApplication,
}


def valid_certno(first17: str) -> str:
    """Complete 17 digits with their GB 11643 check character."""
    return first17 + certno_check_digit(first17)


def staff(user: str, role: str, admdvs: str = "520100") -> Actor:
    """A staff member of 贵阳 (or another division) in one role."""
    return Actor(user, (role,), admdvs)


def retiree_filing() -> dict[str, Any]:
    """The data of a P044 filing: 刘洋 (insured in 贵阳 by P003's example) resettled in 深圳."""
    return {
        "certno": "520102198804150036",
        "psn_name": "刘洋",
        "admdvs": "520102",
        "resettle_admdvs": "440300",
        "begndate": "2026-12-01",
    }


class Desk:
    """An in-memory service desk: create cases and act on them at their current version."""

    def __init__(self, app: CaseApplication) -> None:
        self.app = app

    def create(self, process: str, data: dict[str, Any], who: Actor, key: str | None = None) -> CaseAck:
        """Open a case."""
        return self.app.create_case(process, data, who, idempotency_key=key)

    def act(
        self,
        ack: CaseAck,
        who: Actor,
        action: str,
        data: dict[str, Any] | None = None,
        comment: str | None = None,
        version: int | None = None,
    ) -> CaseAck:
        """Act at the case's current version (or an explicit one)."""
        case_id = UUID(ack.case_id)
        current = self.app.get_case(case_id).version if version is None else version
        return self.app.act(case_id, who, Command(action, current, comment, data or {}))


@pytest.fixture
def desk_for() -> Callable[[str], Desk]:
    """Build an in-memory desk for the service that runs a process."""
    counter = itertools.count(1)

    def numbers(code: str, admdvs: str, day: date) -> str:
        return f"{code}{admdvs}{day:%Y%m%d}{next(counter):08d}"

    def build(process: str) -> Desk:
        cls = APPS[process]
        env = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
        app = cls(cls.default_definitions(), numbers, env=env, today=lambda: TODAY)
        if cls is TreatmentApplication:
            from tests.unit.insured_persons import feed_insured

            feed_insured(app)  # who is insured, as enrollment's events would have told the service
        return Desk(app)

    return build
