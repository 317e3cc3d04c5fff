"""Auditors at the entry point: reads logged (who, role, 医保区划, what, when, from where), as-of reads, diffs and
audit packages forwarded to the owning service, the access log for `oversight` only, and commands refused to it.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import Engine

from ybj_kernel.audit import access_log
from ybj_kernel.auth import TokenVerifier
from ybj_kernel.domain.engine import Actor
from ybj_kernel.domain.roles import OVERSIGHT
from ybj_kernel.entrypoints.http_common import CurrentActor
from ybj_kernel.errors import Forbidden, NotFound, Unauthenticated
from ybj_query import reads
from ybj_query.forwarding import Forwarder
from ybj_query.passthrough import service_in_read_model
from ybj_query.reads import scope_prefix
from ybj_query.registry_reads import as_error

READ_ONLY = Forbidden(
    "READ_ONLY_ROLE",
    "审计监督（oversight）角色只能查阅，不能办理业务",
    "the oversight role reads and never acts: commands are refused",
    "Authorization",
)
AsOf = Annotated[str | None, Query(description="RFC 3339 time, e.g. 2026-12-05T10:00:00+08:00")]
ZIP: dict[int | str, dict[str, Any]] = {200: {"content": {"application/zip": {}}, "description": "audit package"}}


class AccessRecorder:
    """Writes the access log on the read models' database (the entry point's own)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        with self._driver() as (conn, _):
            access_log.ensure_table(conn)

    def _driver(self) -> Any:
        return _Driver(self._engine)

    def record(self, who: Actor, request: Request, what: str, target: str) -> None:
        """Log one read."""
        forwarded = request.headers.get("x-forwarded-for", "")
        source = forwarded.split(",")[0].strip() or (request.client.host if request.client else "")
        with self._driver() as (conn, _):
            access_log.record(conn, access_log.Access(who.user_id, who.roles, who.admdvs, what, target, source))

    async def arecord(self, who: Actor, request: Request, what: str, target: str) -> None:
        """Log one read, off the event loop."""
        await asyncio.to_thread(self.record, who, request, what, target)

    def query(self, scope: str, **filters: Any) -> list[dict[str, Any]]:
        """Entries by readers of a 医保区划."""
        with self._driver() as (conn, _):
            return access_log.query(conn, scope_prefix(scope), **filters)


class _Driver:
    """A pooled connection's psycopg connection, in autocommit (the log's functions open their own transactions)."""

    def __init__(self, engine: Engine) -> None:
        self._raw = engine.raw_connection()

    def __enter__(self) -> tuple[Any, Any]:
        conn: Any = self._raw.driver_connection
        conn.autocommit = True
        return conn, self._raw

    def __exit__(self, *_: object) -> None:
        conn: Any = self._raw.driver_connection
        conn.autocommit = False
        self._raw.close()


def refuse_oversight(verifier: TokenVerifier, authorization: str | None) -> None:
    """Refuse a command (403 READ_ONLY_ROLE) whose token carries the oversight role; any other goes on as before.

    Called by the command routes themselves rather than by a middleware, which would cost every request.
    """
    try:
        actor = verifier.actor(authorization)  # a verified token is remembered: no second signature check
    except Unauthenticated:
        return  # the owning service answers 401 as before
    if OVERSIGHT in actor.roles:
        raise READ_ONLY


def audit_router(forwarder: Forwarder, log: AccessRecorder, engine: Engine) -> APIRouter:
    """A case now or as of a moment, its history, a diff, its audit package, and the access log; reads are logged."""
    router = APIRouter()

    async def case_service(case_id: str) -> str:
        service = forwarder.service_of(case_id) or await asyncio.to_thread(service_in_read_model, engine, case_id)
        if service is None:
            raise NotFound("CASE_NOT_FOUND", "案件不存在", "no such case", "case_id")
        return service

    @router.get("/api/v1/cases/{case_id}")
    async def get_case(case_id: str, who: CurrentActor, request: Request, as_of: AsOf = None) -> dict[str, Any]:
        """The case as it stands (read model), or exactly as it stood at `as_of` (rebuilt by its service)."""
        if as_of is None:
            view = await asyncio.to_thread(reads.case_view, engine, case_id, who.admdvs)
        else:
            path = f"/api/v1/cases/{case_id}/as-of"
            view = await forwarded_json(forwarder, await case_service(case_id), path, request, {"at": as_of})
        await log.arecord(who, request, "case" if as_of is None else "case-as-of", case_id)
        return dict(view)

    @router.get("/api/v1/acceptances/{acceptance_no}")
    async def get_case_by_acceptance_no(acceptance_no: str, who: CurrentActor, request: Request) -> dict[str, Any]:
        """The case a 受理号 names, as it stands (the gateway finds a citizen's case by the number they were given)."""
        view = await asyncio.to_thread(reads.case_view, engine, "", who.admdvs, acceptance_no=acceptance_no)
        await log.arecord(who, request, "case", str(view.get("case_id", "")))
        return dict(view)

    @router.get("/api/v1/cases/{case_id}/history")
    async def get_history(case_id: str, who: CurrentActor, request: Request, as_of: AsOf = None) -> Any:
        """Every event of the case in order (up to `as_of`: `{case_id, as_of, version, events}`)."""
        if as_of is None:
            found: Any = await asyncio.to_thread(reads.case_history, engine, case_id, who.admdvs)
        else:
            path = f"/api/v1/cases/{case_id}/history-as-of"
            found = await forwarded_json(forwarder, await case_service(case_id), path, request, {"at": as_of})
        await log.arecord(who, request, "case-history", case_id)
        return found

    @router.get("/api/v1/cases/{case_id}/diff")
    async def case_diff(
        case_id: str,
        request: Request,
        who: CurrentActor,
        from_: Annotated[str, Query(alias="from", description="RFC 3339")],
        to: Annotated[str, Query(description="RFC 3339")],
    ) -> Response:
        """What changed on a case between two moments, field by field."""
        return await forwarded(request, who, case_id, "case-diff", f"/api/v1/cases/{case_id}/diff")

    @router.get("/api/v1/cases/{case_id}/audit-package", responses=ZIP, response_class=Response)
    async def case_package(case_id: str, request: Request, who: CurrentActor) -> Response:
        """The case's audit package (zip): events, digests, signed checkpoint, Merkle proofs, public key, README."""
        return await forwarded(request, who, case_id, "audit-package", f"/api/v1/cases/{case_id}/audit-package")

    async def forwarded(request: Request, who: Actor, case_id: str, what: str, path: str) -> Response:
        service = await case_service(case_id)
        answer = await forwarder.pass_through(service, "GET", path, query=request.url.query, headers=request.headers)
        if answer.status_code == 200:
            await log.arecord(who, request, what, case_id)
        return answer

    @router.get("/api/v1/audit/access-log")
    def access(
        request: Request,
        who: CurrentActor,
        user: str | None = None,
        target: str | None = None,
        what: str | None = None,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        """Who read what (审计监督 only): readers of the caller's 医保区划, newest first."""
        if OVERSIGHT not in who.roles:
            raise Forbidden(
                "OVERSIGHT_ONLY", "访问日志仅供审计监督角色查阅", "only the oversight role may read the access log"
            )
        log.record(who, request, "access-log", target or user or "*")
        items = log.query(
            who.admdvs, user=user, target=target, what=what, limit=page_size, offset=(page - 1) * page_size
        )
        return {"items": items, "page": page, "page_size": page_size}

    return router


async def forwarded_json(
    forwarder: Forwarder, service: str, path: str, request: Request, params: dict[str, str] | None = None
) -> Any:
    """A forwarded GET's JSON answer, or the service's error raised here."""
    query = urlencode(params) if params is not None else request.url.query
    answer = await forwarder.pass_through(service, "GET", path, query=query, headers=request.headers)
    body = orjson.loads(answer.body)
    if answer.status_code != 200:
        raise as_error(answer.status_code, body)
    return body
