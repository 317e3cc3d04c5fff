"""Forwards commands from the public entry point to the domain service that owns the process or case."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import httpx
import orjson
from fastapi.responses import Response

from ybj_kernel.errors import InvalidInput, NotFound, Unavailable

FORWARDED_HEADERS = ("authorization", "idempotency-key", "x-correlation-id")
# Answer headers handed back from a passed-through request.
_PASSED_BACK = frozenset(
    {
        "content-type",
        "content-disposition",
        "retry-after",
        "x-document-sm3",
        "x-verification-code",
        "location",
        "cache-control",
    }
)
FORWARD_TIMEOUT_SECONDS = 30
# Below uvicorn's keep-alive timeout (5 s): a connection is never reused just as the service closes it.
KEEPALIVE_SECONDS = 4


class ProcessRegistry:
    """The process definitions of every domain service, fetched from their APIs and cached."""

    def __init__(self, client: httpx.Client, service_urls: dict[str, str]) -> None:
        self._client = client
        self._urls = service_urls
        self._lock = threading.Lock()
        self._by_id: dict[str, dict[str, Any]] = {}

    def all(self) -> list[dict[str, Any]]:
        """Every process, in catalogue id order."""
        self._load(force=len(self._by_id) == 0)
        return [self._by_id[k] for k in sorted(self._by_id)]

    def cached(self, process_id: str) -> dict[str, Any] | None:
        """A process definition already fetched, without any network call."""
        return self._by_id.get(process_id)

    def get(self, process_id: str) -> dict[str, Any]:
        """One process definition, or NotFound."""
        if process_id not in self._by_id:
            self._load(force=True)
        try:
            return self._by_id[process_id]
        except KeyError:
            raise NotFound(
                "UNKNOWN_PROCESS", f"没有业务流程 {process_id}", f"no such process {process_id}", "process"
            ) from None

    def _load(self, *, force: bool) -> None:
        if not force:
            return
        with self._lock:
            found: dict[str, dict[str, Any]] = {}
            for service, url in self._urls.items():
                try:
                    response = self._client.get(f"{url}/api/v1/processes", timeout=5)
                    response.raise_for_status()
                except httpx.HTTPError as exc:
                    raise Unavailable(
                        "SERVICE_UNAVAILABLE",
                        f"{service} 服务暂不可用，请稍后重试",
                        f"the {service} service is unavailable, retry shortly ({exc})",
                    ) from None
                for definition in response.json():
                    found[definition["id"]] = definition
            self._by_id = found


@dataclass(frozen=True)
class Answer:
    """A domain service's answer to a forwarded command: status, JSON body as received, and when to retry."""

    status: int
    body: bytes
    retry_after: str | None = None


class Forwarder:
    """Sends a command's body, as received, to a domain service and hands back its answer unchanged.

    Asynchronous and byte-for-byte: the entry point neither re-encodes the request nor the answer, and
    waits on the network without holding a thread. aiohttp, not httpx: httpx's client cost about 2 ms of
    CPU per forwarded command here, more than the domain service spent on the command itself.
    """

    def __init__(self, service_urls: dict[str, str], known_cases: int = 100_000, max_connections: int = 64) -> None:
        self._urls = service_urls
        self._service_of: OrderedDict[str, str] = OrderedDict()  # case id -> service, most recent last
        self._known_cases = known_cases
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    @property
    def services(self) -> tuple[str, ...]:
        """The domain services this entry point forwards to."""
        return tuple(self._urls)

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use, inside the server's event loop (an aiohttp session belongs to one loop).
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._max_connections, keepalive_timeout=KEEPALIVE_SECONDS),
                timeout=aiohttp.ClientTimeout(total=FORWARD_TIMEOUT_SECONDS),
                skip_auto_headers=("User-Agent", "Accept-Encoding"),
            )
        return self._session

    async def close(self) -> None:
        """Close the connections to the domain services."""
        if self._session is not None:
            await self._session.close()

    async def forward(self, service: str, path: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        """POST to a domain service."""
        sent = {k: v for k, v in headers.items() if k.lower() in FORWARDED_HEADERS}
        sent["content-type"] = "application/json"
        try:
            async with self._client().post(f"{self._urls[service]}{path}", data=body, headers=sent) as response:
                answer = Answer(response.status, await response.read(), response.headers.get("retry-after"))
            decoded = orjson.loads(answer.body)  # every answer of a service, errors included, is JSON
        except (aiohttp.ClientError, TimeoutError, orjson.JSONDecodeError) as exc:
            raise Unavailable(
                "SERVICE_UNAVAILABLE",
                f"{service} 服务暂不可用，请稍后重试",
                f"the {service} service is unavailable, retry shortly ({type(exc).__name__})",
            ) from None
        if answer.status in (200, 201) and isinstance(decoded, dict):
            self.remember(str(decoded.get("case_id", "")), service)
        return answer

    async def pass_through(
        self,
        service: str,
        method: str,
        path: str,
        *,
        query: str = "",
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        timeout_seconds: float | None = None,
    ) -> Response:
        """Any request (a PDF, a spreadsheet, a multipart upload …) handed to a service and its answer handed back whole.

        `timeout_seconds`: longer than FORWARD_TIMEOUT_SECONDS for a request known to take long (a batch upload).
        """
        incoming = headers or {}
        sent = {k: v for k, v in incoming.items() if k.lower() in (*FORWARDED_HEADERS, "content-type")}
        url = f"{self._urls[service]}{path}" + (f"?{query}" if query else "")
        timeout = aiohttp.ClientTimeout(total=timeout_seconds or FORWARD_TIMEOUT_SECONDS)
        try:
            async with self._client().request(
                method, url, data=body or None, headers=sent, timeout=timeout
            ) as response:
                content = await response.read()
                kept = {k: v for k, v in response.headers.items() if k.lower() in _PASSED_BACK}
                return Response(content, status_code=response.status, headers=kept)
        except (aiohttp.ClientError, TimeoutError):
            raise Unavailable(
                "SERVICE_UNAVAILABLE",
                f"{service} 服务暂不可用，请稍后重试",
                f"the {service} service is unavailable, retry shortly",
            ) from None

    def remember(self, case_id: str, service: str) -> None:
        """Note which service owns a case (bounded: the oldest are forgotten first)."""
        if not case_id:
            return
        self._service_of[case_id] = service
        self._service_of.move_to_end(case_id)
        if len(self._service_of) > self._known_cases:
            self._service_of.popitem(last=False)

    def service_of(self, case_id: str) -> str | None:
        """The service of a case this entry point has seen, if any."""
        return self._service_of.get(case_id)

    async def find_case_service(self, case_id: str, body: bytes, headers: Mapping[str, str]) -> Answer | None:
        """Try each service for a case neither seen here nor yet in the read model (just created elsewhere)."""
        for service in self._urls:
            answer = await self.forward(service, f"/api/v1/cases/{case_id}/actions", body, headers)
            if not (answer.status == 404 and orjson.loads(answer.body).get("code") == "CASE_NOT_FOUND"):
                return answer
        return None


def relayed(answer: Answer) -> Response:
    """A domain service's answer handed back unchanged: body, status and, on a 503, when to retry."""
    headers = {"Retry-After": answer.retry_after} if answer.retry_after else None
    return Response(answer.body, status_code=answer.status, headers=headers, media_type="application/json")


def json_object(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object, or InvalidInput."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        raise InvalidInput("INVALID_REQUEST", "请求体应为JSON对象", "the request body must be a JSON object", "body")
    return body
