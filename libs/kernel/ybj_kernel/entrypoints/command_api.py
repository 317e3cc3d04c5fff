"""The HTTP command API of a domain service: processes, create case, act on case."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any
from uuid import UUID

import orjson
from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from ybj_kernel.application import CaseAck, CaseApplication
from ybj_kernel.asyncapi import asyncapi_document
from ybj_kernel.auth import TokenVerifier
from ybj_kernel.domain.engine import Command, choices_of
from ybj_kernel.entrypoints import measured
from ybj_kernel.entrypoints.audit_api import audit_router
from ybj_kernel.entrypoints.batches_api import batches_router
from ybj_kernel.entrypoints.documents_api import documents_router
from ybj_kernel.entrypoints.http_common import (
    PARAMETER_CHECKS,
    CurrentActor,
    install_error_handlers,
    install_metrics,
)
from ybj_kernel.entrypoints.registries_api import registries_router
from ybj_kernel.entrypoints.rules_api import rules_router
from ybj_kernel.envelope import topic_for
from ybj_kernel.sm2 import SM2Key

# Commands running at once in one service process: enough to keep the group commit's batches full.
COMMAND_THREADS = 32


class CreateCase(BaseModel):
    """POST /api/v1/cases body."""

    process: str = Field(description="catalogue process id, e.g. P079")
    variant: str | None = Field(
        default=None, max_length=60, description="办理模式 (the process's variants); default: the first"
    )
    materials: list[str] = Field(default_factory=list, max_length=50, description="所需材料 confirmed at registration")
    data: dict[str, Any] = Field(default_factory=dict)
    advance: bool = Field(
        default=False,
        description="网上申请：登记后继续办理调用者角色可办的后续环节（至第一个审核环节为止），同一数据，一次保存 / "
        "then complete the following stages the caller may do (up to the first review) with the same data, saved at once",
    )


class ActOnCase(BaseModel):
    """POST /api/v1/cases/{case_id}/actions body."""

    action: str
    expected_version: int = Field(ge=1)
    comment: str | None = Field(default=None, max_length=2000)
    data: dict[str, Any] = Field(default_factory=dict)


class Ack(BaseModel):
    """Where the case stands after a command."""

    case_id: str
    acceptance_no: str
    process_id: str
    stage: str
    version: int


def create_command_api(
    app: CaseApplication,
    verifier: TokenVerifier,
    healthy: Callable[[], dict[str, str]],
    topic_prefix: str = "ybj",
    *,
    audit_dsn: str | None = None,
    audit_key: Callable[[], SM2Key] | None = None,
) -> FastAPI:
    """Build the FastAPI app serving one domain service's commands (and its auditors' reads: audit_api.py)."""
    api = FastAPI(title=f"ybj {app.service} commands", version="1", dependencies=PARAMETER_CHECKS)
    install_error_handlers(api)
    install_metrics(api)
    api.state.verifier = verifier

    @api.get("/healthz")
    def healthz() -> JSONResponse:
        checks = healthy()
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)

    @api.get("/api/v1/processes")
    def processes() -> list[dict[str, Any]]:
        # Each definition with the rules (试算) that belong to it, so that a front end can be generated from it.
        return [{**p.describe(), "rules": app.rules.describe(p.id)} for p in app.definitions.values()]

    api.include_router(documents_router(app))
    api.include_router(registries_router(app))
    api.include_router(audit_router(app, audit_dsn, audit_key))
    api.include_router(rules_router(app.rules, app.today))
    api.include_router(batches_router(app))

    @api.get("/api/v1/asyncapi.json")
    def asyncapi() -> dict[str, Any]:
        """The events this service publishes: one AsyncAPI message per process event and per registry event."""
        topic = topic_for(topic_prefix, app.service)
        return asyncapi_document(app.service, topic, app.definitions.values(), app.registries.values())

    # eventsourcing is synchronous: the commands run in one bounded pool of threads, the routes stay on the event
    # loop. (Plain `def` routes and a plain `def` token dependency went through anyio's thread pool twice per
    # command: about 0.2 ms more CPU per command in a bare FastAPI app on this machine.)
    pool = ThreadPoolExecutor(max_workers=COMMAND_THREADS, thread_name_prefix=f"{app.service}-command")

    async def blocking(call: Callable[[], CaseAck], status: int) -> Response:
        ack = await asyncio.get_running_loop().run_in_executor(pool, call)
        return Response(_ack_json(ack), status_code=status, media_type="application/json")

    @api.post("/api/v1/cases", status_code=201, response_model=Ack)
    async def create_case(
        body: CreateCase,
        who: CurrentActor,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
        x_correlation_id: Annotated[str | None, Header(max_length=200)] = None,
    ) -> Response:
        return await blocking(
            lambda: measured.create_case(
                app,
                body.process,
                body.data,
                who,
                idempotency_key=idempotency_key,
                correlation_id=x_correlation_id,
                variant=body.variant,
                materials=tuple(body.materials),
                advance=body.advance,
            ),
            201,
        )

    @api.get("/api/v1/cases/{case_id}/allowed-actions")
    def allowed_actions(case_id: UUID, who: CurrentActor) -> dict[str, Any]:
        """What the caller may do to the case now, and what their role could do here but 不相容岗位分离 bars them from
        (the engine's own table and checks: a front end offers these, the command is judged again when sent)."""
        case = app.get_case(case_id)
        allowed, barred = choices_of(app.definition(case.process_id), case, who)
        return {
            "case_id": str(case.id),
            "version": case.version,
            "stage": case.stage,
            "allowed": [a.describe() for a in allowed],
            "barred": [a.describe() for a in barred],
        }

    @api.post("/api/v1/cases/{case_id}/actions", response_model=Ack)
    async def act(
        case_id: UUID,
        body: ActOnCase,
        who: CurrentActor,
        x_correlation_id: Annotated[str | None, Header(max_length=200)] = None,
    ) -> Response:
        cmd = Command(body.action, body.expected_version, body.comment, body.data)
        return await blocking(lambda: measured.act(app, case_id, who, cmd, correlation_id=x_correlation_id), 200)

    return api


def _ack_json(ack: CaseAck) -> bytes:
    return orjson.dumps(
        {
            "case_id": ack.case_id,
            "acceptance_no": ack.acceptance_no,
            "process_id": ack.process_id,
            "stage": ack.stage,
            "version": ack.version,
        }
    )
