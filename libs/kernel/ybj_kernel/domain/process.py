"""Processes as data: stages, the roles that act, the data each takes, and the pure rules between them.

One engine runs every process. A definition names its catalogue id (../shared/catalogue/processes.yaml);
the stage keys and happy-path event names are the catalogue's. Every event a process can emit is fixed when
the definition is built (`ProcessDefinition.events()`), and the definition is checked then too
(`definition_checks.py`): a faulty definition never loads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

Data = dict[str, Any]
# A rule derives values from the case's current data and the step's validated input (pure, no I/O).
Derive = Callable[[Mapping[str, Any], Mapping[str, Any]], Data]
# A guard on the case's current data and the step's validated input: raises a domain error, returns nothing.
Check = Callable[[Mapping[str, Any], Mapping[str, Any]], None]

COMPLETED = "completed"  # 办结
CANCELLED = "cancelled"  # 已撤消
REJECTED = "rejected"  # 审核不通过
TERMINAL_STAGES = frozenset({COMPLETED, CANCELLED, REJECTED})
# Events every process can emit besides its own.
STEPPED_BACK = "SteppedBack"  # 回退
CANCELLED_EVENT = "Cancelled"  # 撤消
# Actions every process has; no stage or extra action may take these names.
GENERIC_ACTIONS = frozenset({"create", "approve", "reject", "skip", "step_back", "cancel"})


@dataclass(frozen=True)
class Uniqueness:
    """Cases holding the same key in one scope may not both be in effect (e.g. one enrollment per person a year).

    The scope is shared by every process that names it, so a person enrolled through one process is caught
    when another process tries to enroll them for the same period.
    """

    scope: str
    key: Callable[[Mapping[str, Any]], str]
    field: str  # the field named when the key is already held
    message_zh: str
    message_en: str


@dataclass(frozen=True)
class Stage:
    """One step of a process; a review stage is approved or rejected, an optional one may be skipped."""

    key: str
    name_zh: str
    roles: tuple[str, ...]
    event: str
    review: bool = False
    optional: bool = False
    input: type[BaseModel] | None = None
    derive: Derive | None = None
    checks: tuple[Check, ...] = ()
    unique: Uniqueness | None = None
    # Declared with the stage; when left empty they are named after it once, as the definition is built.
    reject_event: str = ""
    skip_event: str = ""
    # A valid input for this stage: shown in templates and walked by the tests of every definition.
    example: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.review and not self.reject_event:
            stem = self.event.removesuffix("Approved").removesuffix("Completed")
            object.__setattr__(self, "reject_event", f"{stem}Rejected")
        if self.optional and not self.skip_event:
            object.__setattr__(self, "skip_event", _pascal(self.key) + "Skipped")

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
class EventSpec:
    """One event a process can emit: its name, the action that emits it, and the stage it concerns."""

    name: str
    action: str
    stage: str | None  # the stage completed, rejected or skipped; None for the generic and extra actions

    def describe(self) -> dict[str, Any]:
        """Render as JSON."""
        return {"name": self.name, "action": self.action, "stage": self.stage}


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

    def __post_init__(self) -> None:
        from ybj_kernel.domain.definition_checks import check_definition

        check_definition(self)

    def stage(self, key: str) -> Stage:
        """Return the stage with this key (including the registration step)."""
        for stage in (self.register, *self.stages):
            if stage.key == key:
                return stage
        raise KeyError(key)

    def next_stage(self, key: str) -> str:
        """Return the stage after `key`, or `completed` after the last one."""
        keys = [s.key for s in (self.register, *self.stages)]
        i = keys.index(key)
        return keys[i + 1] if i + 1 < len(keys) else COMPLETED

    def is_terminal(self, stage: str) -> bool:
        """Tell whether no happy-path action is possible at this stage."""
        return stage in TERMINAL_STAGES or stage in self.extra_terminal_stages

    def extra(self, name: str) -> ExtraAction | None:
        """Return the extra action of this name, if the process has one."""
        return next((a for a in self.extra_actions if a.name == name), None)

    def events(self) -> tuple[EventSpec, ...]:
        """Every event this process can emit, happy path first; the published contract lists exactly these."""
        specs = [EventSpec(self.register.event, "create", self.register.key)]
        for s in self.stages:
            specs.append(EventSpec(s.event, s.action, s.key))
            if s.review:
                specs.append(EventSpec(s.reject_event, "reject", s.key))
            if s.optional:
                specs.append(EventSpec(s.skip_event, "skip", s.key))
        specs += [EventSpec(a.event, a.name, None) for a in self.extra_actions]
        specs += [EventSpec(STEPPED_BACK, "step_back", None), EventSpec(CANCELLED_EVENT, "cancel", None)]
        return tuple(specs)

    def describe(self) -> dict[str, Any]:
        """Render the whole definition for GET /api/v1/processes/{id} (see describe.py)."""
        from ybj_kernel.domain.describe import describe_process

        return describe_process(self)


def _pascal(key: str) -> str:
    return "".join(part.capitalize() for part in key.split("_"))
