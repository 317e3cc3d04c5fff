"""What a service process read or saved moments ago is not read again: an append chains to the digest its command
read or wrote, without reading it under the table lock; a command on a case this process just saved starts from it.
Neither can be wrong when another process wrote in between: the chain stays whole and the command is refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from tests.integration.enrollment_store import enrollment_app, fresh_database
from ybj_enrollment.application import EnrollmentApplication
from ybj_kernel.audit.chain import StoredRow, first_broken
from ybj_kernel.domain.engine import Actor, Command
from ybj_kernel.errors import Conflict

pytestmark = pytest.mark.integration

REG = Actor(user_id="reg-1", roles=("registrar",), admdvs="520100")
UNIT = {"emp_no": "1", "emp_name": "社区", "admdvs": "520115"}


@pytest.fixture
def dsn(infrastructure: dict[str, str]) -> Iterator[str]:
    with fresh_database(infrastructure["YBJ_PG_DSN"], "digests") as dsn:
        yield dsn


def _app(dsn: str) -> EnrollmentApplication:
    return enrollment_app(dsn)


def _rows(dsn: str) -> list[StoredRow]:
    with psycopg.connect(dsn) as conn:
        found = conn.execute(
            "SELECT originator_id, originator_version, topic, state, prev_digest, digest, notification_id"
            " FROM enrollment.enrollment_events ORDER BY originator_id, originator_version"
        ).fetchall()
    return [StoredRow(str(r[0]), r[1], r[2], bytes(r[3]), bytes(r[4]), bytes(r[5]), r[6]) for r in found]


def _prev_reads(app: EnrollmentApplication, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every read of earlier digests the appends make under the table lock."""
    reads: list[Any] = []
    recorder: Any = app.recorder
    statement = recorder._select_prev_sql
    original = psycopg.Cursor.execute

    def execute(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        if query == statement:
            reads.append(args)
        return original(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", execute)
    return reads


def test_an_action_chains_to_the_digest_it_read(dsn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(dsn)
    try:
        reads = _prev_reads(app, monkeypatch)
        ack = app.create_case("P019", UNIT, REG)
        app.act(UUID(ack.case_id), REG, Command(action="cancel", expected_version=ack.version, comment="登记有误"))
        assert reads == []  # the cancel chained to the case's first event as the command read it
        rows = _rows(dsn)
        assert [r.version for r in rows if r.originator_id == str(ack.case_id)] == [1, 2]
        assert first_broken(rows) is None
    finally:
        app.close()


def test_a_stream_not_read_lately_is_read_under_the_lock(dsn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(dsn)
    try:
        ack = app.create_case("P019", UNIT, REG)
        first = app.recorder.select_events(UUID(ack.case_id))[0]
        recorder: Any = app.recorder
        recorder.known_digests = type(recorder.known_digests)()  # forgotten, as after 20,000 other reads
        reads = _prev_reads(app, monkeypatch)
        app.recorder.insert_events([StoredEvent(first.originator_id, 2, first.topic, first.state)])
        assert len(reads) == 1
        assert first_broken(_rows(dsn)) is None
    finally:
        app.close()


def test_a_digest_read_before_another_writer_appended_cannot_fork_the_chain(dsn: str) -> None:
    ours, theirs = _app(dsn), _app(dsn)
    try:
        ack = ours.create_case("P019", UNIT, REG)
        read = ours.recorder.select_events(UUID(ack.case_id))  # ours remembers version 1's digest
        theirs.act(UUID(ack.case_id), REG, Command(action="cancel", expected_version=ack.version, comment="另一窗口"))
        late = StoredEvent(UUID(ack.case_id), 2, read[0].topic, read[0].state)  # ours appends version 2 as well
        with pytest.raises(IntegrityError):
            ours.recorder.insert_events([late])
        rows = _rows(dsn)
        assert [r.version for r in rows if r.originator_id == str(ack.case_id)] == [1, 2]
        assert first_broken(rows) is None
    finally:
        ours.close()
        theirs.close()


def test_a_command_on_a_case_this_process_just_saved_reads_nothing_back(
    dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _app(dsn)
    try:
        ack = app.create_case("P019", UNIT, REG)
        reads: list[UUID] = []
        recorder: Any = app.recorder
        original = recorder.select_events

        def select_events(originator_id: UUID, **kwargs: Any) -> Any:
            reads.append(originator_id)
            return original(originator_id, **kwargs)

        monkeypatch.setattr(recorder, "select_events", select_events)
        done = app.act(UUID(ack.case_id), REG, Command(action="cancel", expected_version=1, comment="登记有误"))
        assert done.version == 2
        assert reads == []
        assert first_broken(_rows(dsn)) is None
    finally:
        app.close()


def test_a_case_changed_by_another_process_meanwhile_is_a_concurrent_update(dsn: str) -> None:
    ours, theirs = _app(dsn), _app(dsn)
    try:
        ack = ours.create_case("P019", UNIT, REG)  # ours keeps the case at version 1
        theirs.act(UUID(ack.case_id), REG, Command(action="cancel", expected_version=1, comment="另一窗口"))
        with pytest.raises(Conflict) as refused:
            ours.act(UUID(ack.case_id), REG, Command(action="cancel", expected_version=1, comment="登记有误"))
        assert refused.value.code == "CONCURRENT_UPDATE"
        rows = [r for r in _rows(dsn) if r.originator_id == ack.case_id]
        assert [r.version for r in rows] == [1, 2]
        stored = ours.recorder.select_events(UUID(ack.case_id))
        assert ours.mapper.to_domain_event(stored[1]).comment == "另一窗口"  # type: ignore[attr-defined]  # theirs
        assert ours.get_case(UUID(ack.case_id)).version == 2
    finally:
        ours.close()
        theirs.close()
