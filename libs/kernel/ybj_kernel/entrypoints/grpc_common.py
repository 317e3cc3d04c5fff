"""gRPC pieces every service shares: the error mapping, authentication, JSON data and the server itself.

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

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from ybj_kernel.auth import TokenVerifier
from ybj_kernel.domain.engine import Actor
from ybj_kernel.errors import InvalidInput, YbjError
from ybj_kernel.grpc_gen.ybj.v1 import cases_pb2  # noqa: F401 - fails early when the stubs are missing

log = logging.getLogger(__name__)

T = TypeVar("T")
ERROR_METADATA_KEY = "ybj-error-bin"
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
