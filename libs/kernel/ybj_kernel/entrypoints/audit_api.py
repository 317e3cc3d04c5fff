"""Auditors' routes of a domain service: a case as of a moment, its history then, a diff, and its audit package.

The entry point forwards these here (see ybj_kernel/audit/as_of.py for why the owning service answers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

import psycopg
from fastapi import APIRouter, Query
from fastapi.responses import Response

from ybj_kernel.application import CaseApplication
from ybj_kernel.audit.as_of import case_at, diff, history_at, moment
from ybj_kernel.audit.packaging import audit_package
from ybj_kernel.domain.engine import Actor
from ybj_kernel.domain.identity import admdvs_covers
from ybj_kernel.domain.roles import OVERSIGHT, STAFF_ROLES
from ybj_kernel.entrypoints.http_common import CurrentActor
from ybj_kernel.errors import Forbidden
from ybj_kernel.sm2 import SM2Key

READ_ROLES = STAFF_ROLES | {OVERSIGHT}
Moment = Annotated[str, Query(description="RFC 3339, e.g. 2026-12-05T10:00:00+08:00")]


def audit_router(app: CaseApplication, dsn: str | None, key: Callable[[], SM2Key] | None) -> APIRouter:
    """GET /api/v1/cases/{id}/as-of, …/history-as-of, …/diff and …/audit-package of this service's cases."""
    router = APIRouter()

    def seen(case_id: UUID, who: Actor, at: str | None, field: str = "as_of") -> dict[str, Any]:
        _may_read(who)
        view = case_at(app, case_id, moment(at, field) if at else None)
        if not admdvs_covers(who.admdvs, view["admdvs"]):
            raise Forbidden(
                "OUT_OF_ADMDVS",
                f"无权查看医保区划 {view['admdvs']} 的案件",
                f"you may not see cases of admdvs {view['admdvs']}",
                "admdvs",
            )
        return view

    @router.get("/api/v1/cases/{case_id}/as-of")
    def as_of(case_id: UUID, who: CurrentActor, at: Moment) -> dict[str, Any]:
        """The case exactly as it stood at `at`, with the event version it stands on."""
        return seen(case_id, who, at)

    @router.get("/api/v1/cases/{case_id}/history-as-of")
    def history(case_id: UUID, who: CurrentActor, at: Moment) -> dict[str, Any]:
        """The case's events up to `at`."""
        view = seen(case_id, who, at)
        return {
            "case_id": str(case_id),
            "as_of": view["as_of"],
            "version": view["version"],
            "events": history_at(app, case_id, moment(at, "as_of")),
        }

    @router.get("/api/v1/cases/{case_id}/diff")
    def changes(
        case_id: UUID, who: CurrentActor, from_: Annotated[str, Query(alias="from")], to: Annotated[str, Query()]
    ) -> dict[str, Any]:
        """What changed between two moments, field by field."""
        before, after = seen(case_id, who, from_, "from"), seen(case_id, who, to, "to")
        return {
            "case_id": str(case_id),
            "from": {"time": before["as_of"], "version": before["version"]},
            "to": {"time": after["as_of"], "version": after["version"]},
            "changes": diff(before, after),
        }

    @router.get("/api/v1/cases/{case_id}/audit-package", response_class=Response)
    def package(case_id: UUID, who: CurrentActor) -> Response:
        """The case's audit package (zip), verifiable offline with `ybj audit verify-package`."""
        seen(case_id, who, None)
        if dsn is None or key is None:
            raise Forbidden("NO_AUDIT_STORE", "本服务未配置审计包", "this service builds no audit packages")
        with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
            data = audit_package(conn, str(case_id), [app.service], key())
        headers = {"Content-Disposition": f'attachment; filename="audit-{case_id}.zip"'}
        return Response(data, media_type="application/zip", headers=headers)

    return router


def _may_read(who: Actor) -> None:
    if not set(who.roles) & READ_ROLES:
        raise Forbidden("WRONG_ROLE", "查看案件需要经办或审计监督角色", "reading cases needs a staff or oversight role")
