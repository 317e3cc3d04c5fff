"""Supervision downloads at the entry point: an F8 inspection's sample (P073-P076) as Excel, passed through from the
supervision service, which checks the token (staff who may print the case's 抽查清单)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ybj_query.forwarding import Forwarder
from ybj_query.settlement_reads import XLSX_PASSED


def supervision_router(forwarder: Forwarder) -> APIRouter:
    """GET /api/v1/inspections/{case_id}/sample.xlsx."""
    router = APIRouter()

    @router.get("/api/v1/inspections/{case_id}/sample.xlsx", responses=XLSX_PASSED)
    async def inspection_sample(case_id: UUID, request: Request) -> Response:
        """F8费用结算明细抽查样本 of an inspection case as Excel, one row a sampled record in the draw's order."""
        path = f"/api/v1/inspections/{case_id}/sample.xlsx"
        return await forwarder.pass_through("supervision", "GET", path, headers=request.headers)

    return router
