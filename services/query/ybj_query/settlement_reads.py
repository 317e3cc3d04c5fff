"""Settlement records at the entry point: institutions send them (forwarded to the settlement service), and a person's
consumption (消费信息) and annual statement (本年累计医疗费用, 年度账单) are read from the registry read models projected
off settlement's published records. Amounts are in fen; a 冲正 record carries the negative of its original, so sums
count reversals. A P021 reconciliation's differences download as Excel from the settlement service, passed through."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import Engine, func, select

from ybj_kernel.adapters.spreadsheets_export import XLSX_MEDIA_TYPE
from ybj_kernel.entrypoints.http_common import CurrentActor
from ybj_query.forwarding import Forwarder, relayed
from ybj_query.models import registry_entries
from ybj_query.reads import reading
from ybj_query.registry_reads import PASSED, may_read

_E = registry_entries.c
SUMS = ("medfee_sumamt", "fulamt_ownpay_amt", "hifp_pay", "acct_pay", "psn_cash_pay")
SENT: dict[int | str, dict[str, Any]] = {
    **PASSED,
    200: {"description": "{batch_id, received, recorded, unchanged}"},
    409: {"description": "结算ID 已有不同记录、已冲正或原记录不存在 / setl_id taken, already reversed, or no original"},
}
Year = Annotated[int, Query(ge=2000, le=2100, description="年度")]
XLSX_PASSED: dict[int | str, dict[str, Any]] = {
    **PASSED,
    200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "an .xlsx workbook"},
    409: {"description": "当前环节尚无该清单 / not available at this stage"},
}


def _of_person(psn_no: str, year: int) -> Any:
    return select(registry_entries).where(
        _E.registry == "settlement_record",
        _E.state["psn_no"].as_string() == psn_no,
        _E.state["ym"].as_string().startswith(str(year)),
    )


def settlements(engine: Engine, psn_no: str, year: int, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    """The person's records of the year, newest first."""
    query = _of_person(psn_no, year)
    with reading(engine) as conn:
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = conn.execute(query.order_by(_E.state["setl_time"].as_string().desc()).limit(limit).offset(offset)).all()
    return int(total), [r.state for r in rows]


def annual_statement(engine: Engine, psn_no: str, year: int) -> dict[str, Any]:
    """Totals by fund over the year's records, reversals counted (their amounts are negative)."""
    sub = _of_person(psn_no, year).subquery()
    columns = [func.coalesce(func.sum(sub.c.state[f].as_integer()), 0).label(f) for f in SUMS]
    reversals = func.count().filter(sub.c.state["reverses"].as_string().is_not(None)).label("reversals")
    with reading(engine) as conn:
        row = conn.execute(select(func.count().label("records"), reversals, *columns).select_from(sub)).one()
    return {"psn_no": psn_no, "year": year, **{k: int(v) for k, v in row._mapping.items()}}


def institution_month(engine: Engine, code: str, ym: str, limit: int, offset: int) -> dict[str, Any]:
    """An institution's records of a month, oldest first, and their totals."""
    query = select(registry_entries).where(
        _E.registry == "settlement_record",
        _E.state["fixmedins_code"].as_string() == code.upper(),
        _E.state["ym"].as_string() == ym,
    )
    sub = query.subquery()
    columns = [func.coalesce(func.sum(sub.c.state[f].as_integer()), 0).label(f) for f in SUMS]
    reversals = func.count().filter(sub.c.state["reverses"].as_string().is_not(None)).label("reversals")
    with reading(engine) as conn:
        totals = conn.execute(select(func.count().label("records"), reversals, *columns).select_from(sub)).one()
        rows = conn.execute(query.order_by(_E.state["setl_time"].as_string()).limit(limit).offset(offset)).all()
    return {
        "fixmedins_code": code.upper(),
        "ym": ym,
        "totals": {k: int(v) for k, v in totals._mapping.items()},
        "items": [r.state for r in rows],
        "page_size": limit,
    }


def settlement_router(forwarder: Forwarder, engine: Engine) -> APIRouter:
    """POST /api/v1/settlement-records (and /file); GET /api/v1/persons/{psn_no}/settlements and /annual-statement,
    /api/v1/institutions/{fixmedins_code}/settlements?ym=;
    GET /api/v1/reconciliations/{case_id}/differences.xlsx."""
    router = APIRouter()

    @router.post("/api/v1/settlement-records", responses=SENT)
    async def settlement_records(request: Request) -> Response:
        """结算记录上传, forwarded to the settlement service (body: a JSON array of records; see its API)."""
        return relayed(
            await forwarder.forward("settlement", "/api/v1/settlement-records", await request.body(), request.headers)
        )

    @router.post("/api/v1/settlement-records/file", responses=SENT)
    async def settlement_record_file(request: Request) -> Response:
        """结算记录文件上传 (JSON Lines or a JSON array), forwarded to the settlement service."""
        body = await request.body()
        return relayed(await forwarder.forward("settlement", "/api/v1/settlement-records/file", body, request.headers))

    @router.get("/api/v1/institutions/{fixmedins_code}/settlements", responses=PASSED)
    async def institution_settlements(
        fixmedins_code: str,
        who: CurrentActor,
        ym: Annotated[str, Query(pattern=r"^\d{4}(0[1-9]|1[0-2])$", description="结算年月 YYYYMM")],
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        page_size: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> dict[str, Any]:
        """An institution's month: its records (the ones behind a P079/P080 declaration check) and their totals by fund
        (fen; a 冲正 carries the negative of its original, so the totals net reversals out)."""
        may_read(who)
        return await asyncio.to_thread(institution_month, engine, fixmedins_code, ym, page_size, (page - 1) * page_size)

    @router.get("/api/v1/reconciliations/{case_id}/differences.xlsx", responses=XLSX_PASSED)
    async def reconciliation_differences(case_id: UUID, request: Request) -> Response:
        """征缴实收对账误差明细 of a P021 case as Excel, passed through from the settlement service (which checks the
        token: staff who may print the case's forms)."""
        path = f"/api/v1/reconciliations/{case_id}/differences.xlsx"
        return await forwarder.pass_through("settlement", "GET", path, headers=request.headers)

    @router.get("/api/v1/persons/{psn_no}/settlements", responses=PASSED)
    async def person_settlements(
        psn_no: str,
        who: CurrentActor,
        year: Year,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        """消费信息: the person's settlement records of the year, newest first (amounts in fen)."""
        may_read(who)
        total, items = await asyncio.to_thread(settlements, engine, psn_no, year, page_size, (page - 1) * page_size)
        return {"psn_no": psn_no, "year": year, "items": items, "total": total, "page": page, "page_size": page_size}

    @router.get("/api/v1/persons/{psn_no}/annual-statement", responses=PASSED)
    async def person_annual_statement(psn_no: str, who: CurrentActor, year: Year) -> dict[str, Any]:
        """本年累计医疗费用 / 年度账单: totals by fund (fen) over the year's records, reversals netted out."""
        may_read(who)
        return await asyncio.to_thread(annual_statement, engine, psn_no, year)

    return router
