"""Reading the chained event stores for auditors: which service holds a stream, its rows, and `ybj audit verify`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from ybj_kernel.audit.chain import BrokenLink, StoredRow, StreamChecker
from ybj_kernel.audit.checkpoint import checkpoint_valid, latest_checkpoint, leaf_hashes, leaves_at
from ybj_kernel.audit.merkle import root

FETCH_ROWS = 2000


def events_table(conn: psycopg.Connection[Any], schema: str) -> str | None:
    """The chained event table of a service's schema (eventsourcing names it after the application)."""
    row = conn.execute(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = %s AND column_name = 'digest'"
        " AND table_name LIKE '%%\\_events' ORDER BY table_name LIMIT 1",
        (schema,),
    ).fetchone()
    return str(row[0]) if row else None


def rows_of(
    conn: psycopg.Connection[Any], schema: str, table: str, streams: Sequence[str] | None = None
) -> Iterator[StoredRow]:
    """Stored rows in (stream, version) order, all or of some streams, read with a server-side cursor."""
    where = "WHERE originator_id::text = ANY(%s)" if streams is not None else ""
    params: tuple[Any, ...] = (list(streams),) if streams is not None else ()
    with conn.transaction(), conn.cursor(name="audit_rows") as cursor:
        cursor.itersize = FETCH_ROWS
        cursor.execute(
            "SELECT originator_id, originator_version, topic, state, prev_digest, digest, notification_id"
            f" FROM {schema}.{table} {where} ORDER BY originator_id, originator_version",
            params,
        )
        for r in cursor:
            yield StoredRow(str(r[0]), int(r[1]), str(r[2]), bytes(r[3]), _b(r[4]), _b(r[5]), int(r[6]))


def find_stream(conn: psycopg.Connection[Any], stream: str, services: Sequence[str]) -> tuple[str, str] | None:
    """The (service schema, table) whose store holds `stream`, if any."""
    for schema in services:
        table = events_table(conn, schema)
        if table is None:
            continue
        found = conn.execute(
            f"SELECT 1 FROM {schema}.{table} WHERE originator_id::text = %s LIMIT 1", (stream,)
        ).fetchone()
        if found:
            return schema, table
    return None


@dataclass(frozen=True)
class StoreReport:
    """What `ybj audit verify` found in one service's store."""

    service: str
    checked: int
    broken: BrokenLink | None
    checkpoint: str  # what the newest checkpoint says about the store


def verify_service(conn: psycopg.Connection[Any], schema: str, streams: Sequence[str] | None = None) -> StoreReport:
    """Check every chain of a service's store (or some streams), then the newest checkpoint against the store."""
    table = events_table(conn, schema)
    if table is None:
        return StoreReport(schema, 0, None, "no chained event store")
    checker = StreamChecker()
    for row in rows_of(conn, schema, table, streams):
        if (broken := checker.check(row)) is not None:
            return StoreReport(schema, checker.checked, broken, "not checked")
    return StoreReport(schema, checker.checked, None, _checkpoint_finding(conn, schema, table, streams))


def _checkpoint_finding(conn: psycopg.Connection[Any], schema: str, table: str, streams: Sequence[str] | None) -> str:
    cp = latest_checkpoint(conn, schema)
    if cp is None:
        return "no checkpoint yet"
    if not checkpoint_valid(cp):
        return f"FAILED: the signature of checkpoint {cp.time} does not hold"
    leaves = leaves_at(conn, schema, table, cp.notification_id)
    if len(leaves) != cp.count or root(leaf_hashes(leaves)).hex() != cp.root:
        signed = {s for s, _, _ in leaves}
        hint = f" ({cp.count} streams signed, {len(signed)} now)" if len(leaves) != cp.count else ""
        return (
            f"FAILED: the store up to notification {cp.notification_id} no longer matches the root signed at "
            f"{cp.time}{hint}: an event covered by it was deleted or changed"
        )
    return f"checkpoint {cp.time} (key {cp.key_id}, {cp.count} streams up to notification {cp.notification_id}) holds"


def _b(value: Any) -> bytes | None:
    return bytes(value) if value is not None else None
