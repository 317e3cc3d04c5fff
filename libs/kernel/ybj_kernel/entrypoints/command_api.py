"""The HTTP command API of a domain service: processes, create case, act on case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ybj_kernel.application import CaseAck, CaseApplication
from ybj_kernel.auth import TokenVerifier
from ybj_kernel.domain.engine import Command
from ybj_kernel.entrypoints import measured
from ybj_kernel.entrypoints.http_common import CurrentActor, install_error_handlers, install_metrics


class CreateCase(BaseModel):
    """POST /api/v1/cases body."""

    process: str = Field(description="catalogue process id, e.g. P079")
    data: dict[str, Any] = Field(default_factory=dict)


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


def create_command_api(app: CaseApplication, verifier: TokenVerifier, healthy: Callable[[], dict[str, str]]) -> FastAPI:
    """Build the FastAPI app serving one domain service's commands."""
    api = FastAPI(title=f"ybj {app.service} commands", version="1")
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
        return [p.describe() for p in app.definitions.values()]

    # Plain `def` routes: eventsourcing is synchronous, FastAPI runs them in its thread pool.
    @api.post("/api/v1/cases", status_code=201)
    def create_case(
        body: CreateCase,
        who: CurrentActor,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
        x_correlation_id: Annotated[str | None, Header(max_length=200)] = None,
    ) -> Ack:
        ack = measured.create_case(
            app, body.process, body.data, who, idempotency_key=idempotency_key, correlation_id=x_correlation_id
        )
        return _to_ack(ack)

    @api.post("/api/v1/cases/{case_id}/actions")
    def act(
        case_id: UUID,
        body: ActOnCase,
        who: CurrentActor,
        x_correlation_id: Annotated[str | None, Header(max_length=200)] = None,
    ) -> Ack:
        cmd = Command(body.action, body.expected_version, body.comment, body.data)
        ack = measured.act(app, case_id, who, cmd, correlation_id=x_correlation_id)
        return _to_ack(ack)

    return api


def _to_ack(ack: CaseAck) -> Ack:
    return Ack(
        case_id=ack.case_id,
        acceptance_no=ack.acceptance_no,
        process_id=ack.process_id,
        stage=ack.stage,
        version=ack.version,
    )
