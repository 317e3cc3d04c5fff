"""The platform's entry point (the query service's HTTP API), as the items read it (items.call.QueryReads) and give
commands through it (items.call.Commands): the gateway talks to the other services only through their APIs.

Reads of personal data are made under a token naming the channel (`channel:<app_id>`), so the query service's access
log shows which channel read whom. The token is the configured service token (YBJ_GATEWAY_QUERY_TOKEN) in production;
locally, where the JWT signing key is at hand, one is minted per channel. Its roles are `channel` and `oversight`:
today's query service lets staff and oversight (read-only) roles read persons, and does not know `channel` yet.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from ybj_kernel.auth import issue_token
from ybj_kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, Unavailable, YbjError

TOKEN_TTL_SECONDS = 3600
TOKEN_ROLES = ["channel", "oversight"]
# Commands go under a token with the role `channel` alone (the entry point refuses commands from `oversight`).
COMMAND_ROLES = ["channel"]
PROVINCE = "520000"

# (app_id, admdvs[, roles]) -> a bearer token for the query service, or None when the gateway has none to give.
TokenSource = Callable[..., str | None]


class ChannelTokens:
    """A token per channel: the configured service token, else minted with the local JWT signing key (cached)."""

    def __init__(self, static_token: str | None, private_pem: bytes | None, issuer: str = "ybj") -> None:
        self._static = static_token
        self._private_pem = private_pem
        self._issuer = issuer
        self._minted: dict[tuple[str, str, tuple[str, ...]], tuple[str, float]] = {}
        self._lock = threading.Lock()

    def __call__(self, app_id: str, admdvs: str, roles: tuple[str, ...] = tuple(TOKEN_ROLES)) -> str | None:
        if self._static:
            return self._static
        if self._private_pem is None:
            return None
        key = (app_id, admdvs or PROVINCE, roles)
        with self._lock:
            held = self._minted.get(key)
            if held is not None and held[1] > time.time() + 60:
                return held[0]
            token = issue_token(
                self._private_pem,
                f"channel:{app_id}",
                list(roles),
                key[1],
                issuer=self._issuer,
                ttl_seconds=TOKEN_TTL_SECONDS,
            )
            self._minted[key] = (token, time.time() + TOKEN_TTL_SECONDS)
            return token


class QueryApi:
    """items.call.QueryReads and items.call.Commands over the query service's HTTP API."""

    def __init__(self, base_url: str, tokens: TokenSource, http: httpx.Client | None = None) -> None:
        self._base = base_url.rstrip("/")
        self._tokens = tokens
        self._http = http or httpx.Client(timeout=10.0)

    def progress(self, acceptance_no: str) -> dict[str, Any]:
        """GET /api/v1/progress/{acceptance_no} (no personal data: no token needed)."""
        return self._get(f"/api/v1/progress/{quote(acceptance_no, safe='')}", None)

    def person_by_certno(self, certno: str, app_id: str, admdvs: str) -> dict[str, Any] | None:
        """GET /api/v1/persons?certno=…, as the channel; None when no insured person holds the number."""
        try:
            return self._get("/api/v1/persons", self._token(app_id, admdvs), {"certno": certno})
        except NotFound:
            return None

    def annual_statement(self, psn_no: str, year: int, app_id: str, admdvs: str) -> dict[str, Any]:
        """GET /api/v1/persons/{psn_no}/annual-statement?year=…, as the channel."""
        path = f"/api/v1/persons/{quote(psn_no, safe='')}/annual-statement"
        return self._get(path, self._token(app_id, admdvs), {"year": str(year)})

    def institutions(self, fixmedins_type: str, admdvs: str | None, app_id: str, channel_admdvs: str) -> dict[str, Any]:
        """GET /api/v1/institutions?fixmedins_type=…[&admdvs=…], as the channel."""
        params = {"fixmedins_type": fixmedins_type, **({"admdvs": admdvs} if admdvs else {})}
        return self._get("/api/v1/institutions", self._token(app_id, channel_admdvs), params)

    def get(self, path: str, params: Mapping[str, str] | None, app_id: str, admdvs: str) -> dict[str, Any]:
        """GET any read of the entry point, as the channel."""
        return self._get(path, self._token(app_id, admdvs), dict(params) if params else None)

    def open_case(
        self,
        process: str,
        variant: str | None,
        data: Mapping[str, Any],
        app_id: str,
        admdvs: str,
        idempotency_key: str,
    ) -> dict[str, Any]:
        """POST /api/v1/cases with `advance` (the stages the channel may do, in one command), as the channel."""
        body = {"process": process, "data": dict(data), "advance": True, **({"variant": variant} if variant else {})}
        headers = {"Idempotency-Key": f"channel:{app_id}:{idempotency_key}"[:200]}
        return self._send("/api/v1/cases", body, self._token(app_id, admdvs, tuple(COMMAND_ROLES)), headers)

    def act(
        self,
        case_id: str,
        action: str,
        expected_version: int,
        data: Mapping[str, Any],
        comment: str | None,
        app_id: str,
        admdvs: str,
    ) -> dict[str, Any]:
        """POST /api/v1/cases/{id}/actions, as the channel."""
        body = {"action": action, "expected_version": expected_version, "data": dict(data)}
        if comment:
            body["comment"] = comment
        path = f"/api/v1/cases/{quote(case_id, safe='')}/actions"
        return self._send(path, body, self._token(app_id, admdvs, tuple(COMMAND_ROLES)), {})

    def _token(self, app_id: str, admdvs: str, roles: tuple[str, ...] = tuple(TOKEN_ROLES)) -> str:
        token = self._tokens(app_id, admdvs, roles)
        if token is None:
            raise Unavailable(
                "QUERY_TOKEN_MISSING",
                "网关未配置查询服务的访问令牌",
                "the gateway has no token for the query service (YBJ_GATEWAY_QUERY_TOKEN)",
            )
        return token

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _get(self, path: str, token: str | None, params: dict[str, str] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self._answer(lambda: self._http.get(self._base + path, params=params, headers=headers))

    def _send(self, path: str, body: dict[str, Any], token: str, headers: dict[str, str]) -> dict[str, Any]:
        sent = {"Authorization": f"Bearer {token}", **headers}
        return self._answer(lambda: self._http.post(self._base + path, json=body, headers=sent))

    def _answer(self, request: Callable[[], httpx.Response]) -> dict[str, Any]:
        try:
            response = request()
        except httpx.HTTPError as exc:
            raise Unavailable(
                "QUERY_UNAVAILABLE",
                "查询服务暂不可用，请稍后重试",
                f"the query service is unavailable ({type(exc).__name__})",
            ) from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code not in (200, 201):
            raise as_error(response.status_code, body)
        if not isinstance(body, dict):
            raise Unavailable("QUERY_UNAVAILABLE", "查询服务应答格式错误", "the query service answered no JSON object")
        return body


def as_error(status: int, body: Any) -> YbjError:
    """The query service's error answer as the same error (its code and messages kept); its refusing the gateway's token
    (401: missing or expired) is the gateway's fault, not the channel's: 503. A 403 is the platform refusing the
    channel's identity (its role or 医保区划 does not reach the case): passed on with its code."""
    if status == 401:
        return Unavailable(
            "QUERY_ACCESS_DENIED",
            "网关访问查询服务被拒绝（令牌或角色配置）",
            f"the query service refused the gateway's token ({status})",
        )
    kinds: dict[int, type[YbjError]] = {403: Forbidden, 404: NotFound, 409: Conflict, 422: InvalidInput}
    detail = body if isinstance(body, dict) else {}
    return kinds.get(status, Unavailable)(
        str(detail.get("code", "UPSTREAM_ERROR")),
        str(detail.get("message_zh", "查询服务返回错误")),
        str(detail.get("message_en", f"the query service answered {status}")),
        detail.get("field"),
    )
