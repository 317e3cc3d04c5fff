"""A case or registry entry as it stood at a moment, rebuilt from its events by the service that owns them.

Answered by the owning domain service from its own event store, and forwarded by the entry point, rather than
rebuilt from the query service's history read model: the event store is the record the chain and the signed
checkpoints vouch for, it answers at once (not eventually), and it holds registry entries, which no read model
keeps. Every answer names the event version it stands on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application

from ybj_kernel.errors import InvalidInput, NotFound


def moment(value: str, field: str) -> datetime:
    """An RFC 3339 time with its offset, or InvalidInput."""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise InvalidInput(
            "INVALID_TIME",
            f"{field} 应为带时区的 RFC 3339 时间，如 2026-12-05T10:00:00+08:00",
            f"{field} must be an RFC 3339 time with an offset, e.g. 2026-12-05T10:00:00+08:00",
            field,
        )
    return when


def events_until(app: Application[UUID], stream: UUID, when: datetime | None) -> list[Any]:
    """The stream's events up to and including `when` (all without it), oldest first; NotFound when none."""
    # `timestamp` is on every event of eventsourcing's Aggregate, though not on its protocol.
    events = [e for e in app.events.get(stream) if when is None or getattr(e, "timestamp") <= when]  # noqa: B009
    if not events:
        raise NotFound(
            "NOT_YET",
            "该时刻尚无此记录",
            "it did not exist at that moment",
            "as_of",
        )
    return events


def aggregate_at(app: Application[UUID], stream: UUID, when: datetime | None) -> tuple[Any, Any]:
    """The aggregate as it stood at `when`, and the last event it stands on."""
    last = events_until(app, stream, when)[-1]
    try:
        return app.repository.get(stream, version=last.originator_version), last
    except AggregateNotFoundError:
        raise NotFound("NOT_YET", "该时刻尚无此记录", "it did not exist at that moment", "as_of") from None


def case_at(app: Application[UUID], case_id: UUID, when: datetime | None) -> dict[str, Any]:
    """A case as it stood at `when`: stage, data, who registered it and who moved it there, on which version."""
    case, last = aggregate_at(app, case_id, when)
    return {
        "case_id": str(case_id),
        "process_id": case.process_id,
        "acceptance_no": case.acceptance_no,
        "admdvs": case.admdvs,
        "stage": case.stage,
        "variant": getattr(case, "variant", None),
        "due_on": getattr(case, "due_on", None),
        "data": case.data,
        "version": case.version,
        "as_of": when.isoformat() if when else None,
        "event": getattr(last, "event_name", type(last).__name__),
        "event_time": last.timestamp.isoformat(),
        "created_by": case.created_by.get("user_id"),
        "held_by": {"user_id": last.actor.get("user_id"), "role": last.actor.get("role")},
        "materials": list(getattr(case, "materials", [])),
    }


def history_at(app: Application[UUID], case_id: UUID, when: datetime | None) -> list[dict[str, Any]]:
    """A case's events up to `when`, oldest first, as the audit trail shows them."""
    return [
        {
            "version": e.originator_version,
            "event": getattr(e, "event_name", type(e).__name__),
            "action": getattr(e, "action", None),
            "stage_from": getattr(e, "stage_from", None),
            "stage_to": getattr(e, "stage_to", None),
            "actor": (getattr(e, "actor", None) or {}).get("user_id"),
            "actor_role": (getattr(e, "actor", None) or {}).get("role"),
            "time": e.timestamp.isoformat(),
            "comment": getattr(e, "comment", None),
            "data": getattr(e, "data", {}),
        }
        for e in events_until(app, case_id, when)
    ]


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed between two views of a case, field by field (stage and every data field)."""
    changes = []
    for name in ("stage", "admdvs", "due_on"):
        if before.get(name) != after.get(name):
            changes.append({"field": name, "before": before.get(name), "after": after.get(name)})
    old, new = before.get("data", {}), after.get("data", {})
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key) or (key in old) != (key in new):
            change = "added" if key not in old else "removed" if key not in new else "changed"
            changes.append({"field": f"data.{key}", "before": old.get(key), "after": new.get(key), "change": change})
    return changes
