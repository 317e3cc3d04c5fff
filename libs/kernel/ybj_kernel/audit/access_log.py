"""The access log: who read which case, person or audit package, when and from where; append-only and chained.

Each entry's digest chains to the one before (the same SM3 chain as the events: stream "access-log", version =
the entry's sequence number, topic "access", state = the entry's canonical JSON), so an edited, deleted or
reordered entry is named by `ybj audit verify`; a trigger refuses UPDATE, DELETE and TRUNCATE outright.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg

from ybj_kernel.audit.chain import GENESIS, StoredRow, event_digest

SCHEMA = "audit"
TABLE = f"{SCHEMA}.access_log"
STREAM, TOPIC = "access-log", "access"
_DDL = (
    f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
    f"CREATE TABLE IF NOT EXISTS {TABLE} (seq bigint PRIMARY KEY, at timestamptz NOT NULL, user_id text NOT NULL,"
    " roles text NOT NULL, admdvs text NOT NULL, what text NOT NULL, target text NOT NULL, source text NOT NULL,"
    " record bytea NOT NULL, prev_digest bytea NOT NULL, digest bytea NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS access_log_target ON {TABLE} (target, at)",
    f"CREATE INDEX IF NOT EXISTS access_log_user ON {TABLE} (user_id, at)",
    f"CREATE OR REPLACE FUNCTION {SCHEMA}.access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS"
    " $$ BEGIN RAISE EXCEPTION 'the access log is append-only'; END $$",
    f"CREATE OR REPLACE TRIGGER access_log_no_change BEFORE UPDATE OR DELETE ON {TABLE}"
    f" FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.access_log_append_only()",
    f"CREATE OR REPLACE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON {TABLE}"
    f" FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.access_log_append_only()",
)


@dataclass(frozen=True)
class Access:
    """One read: who (user, roles, 医保区划), what (kind and id), from where."""

    user_id: str
    roles: tuple[str, ...]
    admdvs: str
    what: str  # case, case-history, case-as-of, case-diff, audit-package, person, access-log …
    target: str
    source: str  # the client's address as the entry point saw it


def ensure_table(conn: psycopg.Connection[Any]) -> None:
    """Create the access log (and its append-only triggers) if it does not exist."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('ybj-access-log'))")
        for statement in _DDL:
            conn.execute(statement)


def record(conn: psycopg.Connection[Any], access: Access, at: datetime | None = None) -> int:
    """Append one entry (serialised by a table lock, so the chain has one order); return its sequence number."""
    when = at or datetime.now(UTC)
    with conn.transaction():
        conn.execute(f"LOCK TABLE {TABLE} IN EXCLUSIVE MODE")
        last = conn.execute(f"SELECT seq, digest FROM {TABLE} ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (int(last[0]) + 1, bytes(last[1])) if last else (1, GENESIS)
        entry = {
            "seq": seq,
            "at": when.isoformat(),
            "user_id": access.user_id,
            "roles": list(access.roles),
            "admdvs": access.admdvs,
            "what": access.what,
            "target": access.target,
            "source": access.source,
        }
        state = orjson.dumps(entry, option=orjson.OPT_SORT_KEYS)
        conn.execute(
            f"INSERT INTO {TABLE} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                seq,
                when,
                access.user_id,
                ",".join(access.roles),
                access.admdvs,
                access.what,
                access.target,
                access.source,
                state,
                prev,
                event_digest(STREAM, seq, TOPIC, state, prev),
            ),
        )
    return seq


def query(
    conn: psycopg.Connection[Any],
    scope_prefix: str,
    *,
    user: str | None = None,
    target: str | None = None,
    what: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Entries by readers of a 医保区划 (code prefix), newest first, filtered by reader, target or kind."""
    clauses, params = ["admdvs LIKE %s"], [f"{scope_prefix}%"]
    for column, value in (("user_id", user), ("target", target), ("what", what)):
        if value is not None:
            clauses.append(f"{column} = %s")
            params.append(value)
    rows = conn.execute(
        f"SELECT record, digest FROM {TABLE} WHERE {' AND '.join(clauses)} ORDER BY seq DESC LIMIT %s OFFSET %s",
        (*params, limit, offset),
    ).fetchall()
    return [{**orjson.loads(bytes(r[0])), "digest": bytes(r[1]).hex()} for r in rows]


def rows(conn: psycopg.Connection[Any]) -> Iterator[StoredRow]:
    """The log as chain rows, in order (for `ybj audit verify`)."""
    exists = conn.execute("SELECT to_regclass(%s)", (TABLE,)).fetchone()
    if not exists or exists[0] is None:
        return
    with conn.transaction(), conn.cursor(name="access_rows") as cursor:
        cursor.execute(f"SELECT seq, record, prev_digest, digest FROM {TABLE} ORDER BY seq")
        for seq, state, prev, digest in cursor:
            yield StoredRow(STREAM, int(seq), TOPIC, bytes(state), bytes(prev), bytes(digest), int(seq))
