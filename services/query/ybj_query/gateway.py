"""Forwards commands from the public entry point to the domain service that owns the process or case."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import httpx
import orjson
from fastapi.responses import Response

from ybj_kernel.errors import InvalidInput, NotFound, Unavailable

FORWARDED_HEADERS = ("authorization", "idempotency-key", "x-correlation-id")


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


class Gateway:
    """Sends a command's body, as received, to a domain service and hands back its answer unchanged.

    Asynchronous and byte-for-byte: the entry point neither re-encodes the request nor the answer, and
    waits on the network without holding a thread.
    """

    def __init__(self, client: httpx.AsyncClient, service_urls: dict[str, str], known_cases: int = 100_000) -> None:
        self._client = client
        self._urls = service_urls
        self._service_of: OrderedDict[str, str] = OrderedDict()  # case id -> service, most recent last
        self._known_cases = known_cases

    async def forward(self, service: str, path: str, body: bytes, headers: Mapping[str, str]) -> httpx.Response:
        """POST to a domain service."""
        sent = {k: v for k, v in headers.items() if k.lower() in FORWARDED_HEADERS}
        sent["content-type"] = "application/json"
        try:
            response = await self._client.post(f"{self._urls[service]}{path}", content=body, headers=sent, timeout=30)
            orjson.loads(response.content)  # every answer of a service, errors included, is JSON
        except (httpx.HTTPError, orjson.JSONDecodeError) as exc:
            raise Unavailable(
                "SERVICE_UNAVAILABLE",
                f"{service} 服务暂不可用，请稍后重试",
                f"the {service} service is unavailable, retry shortly ({type(exc).__name__})",
            ) from None
        if response.status_code in (200, 201):
            self.remember(orjson.loads(response.content).get("case_id", ""), service)
        return response

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

    async def find_case_service(self, case_id: str, body: bytes, headers: Mapping[str, str]) -> httpx.Response | None:
        """Try each service for a case neither seen here nor yet in the read model (just created elsewhere)."""
        for service in self._urls:
            response = await self.forward(service, f"/api/v1/cases/{case_id}/actions", body, headers)
            if not (response.status_code == 404 and orjson.loads(response.content).get("code") == "CASE_NOT_FOUND"):
                return response
        return None


def relayed(response: httpx.Response) -> Response:
    """A domain service's answer handed back unchanged: body, status and, on a 503, when to retry."""
    retry_after = response.headers.get("retry-after")
    headers = {"Retry-After": retry_after} if retry_after else None
    return Response(response.content, status_code=response.status_code, headers=headers, media_type="application/json")


def json_object(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object, or InvalidInput."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        raise InvalidInput("INVALID_REQUEST", "请求体应为JSON对象", "the request body must be a JSON object", "body")
    return body
