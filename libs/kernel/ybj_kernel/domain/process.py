"""Processes as data: stages, the role each needs, the data each takes, and the pure rules between them.

One engine runs every process. A definition names its catalogue id (../shared/catalogue/processes.yaml);
the stage keys and happy-path event names are the catalogue's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

Data = dict[str, Any]
# A rule derives values from the case's current data and the step's validated input (pure, no I/O).
Derive = Callable[[Mapping[str, Any], Mapping[str, Any]], Data]
# A uniqueness key: cases of one process holding the same key may not both be in effect.
UniqueKey = Callable[[Mapping[str, Any]], str]

COMPLETED = "completed"  # 办结
CANCELLED = "cancelled"  # 已撤消
REJECTED = "rejected"  # 审核不通过
TERMINAL_STAGES = frozenset({COMPLETED, CANCELLED, REJECTED})


@dataclass(frozen=True)
class Stage:
    """One step of a process, done by one role; a review stage is approved or rejected."""

    key: str
    name_zh: str
    roles: tuple[str, ...]
    event: str
    review: bool = False
    optional: bool = False
    input: type[BaseModel] | None = None
    derive: Derive | None = None
    unique_key: UniqueKey | None = None
    unique_field: str | None = None  # the field named when the key is already held

    @property
    def action(self) -> str:
        """The action that completes this stage: `approve` for a review, otherwise the stage key."""
        return "approve" if self.review else self.key


@dataclass(frozen=True)
class ExtraAction:
    """An action outside the happy path, e.g. 备案变更 (amend) or 取消备案 (revoke) of a filing."""

    name: str
    name_zh: str
    roles: tuple[str, ...]
    from_stages: frozenset[str]
    event: str
    to_stage: str | None = None  # None: the case stays where it is
    input: type[BaseModel] | None = None
    reason_required: bool = False


@dataclass(frozen=True)
class ProcessDefinition:
    """A whole process: the registration step that opens a case, then the stages in order."""

    id: str
    slug: str
    name_zh: str
    service: str
    register: Stage
    stages: tuple[Stage, ...]
    extra_actions: tuple[ExtraAction, ...] = ()
    # Besides whoever registered the case or holds its current stage, these roles may cancel (撤消) it.
    cancel_roles: tuple[str, ...] = ("registrar",)
    extra_terminal_stages: frozenset[str] = field(default_factory=frozenset)

    def stage(self, key: str) -> Stage:
        """Return the stage with this key (including the registration step)."""
        for stage in (self.register, *self.stages):
            if stage.key == key:
                return stage
        raise KeyError(key)

    def index(self, key: str) -> int:
        """Return the position of a pending stage in `stages`."""
        return [s.key for s in self.stages].index(key)

    def next_stage(self, key: str) -> str:
        """Return the stage after `key`, or `completed` after the last one."""
        if key == self.register.key:
            return self.stages[0].key if self.stages else COMPLETED
        i = self.index(key)
        return self.stages[i + 1].key if i + 1 < len(self.stages) else COMPLETED

    def is_terminal(self, stage: str) -> bool:
        """Tell whether no happy-path action is possible at this stage."""
        return stage in TERMINAL_STAGES or stage in self.extra_terminal_stages

    def extra(self, name: str) -> ExtraAction | None:
        """Return the extra action of this name, if the process has one."""
        return next((a for a in self.extra_actions if a.name == name), None)

    def describe(self) -> dict[str, Any]:
        """Render the definition for GET /api/v1/processes (stages, actions, JSON Schemas)."""
        return {
            "id": self.id,
            "slug": self.slug,
            "name_zh": self.name_zh,
            "service": self.service,
            "stages": [
                {
                    "key": s.key,
                    "name_zh": s.name_zh,
                    "roles": list(s.roles),
                    "event": s.event,
                    "review": s.review,
                    "optional": s.optional,
                }
                for s in (self.register, *self.stages)
            ],
            "actions": _describe_actions(self),
            "input_schema": _schema(self.register.input),
        }


def _schema(model: type[BaseModel] | None) -> dict[str, Any]:
    return model.model_json_schema() if model is not None else {"type": "object", "properties": {}}


def _describe_actions(p: ProcessDefinition) -> list[dict[str, Any]]:
    actions: list[dict[str, Any]] = [
        {
            "name": "create",
            "roles": list(p.register.roles),
            "from_stage": None,
            "input_schema": _schema(p.register.input),
        },
    ]
    for s in p.stages:
        actions.append(
            {"name": s.action, "roles": list(s.roles), "from_stage": s.key, "input_schema": _schema(s.input)}
        )
        if s.review:
            actions.append({"name": "reject", "roles": list(s.roles), "from_stage": s.key, "reason_required": True})
        if s.optional:
            actions.append({"name": "skip", "roles": list(s.roles), "from_stage": s.key})
    # Roles of step_back and cancel depend on the stage: the one being undone, the current one, the registrar.
    actions.append({"name": "step_back", "from_stage": "*", "reason_required": True})
    actions.append(
        {
            "name": "cancel",
            "from_stage": "*",
            "reason_required": True,
            "roles": sorted({*p.register.roles, *p.cancel_roles}),
            "plus_current_stage_roles": True,
        }
    )
    for a in p.extra_actions:
        actions.append(
            {
                "name": a.name,
                "name_zh": a.name_zh,
                "roles": list(a.roles),
                "from_stage": sorted(a.from_stages),
                "to_stage": a.to_stage,
                "reason_required": a.reason_required,
                "input_schema": _schema(a.input),
            }
        )
    return actions
