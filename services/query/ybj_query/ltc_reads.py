"""长期护理保险 (long-term care) reads at the entry point, for service items 75-81: a person's 长护险待遇资格 (the
`ltc_eligibility` entry treatment publishes, with its history), and treatment's example reference data passed through
whole: the 照护机构 directory and the 失能等级 table with its 照护计划. (A person's 失能申请 are their S078 cases:
`/api/v1/persons/{psn_no}/cases?processes=S078`, person_case_reads.py.)

Reads of a person's records go to the access log, as the other person reads do.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Engine

from ybj_kernel.domain.engine import Actor
from ybj_kernel.entrypoints.http_common import CurrentActor
from ybj_kernel.errors import NotFound
from ybj_query import registry_queries as q
from ybj_query.forwarding import Forwarder
from ybj_query.registry_reads import PASSED, may_read

LTC_REGISTRY = "ltc_eligibility"


def ltc_router(engine: Engine, forwarder: Forwarder) -> APIRouter:
    """GET /api/v1/persons/{psn_no}/ltc, /api/v1/ltc/institutions, /api/v1/ltc/policy."""
    router = APIRouter(tags=["long-term care 长护险"])

    async def logged(request: Request, who: Actor, what: str, key: str) -> None:
        access = getattr(request.app.state, "access", None)
        if access is not None:
            await access.arecord(who, request, what, key)

    @router.get("/api/v1/persons/{psn_no}/ltc", responses=PASSED)
    async def eligibility(psn_no: str, who: CurrentActor, request: Request) -> dict[str, Any]:
        """长护险待遇资格: the 评定结论 in effect (`current`, null when none: its level, validity, 照护计划, 照护机构 and
        订购) and every change of it, oldest first (a 复评 replaces a conclusion; the one before stays here)."""
        may_read(who)
        await logged(request, who, LTC_REGISTRY, psn_no)
        try:
            found = await asyncio.to_thread(q.entry, engine, LTC_REGISTRY, psn_no)
            changes = await asyncio.to_thread(q.history, engine, LTC_REGISTRY, psn_no)
        except NotFound:
            return {"psn_no": psn_no, "current": None, "history": []}
        return {
            "psn_no": psn_no,
            "current": found["state"] if found["in_effect"] else None,
            "version": found["version"],
            "history": [{k: h[k] for k in ("version", "event", "op", "case_id", "time", "args")} for h in changes],
        }

    @router.get("/api/v1/ltc/institutions", responses=PASSED)
    async def care_institutions(request: Request) -> Response:
        """照护机构 (定点护理服务机构): treatment's directory (example data), `admdvs` and `care_mode` to narrow it."""
        return await forwarder.pass_through(
            "treatment", "GET", request.url.path, query=request.url.query, headers=request.headers
        )

    @router.get("/api/v1/ltc/policy", responses=PASSED)
    async def ltc_policy(request: Request) -> Response:
        """The 失能等级 table, the validity of a 评定结论 and each level's 照护计划 S078 decides by (example data)."""
        return await forwarder.pass_through("treatment", "GET", request.url.path, headers=request.headers)

    return router
