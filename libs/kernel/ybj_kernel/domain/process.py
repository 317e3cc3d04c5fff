"""Processes as data: stages, the roles that act, the data each takes, and the pure rules between them.

One engine runs every process. A definition names its catalogue id (../shared/catalogue/processes.yaml);
the stage keys and happy-path event names are the catalogue's. Every event a process can emit is fixed when
the definition is built (`ProcessDefinition.events()`), and the definition is checked then too
(`definition_checks.py`): a faulty definition never loads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from ybj_kernel.domain.deadlines import Deadline

if TYPE_CHECKING:
    from ybj_kernel.domain.documents import DocumentSpec
    from ybj_kernel.domain.registry import Effect

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
MATERIALS_SUPPLEMENTED = "MaterialsSupplemented"  # 补充材料
DOCUMENT_ISSUED = "DocumentIssued"  # 打印: a form issued, with its SM3 digest
# Actions every process has; no stage or extra action may take these names.
GENERIC_ACTIONS = frozenset(
    {"create", "approve", "reject", "skip", "step_back", "cancel", "supplement_materials", "issue_document"}
)


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
class Lookup:
    """A fact the platform looks up when a stage is done, and records with the step before its checks and derive run.

    The application reads the entry of registry `source` under `key(data)` (the case's data with the step's input on
    top; None: nothing to look up) and puts its state, or None when no such entry is in effect, in the step's values
    under `field`. So a decision that depends on an institution's designations or the policy in force is pure, and the
    case keeps what it read: an auditor sees the facts the decision was taken on.
    """

    field: str
    source: str  # a registry of the service that runs the process
    key: Callable[[Mapping[str, Any]], str | None]
    # The part of the state the decision needs, and the case keeps (None: the whole state).
    pick: Callable[[Mapping[str, Any]], Any] | None = None


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
    # The variants (sub-flows) this stage belongs to, by key; empty: every variant.
    variants: frozenset[str] = frozenset()
    # 批量: a batch upload completes the stages of its variant up to and including the first batch stage; a batch review
    # (批量审核) is not the uploader's: the upload stops before it, and the reviewers approve the cases together.
    batch: bool = False
    # The stage cannot be completed while a required material (所需材料) is unconfirmed.
    requires_materials: bool = False
    # 时限: how long the stage may take once the case reaches it (deadlines.py), None: no limit.
    due: Deadline | None = None
    # The field of the case's data whose date starts the clock (「受理后5个工作日内」 counts from 受理日期, which may be
    # earlier than the day the case reaches the stage); empty: the day the case reaches the stage.
    due_from: str = ""
    # Facts looked up when the stage is done (an institution, a physician, who is insured): see Lookup.
    lookups: tuple[Lookup, ...] = ()

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
class Variant:
    """A sub-flow of a process (单个模式/批量模式, the five kinds of 单位变更 …), chosen when a case is opened."""

    key: str
    name_zh: str  # the catalogue's name of the variant


@dataclass(frozen=True)
class Material:
    """A document the applicant hands in (所需材料), confirmed by the registrar."""

    name_zh: str
    required: bool = True
    condition_zh: str | None = None  # when it is needed, if not always


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
    # What the action does to the registries when taken on a completed case (its registry changes in force), as a
    # pure function of the case's data (with the action's input on top) and variant; taken before completion, its
    # input only changes what the completion's effects will record. Stepping back from where it led reverts them.
    effects: Callable[[Mapping[str, Any], str | None], Sequence[Effect]] | None = None
    # The action's input for examples and tests (described with the process like a stage's example).
    example: Mapping[str, Any] = field(default_factory=dict)


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
    """A whole process: its stages in the catalogue's order; a case runs the stages of its variant.

    The first stage of a variant's path is the registration (登记) that opens the case.
    """

    id: str
    slug: str
    name_zh: str
    service: str
    stages: tuple[Stage, ...]
    variants: tuple[Variant, ...] = ()
    materials: tuple[Material, ...] = ()
    extra_actions: tuple[ExtraAction, ...] = ()
    # Besides whoever registered the case or holds its current stage, these roles may cancel (撤消) it.
    cancel_roles: tuple[str, ...] = ("registrar",)
    extra_terminal_stages: frozenset[str] = field(default_factory=frozenset)
    # What completing a case does to the registries, as a pure function of its data and variant; stepping the
    # completed case back (or cancelling it) reverts exactly these entries with new events.
    effects: Callable[[Mapping[str, Any], str | None], Sequence[Effect]] | None = None
    # Printed forms (打印/导出), each issued with a DocumentIssued event carrying its SM3 digest.
    documents: tuple[DocumentSpec, ...] = ()

    def __post_init__(self) -> None:
        from ybj_kernel.domain.definition_checks import check_definition

        check_definition(self)

    def stage(self, key: str) -> Stage:
        """Return the stage with this key."""
        for stage in self.stages:
            if stage.key == key:
                return stage
        raise KeyError(key)

    def variant_key(self, variant: str | None) -> str | None:
        """The variant a case runs: the one asked for, else the first; None for a process without variants."""
        if not self.variants:
            return None
        return variant if variant is not None else self.variants[0].key

    def variant_keys(self) -> list[str | None]:
        """The keys of the variants, or [None] for a process without variants."""
        return [v.key for v in self.variants] or [None]

    def path(self, variant: str | None = None) -> tuple[Stage, ...]:
        """The stages a case of this variant runs, in order."""
        chosen = self.variant_key(variant)
        return tuple(s for s in self.stages if not s.variants or chosen in s.variants)

    def opening(self, variant: str | None = None) -> Stage:
        """The registration step that opens a case of this variant."""
        return self.path(variant)[0]

    def next_stage(self, key: str, variant: str | None = None) -> str:
        """Return the stage after `key` on the variant's path, or `completed` after the last one."""
        keys = [s.key for s in self.path(variant)]
        i = keys.index(key)
        return keys[i + 1] if i + 1 < len(keys) else COMPLETED

    def required_materials(self) -> tuple[str, ...]:
        """The names of the materials a case needs before a stage that requires them."""
        return tuple(m.name_zh for m in self.materials if m.required)

    def is_terminal(self, stage: str) -> bool:
        """Tell whether no happy-path action is possible at this stage."""
        return stage in TERMINAL_STAGES or stage in self.extra_terminal_stages

    def extra(self, name: str) -> ExtraAction | None:
        """Return the extra action of this name, if the process has one."""
        return next((a for a in self.extra_actions if a.name == name), None)

    def events(self) -> tuple[EventSpec, ...]:
        """Every event this process can emit, happy path first; the published contract lists exactly these."""
        openings = {self.opening(v).key for v in self.variant_keys()}
        specs = []
        for s in self.stages:
            specs.append(EventSpec(s.event, "create" if s.key in openings else s.action, s.key))
            if s.review:
                specs.append(EventSpec(s.reject_event, "reject", s.key))
            if s.optional:
                specs.append(EventSpec(s.skip_event, "skip", s.key))
        specs += [EventSpec(a.event, a.name, None) for a in self.extra_actions]
        specs.append(EventSpec(STEPPED_BACK, "step_back", None))
        specs.append(EventSpec(CANCELLED_EVENT, "cancel", None))
        if self.materials:  # supplemented while the case is open
            specs.append(EventSpec(MATERIALS_SUPPLEMENTED, "supplement_materials", None))
        if self.documents:
            specs.append(EventSpec(DOCUMENT_ISSUED, "issue_document", None))
        return tuple(specs)

    def describe(self) -> dict[str, Any]:
        """Render the whole definition for GET /api/v1/processes/{id} (see describe.py)."""
        from ybj_kernel.domain.describe import describe_process

        return describe_process(self)


def _pascal(key: str) -> str:
    return "".join(part.capitalize() for part in key.split("_"))
