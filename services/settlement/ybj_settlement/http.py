"""The settlement service's own HTTP routes: institutions send their settlement records (records.py), and staff
download a P021 reconciliation's differences as Excel (documents/adjustments.py)."""

from __future__ import annotations

import asyncio
import threading
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Body, Request
from fastapi.responses import Response

from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.engine import Actor
from ybj_kernel.entrypoints.case_workbooks import WORKBOOK_ERRORS, case_workbook
from ybj_kernel.entrypoints.http_common import CurrentActor
from ybj_kernel.errors import Forbidden
from ybj_settlement.documents.adjustments import RECONCILIATION_DIFFERENCES, differences_xlsx
from ybj_settlement.ingestion import ingest
from ybj_settlement.processes.p021_contribution_collection_reconciliation import P021
from ybj_settlement.records import records_in_file

# A batch is checked and recorded by Python under the GIL: several at once in one process are no faster than one after
# the other, but each holds its thousands of records, entries and events in memory (the service's peak RSS grew by a
# third with four institutions sending at once). Batches wait for each other here; the request waits, nothing is lost.
_ONE_BATCH_AT_A_TIME = threading.Lock()
# Who may send records: the institution itself (its own code), or staff importing an institution's file.
SENDERS = frozenset({"institution", "registrar", "system"})
FILE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-ndjson": {"schema": {"type": "string", "description": "JSON Lines: one record a line"}},
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
        },
    }
}
RECORDS_BODY = Body(
    description="结算记录（国家接口结算输出的字段，金额单位元），每次至多 5,000 条 / settlement records, at most 5,000",
    examples=[
        [
            {
                "setl_id": "S202611030001",
                "mdtrt_id": "MD202611030001",
                "psn_no": "5207601343665908",
                "fixmedins_code": "H52010200001",
                "insutype": "390",
                "med_type": "11",
                "setl_time": "2026-11-03T10:15:00+08:00",
                "medfee_sumamt": "100.00",
                "hifp_pay": "60.00",
                "psn_cash_pay": "40.00",
                "lines": [
                    {"med_list_codg": "250101015", "cnt": "1", "pric": "100.00", "det_item_fee_sumamt": "100.00"}
                ],
            }
        ]
    ],
)


def records_router(app: CaseApplication) -> APIRouter:
    """POST /api/v1/settlement-records."""
    router = APIRouter(tags=["settlement records 结算记录"])

    @router.post("/api/v1/settlement-records")
    def settlement_records(records: Annotated[list[dict[str, Any]], RECORDS_BODY], who: CurrentActor) -> dict[str, Any]:
        """Record a batch of settlement records, idempotently by `setl_id` (the same records again change nothing); a
        冲正 is a record naming the original in `reverses`. One bad record refuses the whole batch, naming its row."""
        return _recorded(app, records, who)

    @router.post("/api/v1/settlement-records/file", openapi_extra=FILE_BODY)
    async def settlement_record_file(request: Request, who: CurrentActor) -> dict[str, Any]:
        """The same, from a file as an institution's HIS exports it: JSON Lines (one record a line) or a JSON array,
        UTF-8, at most 5,000 records. A line that is not a record refuses the file, naming it; nothing is recorded."""
        rows = records_in_file(await request.body())
        return await asyncio.to_thread(_recorded, app, rows, who)

    return router


def _recorded(app: CaseApplication, records: list[dict[str, Any]], who: Actor) -> dict[str, Any]:
    if not set(who.roles) & SENDERS:
        raise Forbidden("WRONG_ROLE", "无权上传结算记录", "you may not send settlement records", "records")
    if "institution" in who.roles and set(who.roles) <= {"institution"}:
        others = sorted({str(r.get("fixmedins_code")) for r in records} - {who.user_id})
        if others:
            raise Forbidden(
                "NOT_YOUR_RECORDS",
                f"定点医药机构只能上传本机构的结算记录（本批含 {'、'.join(others)}）",
                f"an institution sends only its own records (the batch has {', '.join(others)})",
                "fixmedins_code",
            )
    batch_id = str(uuid4())
    with _ONE_BATCH_AT_A_TIME:
        return {"batch_id": batch_id, **ingest(app, records, batch_id)}


def reconciliation_router(app: CaseApplication) -> APIRouter:
    """GET /api/v1/reconciliations/{case_id}/differences.xlsx."""
    router = APIRouter(tags=["reconciliation 征缴实收对账"])

    @router.get("/api/v1/reconciliations/{case_id}/differences.xlsx", responses=WORKBOOK_ERRORS)
    def reconciliation_differences(case_id: UUID, who: CurrentActor) -> Response:
        """征缴实收对账误差明细 of a P021 case as Excel, one row a difference (「分析误差原因，并列出误差数额」): once the
        comparison is done, for the staff who may print the case's forms."""
        return case_workbook(
            app,
            case_id,
            who,
            processes={P021.id},
            form=RECONCILIATION_DIFFERENCES.name,
            render=differences_xlsx,
            what_zh="征缴实收对账误差明细",
            what_en="reconciliation differences",
        )

    return router
