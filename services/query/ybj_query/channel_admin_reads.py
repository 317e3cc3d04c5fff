"""The convenience-service gateway's routes for the bureau at the entry point, passed through whole: provisioning a
P092 case with a generated key pair (whose private key is shown once, in that answer only), rotating a channel's key,
its credentials (the provincial bureau only), and the channel access log. The gateway checks the token.

Also the citizens' H5 pages' calls (`/channel/v1/h5/…`, `Authorization: Session …`): the page is served by this entry
point, so it calls its own origin, and the gateway checks the session, grants and person as for any channel call."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ybj_query.forwarding import Forwarder
from ybj_query.registry_reads import PASSED


def channel_admin_router(forwarder: Forwarder) -> APIRouter:
    """POST /api/v1/gateway/cases/{id}/provision and /rotate-key; GET …/credentials and /api/v1/gateway/access-log."""
    router = APIRouter()

    @router.post("/api/v1/gateway/cases/{case_id}/provision", responses=PASSED)
    async def provision(case_id: UUID, request: Request) -> Response:
        """配置 of a P092 case: credentials issued (a generated key pair's private key in this answer only)."""
        path = f"/api/v1/gateway/cases/{case_id}/provision"
        return await forwarder.pass_through("gateway", "POST", path, body=await request.body(), headers=request.headers)

    @router.post("/api/v1/gateway/cases/{case_id}/rotate-key", responses=PASSED)
    async def rotate_key(case_id: UUID, request: Request) -> Response:
        """密钥轮换 of a channel (its P092 case), with an overlap in which old and new keys both verify."""
        path = f"/api/v1/gateway/cases/{case_id}/rotate-key"
        return await forwarder.pass_through("gateway", "POST", path, body=await request.body(), headers=request.headers)

    @router.get("/api/v1/gateway/cases/{case_id}/credentials", responses=PASSED)
    async def credentials(case_id: UUID, request: Request) -> Response:
        """A channel's app_id, public keys and SM4 key (the provincial bureau only)."""
        path = f"/api/v1/gateway/cases/{case_id}/credentials"
        return await forwarder.pass_through("gateway", "GET", path, headers=request.headers)

    @router.api_route("/channel/v1/h5/{rest:path}", methods=["GET", "POST"], include_in_schema=False)
    async def h5(rest: str, request: Request) -> Response:
        """An H5 page's call, handed to the gateway whole."""
        path = f"/channel/v1/h5/{rest}"
        return await forwarder.pass_through(
            "gateway", request.method, path, query=request.url.query, body=await request.body(), headers=request.headers
        )

    @router.get("/api/v1/gateway/access-log", responses=PASSED)
    async def access_log(request: Request) -> Response:
        """Every channel request and its outcome, newest first."""
        query = request.url.query
        return await forwarder.pass_through(
            "gateway", "GET", "/api/v1/gateway/access-log", query=query, headers=request.headers
        )

    return router
