"""The HTTP command API of a domain service: processes, create case, act on case."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from uuid import UUID

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

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

    # The command routes come first (a request is matched against the routes in order, a few µs each) and read their
    # request themselves: FastAPI's parameter machinery (a body model, two headers, the token dependency) cost about
    # as much CPU per command as the whole rest of the route. They are documented by hand (`_command_doc`) and refuse
    # what FastAPI would, with the same 422.
    # eventsourcing is synchronous: the commands run in one bounded pool of threads, the routes stay on the event
    # loop. (Plain `def` routes and a plain `def` token dependency went through anyio's thread pool twice per
    # command: about 0.2 ms more CPU per command in a bare FastAPI app on this machine.)
    pool = ThreadPoolExecutor(max_workers=COMMAND_THREADS, thread_name_prefix=f"{app.service}-command")

    async def blocking(call: Callable[[], CaseAck], status: int) -> Response:
        ack = await asyncio.get_running_loop().run_in_executor(pool, call)
        return Response(_ack_json(ack), status_code=status, media_type="application/json")

    @api.post(
        "/api/v1/cases",
        status_code=201,
        response_model=Ack,
        openapi_extra=_command_doc(CreateCase, IDEMPOTENCY_KEY, CORRELATION_ID),
    )
    async def create_case(request: Request) -> Response:
        who = verifier.actor(request.headers.get("authorization"))
        idempotency_key = _header(request, IDEMPOTENCY_KEY)
        correlation_id = _header(request, CORRELATION_ID)
        body = _body(CreateCase, request.headers.get("content-type"), await request.body())
        return await blocking(
            lambda: measured.create_case(
                app,
                body.process,
                body.data,
                who,
                idempotency_key=idempotency_key,
                correlation_id=correlation_id,
                variant=body.variant,
                materials=tuple(body.materials),
                advance=body.advance,
            ),
            201,
        )

    @api.post(
        "/api/v1/cases/{case_id}/actions",
        response_model=Ack,
        openapi_extra=_command_doc(ActOnCase, CORRELATION_ID, path="case_id"),
    )
    async def act(request: Request) -> Response:
        who = verifier.actor(request.headers.get("authorization"))
        case_id = _case_id(request.path_params["case_id"])
        correlation_id = _header(request, CORRELATION_ID)
        body = _body(ActOnCase, request.headers.get("content-type"), await request.body())
        cmd = Command(body.action, body.expected_version, body.comment, body.data)
        return await blocking(lambda: measured.act(app, case_id, who, cmd, correlation_id=correlation_id), 200)

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

    return api


IDEMPOTENCY_KEY = "idempotency-key"
CORRELATION_ID = "x-correlation-id"
HEADER_MAX_LENGTH = 200
Model = TypeVar("Model", bound=BaseModel)


def _body(model: type[Model], content_type: str | None, raw: bytes) -> Model:
    """The request body as `model`, or the 422 FastAPI gives for a body it would not take: none, not declared JSON
    (Content-Type application/json or …+json), not JSON, or not valid as `model`."""
    if not raw:
        raise _invalid({"type": "missing", "loc": ("body",), "msg": "Field required", "input": None})
    if not _declared_json(content_type):
        raise _invalid(
            {
                "type": "model_attributes_type",
                "loc": ("body",),
                "msg": "Input should be a valid dictionary or object to extract fields from",
                "input": None,
            }
        )
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False)
        if errors and errors[0]["type"] == "json_invalid":  # where, as FastAPI says it (its decoder's position)
            try:
                json.loads(raw)
            except ValueError as decoding:
                at = decoding.pos if isinstance(decoding, json.JSONDecodeError) else 0
                raise _invalid({"type": "json_invalid", "loc": ("body", at), "msg": "JSON decode error"}) from None
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None


def _declared_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    kind, _, subtype = media.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


def _invalid(error: dict[str, Any]) -> RequestValidationError:
    return RequestValidationError([error])


def _header(request: Request, name: str) -> str | None:
    """An optional header of at most HEADER_MAX_LENGTH characters."""
    value = request.headers.get(name)
    if value is not None and len(value) > HEADER_MAX_LENGTH:
        raise RequestValidationError(
            [
                {
                    "loc": ("header", name),
                    "msg": f"String should have at most {HEADER_MAX_LENGTH} characters",
                    "type": "string_too_long",
                }
            ]
        )
    return value


def _case_id(value: str) -> UUID:
    """The path's case id, checked as FastAPI checks a UUID path parameter."""
    try:
        return _UUID.validate_python(value)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False)
        raise RequestValidationError([{**e, "loc": ("path", "case_id")} for e in errors]) from None


_UUID = TypeAdapter(UUID)


def _command_doc(body: type[BaseModel], *headers: str, path: str | None = None) -> dict[str, Any]:
    """OpenAPI for a command route that reads its request itself: the body's schema and its parameters."""
    parameters: list[dict[str, Any]] = [
        {"name": "authorization", "in": "header", "required": True, "schema": {"type": "string"}},
        *(
            {"name": h, "in": "header", "required": False, "schema": {"type": "string", "maxLength": HEADER_MAX_LENGTH}}
            for h in headers
        ),
    ]
    if path is not None:
        parameters.insert(
            0, {"name": path, "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
        )
    return {
        "requestBody": {"required": True, "content": {"application/json": {"schema": body.model_json_schema()}}},
        "parameters": parameters,
    }


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
