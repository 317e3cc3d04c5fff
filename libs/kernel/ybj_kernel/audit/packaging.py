"""Building a case's audit package from a service's chained event store (the platform's side of audit packages)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from ybj_kernel.audit.checkpoint import latest_checkpoint, leaves_at, take_checkpoint
from ybj_kernel.audit.package import build_package
from ybj_kernel.audit.store import find_stream, rows_of
from ybj_kernel.errors import NotFound
from ybj_kernel.sm2 import SM2Key

# Registry entries record the case that changed them (domain/registry.py); their events are found by it.
ENTRY_TOPICS = "ybj_kernel.domain.registry:Entry.%"


def entries_changed_by(conn: psycopg.Connection[Any], schema: str, table: str, case_id: str) -> list[str]:
    """The registry entries (streams) a case changed."""
    rows = conn.execute(
        f"SELECT DISTINCT originator_id::text FROM {schema}.{table} WHERE topic LIKE %s"
        " AND convert_from(state, 'UTF8')::jsonb ->> 'case_id' = %s",
        (ENTRY_TOPICS, case_id),
    ).fetchall()
    return sorted(str(r[0]) for r in rows)


def audit_package(conn: psycopg.Connection[Any], case_id: str, services: Sequence[str], key: SM2Key) -> bytes:
    """The zip of a case, with a checkpoint covering its last events (signed now when no stored one does)."""
    found = find_stream(conn, case_id, services)
    if found is None:
        raise NotFound("CASE_NOT_FOUND", "案件不存在", "no such case", "case_id")
    schema, table = found
    streams = [case_id, *entries_changed_by(conn, schema, table, case_id)]
    rows = list(rows_of(conn, schema, table, streams))
    heads = {r.originator_id: (r.version, r.digest) for r in rows}
    cp = latest_checkpoint(conn, schema)
    leaves = leaves_at(conn, schema, table, cp.notification_id) if cp is not None else []
    if cp is None or not _covers(leaves, heads):
        cp = take_checkpoint(conn, schema, table, key)
        leaves = leaves_at(conn, schema, table, cp.notification_id)
    return build_package(case_id, schema, rows, cp, leaves, key)


def _covers(leaves: list[tuple[str, int, bytes]], heads: dict[str, tuple[int, bytes | None]]) -> bool:
    signed = {s: (v, d) for s, v, d in leaves}
    return all(signed.get(s) == head for s, head in heads.items())
