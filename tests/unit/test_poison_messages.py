"""What the projector refuses: anything but a well-formed case event of a known service and schema version."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.unit.conftest import Desk, staff
from ybj_kernel.adapters.backoff import Backoff
from ybj_kernel.adapters.relay import envelope_of
from ybj_query.projection import PoisonMessage, check_envelope

SUSPICION = {
    "task_type": "事后审核",
    "task_name": "x",
    "mdtrt_id": "MD-1",
    "fixmedins_code": "H52010000001",
    "rule_code": "R1",
    "admdvs": "520102",
    "suspect_amount": "10.00",
}


@pytest.fixture
def envelopes(desk_for: Callable[[str], Desk]) -> list[dict[str, Any]]:
    desk = desk_for("P072")
    ack = desk.create("P072", SUSPICION, staff("sys", "system"))
    desk.act(ack, staff("fr-1", "first_reviewer"), "approve", {"is_violation": False})
    notes = desk.app.recorder.select_notifications(start=None, limit=10)
    return [e for n in notes if (e := envelope_of(desk.app, n)) is not None]


def test_published_envelopes_pass(envelopes: list[dict[str, Any]]) -> None:
    assert [check_envelope(e)["caseversion"] for e in envelopes] == [1, 2]


@pytest.mark.parametrize(
    ("first", "changes", "reason"),
    [
        (True, {"type": "cn.ybj.supervision.invoice.Paid.v1"}, "unknown event type"),
        (True, {"type": "cn.ybj.billing.case.Registered.v1"}, "unknown event type"),
        (True, {"type": "cn.ybj.supervision.case.Registered.v2"}, "unknown event type"),
        (True, {"type": "cn.ybj.supervision.case.Other.v1"}, "unknown event type"),
        (True, {"source": "/ybj/treatment"}, "unknown event type"),
        (True, {"schemaversion": "2"}, "schema version"),
        (True, {"caseversion": "1"}, "not a version"),
        (True, {"caseversion": 0}, "not a version"),
        (True, {"caseversion": 2}, "opens with `create`"),
        (False, {"action": "create"}, "opens with `create`"),
        (True, {"actor": None}, "not strings"),
        (True, {"datamode": "replace"}, "datamode"),
        (True, {"data": [1]}, "JSON object"),
        (True, {"time": "yesterday"}, "ISO 8601"),
    ],
)
def test_spoiled_envelopes_are_poison(
    envelopes: list[dict[str, Any]], first: bool, changes: dict[str, Any], reason: str
) -> None:
    envelope = {**envelopes[0 if first else 1], **changes}
    with pytest.raises(PoisonMessage, match=reason):
        check_envelope(envelope)


def test_backoff_grows_to_its_limit_and_resets() -> None:
    backoff = Backoff(first=0.2, limit=1.0)
    delays = [backoff.next() for _ in range(5)]
    assert 0.16 <= delays[0] <= 0.24
    assert 0.8 <= delays[-1] <= 1.2
    assert backoff.failures == 5
    backoff.reset()
    assert backoff.failures == 0
    assert backoff.next() <= 0.24
