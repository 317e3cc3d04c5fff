"""A process described for staff and front ends (GET /api/v1/processes/{id}), read from the same table the engine uses."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ybj_kernel.domain.actions import available, positions
from ybj_kernel.domain.deadlines import describe as describe_deadline
from ybj_kernel.domain.process import ProcessDefinition, Stage


def describe_process(p: ProcessDefinition) -> dict[str, Any]:
    """The definition as JSON: stages, every action at every position with its roles, and every event."""
    return {
        "id": p.id,
        "slug": p.slug,
        "name_zh": p.name_zh,
        "service": p.service,
        "variants": [
            {"key": v.key, "name_zh": v.name_zh, "stages": [s.key for s in p.path(v.key)]} for v in p.variants
        ],
        "stages": [_stage(s) for s in p.stages],
        "materials": [
            {"name_zh": m.name_zh, "required": m.required, "condition_zh": m.condition_zh} for m in p.materials
        ],
        "documents": [{"name": d.name, "title_zh": d.title_zh} for d in p.documents],
        "terminal_stages": sorted({"completed", "cancelled", "rejected", *p.extra_terminal_stages}),
        "actions": describe_actions(p),
        "events": [e.describe() for e in p.events()],
        "input_schema": schema(p.opening().input),
    }


def describe_actions(p: ProcessDefinition) -> list[dict[str, Any]]:
    """Every action at every position a case can reach: create first, then stage by stage."""
    described: list[dict[str, Any]] = []
    for variant in p.variant_keys():
        opening = p.opening(variant)
        described.append(
            {
                "name": "create",
                "kind": "create",
                "variant": variant,
                "from_stage": None,
                "roles": sorted(opening.roles),
                "to_stage": p.next_stage(opening.key, variant),
                "event": opening.event,
                "reason_required": False,
                "separation_of_duties": False,
                "input_schema": schema(opening.input),
            }
        )
    for at in positions(p):
        for allowed in available(p, at).values():
            entry = {
                "from_stage": at.stage,
                "variant": at.variant,
                **allowed.describe(),
                "input_schema": schema(allowed.input),
            }
            if at.stage in ("rejected", *p.extra_terminal_stages):
                entry["after"] = at.came_from  # a rejection or revocation steps back to where it came from
            if allowed.extra is not None:
                entry["name_zh"] = allowed.extra.name_zh
            described.append(entry)
    return described


def schema(model: type[BaseModel] | None) -> dict[str, Any]:
    """The JSON Schema of an input model (an empty object when the step takes no data)."""
    return model.model_json_schema() if model is not None else {"type": "object", "properties": {}}


def _stage(s: Stage) -> dict[str, Any]:
    described: dict[str, Any] = {
        "key": s.key,
        "name_zh": s.name_zh,
        "roles": list(s.roles),
        "event": s.event,
        "review": s.review,
        "optional": s.optional,
        "input_schema": schema(s.input),
        "example": dict(s.example),
    }
    if s.review:
        described["reject_event"] = s.reject_event
    if s.optional:
        described["skip_event"] = s.skip_event
    if s.unique is not None:
        described["unique"] = {"scope": s.unique.scope, "field": s.unique.field}
    if s.variants:
        described["variants"] = sorted(s.variants)
    if s.batch:
        described["batch"] = True
    if s.requires_materials:
        described["requires_materials"] = True
    if s.due is not None:
        described["due"] = describe_deadline(s.due)
        if s.due_from:
            described["due"]["from_field"] = s.due_from
    return described
