"""The one table of what may be done to a case: for a definition and a position, each action with its roles.

`decide()` reads it to judge a command and `describe()` reads it to tell staff and front ends what each stage
allows, so the two cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from ybj_kernel.domain.process import (
    CANCELLED,
    CANCELLED_EVENT,
    COMPLETED,
    MATERIALS_SUPPLEMENTED,
    REJECTED,
    STEPPED_BACK,
    ExtraAction,
    ProcessDefinition,
    Stage,
)


class Kind(StrEnum):
    """What an action does to the case."""

    COMPLETE = "complete"  # completes the current stage (办理 / 审核通过)
    REJECT = "reject"  # 审核不通过
    SKIP = "skip"  # passes an optional stage
    STEP_BACK = "step_back"  # 回退 one stage
    CANCEL = "cancel"  # 撤消
    EXTRA = "extra"  # a process's own action, e.g. 备案变更
    MATERIALS = "materials"  # 补充材料: more of the required materials handed in


@dataclass(frozen=True)
class Position:
    """Where a case stands, as far as the allowed actions depend on it."""

    stage: str
    undoable: str | None  # the last completed stage still in effect that step back would undo (not the registration)
    came_from: str  # the stage the case was in before its last move (where a rejection steps back to)
    variant: str | None = None  # the sub-flow the case runs


@dataclass(frozen=True)
class Allowed:
    """One action allowed at a position: who may take it, where it leads, and what it records."""

    name: str
    kind: Kind
    roles: frozenset[str]
    to_stage: str
    event: str
    reason_required: bool = False
    checks_duties: bool = False  # a review: whoever did a step still in effect may not take it
    input: type[BaseModel] | None = None
    stage: Stage | None = None  # the stage completed, rejected, skipped or undone
    extra: ExtraAction | None = None

    def describe(self) -> dict[str, Any]:
        """Render as JSON (the input's JSON Schema is described once per stage or action, not here)."""
        return {
            "name": self.name,
            "kind": self.kind.value,
            "roles": sorted(self.roles),
            "to_stage": self.to_stage,
            "event": self.event,
            "reason_required": self.reason_required,
            "separation_of_duties": self.checks_duties,
        }


def available(p: ProcessDefinition, at: Position) -> dict[str, Allowed]:
    """Every action possible at this position, by name, whoever asks."""
    if at.stage == CANCELLED:
        return {}
    actions: dict[str, Allowed] = {}
    if not p.is_terminal(at.stage):
        actions.update(_stage_actions(p, p.stage(at.stage), at.variant))
        if p.materials:
            roles = frozenset({*p.opening(at.variant).roles, *p.stage(at.stage).roles})
            actions["supplement_materials"] = Allowed(
                "supplement_materials", Kind.MATERIALS, roles, at.stage, MATERIALS_SUPPLEMENTED
            )
    for extra in p.extra_actions:
        if at.stage in extra.from_stages:
            actions[extra.name] = Allowed(
                extra.name,
                Kind.EXTRA,
                frozenset(extra.roles),
                extra.to_stage or at.stage,
                extra.event,
                reason_required=extra.reason_required,
                input=extra.input,
                extra=extra,
            )
    if (back := _step_back(p, at)) is not None:
        actions[back.name] = back
    actions["cancel"] = Allowed("cancel", Kind.CANCEL, _cancel_roles(p, at), CANCELLED, CANCELLED_EVENT, True)
    return actions


def _stage_actions(p: ProcessDefinition, stage: Stage, variant: str | None) -> dict[str, Allowed]:
    after = p.next_stage(stage.key, variant)
    roles = frozenset(stage.roles)
    actions = {
        stage.action: Allowed(
            stage.action,
            Kind.COMPLETE,
            roles,
            after,
            stage.event,
            checks_duties=stage.review,
            input=stage.input,
            stage=stage,
        )
    }
    if stage.review:
        actions["reject"] = Allowed(
            "reject", Kind.REJECT, roles, REJECTED, stage.reject_event, True, checks_duties=True, stage=stage
        )
    if stage.optional:
        # The next stage's staff may record that the optional step did not happen (e.g. no appeal came).
        next_roles = frozenset(p.stage(after).roles) if after != COMPLETED else frozenset()
        actions["skip"] = Allowed("skip", Kind.SKIP, roles | next_roles, after, stage.skip_event, stage=stage)
    return actions


def _step_back(p: ProcessDefinition, at: Position) -> Allowed | None:
    """回退: undo the last completed stage; a rejection or an extra terminal action returns to where it came from."""
    if at.stage == COMPLETED or not p.is_terminal(at.stage):
        if at.undoable is None:
            return None
        undone = p.stage(at.undoable)
        current = frozenset(p.stage(at.stage).roles) if at.stage != COMPLETED else frozenset()
        return Allowed(
            "step_back", Kind.STEP_BACK, frozenset(undone.roles) | current, undone.key, STEPPED_BACK, True, stage=undone
        )
    if at.stage == REJECTED:
        roles = frozenset(p.stage(at.came_from).roles)
    else:
        roles = frozenset(r for a in p.extra_actions if a.to_stage == at.stage for r in a.roles)
    return Allowed("step_back", Kind.STEP_BACK, roles, at.came_from, STEPPED_BACK, True)


def _cancel_roles(p: ProcessDefinition, at: Position) -> frozenset[str]:
    """撤消: the registering roles, the process's cancel roles, and whoever holds the current stage."""
    roles = {*p.opening(at.variant).roles, *p.cancel_roles}
    if not p.is_terminal(at.stage):
        roles |= set(p.stage(at.stage).roles)
    return frozenset(roles)


def positions(p: ProcessDefinition) -> list[Position]:
    """Every position a case of this process can reach, variant by variant, in the order a case meets them."""
    found: list[Position] = []
    for variant in p.variant_keys():
        path = p.path(variant)
        keys = [s.key for s in path]
        found += [Position(k, keys[i - 1] if i > 1 else None, keys[i - 1], variant) for i, k in enumerate(keys) if i]
        if len(keys) == 1:  # a one-step case stepped back from completed waits at its only stage
            found.append(Position(keys[0], None, COMPLETED, variant))
        found.append(Position(COMPLETED, keys[-1], keys[-1], variant))
        found += [Position(REJECTED, None, s.key, variant) for s in path if s.review]
        for extra in p.extra_actions:
            if extra.to_stage and p.is_terminal(extra.to_stage) and extra.to_stage != COMPLETED:
                origins = sorted(o for o in extra.from_stages if o in keys or p.is_terminal(o))
                found += [Position(extra.to_stage, None, origin, variant) for origin in origins]
    return found
