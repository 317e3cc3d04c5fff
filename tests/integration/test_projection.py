"""The projection on real PostgreSQL: a re-sent event, in the same or a later transaction, changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from prometheus_client import generate_latest
from sqlalchemy import Engine, create_engine, exc, func, select

from ybj_dev import infra
from ybj_kernel.envelope import to_envelope
from ybj_query import bulk, reads
from ybj_query.consumer import create_schema
from ybj_query.models import cases, history
from ybj_query.overdue import install_overdue_metric
from ybj_query.projection import project, project_batch

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    env = infra.infra_up(infra.default_run_dir())
    name = f"ybj_proj_{uuid.uuid4().hex[:8]}"
    dsn = infra.create_database(env["YBJ_PG_DSN"], name)
    engine = create_engine(dsn.replace("postgresql://", "postgresql+psycopg://", 1))
    create_schema(engine)
    yield engine
    engine.dispose()
    infra.drop_database(env["YBJ_PG_DSN"], name)


def _event(
    case_id: str, version: int, action: str, stage_to: str, data: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    stored = {
        "originator_id": case_id,
        "originator_version": version,
        "timestamp": datetime.now(UTC),
        "actor": {"user_id": "reg-1", "role": "registrar"},
        "event_name": "X",
        "action": action,
        "stage_from": "a",
        "stage_to": stage_to,
        "admdvs": "520102",
        "acceptance_no": f"AN-{case_id}",
        "correlation_id": "c",
        "causation_id": "c",
        "data": data,
        **extra,
    }
    return to_envelope("settlement", stored, "P079")


def test_repeats_change_nothing(engine: Engine) -> None:
    case_id = str(uuid.uuid4())
    created = _event(case_id, 1, "create", "receive", {"declared_amount": "10.00"})
    received = _event(case_id, 2, "receive", "generate", {"x": 1}, layer="stage")
    with engine.begin() as conn:
        assert project(conn, created) is True
        assert project(conn, created) is False  # the same batch carried a re-send
        assert project(conn, received) is True
    with engine.begin() as conn:
        assert project(conn, received) is False  # a later batch carried it again
        assert conn.execute(select(func.count()).select_from(history).where(history.c.case_id == case_id)).scalar() == 2
        row = conn.execute(select(cases).where(cases.c.case_id == case_id)).one()
    assert (row.version, row.stage, row.data) == (2, "generate", {"declared_amount": "10.00", "x": 1})


def test_revert_withdraws_the_last_merged_step(engine: Engine) -> None:
    case_id = str(uuid.uuid4())
    with engine.begin() as conn:
        project(conn, _event(case_id, 1, "create", "s1", {"a": 1}))
        project(conn, _event(case_id, 2, "s1", "s2", {"b": 2}, layer="stage"))
        project(conn, _event(case_id, 3, "amend", "s2", {"a": 9}, layer="amend"))
        project(conn, _event(case_id, 4, "step_back", "s1", {}, pop_layer=True))
        row = conn.execute(select(cases).where(cases.c.case_id == case_id)).one()
    assert (row.stage, row.data) == ("s1", {"a": 9})


def test_an_event_ahead_of_its_predecessor_waits_for_the_resend(engine: Engine) -> None:
    # The relay lost an acknowledgement half-way through a batch: 3 landed, 2 did not; it sends 1..3 again.
    case_id = str(uuid.uuid4())
    first = _event(case_id, 1, "create", "s1", {"a": 1})
    second = _event(case_id, 2, "s1", "s2", {"b": 2}, layer="stage")
    third = _event(case_id, 3, "s2", "s3", {"c": 3}, layer="stage")
    with engine.begin() as conn:
        assert project(conn, first) is True
        assert project(conn, third) is False  # ahead of 2: changes nothing yet
        assert project(conn, _event(str(uuid.uuid4()), 2, "s1", "s2", {})) is False  # a case never opened
        assert [project(conn, e) for e in (first, second, third)] == [False, True, True]
        versions = conn.execute(select(history.c.version).where(history.c.case_id == case_id)).scalars().all()
        row = conn.execute(select(cases).where(cases.c.case_id == case_id)).one()
    assert sorted(versions) == [1, 2, 3]
    assert (row.version, row.stage, row.data) == (3, "s3", {"a": 1, "b": 2, "c": 3})


def _sequence(a: str, b: str, never: str) -> list[dict[str, Any]]:
    """Repeats, an early arrival, an amendment, a revert and a case never opened, in one stream."""
    return [
        _event(a, 1, "create", "s1", {"a": 1}),
        _event(a, 1, "create", "s1", {"a": 1}),
        _event(a, 3, "s2", "s3", {"c": 3}, layer="stage"),
        _event(b, 1, "create", "t1", {"x": 1}),
        _event(a, 2, "s1", "s2", {"b": 2}, layer="stage"),
        _event(a, 3, "s2", "s3", {"c": 3}, layer="stage"),
        _event(never, 2, "s1", "s2", {}),
        _event(a, 4, "amend", "s3", {"a": 9}, layer="amend"),
        _event(b, 2, "t1", "t2", {"y": 2}, layer="stage"),
        _event(a, 5, "step_back", "s2", {}, pop_layer=True),
        _event(b, 2, "t1", "t2", {"y": 2}, layer="stage"),
    ]


def _state(engine: Engine, case_id: str) -> tuple[Any, ...]:
    with engine.connect() as conn:
        row = conn.execute(select(cases).where(cases.c.case_id == case_id)).one()
        versions = conn.execute(select(history.c.version).where(history.c.case_id == case_id)).scalars().all()
    return row.version, row.stage, row.data, row.layers, sorted(versions)


def test_a_batch_applies_exactly_as_one_event_at_a_time(engine: Engine) -> None:
    one = [str(uuid.uuid4()) for _ in range(3)]
    many = [str(uuid.uuid4()) for _ in range(3)]
    with engine.begin() as conn:
        singly = [project(conn, e) for e in _sequence(*one)]
    with engine.begin() as conn:
        batched = project_batch(conn, _sequence(*many))
    assert batched == singly == [True, False, False, True, True, True, False, True, True, True, False]
    assert _state(engine, many[0]) == _state(engine, one[0])
    assert _state(engine, many[0])[:3] == (5, "s2", {"a": 9, "b": 2})
    assert _state(engine, many[1]) == _state(engine, one[1])


def test_batches_move_on_cases_that_earlier_batches_opened(engine: Engine) -> None:
    one = [str(uuid.uuid4()) for _ in range(3)]
    many = [str(uuid.uuid4()) for _ in range(3)]
    with engine.begin() as conn:
        singly = [project(conn, e) for e in _sequence(*one)]
    events, batched = _sequence(*many), []
    for part in (events[:4], events[4:8], events[8:]):  # each case opens in one batch and moves on in the next
        with engine.begin() as conn:
            batched += project_batch(conn, part)
    assert batched == singly
    assert _state(engine, many[0]) == _state(engine, one[0])
    assert _state(engine, many[1]) == _state(engine, one[1])


def test_a_batch_that_raced_another_writer_is_refused_whole(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    # The batch saw the case at version 1, but version 2 is already there: nothing of it may apply.
    case_id, other = str(uuid.uuid4()), str(uuid.uuid4())
    with engine.begin() as conn:
        project(conn, _event(case_id, 1, "create", "s1", {"a": 1}))
        project(conn, _event(case_id, 2, "s1", "s2", {"b": 2}, layer="stage"))
    monkeypatch.setattr(
        bulk, "read_cases", lambda conn, ids: {case_id: (1, [{"mode": "merge", "data": {"a": 1}}], None)}
    )
    with pytest.raises(exc.IntegrityError), engine.begin() as conn:
        project_batch(conn, [_event(other, 1, "create", "t1", {}), _event(case_id, 2, "s1", "s9", {"c": 3})])
    assert _state(engine, case_id)[:2] == (2, "s2")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(cases).where(cases.c.case_id == other)).scalar() == 0


@pytest.mark.parametrize("one_at_a_time", [True, False], ids=["project", "project_batch"])
def test_a_stage_past_its_deadline_is_in_the_overdue_queue_and_counted(engine: Engine, one_at_a_time: bool) -> None:
    case_id = str(uuid.uuid4())
    events = [
        _event(case_id, 1, "create", "receive", {}, due_on="2026-01-05", variant="single"),
        _event(case_id, 2, "amend", "receive", {"tel": "1"}, layer="amend"),  # stays: keeps its deadline
    ]
    events[1]["stagefrom"] = "receive"
    with engine.begin() as conn:
        if one_at_a_time:
            assert all(project(conn, e) for e in events)
        else:
            assert project_batch(conn, events) == [True, True]
    queue = reads.work_queue(
        engine, "520000", process=None, stage=None, admdvs=None, page=1, page_size=200, overdue_on=date(2026, 1, 6)
    )
    mine = [c for c in queue["items"] if c["case_id"] == case_id]
    assert [(c["due_on"], c["variant"]) for c in mine] == [("2026-01-05", "single")]
    not_yet = reads.work_queue(
        engine, "520000", process=None, stage=None, admdvs=None, page=1, page_size=200, overdue_on=date(2026, 1, 5)
    )
    assert case_id not in {c["case_id"] for c in not_yet["items"]}
    install_overdue_metric(engine)
    assert 'ybj_cases_overdue{process="P079",stage="receive"}' in generate_latest().decode()
    moved = _event(case_id, 3, "receive", "generate", {}, layer="stage")  # a new stage without a deadline
    moved["stagefrom"] = "receive"
    with engine.begin() as conn:
        assert project(conn, moved)
        assert conn.execute(select(cases.c.due_on).where(cases.c.case_id == case_id)).scalar() is None
