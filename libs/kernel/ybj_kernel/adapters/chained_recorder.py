"""eventsourcing's PostgreSQL recorder with a hash chain: each stored event gets `prev_digest` and `digest` (SM3).

The digests are computed in the transaction that inserts the events, after eventsourcing's table lock (the
group commit already holds one lock for a whole batch), so no other writer can append to a stream between
reading its last digest and inserting the next event. See ybj_kernel/audit/chain.py for what the digest covers.
Rows stored before the chain existed get their digests once, at start, in stream order.

The digest of the event an append chains to is usually known already: a command reads its case and entries (with
their digests) just before it appends to them. Those read digests are remembered (`KnownDigests`), so the append
skips its own read of them under the table lock. Only digests read from committed rows are remembered, never ones
computed for an insert that may yet roll back: a stored event never changes, so a remembered digest cannot go stale.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    Notification,
    OperationalError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from ybj_kernel.audit.chain import GENESIS, event_digest

# One INSERT carries at most about this many bytes of event state. eventsourcing inserts in psycopg's pipeline mode,
# where a single statement with more than about 5 MB of parameters never returns (client and server each wait for
# the other; measured with psycopg 3.3.9): a large save (a batch import) is inserted in pieces, each fetched before
# the next is sent, all in the same transaction.
INSERT_CHUNK_BYTES = 1_000_000
# Digests of the last events read per stream, kept for the appends that follow the reads (a few hundred bytes each).
DIGESTS_REMEMBERED = 20_000


class KnownDigests:
    """The digests of stored (committed) events lately read or written, by (stream, version); oldest forgotten first."""

    def __init__(self, size: int = DIGESTS_REMEMBERED) -> None:
        self._size = size
        self._digests: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, digests: Iterable[tuple[str, int, bytes]]) -> None:
        """Remember each stream's last (stream, version, digest) of `digests` (the one its next append chains to)."""
        last: dict[str, tuple[int, bytes]] = {}
        for stream, version, digest in digests:
            last[stream] = (version, digest)
        if not last:
            return
        with self._lock:
            for stream, (version, digest) in last.items():
                self._digests[(stream, version)] = digest
                self._digests.move_to_end((stream, version))
            while len(self._digests) > self._size:
                self._digests.popitem(last=False)

    def get(self, stream: str, version: int) -> bytes | None:
        """The digest of that stored event, if it was read or written lately."""
        with self._lock:
            return self._digests.get((stream, version))


def _read_digests(rows: Iterable[DictRow]) -> Iterator[tuple[str, int, bytes]]:
    for row in rows:
        if row["digest"] is not None:
            yield str(row["originator_id"]), int(row["originator_version"]), bytes(row["digest"])


@dataclass(frozen=True)
class ChainedNotification(Notification):
    """A notification with its event's chain digests (empty for rows written before the chain)."""

    prev_digest: bytes = b""
    digest: bytes = b""


class ChainedPostgresApplicationRecorder(PostgresApplicationRecorder):
    """Stores `prev_digest` and `digest` with every event and hands them out with notifications."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        if datastore.enable_db_functions:  # eventsourcing's stored function inserts without the digests
            raise ProgrammingError("the chained recorder cannot use POSTGRES_ENABLE_DB_FUNCTIONS")
        table = self._table()
        for column in ("prev_digest", "digest"):
            self.sql_create_statements.append(
                SQL("ALTER TABLE {0} ADD COLUMN IF NOT EXISTS {1} bytea").format(table, Identifier(column))
            )
        id_type = SQL(self.datastore.originator_id_type)
        self._select_prev = SQL(
            "SELECT t.originator_id, t.originator_version, t.digest FROM {0} t"
            " JOIN unnest(%s::{1}[], %s::bigint[]) AS p(id, v) ON t.originator_id = p.id AND t.originator_version = p.v"
        ).format(table, id_type)
        self._insert_chained = SQL(
            "INSERT INTO {0} (originator_id, originator_version, topic, state, prev_digest, digest)"
            " SELECT * FROM unnest(%s::{1}[], %s::bigint[], %s::text[], %s::bytea[], %s::bytea[], %s::bytea[])"
            " RETURNING notification_id"
        ).format(table, id_type)

        self._select_many = SQL(
            "SELECT originator_id, originator_version, topic, state, digest FROM {0}"
            " WHERE originator_id = ANY(%s::{1}[])"
            " ORDER BY originator_id, originator_version"
        ).format(table, id_type)
        self._chunked_ids: dict[int, list[int]] = {}  # notification ids of a save sent in pieces, by cursor
        self._chunked_lock = threading.Lock()
        self.known_digests = KnownDigests()
        self._inserting = threading.local()  # the digests an insert computed, remembered once it committed
        # The statements of every command, rendered once: psycopg renders a composed statement again at each execute
        # (about a tenth of a command's CPU in the service), and caches the parsing of a rendered one.
        self._insert_chained_sql = self._insert_chained.as_bytes(None)
        self._select_prev_sql = self._select_prev.as_bytes(None)
        self._select_many_sql = self._select_many.as_bytes(None)
        self._select_stream_sql = (self.select_events_statement + SQL(" ORDER BY originator_version ASC")).as_bytes(
            None
        )
        self._lock_sql = [_rendered(statement) for statement in self.lock_table_statements]
        self._notify_sql = SQL("NOTIFY {0}").format(Identifier(self.channel_name)).as_bytes(None)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        """A stream's events; the whole stream (every command's read of its case) by a statement rendered once."""
        if gt is not None or lte is not None or desc or limit is not None:
            events: Sequence[StoredEvent] = super().select_events(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
            return events
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_stream_sql, [originator_id], prepare=True)
            rows = curs.fetchall()
        self.known_digests.remember(_read_digests(rows))
        return _stored_events(rows)

    def _lock_table(self, curs: Cursor[DictRow]) -> None:
        for statement in self._lock_sql:
            curs.execute(statement, prepare=True)

    def _notify_channel(self, curs: Cursor[DictRow]) -> None:
        curs.execute(self._notify_sql)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_events_of(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
        """Every event of several aggregates in one query, each aggregate's in order (a batch's existing entries)."""
        if not originator_ids:
            return []
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_many_sql, (list(originator_ids),))
            rows = curs.fetchall()
        self.known_digests.remember(_read_digests(rows))
        return _stored_events(rows)

    def _table(self) -> Composed:
        return SQL("{0}.{1}").format(Identifier(self.datastore.schema), Identifier(self.events_table_name))

    def create_table(self) -> None:
        """Create the table (with the digest columns), then chain any rows stored before the chain."""
        super().create_table()
        self.backfill()

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """Insert and commit (eventsourcing's, retried on a lost connection); then remember the new digests."""
        self._inserting.digests = []
        ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
        self.known_digests.remember(self._inserting.digests)  # committed: never ones of a rolled-back insert
        return ids

    def _insert_stored_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **_: Any) -> None:
        self._lock_table(curs)
        self._notify_channel(curs)
        known: dict[tuple[str, int], bytes] = {}
        wanted = []
        in_batch = {(str(e.originator_id), e.originator_version) for e in stored_events}
        for e in stored_events:
            before = (str(e.originator_id), e.originator_version - 1)
            if e.originator_version == 1 or before in in_batch:
                continue
            if (read := self.known_digests.get(*before)) is not None:
                known[before] = read
            else:
                wanted.append((e.originator_id, e.originator_version - 1))
        if wanted:  # not read lately: read them here, under the lock
            curs.execute(self._select_prev_sql, ([w[0] for w in wanted], [w[1] for w in wanted]))
            for row in curs.fetchall():
                if row["digest"] is not None:
                    known[(str(row["originator_id"]), int(row["originator_version"]))] = bytes(row["digest"])
        prevs, digests = [], []
        for e in stored_events:
            stream = str(e.originator_id)
            if e.originator_version == 1:
                prev = GENESIS
            elif (prev_found := known.get((stream, e.originator_version - 1))) is not None:
                prev = prev_found
            else:  # the version before is neither stored nor in this batch: appending would break the stream
                raise IntegrityError(f"stream {stream} has no version {e.originator_version - 1} to chain to")
            digest = event_digest(stream, e.originator_version, e.topic, e.state, prev)
            known[(stream, e.originator_version)] = digest
            prevs.append(prev)
            digests.append(digest)
        self._inserting.digests = [
            (str(e.originator_id), e.originator_version, d) for e, d in zip(stored_events, digests, strict=True)
        ]
        pieces = list(_pieces(stored_events))
        ids: list[int] = []
        for start, stop in pieces:
            curs.execute(
                self._insert_chained_sql,
                (
                    [e.originator_id for e in stored_events[start:stop]],
                    [e.originator_version for e in stored_events[start:stop]],
                    [e.topic for e in stored_events[start:stop]],
                    [e.state for e in stored_events[start:stop]],
                    prevs[start:stop],
                    digests[start:stop],
                ),
            )
            if len(pieces) > 1 and stop < len(stored_events):  # fetching syncs the pipeline before the next piece
                ids += [row["notification_id"] for row in curs.fetchall()]
        if len(pieces) > 1:
            with self._chunked_lock:
                self._chunked_ids[id(curs)] = ids

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """The ids of every piece: those fetched between pieces, then the last piece's."""
        with self._chunked_lock:
            earlier = self._chunked_ids.pop(id(curs), [])
        last = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs) or []
        return [*earlier, *last]

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        """Notifications as eventsourcing gives them, each with its event's digests."""
        clauses: list[SQL] = []
        params: list[Any] = []
        if start is not None:
            clauses.append(SQL("notification_id >= %s") if inclusive_of_start else SQL("notification_id > %s"))
            params.append(start)
        if stop is not None:
            clauses.append(SQL("notification_id <= %s"))
            params.append(stop)
        if topics:
            clauses.append(SQL("topic = ANY(%s)"))
            params.append(list(topics))
        statement = SQL("SELECT * FROM {0}").format(self._table())
        if clauses:
            statement += SQL(" WHERE ") + SQL(" AND ").join(clauses)
        statement += SQL(" ORDER BY notification_id LIMIT %s")
        params.append(limit)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params, prepare=True)
            return [
                ChainedNotification(
                    id=row["notification_id"],
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                    prev_digest=bytes(row["prev_digest"] or b""),
                    digest=bytes(row["digest"] or b""),
                )
                for row in curs.fetchall()
            ]

    def backfill(self) -> int:
        """Give digests to rows stored before the chain (in stream order, under the table lock); return how many."""
        table = self._table()
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("SELECT 1 FROM {0} WHERE digest IS NULL LIMIT 1").format(table))
            if curs.fetchone() is None:
                return 0
            self._lock_table(curs)
            curs.execute(
                SQL(
                    "SELECT originator_id, originator_version, topic, state, digest FROM {0}"
                    " WHERE originator_id IN (SELECT originator_id FROM {0} WHERE digest IS NULL)"
                    " ORDER BY originator_id, originator_version"
                ).format(table)
            )
            rows = curs.fetchall()
            last: dict[str, bytes] = {}
            updates = []
            for row in rows:
                stream = str(row["originator_id"])
                if row["digest"] is not None:
                    last[stream] = bytes(row["digest"])
                    continue
                prev = last.get(stream, GENESIS) if row["originator_version"] > 1 else GENESIS
                digest = event_digest(stream, row["originator_version"], row["topic"], bytes(row["state"]), prev)
                last[stream] = digest
                updates.append((prev, digest, row["originator_id"], row["originator_version"]))
            curs.executemany(
                SQL(
                    "UPDATE {0} SET prev_digest = %s, digest = %s WHERE originator_id = %s AND originator_version = %s"
                ).format(table),
                updates,
            )
        return len(updates)


def _stored_events(rows: Sequence[DictRow]) -> list[StoredEvent]:
    return [
        StoredEvent(
            originator_id=row["originator_id"],
            originator_version=row["originator_version"],
            topic=row["topic"],
            state=bytes(row["state"]),
        )
        for row in rows
    ]


def _rendered(statement: Any) -> bytes:
    """A statement as the bytes psycopg sends (eventsourcing keeps some as composed SQL, some as text)."""
    if isinstance(statement, bytes):
        return statement
    if isinstance(statement, str):
        return statement.encode()
    rendered: bytes = statement.as_bytes(None)
    return rendered


def _pieces(stored_events: Sequence[StoredEvent]) -> Iterator[tuple[int, int]]:
    """Index ranges of consecutive events whose states add up to at most INSERT_CHUNK_BYTES (at least one each)."""
    start, size = 0, 0
    for i, e in enumerate(stored_events):
        if i > start and size + len(e.state) > INSERT_CHUNK_BYTES:
            yield start, i
            start, size = i, 0
        size += len(e.state)
    yield start, len(stored_events)
