"""A case as of any moment equals the case at that version, across step back and cancel; diffs name each field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

import pytest

from tests.unit.conftest import Desk, staff
from ybj_kernel.audit.as_of import case_at, diff, history_at, moment
from ybj_kernel.errors import InvalidInput, NotFound

SYSTEM = staff("ybj-system", "system")
FIRST, SECOND = staff("fr-1", "first_reviewer"), staff("sr-1", "second_reviewer")
SUSPICION = {
    "task_type": "事后审核",
    "task_name": "追溯",
    "mdtrt_id": "MD-1",
    "fixmedins_code": "H52010000001",
    "rule_code": "R1",
    "admdvs": "520102",
    "suspect_amount": "100.00",
}


def test_as_of_each_event_is_the_case_at_that_version(desk_for: Callable[[str], Desk]) -> None:
    desk = desk_for("P072")
    ack = desk.create("P072", SUSPICION, SYSTEM)
    seen = {1: (desk.app.get_case(UUID(ack.case_id)).stage, desk.app.get_case(UUID(ack.case_id)).data)}
    for who, action, data, comment in (
        (FIRST, "approve", {"is_violation": False}, None),
        (SECOND, "skip", None, None),
        (SECOND, "step_back", None, "等待机构申诉"),
        (FIRST, "step_back", None, "初审重新认定"),
        (SYSTEM, "cancel", None, "误报"),
    ):
        ack = desk.act(ack, who, action, data, comment=comment)
        case = desk.app.get_case(UUID(ack.case_id))
        seen[case.version] = (case.stage, case.data)
    case_id = UUID(ack.case_id)
    events = list(desk.app.events.get(case_id))
    for event in events:
        view = case_at(desk.app, case_id, event.timestamp)  # type: ignore[attr-defined]
        assert view["version"] == event.originator_version
        assert (view["stage"], view["data"]) == seen[event.originator_version]
        assert len(history_at(desk.app, case_id, event.timestamp)) == event.originator_version  # type: ignore[attr-defined]
    with pytest.raises(NotFound):
        case_at(desk.app, case_id, events[0].timestamp - timedelta(microseconds=1))  # type: ignore[attr-defined]
    before, after = case_at(desk.app, case_id, events[1].timestamp), case_at(desk.app, case_id, events[4].timestamp)  # type: ignore[attr-defined]
    changes = {c["field"]: c for c in diff(before, after)}
    assert (changes["stage"]["before"], changes["stage"]["after"]) == ("appeal", "first_review")
    assert changes["data.is_violation"] == {
        "field": "data.is_violation",
        "before": False,
        "after": None,
        "change": "removed",
    }
    assert "data.mdtrt_id" not in changes


@pytest.mark.parametrize("text", ["2026-12-05", "yesterday", "2026-12-05T10:00:00"])
def test_a_moment_needs_a_full_rfc3339_time(text: str) -> None:
    with pytest.raises(InvalidInput):
        moment(text, "as_of")
    assert moment("2026-12-05T10:00:00Z", "as_of").utcoffset() == timedelta(0)
