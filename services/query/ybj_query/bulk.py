"""A projected batch's reads and writes straight on psycopg 3: COPY for new rows, one UPDATE for changed cases (and
one for changed registry entries).

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
from typing import Any, NamedTuple

import orjson
import psycopg
from psycopg.types.json import set_json_loads
from sqlalchemy import Connection, exc

from ybj_query.models import SCHEMA, cases, history, registry_entries, registry_history

HISTORY_COLUMNS = tuple(c.name for c in history.columns)
CASE_COLUMNS = tuple(c.name for c in cases.columns)
ENTRY_COLUMNS = tuple(c.name for c in registry_entries.columns)
ENTRY_HISTORY_COLUMNS = tuple(c.name for c in registry_history.columns)
JSON_COLUMNS = frozenset({"data", "layers", "state", "args", "patch", "emp_nos"})
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


# A registry entry's row after its latest event in the batch, with the version read before it (to detect a race).
CHANGED_ENTRY_COLUMNS = ("registry", "key", "read_version", *(c for c in ENTRY_COLUMNS if c not in ("registry", "key")))
_ENTRY_TYPES = {
    "registry": "text",
    "key": "text",
    "read_version": "int",
    "entry_id": "text",
    "service": "text",
    "version": "int",
    "in_effect": "bool",
    "state": "text",
    "case_id": "text",
    "updated_at": "timestamptz",
    "emp_nos": "text",
    "emp_name": "text",
    "uscc": "text",
    "certno": "text",
    "psn_name": "text",
    "admdvs": "text",
}
_JSONB_ENTRY_COLUMNS = frozenset({"state", "emp_nos"})
# An entry's state only where the batch has a later version of it: a re-sent batch reads no documents.
_READ_ENTRIES = (
    "SELECT e.registry, e.key, e.version, e.in_effect, CASE WHEN e.version < w.latest THEN e.state END"
    f" FROM {{schema}}.{registry_entries.name} AS e JOIN unnest(%b::text[], %b::text[], %b::int[])"
    " AS w(registry, key, latest) ON e.registry = w.registry AND e.key = w.key"
)
_COPY_ENTRY_HISTORY = "COPY {{schema}}.{} ({}) FROM STDIN".format(
    registry_history.name, ", ".join(ENTRY_HISTORY_COLUMNS)
)
_COPY_ENTRIES = "COPY {{schema}}.{} ({}) FROM STDIN".format(registry_entries.name, ", ".join(ENTRY_COLUMNS))
_SET_ENTRY = ", ".join(
    f"{c} = u.{c}::jsonb" if c in _JSONB_ENTRY_COLUMNS else f"{c} = u.{c}"
    for c in CHANGED_ENTRY_COLUMNS
    if c not in ("registry", "key", "read_version")
)
_UNNEST_ENTRIES = ", ".join(f"%b::{_ENTRY_TYPES[c]}[]" for c in CHANGED_ENTRY_COLUMNS)
_UPDATE_ENTRIES = (
    f"UPDATE {{schema}}.{registry_entries.name} AS e SET {_SET_ENTRY}"
    f" FROM unnest({_UNNEST_ENTRIES}) AS u({', '.join(CHANGED_ENTRY_COLUMNS)})"
    " WHERE e.registry = u.registry AND e.key = u.key AND e.version = u.read_version"
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


class StoredEntry(NamedTuple):
    """A registry entry as the read model holds it."""

    version: int
    in_effect: bool
    state: dict[str, Any] | None  # None when not read


def read_entries(conn: Connection, latest: dict[tuple[str, str], int]) -> dict[tuple[str, str], StoredEntry]:
    """Each given (registry, key) entry that exists, with its state if it is older than the `latest` version given."""
    if not latest:
        return {}
    statement = _READ_ENTRIES.format(schema=schema_of(conn))
    driver = _driver(conn)
    keys = list(latest)
    with _driver_errors(conn, statement), driver.cursor() as cursor:
        set_json_loads(orjson.loads, cursor)
        rows = cursor.execute(statement, ([k[0] for k in keys], [k[1] for k in keys], list(latest.values())))
        return {(row[0], row[1]): StoredEntry(int(row[2]), bool(row[3]), row[4]) for row in rows}


def write_entries(
    conn: Connection,
    history_rows: Sequence[dict[str, Any]],
    new_entries: Sequence[dict[str, Any]],
    changed_entries: Sequence[dict[str, Any]],
) -> None:
    """Insert registry history rows and new entries, update moved entries; raise IntegrityError if any of them raced."""
    driver = _driver(conn)
    schema = schema_of(conn)
    with driver.cursor() as cursor:
        for statement, columns, rows in (
            (_COPY_ENTRY_HISTORY.format(schema=schema), ENTRY_HISTORY_COLUMNS, history_rows),
            (_COPY_ENTRIES.format(schema=schema), ENTRY_COLUMNS, new_entries),
        ):
            if not rows:
                continue
            values = _tuples(columns, rows)
            with _driver_errors(conn, statement), cursor.copy(statement) as copy:
                for row in values:
                    copy.write_row(row)
        if changed_entries:
            update = _UPDATE_ENTRIES.format(schema=schema)
            arrays = [list(column) for column in zip(*_tuples(CHANGED_ENTRY_COLUMNS, changed_entries), strict=True)]
            with _driver_errors(conn, update):
                cursor.execute(update, arrays)
            if cursor.rowcount != len(changed_entries):
                raise exc.IntegrityError(update, None, RuntimeError("an entry changed while its batch was applied"))


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
