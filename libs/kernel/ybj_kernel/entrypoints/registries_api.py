"""A domain service's registries over HTTP: an entry as it stands, and its whole history (who changed what, by which case).

The owning service answers from its own event store, so the answer is current (not eventually consistent).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ybj_kernel.application import CaseApplication
from ybj_kernel.audit.as_of import aggregate_at, moment
from ybj_kernel.domain.engine import Actor
from ybj_kernel.domain.roles import STAFF_ROLES
from ybj_kernel.entrypoints.http_common import CurrentActor
from ybj_kernel.errors import Forbidden

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "未登录 / no valid token"},
    403: {"description": "无权查询 / not allowed"},
    404: {"description": "登记簿或记录不存在 / no such registry or entry"},
}
READ_ROLES = STAFF_ROLES | {"oversight"}


def registries_router(app: CaseApplication) -> APIRouter:
    """GET /api/v1/registries/{registry}/{key} and …/history for every registry the service owns."""
    router = APIRouter()

    @router.get("/api/v1/registries", responses=ERRORS)
    def registries(who: CurrentActor) -> list[dict[str, Any]]:
        """The registries this service owns and their operations."""
        _may_read(who)
        return [r.describe() for r in app.registries.values()]

    @router.get("/api/v1/registries/{registry}/{key}", responses=ERRORS)
    def entry(registry: str, key: str, who: CurrentActor, as_of: str | None = None) -> dict[str, Any]:
        """One entry as it stands now (or stood at `as_of`, RFC 3339), with the version it stands on."""
        _may_read(who)
        found = app.get_entry(registry, key)
        if as_of is None:
            return found.describe()
        then, _ = aggregate_at(app, found.id, moment(as_of, "as_of"))
        return {**then.describe(), "as_of": as_of}

    @router.get("/api/v1/registries/{registry}/{key}/history", responses=ERRORS)
    def history(registry: str, key: str, who: CurrentActor) -> list[dict[str, Any]]:
        """Every change of the entry, oldest first: the fact, the case that made it, and what it changed."""
        _may_read(who)
        found = app.get_entry(registry, key)
        return [
            {
                "version": e.originator_version,
                "event": getattr(e, "event_name", type(e).__name__),
                "op": getattr(e, "op", None),
                "case_id": getattr(e, "case_id", None),
                "args": getattr(e, "args", None),
                "time": getattr(e, "timestamp").isoformat(),  # noqa: B009 - not on the event protocol
            }
            for e in app.events.get(found.id)
        ]

    return router


def _may_read(who: Actor) -> None:
    if not set(who.roles) & READ_ROLES:
        raise Forbidden(
            "WRONG_ROLE", "查询登记簿需要经办或审计角色", "reading registries needs a staff or oversight role"
        )
