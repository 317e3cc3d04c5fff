"""Queries on the read models: case state, audit trail, work queues and progress."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, exc, func, select

from ybj_kernel.domain.identity import admdvs_covers
from ybj_kernel.errors import Forbidden, NotFound, Unavailable
from ybj_query.models import cases, history

MAX_PAGE_SIZE = 200
# The read models cannot be reached right now (server down or restarting, connection lost, pool exhausted).
STORE_UNAVAILABLE = (exc.OperationalError, exc.InterfaceError, exc.TimeoutError)


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection to the read models; their database being out of reach becomes Unavailable (503, retry)."""
    try:
        with engine.connect() as conn:
            yield conn
    except STORE_UNAVAILABLE as error:
        raise Unavailable(
            "READ_MODELS_UNAVAILABLE",
            "查询库暂不可用，请稍后重试",
            f"the read models are unavailable, retry shortly ({type(error).__name__})",
        ) from error


def scope_prefix(admdvs: str) -> str:
    """The code prefix a division's staff may see: 520000 → 52, 520100 → 5201, 520102 → 520102."""
    if admdvs.endswith("0000"):
        return admdvs[:2]
    if admdvs.endswith("00"):
        return admdvs[:4]
    return admdvs


def case_view(engine: Engine, case_id: str, scope: str, *, acceptance_no: str | None = None) -> dict[str, Any]:
    """One case as it stands (by its id, or by its 受理号), for staff or a channel of a covering 医保区划."""
    where = cases.c.acceptance_no == acceptance_no if acceptance_no is not None else cases.c.case_id == case_id
    with reading(engine) as conn:
        row = conn.execute(select(cases).where(where)).first()
    if row is None:
        raise NotFound(
            "CASE_NOT_FOUND", "案件不存在（或尚未同步，请稍候）", "no such case (or not yet visible)", "case_id"
        )
    if not admdvs_covers(scope, row.admdvs):
        raise Forbidden(
            "OUT_OF_ADMDVS",
            f"无权查看医保区划 {row.admdvs} 的案件",
            f"you may not see cases of admdvs {row.admdvs}",
            "admdvs",
        )
    return _case(row._mapping)


def case_history(engine: Engine, case_id: str, scope: str) -> list[dict[str, Any]]:
    """Every event of a case in order: the audit trail."""
    case_view(engine, case_id, scope)
    with reading(engine) as conn:
        rows = conn.execute(select(history).where(history.c.case_id == case_id).order_by(history.c.version)).all()
    return [
        {
            "version": r.version,
            "event_id": r.event_id,
            "event": r.event_name,
            "type": r.event_type,
            "action": r.action,
            "stage_from": r.stage_from,
            "stage_to": r.stage_to,
            "actor": r.actor,
            "actor_role": r.actor_role,
            "time": r.time.isoformat(),
            "comment": r.comment,
            "data": r.data,
            "correlation_id": r.correlation_id,
            "causation_id": r.causation_id,
        }
        for r in rows
    ]


def work_queue(
    engine: Engine,
    scope: str,
    *,
    process: str | None,
    stage: str | None,
    admdvs: str | None,
    page: int,
    page_size: int,
    overdue_on: date | None = None,
    max_page_size: int = MAX_PAGE_SIZE,
    counts_on: date | None = None,
) -> dict[str, Any]:
    """Cases waiting at a stage, limited to the caller's 医保区划; overdue ones first (most overdue first).

    With `overdue_on`, only the cases whose current stage's 时限 passed before that day (the overdue queue). With
    `counts_on`, also `counts`: every case the filters select (not one page) by process and stage, with how many of
    them are past their 时限 on that day (the console's queue panel).
    """
    query = select(cases).where(cases.c.admdvs.startswith(scope_prefix(scope)))
    if overdue_on is not None:
        query = query.where(cases.c.due_on < overdue_on)
    if process:
        query = query.where(cases.c.process_id == process)
    if stage:
        query = query.where(cases.c.stage == stage)
    if admdvs:
        query = query.where(cases.c.admdvs.startswith(scope_prefix(admdvs)))
    size = max(1, min(page_size, max_page_size))  # a larger page only for an export (format=xlsx)
    with reading(engine) as conn:
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = conn.execute(
            query.order_by(cases.c.due_on.asc().nulls_last(), cases.c.updated_at.desc(), cases.c.case_id)
            .limit(size)
            .offset((max(page, 1) - 1) * size)
        ).all()
        counted = _counts(conn, query, counts_on) if counts_on is not None else None
    answer = {"items": [_case(r._mapping) for r in rows], "total": total, "page": max(page, 1), "page_size": size}
    return answer if counted is None else {**answer, "counts": counted}


def _counts(conn: Any, query: Any, today: date) -> list[dict[str, Any]]:
    q = query.subquery()
    overdue = func.count().filter(q.c.due_on < today)
    grouped = select(q.c.process_id, q.c.stage, func.count().label("total"), overdue.label("overdue"))
    rows = conn.execute(grouped.group_by(q.c.process_id, q.c.stage).order_by(q.c.process_id, q.c.stage)).all()
    return [{"process_id": r.process_id, "stage": r.stage, "total": r.total, "overdue": r.overdue} for r in rows]


def progress(engine: Engine, acceptance_no: str) -> dict[str, Any]:
    """What a citizen may see by 受理号: the process and where it stands, no personal data."""
    with reading(engine) as conn:
        row = conn.execute(
            select(cases.c.process_id, cases.c.stage, cases.c.created_at, cases.c.updated_at).where(
                cases.c.acceptance_no == acceptance_no
            )
        ).first()
    if row is None:
        raise NotFound(
            "ACCEPTANCE_NO_NOT_FOUND",
            "受理号不存在（或尚未同步，请稍候）",
            "no case with this acceptance number (or not yet visible)",
            "acceptance_no",
        )
    return {
        "acceptance_no": acceptance_no,
        "process_id": row.process_id,
        "stage": row.stage,
        "status": status_of(row.stage),
        "accepted_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


def status_of(stage: str) -> str:
    """A citizen-facing status: 办理中 / 已办结 / 已撤消 / 审核不通过 / 已取消备案."""
    return {"completed": "已办结", "cancelled": "已撤消", "rejected": "审核不通过", "revoked": "已取消备案"}.get(
        stage, "办理中"
    )


def _case(row: Any) -> dict[str, Any]:
    return {
        "case_id": row["case_id"],
        "service": row["service"],
        "process_id": row["process_id"],
        "acceptance_no": row["acceptance_no"],
        "admdvs": row["admdvs"],
        "stage": row["stage"],
        "variant": row.get("variant"),
        "due_on": row["due_on"].isoformat() if row.get("due_on") else None,
        "status": status_of(row["stage"]),
        "version": row["version"],
        "data": row["data"],
        "created_by": row["created_by"],
        "last_actor": row["last_actor"],
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
    }
