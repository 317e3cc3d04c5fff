"""Forwards commands from the public entry point to the domain service that owns the process or case."""

from __future__ import annotations

import threading
from typing import Any

import httpx
from fastapi.responses import JSONResponse

from ybj_kernel.errors import NotFound, Unavailable

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
    """Sends a command to a domain service and hands back its answer unchanged."""

    def __init__(self, client: httpx.Client, service_urls: dict[str, str]) -> None:
        self._client = client
        self._urls = service_urls

    def forward(self, service: str, path: str, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
        """POST to a domain service."""
        sent = {k: v for k, v in headers.items() if k.lower() in FORWARDED_HEADERS}
        try:
            response = self._client.post(f"{self._urls[service]}{path}", json=body, headers=sent, timeout=30)
            response.json()  # every answer of a service, errors included, is JSON
        except (httpx.HTTPError, ValueError) as exc:
            raise Unavailable(
                "SERVICE_UNAVAILABLE",
                f"{service} 服务暂不可用，请稍后重试",
                f"the {service} service is unavailable, retry shortly ({type(exc).__name__})",
            ) from None
        return response

    def find_case_service(
        self, case_id: str, body: dict[str, Any], headers: dict[str, str]
    ) -> tuple[str, httpx.Response] | None:
        """Try each service for a case the read model has not seen yet (just created)."""
        for service in self._urls:
            response = self.forward(service, f"/api/v1/cases/{case_id}/actions", body, headers)
            if not (response.status_code == 404 and response.json().get("code") == "CASE_NOT_FOUND"):
                return service, response
        return None


def relayed(response: httpx.Response) -> JSONResponse:
    """A domain service's answer handed back unchanged: body, status and, on a 503, when to retry."""
    retry_after = response.headers.get("retry-after")
    headers = {"Retry-After": retry_after} if retry_after else None
    return JSONResponse(response.json(), status_code=response.status_code, headers=headers)
