"""The gRPC command API of a domain service (ybj.v1.CaseCommands), plus helpers the query service shares.

Importing this module raises ImportError while the stubs in ybj_kernel.grpc_gen are not generated
(`make proto`); the callers then serve HTTP only.

Errors: a YbjError aborts the call with the status below; the details string and the trailing
metadata entry `ybj-error-bin` (UTF-8) both carry its JSON body {code, message_zh, message_en, field?}.

    422 InvalidInput   -> INVALID_ARGUMENT
    409 Conflict       -> ABORTED for STALE_VERSION and CONCURRENT_UPDATE (reload the case and retry),
                          FAILED_PRECONDITION for every other conflict (ACTION_NOT_ALLOWED, …): the
                          case's state, not a race, forbids the request, so a plain retry cannot help
    403 Forbidden      -> PERMISSION_DENIED
    401 Unauthenticated-> UNAUTHENTICATED
    404 NotFound       -> NOT_FOUND
    503 Unavailable    -> UNAVAILABLE
    anything else      -> INTERNAL (logged; the client sees a generic bilingual message)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent import futures
from decimal import Decimal
from typing import Any, NoReturn, TypeVar
from uuid import UUID

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from ybj_kernel.application import CaseAck, CaseApplication
from ybj_kernel.auth import TokenVerifier
from ybj_kernel.domain.engine import Actor, Command
from ybj_kernel.entrypoints import measured
from ybj_kernel.errors import InvalidInput, YbjError
from ybj_kernel.grpc_gen.ybj.v1 import cases_pb2, cases_pb2_grpc

log = logging.getLogger(__name__)

T = TypeVar("T")
ERROR_METADATA_KEY = "ybj-error-bin"
SERVICE_NAME: str = cases_pb2.DESCRIPTOR.services_by_name["CaseCommands"].full_name
MAX_WORKERS = 8
MAX_COMMENT = 2000
MAX_HEADER_VALUE = 200
_RETRYABLE_CONFLICTS = frozenset({"STALE_VERSION", "CONCURRENT_UPDATE"})
_STATUS_BY_HTTP = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    409: grpc.StatusCode.FAILED_PRECONDITION,
    422: grpc.StatusCode.INVALID_ARGUMENT,
    503: grpc.StatusCode.UNAVAILABLE,
}


class InternalError(YbjError):
    """An unexpected failure inside a handler (500); the details are in the server log only."""

    status = 500


def status_for(error: YbjError) -> grpc.StatusCode:
    """The gRPC status code of a domain error (see the module docstring)."""
    if error.status == 409 and error.code in _RETRYABLE_CONFLICTS:
        return grpc.StatusCode.ABORTED
    return _STATUS_BY_HTTP.get(error.status, grpc.StatusCode.INTERNAL)


def abort_with(context: grpc.ServicerContext, error: YbjError) -> NoReturn:
    """End the call with the error's status, its JSON as details and as `ybj-error-bin` trailing metadata."""
    body = json.dumps(error.to_dict(), ensure_ascii=False)
    context.set_trailing_metadata(((ERROR_METADATA_KEY, body.encode("utf-8")),))
    context.abort(status_for(error), body)


def guarded(context: grpc.ServicerContext, handler: Callable[[], T]) -> T:
    """Run a handler, turning a YbjError (or an unexpected exception) into an aborted call."""
    try:
        return handler()
    except YbjError as exc:
        error = exc
    except Exception:
        log.exception("gRPC handler failed")
        error = InternalError("INTERNAL", "服务内部错误，请稍后重试", "internal error, retry later")
    abort_with(context, error)


def actor_from(verifier: TokenVerifier, context: grpc.ServicerContext) -> Actor:
    """The Actor of the call's `authorization: Bearer …` metadata, or raise Unauthenticated."""
    token = next((v for k, v in context.invocation_metadata() if k == "authorization"), None)
    return verifier.actor(token if isinstance(token, str) else None)


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not allowed")


def parse_data(raw: str, field: str = "data_json") -> dict[str, Any]:
    """Parse a `data_json` field into a dict (numbers with a fraction become Decimal, never float)."""
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw, parse_float=Decimal, parse_constant=_no_constant)
    except ValueError as exc:
        raise InvalidInput(
            "INVALID_JSON", f"{field} 不是有效的 JSON：{exc}", f"{field} is not valid JSON: {exc}", field
        ) from None
    if not isinstance(value, dict):
        raise InvalidInput("INVALID_JSON", f"{field} 必须是 JSON 对象", f"{field} must be a JSON object", field)
    return value


def dump_data(data: Any) -> str:
    """Render case data as a compact JSON string (Decimal as its exact string)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)


def check_length(value: str | None, field: str, limit: int) -> None:
    """Reject a string field longer than `limit` characters, as the HTTP API does."""
    if value is not None and len(value) > limit:
        raise InvalidInput(
            "INVALID_REQUEST",
            f"请求格式错误：{field} 不能超过 {limit} 个字符",
            f"malformed request: {field}: at most {limit} characters",
            field,
        )


def new_server(host: str, port: int, service_names: tuple[str, ...]) -> grpc.Server:
    """A sync gRPC server bound to host:port with the standard health service reporting SERVING."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="ybj-grpc"))
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for name in ("", *service_names):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    address = f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"
    if server.add_insecure_port(address) == 0:
        raise RuntimeError(f"cannot bind gRPC server to {address}")
    return server


class CaseCommandsService(cases_pb2_grpc.CaseCommandsServicer):
    """Serves ybj.v1.CaseCommands with the service's CaseApplication."""

    def __init__(self, app: CaseApplication, verifier: TokenVerifier) -> None:
        self._app = app
        self._verifier = verifier

    def CreateCase(self, request: cases_pb2.CreateCaseRequest, context: grpc.ServicerContext) -> cases_pb2.CaseAck:  # noqa: N802 (gRPC method name)
        """Open a case (登记)."""
        return guarded(context, lambda: self._create(request, context))

    def ActOnCase(self, request: cases_pb2.ActOnCaseRequest, context: grpc.ServicerContext) -> cases_pb2.CaseAck:  # noqa: N802 (gRPC method name)
        """Apply one action to a case at its expected version."""
        return guarded(context, lambda: self._act(request, context))

    def _create(self, request: cases_pb2.CreateCaseRequest, context: grpc.ServicerContext) -> cases_pb2.CaseAck:
        who = actor_from(self._verifier, context)
        key = request.idempotency_key if request.HasField("idempotency_key") else None
        correlation = request.correlation_id if request.HasField("correlation_id") else None
        check_length(key, "idempotency_key", MAX_HEADER_VALUE)
        check_length(correlation, "correlation_id", MAX_HEADER_VALUE)
        data = parse_data(request.data_json)
        ack = measured.create_case(
            self._app, request.process, data, who, idempotency_key=key or None, correlation_id=correlation or None
        )
        return _to_ack(ack)

    def _act(self, request: cases_pb2.ActOnCaseRequest, context: grpc.ServicerContext) -> cases_pb2.CaseAck:
        who = actor_from(self._verifier, context)
        case_id = _case_id(request.case_id)
        comment = request.comment if request.HasField("comment") else None
        correlation = request.correlation_id if request.HasField("correlation_id") else None
        check_length(comment, "comment", MAX_COMMENT)
        check_length(correlation, "correlation_id", MAX_HEADER_VALUE)
        if request.expected_version < 1:
            raise InvalidInput(
                "INVALID_REQUEST",
                "请求格式错误：expected_version 必须大于等于 1",
                "malformed request: expected_version must be at least 1",
                "expected_version",
            )
        cmd = Command(request.action, request.expected_version, comment, parse_data(request.data_json))
        ack = measured.act(self._app, case_id, who, cmd, correlation_id=correlation or None)
        return _to_ack(ack)


def start_grpc_server(app: CaseApplication, verifier: TokenVerifier, port: int, host: str = "127.0.0.1") -> grpc.Server:
    """Start serving ybj.v1.CaseCommands and grpc.health.v1 on host:port and return the running server."""
    server = new_server(host, port, (SERVICE_NAME,))
    cases_pb2_grpc.add_CaseCommandsServicer_to_server(CaseCommandsService(app, verifier), server)
    server.start()
    log.info("gRPC %s listening on %s:%s", SERVICE_NAME, host, port)
    return server


def _case_id(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise InvalidInput(
            "INVALID_REQUEST",
            "请求格式错误：case_id 不是有效的 UUID",
            "malformed request: case_id is not a UUID",
            "case_id",
        ) from None


def _to_ack(ack: CaseAck) -> cases_pb2.CaseAck:
    return cases_pb2.CaseAck(
        case_id=ack.case_id,
        acceptance_no=ack.acceptance_no,
        process_id=ack.process_id,
        stage=ack.stage,
        version=ack.version,
    )
