"""A projected batch's reads and writes straight on psycopg 3: COPY for new rows, one UPDATE for changed cases.

SQLAlchemy's multi-row INSERT … ON CONFLICT binds every value of every row in Python; COPY streams them in C,
and the in-memory version check of `project_batch` already tells new rows from repeats. Should a row conflict
all the same (another projector got there first), PostgreSQL refuses the COPY and the caller applies the batch
one event at a time instead. Errors come out as SQLAlchemy's, as from any other statement.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from operator import itemgetter
from typing import Any

import orjson
import psycopg
from psycopg.types.json import set_json_loads
from sqlalchemy import Connection, exc

from ybj_query.models import SCHEMA, cases, history

HISTORY_COLUMNS = tuple(c.name for c in history.columns)
CASE_COLUMNS = tuple(c.name for c in cases.columns)
JSON_COLUMNS = frozenset({"data", "layers"})
# What an event changes on a case it did not open, with the version read before the batch (to detect a race).
CHANGED_COLUMNS = (
    "case_id",
    "read_version",
    "stage",
    "due_on",
    "version",
    "data",
    "layers",
    "last_actor",
    "updated_at",
)

# `{schema}` is the read models' schema, or the shadow schema `ybj readmodels verify` rebuilds into (a connection's
# schema_translate_map says which; SQLAlchemy's own statements follow the same map).
_READ = f"SELECT case_id, version, layers, due_on FROM {{schema}}.{cases.name} WHERE case_id = ANY(%s)"
_COPY_HISTORY = "COPY {{schema}}.{} ({}) FROM STDIN".format(history.name, ", ".join(HISTORY_COLUMNS))
_COPY_CASES = "COPY {{schema}}.{} ({}) FROM STDIN".format(cases.name, ", ".join(CASE_COLUMNS))
# Binary array parameters (%b): the text form would escape every quote of every JSON document in Python.
_UPDATE = (
    f"UPDATE {{schema}}.{cases.name} AS c SET stage = u.stage, due_on = u.due_on, version = u.version,"
    " data = u.data::jsonb, layers = u.layers::jsonb, last_actor = u.last_actor, updated_at = u.updated_at"
    " FROM unnest(%b::text[], %b::int[], %b::text[], %b::date[], %b::int[], %b::text[], %b::text[], %b::text[],"
    " %b::timestamptz[]) AS u(case_id, read_version, stage, due_on, version, data, layers, last_actor, updated_at)"
    " WHERE c.case_id = u.case_id AND c.version = u.read_version"
)


def schema_of(conn: Connection) -> str:
    """The schema this connection's read-model statements go to."""
    translate = conn.get_execution_options().get("schema_translate_map") or {}
    return str(translate.get(SCHEMA, SCHEMA))


def read_cases(conn: Connection, case_ids: list[str]) -> dict[str, tuple[int, list[dict[str, Any]], date | None]]:
    """Version, data layers and 时限 of the given cases that exist, locked by nothing (positions serialise batches)."""
    driver = _driver(conn)
    statement = _READ.format(schema=schema_of(conn))
    with _driver_errors(conn, statement), driver.cursor() as cursor:
        set_json_loads(orjson.loads, cursor)
        return {row[0]: (row[1], row[2], row[3]) for row in cursor.execute(statement, (case_ids,))}


def write(
    conn: Connection,
    history_rows: Sequence[dict[str, Any]],
    new_cases: Sequence[dict[str, Any]],
    changed_cases: Sequence[dict[str, Any]],
) -> None:
    """Insert history rows and new cases, update changed cases; raise IntegrityError if any of them raced."""
    driver = _driver(conn)
    schema = schema_of(conn)
    update = _UPDATE.format(schema=schema)
    with driver.cursor() as cursor:
        for statement, columns, rows in (
            (_COPY_HISTORY.format(schema=schema), HISTORY_COLUMNS, history_rows),
            (_COPY_CASES.format(schema=schema), CASE_COLUMNS, new_cases),
        ):
            if not rows:
                continue
            values = _tuples(columns, rows)
            with _driver_errors(conn, statement), cursor.copy(statement) as copy:
                for row in values:
                    copy.write_row(row)
        if changed_cases:
            arrays = [list(column) for column in zip(*_tuples(CHANGED_COLUMNS, changed_cases), strict=True)]
            with _driver_errors(conn, update):
                cursor.execute(update, arrays)
            if cursor.rowcount != len(changed_cases):
                # Another writer moved a case on since it was read: let the caller apply the batch one by one.
                raise exc.IntegrityError(update, None, RuntimeError("a case changed while its batch was applied"))


def _tuples(columns: tuple[str, ...], rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
    get = itemgetter(*columns)
    json_at = [i for i, c in enumerate(columns) if c in JSON_COLUMNS]
    out = []
    for row in rows:
        values = list(get(row))
        for i in json_at:
            values[i] = orjson.dumps(values[i]).decode()
        out.append(tuple(values))
    return out


def _driver(conn: Connection) -> psycopg.Connection[Any]:
    driver = conn.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    return driver


@contextmanager
def _driver_errors(conn: Connection, statement: str) -> Iterator[None]:
    """psycopg's errors as SQLAlchemy's (IntegrityError, DataError, OperationalError …)."""
    try:
        yield
    except psycopg.Error as error:
        broken = conn.connection.driver_connection is None or _driver(conn).broken
        if broken:
            conn.invalidate(error)
        wrapped = exc.DBAPIError.instance(statement, None, error, psycopg.Error, connection_invalidated=broken)
        assert isinstance(wrapped, exc.DBAPIError)
        raise wrapped from error
