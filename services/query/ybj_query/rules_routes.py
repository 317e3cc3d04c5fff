"""试算 at the entry point: every service's rules in one list, and a trial run by the service that owns the rule."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ybj_kernel.errors import NotFound
from ybj_query.forwarding import Forwarder


def rules_router(forwarder: Forwarder) -> APIRouter:
    """GET /api/v1/rules, GET /api/v1/rules/{rule_id}, POST /api/v1/rules/{rule_id}/trial."""
    router = APIRouter()
    owners: dict[str, str] = {}  # rule id -> service, learnt from the listings

    async def listing(request: Request, process: str | None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for service in forwarder.services:
            answer = await forwarder.pass_through(
                service, "GET", "/api/v1/rules", query=f"process={process}" if process else "", headers=request.headers
            )
            if answer.status_code == 200:
                for rule in orjson.loads(answer.body):
                    owners[str(rule["id"])] = service
                    found.append({**rule, "service": service})
        return found

    async def owner(rule_id: str, request: Request) -> str:
        if rule_id not in owners:
            await listing(request, None)
        if rule_id not in owners:
            raise NotFound("RULE_NOT_FOUND", f"没有规则 {rule_id}", f"no rule {rule_id}", "rule_id")
        return owners[rule_id]

    @router.get("/api/v1/rules")
    async def rules(
        request: Request, process: Annotated[str | None, Query(max_length=8, description="业务流程, e.g. P011")] = None
    ) -> list[dict[str, Any]]:
        """Every rule staff can try (试算): id, process, the seed's sentence, input and output schemas."""
        return await listing(request, process)

    @router.get("/api/v1/rules/{rule_id}")
    async def rule(rule_id: str, request: Request) -> Response:
        """One rule."""
        return await forwarder.pass_through(
            await owner(rule_id, request), "GET", request.url.path, headers=request.headers
        )

    @router.post("/api/v1/rules/{rule_id}/trial")
    async def trial(rule_id: str, request: Request) -> Response:
        """Run a rule on given inputs; nothing changes (the same function runs inside the processes)."""
        service = await owner(rule_id, request)
        body = await request.body()
        return await forwarder.pass_through(service, "POST", request.url.path, body=body, headers=request.headers)

    return router
