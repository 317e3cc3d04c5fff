"""HTTP pieces every service shares: error bodies, metrics endpoint, and the bearer-token dependency."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ybj_kernel.adapters.spreadsheets_export import XLSX_MEDIA_TYPE
from ybj_kernel.auth import TokenVerifier
from ybj_kernel.domain.engine import Actor
from ybj_kernel.errors import InvalidInput, YbjError


def install_error_handlers(api: FastAPI) -> None:
    """Render every error as {code, message_zh, message_en, field?}."""

    @api.exception_handler(YbjError)
    async def _domain_error(_: Request, exc: YbjError) -> JSONResponse:
        headers = {"Retry-After": "2"} if exc.status == 503 else None
        return JSONResponse(exc.to_dict(), status_code=exc.status, headers=headers)

    @api.exception_handler(RequestValidationError)
    async def _bad_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        err = exc.errors()[0]
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        field = ".".join(loc) or None
        body = {
            "code": "INVALID_REQUEST",
            "message_zh": f"请求格式错误：{field or '请求体'} {err.get('msg', '')}",
            "message_en": f"malformed request: {field or 'body'}: {err.get('msg', '')}",
            "field": field,
        }
        return JSONResponse(body, status_code=422)

    @api.exception_handler(Exception)
    async def _internal(_: Request, exc: Exception) -> JSONResponse:
        # A bug, not a user error: still answered in the common shape (the traceback goes to the log).
        body = {
            "code": "INTERNAL",
            "message_zh": "服务内部错误，请稍后重试",
            "message_en": f"internal error, retry later ({type(exc).__name__})",
        }
        return JSONResponse(body, status_code=500)


async def no_nul_characters(request: Request) -> None:
    """Refuse a NUL character in any path or query parameter (PostgreSQL text cannot hold one): a 422 naming it."""
    for name, value in (*request.path_params.items(), *request.query_params.multi_items()):
        if "\x00" in str(value):
            raise InvalidInput(
                "INVALID_CHARACTER",
                f"{name} 含有不允许的字符（NUL）",
                f"{name} holds a character that is not allowed (NUL)",
                name,
            )


PARAMETER_CHECKS = [Depends(no_nul_characters)]  # every app's `dependencies=`: one place for parameter hygiene


def install_metrics(api: FastAPI) -> None:
    """Expose this process's Prometheus metrics at /metrics."""

    @api.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def current_actor(request: Request, authorization: Annotated[str | None, Header()] = None) -> Actor:
    """Turn the Authorization header into an Actor with the app's TokenVerifier (`app.state.verifier`).

    Asynchronous because it does not block (a verified token is remembered): FastAPI would otherwise send
    every request through its thread pool once more just for this.
    """
    verifier: TokenVerifier = request.app.state.verifier
    return verifier.actor(authorization)


CurrentActor = Annotated[Actor, Depends(current_actor)]


def xlsx_download(content: bytes, file_name: str, fallback: str = "") -> Response:
    """An .xlsx download, its (Chinese) file name given the RFC 6266 way, with an ASCII fallback name."""
    plain = fallback or file_name.encode("ascii", "ignore").decode() or "download.xlsx"
    disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(file_name)}"
    return Response(content, media_type=XLSX_MEDIA_TYPE, headers={"Content-Disposition": disposition})
