"""Reference data in and out of its tables: a file imported whole in one transaction (its kind's rows replaced, or
nothing at all when any row is wrong), the shipped example files loaded where a kind has no rows yet, and the reads
the routes serve (search by code prefix and a part of the name, one row by key, where each kind comes from).
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, or_, select, text

from ybj_kernel.errors import NotFound
from ybj_query.reads import reading, scope_prefix
from ybj_query.reference.checking import RowChecker, locate_header
from ybj_query.reference.files import peek, read_rows
from ybj_query.reference.kinds import KINDS, Kind
from ybj_query.reference.tables import REFERENCE_TABLES, ref_entries, ref_imports

EXAMPLES = Path(__file__).parent / "examples"
CHUNK = 2_000  # rows inserted per statement
_R, _I = ref_entries.c, ref_imports.c


@dataclass(frozen=True)
class Imported:
    """What an import did."""

    kind: str
    file_name: str
    sha256: str
    rows: int
    example: bool


def example_file(kind: str) -> Path:
    """The shipped example file of a kind (a dozen rows, codes in the national format, clearly not the real list)."""
    return EXAMPLES / f"{kind}.example.csv"


def import_file(engine: Engine, kind: str, path: Path, *, example: bool = False) -> Imported:
    """Replace a kind's rows with the file's, in one transaction: all of them, or (ImportRefused) none."""
    create_tables(engine)
    with engine.begin() as conn:
        _lock(conn)
        return import_into(conn, KINDS[kind], path, example=example)


def import_into(conn: Connection, kind: Kind, path: Path, *, example: bool) -> Imported:
    """Replace a kind's rows on `conn` (the caller's transaction): rows are written as they are checked, and any
    problem found on the way raises ImportRefused, which rolls the transaction back with everything written."""
    head, rest = peek(read_rows(path))
    header_line, columns = locate_header(kind, head)
    checker = RowChecker(kind, columns)
    after_header = itertools.chain(((n, v) for n, v in head if n > header_line), rest)
    conn.execute(delete(ref_entries).where(_R.kind == kind.name))
    for chunk in _chunks(checker.records(after_header)):
        if not checker.count:  # once a row is wrong the file is refused: checking goes on, writing need not
            conn.execute(insert(ref_entries), [_row(kind, r) for r in chunk])
    if (refused := checker.refusal()) is not None:
        raise refused
    done = Imported(kind.name, path.name, _sha256(path), checker.rows, example)
    conn.execute(insert(ref_imports).values(**done.__dict__, imported_at=datetime.now(UTC)))
    return done


def ensure_reference_data(engine: Engine) -> list[Imported]:
    """Create the tables, and load the shipped example of every kind that has no rows (so that a fresh platform, `make
    run` and the tests answer something, marked as example). One transaction, serialised between replicas."""
    create_tables(engine)
    loaded = []
    with engine.begin() as conn:
        _lock(conn)
        for kind in KINDS.values():
            if conn.execute(select(_R.key).where(_R.kind == kind.name).limit(1)).first() is None:
                loaded.append(import_into(conn, kind, example_file(kind.name), example=True))
    return loaded


def create_tables(engine: Engine) -> None:
    """The reference tables, if they are not there yet (the query schema exists once the service has started, or is
    made here for an import run before it)."""
    with engine.begin() as conn:
        _lock(conn)
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {ref_entries.schema}"))
        ref_entries.metadata.create_all(conn, tables=list(REFERENCE_TABLES))


def search(
    engine: Engine,
    kind: str,
    *,
    code: str | None = None,
    name: str | None = None,
    admdvs: str | None = None,
    on: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """A kind's rows by code, code prefix first; `name` a part of the name; `admdvs` the rows of that area and of
    the areas covering it (a province's 限价 holds in its cities); `on` the rows in force that day."""
    query = select(ref_entries).where(_R.kind == kind)
    if code:
        query = query.where(_R.code.startswith(code.strip().upper(), autoescape=True))
    if name:
        query = query.where(_R.name.icontains(name.strip(), autoescape=True))
    if admdvs:
        query = query.where(or_(_R.admdvs.startswith(scope_prefix(admdvs)), _R.admdvs.in_(covering(admdvs))))
    if on:
        query = query.where(or_(_R.begndate.is_(None), _R.begndate <= on), or_(_R.enddate.is_(None), _R.enddate >= on))
    with reading(engine) as conn:
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = conn.execute(query.order_by(_R.code, _R.key).limit(limit).offset(offset)).all()
    return int(total), [dict(r.data) for r in rows]


def entry(engine: Engine, kind: str, key: str) -> dict[str, Any]:
    """One row by its key (a code, for drugs and consumables), or NotFound."""
    with reading(engine) as conn:
        found = conn.execute(select(_R.data).where(_R.kind == kind, _R.key == key.strip().upper())).first()
        if found is None and key.strip() != key.strip().upper():
            found = conn.execute(select(_R.data).where(_R.kind == kind, _R.key == key.strip())).first()
    if found is None:
        raise NotFound(
            "REFERENCE_NOT_FOUND",
            f"{KINDS[kind].name_zh}中没有 {key}",
            f"no {kind} row {key}",
            "code",
        )
    return dict(found.data)


def sources(engine: Engine) -> dict[str, dict[str, Any] | None]:
    """Where each kind's rows come from: its latest import (file, SHA-256, rows, example or not, when)."""
    latest = select(func.max(_I.import_id)).group_by(_I.kind)
    with reading(engine) as conn:
        rows = conn.execute(select(ref_imports).where(_I.import_id.in_(latest))).all()
    found = {r.kind: _source(r) for r in rows}
    return {kind: found.get(kind) for kind in KINDS}


def covering(admdvs: str) -> tuple[str, ...]:
    """The area and the areas covering it: 520102 → 520102, 520100, 520000."""
    return tuple(dict.fromkeys((admdvs, admdvs[:4] + "00", admdvs[:2] + "0000")))


def _source(row: Any) -> dict[str, Any]:
    return {
        "file_name": row.file_name,
        "sha256": row.sha256,
        "rows": row.rows,
        "example": row.example,
        "imported_at": row.imported_at.isoformat(),
    }


def _row(kind: Kind, record: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": kind.name,
        "key": kind.key_of(record),
        "code": record[kind.code_field],
        "name": record[kind.name_field],
        "admdvs": record.get(kind.admdvs_field) if kind.admdvs_field else None,
        "begndate": date.fromisoformat(record["begndate"]) if "begndate" in record else None,
        "enddate": date.fromisoformat(record["enddate"]) if "enddate" in record else None,
        "data": record,
    }


def _chunks(records: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    while chunk := list(itertools.islice(records, CHUNK)):
        yield chunk


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _lock(conn: Connection) -> None:
    """Serialise imports and example loads between processes (PostgreSQL; a test's SQLite has one writer anyway)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('ybj-query-reference'))"))
