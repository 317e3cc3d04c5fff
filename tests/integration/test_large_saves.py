"""A save larger than one INSERT may carry in psycopg's pipeline mode (a batch import of thousands of rows) is stored
whole, chained, and answered with every notification id, instead of hanging with the table lock held."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator, Sequence

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent

from ybj_dev import infra
from ybj_enrollment.application import EnrollmentApplication
from ybj_kernel.adapters.chained_recorder import INSERT_CHUNK_BYTES
from ybj_kernel.adapters.eventstore import eventstore_env
from ybj_kernel.audit.chain import GENESIS


@pytest.fixture
def app(infrastructure: dict[str, str]) -> Iterator[EnrollmentApplication]:
    database = f"ybj_bigsave_{uuid.uuid4().hex[:8]}"
    dsn = infra.create_database(infrastructure["YBJ_PG_DSN"], database)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA enrollment")
    definitions = EnrollmentApplication.default_definitions()
    application = EnrollmentApplication(definitions, lambda *_: "n", env=eventstore_env(dsn, "enrollment"))
    try:
        yield application
    finally:
        application.close()
        infra.drop_database(infrastructure["YBJ_PG_DSN"], database)


def _insert(app: EnrollmentApplication, events: Sequence[StoredEvent], timeout: float) -> Sequence[int] | None:
    """Insert in a thread and give up after `timeout` (a hung insert would otherwise hang the test run)."""
    answer: dict[str, Sequence[int] | None] = {}
    worker = threading.Thread(target=lambda: answer.update(ids=app.recorder.insert_events(events)), daemon=True)
    worker.start()
    worker.join(timeout)
    assert not worker.is_alive(), f"inserting {len(events)} events hung for {timeout} s"
    return answer["ids"]


def test_a_save_of_eight_megabytes_is_stored_whole_in_pieces(app: EnrollmentApplication) -> None:
    streams = [uuid.uuid4() for _ in range(1000)]
    state = b'{"row": "' + b"x" * 4000 + b'"}'
    events = [StoredEvent(s, v, "ybj_test:Row", state) for s in streams for v in (1, 2)]
    assert sum(len(e.state) for e in events) > 6 * INSERT_CHUNK_BYTES

    ids = _insert(app, events, timeout=60)

    assert ids is not None
    assert len(ids) == len(events)
    assert list(ids) == sorted(ids)
    stored = app.recorder.select_notifications(start=None, limit=len(events) + 10)
    assert len(stored) == len(events)
    chain = {(n.originator_id, n.originator_version): n for n in stored}
    for s in streams:  # each stream's second event links to its first, across the pieces too
        first, second = chain[(s, 1)], chain[(s, 2)]
        assert first.prev_digest == GENESIS  # type: ignore[attr-defined]
        assert second.prev_digest == first.digest  # type: ignore[attr-defined]
