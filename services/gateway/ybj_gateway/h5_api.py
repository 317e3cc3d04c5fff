"""The H5 routes (docs/channel/envelope.md, section 10):

- `POST /channel/v1/h5-sessions`: the channel's server opens a session for one person; an envelope like any item
  call (no `itemNo`), answered with a signed envelope: `{session, expires_at, h5_url}`.
- `GET /channel/v1/h5/items` and `POST /channel/v1/h5/items/{no}`: the citizen's H5 page, with
  `Authorization: Session <token>` and plain JSON both ways (errors as `{code, message_zh, message_en, field}`).

Blocking work (PostgreSQL, the query service's API, SM2) runs in a bounded pool of threads, as in channel_api.py.
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, Response

from ybj_gateway.channel_api import ENVELOPE_BODY, MAX_BODY_BYTES, REQUEST_THREADS, _envelope, _source
from ybj_gateway.h5_service import H5Answer, H5Service

# Personal data: no cache keeps an answer, on the phone or on the way.
NO_STORE = {"Cache-Control": "no-store"}
SESSION_HEADER: dict[str, Any] = {
    "parameters": [
        {
            "name": "Authorization",
            "in": "header",
            "required": True,
            "schema": {"type": "string", "pattern": "^Session [A-Za-z0-9_-]{43}$"},
            "description": "Session <token>：渠道服务端开通的 H5 会话 / the H5 session the channel's server opened",
        }
    ]
}


def h5_router(service: H5Service) -> APIRouter:
    """The H5 session and H5 page routes on an H5Service."""
    router = APIRouter(tags=["h5 便民服务 H5 页面"])
    pool = ThreadPoolExecutor(max_workers=REQUEST_THREADS, thread_name_prefix="gateway-h5")

    async def run(call: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(pool, call, *args)

    def plain(answer: H5Answer) -> Response:
        headers = {**NO_STORE, "X-Request-Id": answer.request_id}
        return JSONResponse(answer.body, status_code=answer.status, headers=headers)

    @router.post("/channel/v1/h5-sessions", openapi_extra=ENVELOPE_BODY)
    async def open_session(request: Request) -> Response:
        """Open an H5 session for the person the business data names (psn_cert_type, certno, psn_name)."""
        answer = await run(service.open_session, await _envelope(request), _source(request))
        headers = {**NO_STORE, "X-Request-Id": answer.request_id}
        return JSONResponse(answer.envelope, status_code=answer.status, headers=headers)

    @router.get("/channel/v1/h5/items", openapi_extra=SESSION_HEADER)
    async def list_items(request: Request) -> Response:
        """The session's person and the items the channel holds an H5 grant for, by 一级功能, with their fields."""
        return plain(await run(service.list_items, request.headers.get("authorization"), _source(request)))

    @router.post("/channel/v1/h5/items/{no}", openapi_extra=SESSION_HEADER)
    async def call_item(
        no: str,
        request: Request,
        idempotency_key: Annotated[str | None, Header(description="同一次提交的重试不重复受理")] = None,
    ) -> Response:
        """Call item `no` for the session's person with the business data as a JSON object."""
        business = _business(await request.body())
        authorization = request.headers.get("authorization")
        return plain(await run(service.call_item, authorization, no, business, _source(request), idempotency_key))

    return router


def _business(raw: bytes) -> dict[str, Any] | None:
    """The body as a JSON object (none: an empty object), or None when it is something else."""
    if not raw.strip():
        return {}
    if len(raw) > MAX_BODY_BYTES:
        return None
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return body if isinstance(body, dict) else None
