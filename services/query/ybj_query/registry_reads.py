"""Registry reads at the entry point: employers, persons, contributions and accounts, answered by the owning service."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ybj_kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated, Unavailable, YbjError
from ybj_query.gateway import Gateway

# Which service owns each registry (DOMAIN.md §1.0).
REGISTRY_SERVICES = dict.fromkeys(("employer", "person", "account", "uscc", "certno"), "enrollment")
# Reads of these are written to the access log (who looked at which person, account or employer).
LOGGED_REGISTRIES = frozenset({"person", "account", "employer"})
PASSED: dict[int | str, dict[str, Any]] = {
    401: {"description": "未登录 / no valid token"},
    403: {"description": "无权查询 / not allowed"},
    404: {"description": "不存在 / not found"},
    422: {"description": "输入有误 / invalid input"},
    503: {"description": "服务暂不可用 / unavailable, retry"},
}


def registry_router(gateway: Gateway) -> APIRouter:
    """GET /api/v1/employers…, /api/v1/persons…, /api/v1/registries/{registry}/{key}/history."""
    router = APIRouter()

    async def entry(registry: str, key: str, request: Request) -> dict[str, Any]:
        service = REGISTRY_SERVICES.get(registry)
        if service is None:
            raise NotFound("UNKNOWN_REGISTRY", f"没有登记簿 {registry}", f"no registry {registry}", "registry")
        # `as_of` (RFC 3339) passes through: the owning service rebuilds the entry as it stood then.
        as_of = request.query_params.get("as_of")
        query = urlencode({"as_of": as_of}) if as_of else ""
        answer = await gateway.pass_through(
            service, "GET", f"/api/v1/registries/{registry}/{key}", query=query, headers=request.headers
        )
        body = orjson.loads(answer.body)
        if answer.status_code != 200:
            raise as_error(answer.status_code, body)
        access = getattr(request.app.state, "access", None)
        if access is not None and registry in LOGGED_REGISTRIES:
            who = request.app.state.verifier.actor(request.headers.get("authorization"))
            await access.arecord(who, request, registry if not as_of else f"{registry}-as-of", key)
        return dict(body)

    async def by_index(index: str, value: str, registry: str, request: Request) -> dict[str, Any]:
        held = await entry(index, value, request)
        target = held["state"].get("target")
        if not held["in_effect"] or target is None:
            raise NotFound("ENTRY_NOT_FOUND", f"没有 {value} 的记录", f"nothing registered under {value}", index)
        return await entry(registry, str(target), request)

    @router.get("/api/v1/employers/{emp_no}", responses=PASSED)
    async def employer(emp_no: str, request: Request) -> dict[str, Any]:
        """参保单位: its information, status and merge/split lineage, as it stands (service items 4-7)."""
        return await entry("employer", emp_no, request)

    @router.get("/api/v1/employers", responses=PASSED)
    async def employer_by_uscc(
        uscc: Annotated[str, Query(min_length=18, max_length=18)], request: Request
    ) -> dict[str, Any]:
        """The employer holding a 统一社会信用代码."""
        return await by_index("uscc", uscc, "employer", request)

    @router.get("/api/v1/persons", responses=PASSED)
    async def person_by_certno(
        certno: Annotated[str, Query(min_length=1, max_length=50)], request: Request
    ) -> dict[str, Any]:
        """The insured person holding a 证件号码, with their enrollments per 险种."""
        return await by_index("certno", certno.upper(), "person", request)

    @router.get("/api/v1/persons/{psn_no}", responses=PASSED)
    async def person(
        psn_no: str,
        request: Request,
        as_of: Annotated[str | None, Query(description="RFC 3339: the person as recorded then")] = None,
    ) -> dict[str, Any]:
        """参保人: identity and 参保关系 per 险种 (service items 1-2, 8-14, 68); `as_of`: as it stood then."""
        return await entry("person", psn_no, request)

    @router.get("/api/v1/persons/{psn_no}/contributions", responses=PASSED)
    async def contributions(psn_no: str, request: Request) -> dict[str, Any]:
        """核定基数 and 缴费记录 by period and 险种, newest period first (service items 58, 67, 71)."""
        state = (await entry("person", psn_no, request))["state"]
        records = sorted(state.get("contributions", {}).values(), key=lambda c: (c["ym"], c["insutype"]), reverse=True)
        bases = [
            {"insutype": k.split(":")[0], "ym": k.split(":")[1], "amount": v}
            for k, v in sorted(state.get("bases", {}).items(), key=lambda kv: kv[0].split(":")[1], reverse=True)
        ]
        return {"psn_no": psn_no, "bases": bases, "contributions": records}

    @router.get("/api/v1/persons/{psn_no}/account", responses=PASSED)
    async def account(
        psn_no: str,
        request: Request,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        """个人账户: balance in fen and 收支明细, newest first, paginated (service items 16, 70, 72)."""
        found = await entry("account", psn_no, request)
        state = found["state"]
        entries = list(reversed(state.get("entries", [])))
        start = (page - 1) * page_size
        return {
            "psn_no": psn_no,
            "balance": state.get("balance", 0),
            "frozen": state.get("frozen", False),
            "total": len(entries),
            "page": page,
            "page_size": page_size,
            "entries": entries[start : start + page_size],
            "version": found["version"],
        }

    @router.get("/api/v1/registries/{registry}/{key}/history", responses=PASSED)
    async def registry_history(registry: str, key: str, request: Request) -> Response:
        """Every change of a registry entry, oldest first, with the case that made it."""
        service = REGISTRY_SERVICES.get(registry)
        if service is None:
            raise NotFound("UNKNOWN_REGISTRY", f"没有登记簿 {registry}", f"no registry {registry}", "registry")
        return await gateway.pass_through(service, "GET", request.url.path, headers=request.headers)

    return router


def as_error(status: int, body: Any) -> YbjError:
    """A service's error answer as the same error here."""
    kinds: dict[int, type[YbjError]] = {
        401: Unauthenticated,
        403: Forbidden,
        404: NotFound,
        409: Conflict,
        422: InvalidInput,
        503: Unavailable,
    }
    kind = kinds.get(status, YbjError)
    detail = body if isinstance(body, dict) else {}
    return kind(
        str(detail.get("code", "UPSTREAM")),
        str(detail.get("message_zh", "服务返回错误")),
        str(detail.get("message_en", f"the service answered {status}")),
        detail.get("field"),
    )
