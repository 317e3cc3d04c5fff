"""Every HTTP error is {code, message_zh, message_en}; a dependency being down is a 503 that says when to retry."""

from __future__ import annotations

import httpx
import orjson
from fastapi import FastAPI

from ybj_kernel.entrypoints.http_common import install_error_handlers
from ybj_kernel.errors import Unavailable
from ybj_query.forwarding import Answer, relayed


def _app() -> FastAPI:
    api = FastAPI()
    install_error_handlers(api)

    @api.get("/down")
    def down() -> None:
        raise Unavailable("STORE_UNAVAILABLE", "事件存储暂不可用，请稍后重试", "the event store is unavailable")

    @api.get("/bug")
    def bug() -> None:
        raise RuntimeError("boom")

    return api


async def _get(path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get(path)


async def test_unavailable_is_503_with_retry_after() -> None:
    response = await _get("/down")
    assert (response.status_code, response.headers.get("retry-after")) == (503, "2")
    assert response.json()["code"] == "STORE_UNAVAILABLE"


async def test_an_unexpected_error_is_500_in_the_common_shape() -> None:
    response = await _get("/bug")
    assert response.status_code == 500
    assert set(response.json()) == {"code", "message_zh", "message_en"}


def test_the_entry_point_hands_back_a_services_503_with_its_retry_after() -> None:
    body = {"code": "STORE_UNAVAILABLE", "message_zh": "暂不可用", "message_en": "unavailable"}
    answer = relayed(Answer(503, orjson.dumps(body), retry_after="2"))
    assert (answer.status_code, answer.headers.get("retry-after")) == (503, "2")
    assert orjson.loads(answer.body) == body
    assert relayed(Answer(201, b'{"case_id": "x"}')).headers.get("retry-after") is None
