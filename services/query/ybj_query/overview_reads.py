"""运行概览 at the entry point: the console's overview figures, counted by PostgreSQL from the query service's own read
models, for staff and oversight, limited to the caller's 医保区划.

GET /api/v1/overview?days=30&months=12 answers one JSON with four series:
- `cases`: cases opened (受理) and completed (办结) per day and process, days in 北京时间;
- `overdue`: cases past their current stage's 时限 now, by process and stage;
- `payments`: 基金支付 per month and process: the fund-payment chains (P027-P040) completed, with the amount paid
  (the bank's 回盘 where there is one, else the signed summary's 金额), in fen;
- `channels`: channel requests and refusals per day. The gateway keeps its access log in a table of its own, which
  this service does not read: the figures come from the gateway's GET /api/v1/gateway/access-log (the caller's token
  passed on), which answers at most ACCESS_LOG_LIMIT records, newest first. When it answers that many, the oldest day
  it reaches may be cut short: the series then starts the day after (`complete_from`) and says so (`truncated`).
  A request is counted for the 医保区划 of the channel it names (the `channel` registry entry); one naming no known
  channel belongs to no 医保区划 and is counted for province-wide callers only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Query, Request
from sqlalchemy import Connection, Date, Engine, Numeric, cast, func, select

from ybj_kernel.domain.documents import CHINA_TIME
from ybj_kernel.entrypoints.http_common import CurrentActor
from ybj_kernel.errors import YbjError
from ybj_query.forwarding import Forwarder, ProcessRegistry
from ybj_query.models import cases, history, registry_entries
from ybj_query.reads import reading, scope_prefix
from ybj_query.registry_reads import PASSED, may_read

# The gateway answers at most this many access-log records at once (its own limit).
ACCESS_LOG_LIMIT = 1000
COMPLETED = "completed"
# The fund-payment chains' cases carry the signed summary's 金额 (元); the bank-file chain also the 回盘's.
PAID, SIGNED = "paid_sumamt", "pay_sumamt"
ZONE = "Asia/Shanghai"  # 北京时间: the day a case was opened, as staff count it


def china_today() -> date:
    """Today in 北京时间."""
    return datetime.now(CHINA_TIME).date()


def months_back(today: date, months: int) -> date:
    """The first day of the month `months` months long ago, counting this month as the first: (2026-12-05, 12) →
    2026-01-01."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def _day(column: Any) -> Any:
    return cast(func.timezone(ZONE, column), Date)


def _month(column: Any) -> Any:
    return func.to_char(func.timezone(ZONE, column), "YYYY-MM")


def opened_per_day(conn: Connection, prefix: str, since: date) -> list[dict[str, Any]]:
    """受理: cases opened per day and process since `since` (a day in 北京时间)."""
    day = _day(cases.c.created_at).label("day")
    rows = conn.execute(
        select(day, cases.c.process_id, func.count().label("count"))
        .where(cases.c.admdvs.startswith(prefix), day >= since)
        .group_by(day, cases.c.process_id)
        .order_by(day, cases.c.process_id)
    ).all()
    return [{"day": r.day.isoformat(), "process_id": r.process_id, "count": r.count} for r in rows]


def completed_per_day(conn: Connection, prefix: str, since: date) -> list[dict[str, Any]]:
    """办结: the events that brought a case to completed, per day and process (a completion later stepped back still
    happened that day; an amendment of a completed case is no new completion)."""
    day = _day(history.c.time).label("day")
    rows = conn.execute(
        select(day, cases.c.process_id, func.count().label("count"))
        .select_from(history.join(cases, cases.c.case_id == history.c.case_id))
        .where(
            history.c.admdvs.startswith(prefix),
            history.c.stage_to == COMPLETED,
            history.c.stage_from != COMPLETED,
            day >= since,
        )
        .group_by(day, cases.c.process_id)
        .order_by(day, cases.c.process_id)
    ).all()
    return [{"day": r.day.isoformat(), "process_id": r.process_id, "count": r.count} for r in rows]


def overdue_by_stage(conn: Connection, prefix: str, today: date) -> list[dict[str, Any]]:
    """超期: cases whose current stage's 时限 passed before `today`, by process and stage, most first."""
    count = func.count().label("count")
    rows = conn.execute(
        select(cases.c.process_id, cases.c.stage, count)
        .where(cases.c.admdvs.startswith(prefix), cases.c.due_on < today)
        .group_by(cases.c.process_id, cases.c.stage)
        .order_by(count.desc(), cases.c.process_id, cases.c.stage)
    ).all()
    return [{"process_id": r.process_id, "stage": r.stage, "count": r.count} for r in rows]


def payments_per_month(conn: Connection, prefix: str, since: date) -> list[dict[str, Any]]:
    """基金支付: fund-payment chain cases completed (and still completed) per month and process, with the amount paid in
    fen; the month is that of the case's last completion."""
    done = (
        select(history.c.case_id, func.max(history.c.time).label("done_at"))
        .where(history.c.stage_to == COMPLETED, history.c.stage_from != COMPLETED, history.c.admdvs.startswith(prefix))
        .group_by(history.c.case_id)
        .subquery()
    )
    month = _month(done.c.done_at).label("month")
    amount = func.coalesce(cases.c.data[PAID].as_string(), cases.c.data[SIGNED].as_string())
    rows = conn.execute(
        select(
            month,
            cases.c.process_id,
            func.count().label("count"),
            func.coalesce(func.sum(cast(amount, Numeric(18, 2))), 0).label("amount"),
        )
        .select_from(done.join(cases, cases.c.case_id == done.c.case_id))
        .where(
            cases.c.stage == COMPLETED,
            cases.c.service == "settlement",
            cases.c.data[SIGNED].as_string().is_not(None),
            func.timezone(ZONE, done.c.done_at) >= since,
        )
        .group_by(month, cases.c.process_id)
        .order_by(month, cases.c.process_id)
    ).all()
    return [
        {"month": r.month, "process_id": r.process_id, "count": r.count, "amount_fen": int(Decimal(r.amount) * 100)}
        for r in rows
    ]


def channel_divisions(conn: Connection) -> dict[str, str]:
    """Every channel's 所属医保区划, by app_id (the `channel` registry entries)."""
    e = registry_entries.c
    rows = conn.execute(select(e.key, e.state["admdvs"].as_string()).where(e.registry == "channel")).all()
    return {key: admdvs or "" for key, admdvs in rows}


def channel_days(
    records: Sequence[Mapping[str, Any]], divisions: Mapping[str, str], prefix: str, since: date
) -> dict[str, Any]:
    """Requests and refusals (every outcome but OK) per day from the access log's newest records; a day the records
    may not cover whole (the log answered its limit) is left out, and the series says from when it is complete."""
    truncated = len(records) >= ACCESS_LOG_LIMIT
    days = [datetime.fromisoformat(str(r["at"])).astimezone(CHINA_TIME).date() for r in records]
    complete_from = max(since, min(days) + timedelta(days=1)) if truncated and days else since
    per_day: dict[date, list[int]] = {}
    for record, day in zip(records, days, strict=True):
        division = divisions.get(str(record.get("app_id") or ""))
        ours = division.startswith(prefix) if division is not None else len(prefix) == 2
        if not ours or day < complete_from:
            continue
        counts = per_day.setdefault(day, [0, 0])
        counts[0] += 1
        counts[1] += record.get("outcome") != "OK"
    return {
        "available": True,
        "truncated": truncated,
        "complete_from": complete_from.isoformat(),
        "items": [{"day": d.isoformat(), "requests": c[0], "refusals": c[1]} for d, c in sorted(per_day.items())],
    }


def case_figures(engine: Engine, admdvs: str, since_day: date, since_month: date, today: date) -> dict[str, Any]:
    """The overview's figures from the read models, for one 医保区划 (and the divisions under it)."""
    prefix = scope_prefix(admdvs)
    with reading(engine) as conn:
        return {
            "opened": opened_per_day(conn, prefix, since_day),
            "completed": completed_per_day(conn, prefix, since_day),
            "overdue": overdue_by_stage(conn, prefix, today),
            "payments": payments_per_month(conn, prefix, since_month),
            "divisions": channel_divisions(conn),
        }


def _names(registry: ProcessRegistry | None) -> dict[str, Any]:
    """Process and stage names (name_zh) for the labels, when the services can be asked; else none."""
    if registry is None:
        return {}
    try:
        definitions = registry.all()
    except YbjError:
        return {}
    return {
        p["id"]: {"name_zh": p["name_zh"], "stages": {s["key"]: s["name_zh"] for s in p.get("stages", [])}}
        for p in definitions
    }


def overview_router(
    engine: Engine,
    forwarder: Forwarder | None = None,
    registry: ProcessRegistry | None = None,
    today: Callable[[], date] = china_today,
) -> APIRouter:
    """GET /api/v1/overview (the channel series needs `forwarder`; the names, `registry`)."""
    router = APIRouter()

    async def channels(request: Request, prefix: str, since: date, divisions: dict[str, str]) -> dict[str, Any]:
        if forwarder is None or "gateway" not in forwarder.services:
            return {"available": False, "reason_zh": "未接入网关", "items": []}
        start = datetime.combine(since, datetime.min.time(), CHINA_TIME).isoformat()
        try:
            answer = await forwarder.pass_through(
                "gateway",
                "GET",
                "/api/v1/gateway/access-log",
                query=urlencode({"since": start, "limit": ACCESS_LOG_LIMIT}),
                headers=request.headers,
            )
        except YbjError as err:
            return {"available": False, "reason_zh": err.message_zh, "items": []}
        body = orjson.loads(answer.body) if answer.body else {}
        if answer.status_code != 200 or not isinstance(body, dict):
            reason = body.get("message_zh") if isinstance(body, dict) else None
            return {"available": False, "reason_zh": reason or f"网关返回 {answer.status_code}", "items": []}
        return channel_days(body.get("items") or [], divisions, prefix, since)

    @router.get("/api/v1/overview", responses=PASSED)
    async def overview(
        who: CurrentActor,
        request: Request,
        days: Annotated[int, Query(ge=1, le=366, description="按日统计的天数（含今天）")] = 30,
        months: Annotated[int, Query(ge=1, le=36, description="按月统计的月数（含本月）")] = 12,
    ) -> dict[str, Any]:
        """运行概览: cases opened and completed per day and process, overdue by stage, fund payments per month, channel
        requests and refusals per day: all within the caller's 医保区划 (staff and oversight)."""
        may_read(who)
        now = today()
        since_day = now - timedelta(days=days - 1)
        since_month = months_back(now, months)
        found = await asyncio.to_thread(case_figures, engine, who.admdvs, since_day, since_month, now)
        prefix = scope_prefix(who.admdvs)
        return {
            "admdvs": who.admdvs,
            "today": now.isoformat(),
            "since_day": since_day.isoformat(),
            "since_month": since_month.isoformat()[:7],
            "cases": {"opened": found["opened"], "completed": found["completed"]},
            "overdue": found["overdue"],
            "payments": found["payments"],
            "channels": await channels(request, prefix, since_day, found["divisions"]),
            "processes": await asyncio.to_thread(_names, registry),
        }

    return router
