"""Requests the entry point hands whole to the domain service that owns them: printed forms, templates, batches, rules."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Engine, select

from ybj_kernel.errors import NotFound
from ybj_query import reads
from ybj_query.channel_admin_reads import channel_admin_router
from ybj_query.forwarding import Forwarder, ProcessRegistry
from ybj_query.models import cases
from ybj_query.registry_reads import registry_router
from ybj_query.rules_routes import rules_router
from ybj_query.settlement_reads import settlement_router
from ybj_query.supervision_reads import supervision_router
from ybj_query.treatment_reads import treatment_router

# Statuses a passed-through answer may carry besides 200: the service's own, handed back unchanged.
PASSED: dict[int | str, dict[str, Any]] = {
    401: {"description": "未登录 / no valid token"},
    403: {"description": "无权操作 / not allowed"},
    404: {"description": "不存在 / not found"},
    409: {"description": "当前状态不允许 / conflicts with the current state"},
    422: {"description": "输入有误 / invalid input"},
    503: {"description": "服务暂不可用 / unavailable, retry"},
}
PDF: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}, "description": "PDF"}}


def passthrough_router(forwarder: Forwarder, registry: ProcessRegistry, engine: Engine) -> APIRouter:
    """Routes whose answer is the owning service's, byte for byte (content type and headers included)."""
    router = APIRouter()

    async def case_service(case_id: str) -> str:
        service = forwarder.service_of(case_id) or await asyncio.to_thread(service_in_read_model, engine, case_id)
        if service is None:
            raise NotFound("CASE_NOT_FOUND", "案件不存在", "no such case", "case_id")
        return service

    async def process_service(process_id: str) -> str:
        process = registry.cached(process_id)
        if process is None:
            process = await asyncio.to_thread(registry.get, process_id)
        return str(process["service"])

    @router.get("/api/v1/cases/{case_id}/allowed-actions", responses=PASSED)
    async def allowed_actions(case_id: str, request: Request) -> Response:
        """What the caller may do to the case now (and what 不相容岗位分离 bars them from), as its service's engine says."""
        return await forwarder.pass_through(
            await case_service(case_id), "GET", request.url.path, headers=request.headers
        )

    @router.get("/api/v1/cases/{case_id}/documents", responses=PASSED)
    async def case_documents(case_id: str, request: Request) -> Response:
        """The printed forms of a case and whether each can be printed now."""
        return await forwarder.pass_through(
            await case_service(case_id), "GET", request.url.path, headers=request.headers
        )

    @router.get("/api/v1/cases/{case_id}/documents/{name}", responses={**PASSED, **PDF})
    async def case_document(case_id: str, name: str, request: Request) -> Response:
        """Print a form (PDF); the case's history records DocumentIssued with the PDF's SM3 digest."""
        return await forwarder.pass_through(
            await case_service(case_id), "GET", request.url.path, headers=request.headers
        )

    router.include_router(registry_router(forwarder, engine))
    router.include_router(rules_router(forwarder))
    router.include_router(treatment_router(engine))
    router.include_router(settlement_router(forwarder, engine))
    router.include_router(supervision_router(forwarder))
    router.include_router(channel_admin_router(forwarder))
    return router


def service_in_read_model(engine: Engine, case_id: str) -> str | None:
    """The service that owns a case, as the read model knows it."""
    with reads.reading(engine) as conn:
        service: str | None = conn.execute(select(cases.c.service).where(cases.c.case_id == case_id)).scalar()
    return service
