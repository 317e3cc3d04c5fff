"""The channels' HTTP API under /channel/v1/ (docs/channel/envelope.md): every request an envelope, every answer an
envelope signed by the platform's key.

- `POST /channel/v1/items/{no}`: the envelope of the business data as the body.
- `GET /channel/v1/items`: the envelope (no business data) as query parameters; the 114 items, each with `granted`.
- `GET /channel/v1/platform-key`: the platform's public key (the well-known path; also in the 开通通知).

The handling is blocking (event store, PostgreSQL, the query service's API, SM2): it runs in a bounded pool of
threads, the routes stay on the event loop.
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ybj_gateway.channel_service import Answer, ChannelService

REQUEST_THREADS = 16
MAX_BODY_BYTES = 1_000_000
ENVELOPE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["appId", "timestamp", "nonce", "version", "signType", "signData"],
                    "properties": {
                        "appId": {"type": "string"},
                        "timestamp": {"type": "string", "description": "epoch milliseconds"},
                        "nonce": {"type": "string", "pattern": "^[0-9a-fA-F]{32}$"},
                        "version": {"const": "1.0"},
                        "signType": {"const": "SM2"},
                        "encType": {"enum": ["SM4", ""]},
                        "encData": {"type": "string"},
                        "bizData": {"type": "object"},
                        "signData": {"type": "string"},
                    },
                }
            }
        },
    }
}


def channel_router(service: ChannelService) -> APIRouter:
    """The /channel/v1 routes on a ChannelService."""
    router = APIRouter(tags=["channel 便民服务渠道接口"])
    pool = ThreadPoolExecutor(max_workers=REQUEST_THREADS, thread_name_prefix="gateway-channel")

    async def answered(call: Any, *args: Any) -> Response:
        answer: Answer = await asyncio.get_running_loop().run_in_executor(pool, call, *args)
        return JSONResponse(answer.envelope, status_code=answer.status, headers={"X-Request-Id": answer.request_id})

    @router.post("/channel/v1/items/{no}", openapi_extra=ENVELOPE_BODY)
    async def call_item(no: str, request: Request) -> Response:
        """Call service item `no` (1-114) with the envelope of its business data."""
        return await answered(service.call_item, await _envelope(request), no, _source(request))

    @router.get("/channel/v1/items")
    async def list_items(request: Request) -> Response:
        """The 114 service items and the caller's grants (the envelope as query parameters)."""
        return await answered(service.list_items, dict(request.query_params), _source(request))

    @router.get("/channel/v1/platform-key")
    def platform_key() -> dict[str, str]:
        """The platform's SM2 public key, which signs every answer."""
        return service.platform_key()

    return router


async def _envelope(request: Request) -> dict[str, Any]:
    """The body as a JSON object; anything else becomes an empty envelope, which the checks refuse as MALFORMED."""
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        return {}
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _source(request: Request) -> str:
    """The caller's address (behind a proxy: as uvicorn's --forwarded-allow-ips trusts X-Forwarded-For)."""
    return request.client.host if request.client is not None else ""
