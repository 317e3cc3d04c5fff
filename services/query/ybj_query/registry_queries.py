"""Queries on the registry read models: an entry as it stands, by key or by a unique index, its history, lists of
employers and of a unit's persons, and a page of an account's 收支明细."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, and_, func, select, text

from ybj_kernel.domain.identity import admdvs_covers
from ybj_kernel.domain.registry import patched
from ybj_kernel.errors import Forbidden, InvalidInput, NotFound
from ybj_query.models import SCHEMA, registry_entries, registry_history
from ybj_query.reads import reading, scope_prefix

# A list exported as a workbook holds at most this many rows; a larger one asks for a narrower filter.
EXPORT_MAX_ROWS = 10_000
_E = registry_entries.c
# A page of 收支明细, newest first, cut out of the account's state by PostgreSQL: the whole statement never leaves it.
_ACCOUNT_PAGE = text(
    "SELECT e.version, e.in_effect, e.state -> 'balance' AS balance, e.state -> 'frozen' AS frozen, n.total,"
    " (SELECT coalesce(jsonb_agg(x.v ORDER BY x.i DESC), '[]'::jsonb)"
    "  FROM jsonb_array_elements(coalesce(e.state -> 'entries', '[]'::jsonb)) WITH ORDINALITY AS x(v, i)"
    "  WHERE x.i <= n.total - :skip AND x.i > n.total - :skip - :size) AS entries"
    f" FROM {SCHEMA}.{registry_entries.name} AS e,"
    " LATERAL (SELECT coalesce(jsonb_array_length(e.state -> 'entries'), 0) AS total) AS n"
    " WHERE e.registry = 'account' AND e.key = :key"
)


def not_found(registry: str, key: str) -> NotFound:
    """No such entry in the read model (or not yet: it follows the owning service within moments)."""
    return NotFound(
        "ENTRY_NOT_FOUND",
        f"登记簿 {registry} 中没有 {key}（或尚未同步，请稍候）",
        f"no {registry} {key} (or not yet visible)",
        "key",
    )


def view(row: Any) -> dict[str, Any]:
    """An entry as the public API answers it (the fields the owning service answers, and when and by which case)."""
    return {
        "registry": row.registry,
        "key": row.key,
        "in_effect": row.in_effect,
        "version": row.version,
        "state": row.state,
        "case_id": row.case_id,
        "updated_at": row.updated_at.isoformat(),
    }


def entry(engine: Engine, registry: str, key: str) -> dict[str, Any]:
    """One entry as it stands."""
    with reading(engine) as conn:
        row = conn.execute(select(registry_entries).where(_E.registry == registry, _E.key == key)).first()
    if row is None:
        raise not_found(registry, key)
    return view(row)


def service_of(engine: Engine, registry: str, key: str) -> str | None:
    """The service that owns an entry, as the read model knows it."""
    with reading(engine) as conn:
        found: str | None = conn.execute(select(_E.service).where(_E.registry == registry, _E.key == key)).scalar()
    return found


def entry_by_index(engine: Engine, index: str, value: str, registry: str) -> dict[str, Any]:
    """The entry of `registry` an index entry (uscc, certno) in effect points at."""
    held = registry_entries.alias("held")
    with reading(engine) as conn:
        row = conn.execute(
            select(registry_entries).join(
                held,
                and_(
                    held.c.registry == index,
                    held.c.key == value,
                    held.c.in_effect,
                    _E.registry == registry,
                    _E.key == held.c.state["target"].as_string(),
                ),
            )
        ).first()
    if row is None:
        raise NotFound("ENTRY_NOT_FOUND", f"没有 {value} 的记录（或尚未同步，请稍候）", f"nothing under {value}", index)
    return view(row)


def history(engine: Engine, registry: str, key: str) -> list[dict[str, Any]]:
    """Every event of an entry, oldest first: the fact, the case that made it, its arguments, its patch and the state
    after it (each event's patch applied in turn to the state before)."""
    h = registry_history.c
    with reading(engine) as conn:
        rows = conn.execute(
            select(registry_history).where(h.registry == registry, h.key == key).order_by(h.version)
        ).all()
    if not rows:
        raise not_found(registry, key)
    out: list[dict[str, Any]] = []
    state: Any = {}
    in_effect = False
    for r in rows:
        state = patched(state if in_effect else {}, r.patch)
        in_effect = r.in_effect
        out.append(
            {
                "version": r.version,
                "event": r.event_name,
                "type": r.event_type,
                "op": r.op,
                "case_id": r.case_id,
                "args": r.args,
                "patch": r.patch,
                "time": r.time.isoformat(),
                "in_effect": r.in_effect,
                "state": state,  # as it stood then: each patch gives a new document
            }
        )
    return out


def _contains(value: str) -> str:
    """A LIKE pattern for `value` anywhere, its own wildcards taken literally (backslash: PostgreSQL's escape)."""
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def employers(
    engine: Engine,
    scope: str,
    *,
    uscc: str | None,
    emp_name: str | None,
    admdvs: str | None,
    limit: int,
    offset: int,
) -> tuple[int, list[dict[str, Any]]]:
    """Employers of the caller's 医保区划 (filtered by code, part of the name, division), by 单位编号; and how many."""
    query = select(registry_entries).where(_E.registry == "employer", _E.admdvs.startswith(scope_prefix(scope)))
    if uscc:
        query = query.where(_E.uscc == uscc)
    if emp_name:
        query = query.where(_E.emp_name.ilike(_contains(emp_name)))
    if admdvs:
        query = query.where(_E.admdvs.startswith(scope_prefix(admdvs)))
    return _page(engine, query, limit, offset)


def persons_of_unit(
    engine: Engine, scope: str, emp_no: str, *, psn_name: str | None, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """The persons with a 参保关系 (not ended) at a unit of the caller's 医保区划, by 人员编号; and how many."""
    with reading(engine) as conn:
        unit = conn.execute(select(_E.admdvs).where(_E.registry == "employer", _E.key == emp_no)).first()
    if unit is not None and unit.admdvs and not admdvs_covers(scope, unit.admdvs):
        raise Forbidden(
            "OUT_OF_ADMDVS",
            f"无权查看医保区划 {unit.admdvs} 的单位人员",
            f"you may not see the persons of a unit of admdvs {unit.admdvs}",
            "emp_no",
        )
    query = select(registry_entries).where(_E.registry == "person", _E.emp_nos.contains([emp_no]))
    if psn_name:
        query = query.where(_E.psn_name.ilike(_contains(psn_name)))
    return _page(engine, query, limit, offset)


def _page(engine: Engine, query: Any, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    with reading(engine) as conn:
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = conn.execute(query.order_by(_E.key).limit(limit).offset(offset)).all()
    return int(total), [view(r) for r in rows]


def export_rows(total: int) -> None:
    """Refuse an export larger than a workbook should hold (422 naming the limit)."""
    if total > EXPORT_MAX_ROWS:
        raise InvalidInput(
            "TOO_MANY_ROWS",
            f"符合条件的记录有 {total} 条，超过导出上限 {EXPORT_MAX_ROWS} 条，请缩小查询范围",
            f"{total} rows match, more than the {EXPORT_MAX_ROWS} an export holds; narrow the filter",
            "format",
        )


def account_page(engine: Engine, psn_no: str, page: int, page_size: int) -> dict[str, Any]:
    """个人账户: balance in fen and one page of 收支明细, newest first."""
    with reading(engine) as conn:
        row = conn.execute(_ACCOUNT_PAGE, {"key": psn_no, "skip": (page - 1) * page_size, "size": page_size}).first()
    if row is None:
        raise not_found("account", psn_no)
    return {
        "psn_no": psn_no,
        "balance": row.balance if row.balance is not None else 0,
        "frozen": row.frozen if row.frozen is not None else False,
        "total": row.total,
        "page": page,
        "page_size": page_size,
        "entries": row.entries,
        "version": row.version,
    }
