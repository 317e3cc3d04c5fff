"""The case engine's decisions: pure functions from (definition, case, actor, command, today) to what happens.

Nothing here does I/O. The application loads the case, asks for a decision, applies it and saves once.
What may be done at all is the table in `actions.py`; this module judges one command against it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from ybj_kernel.domain.actions import Allowed, Kind, Position, available
from ybj_kernel.domain.case import AMEND_LAYER, STAGE_LAYER, Case
from ybj_kernel.domain.deadlines import due_on
from ybj_kernel.domain.identity import admdvs_covers, admdvs_problem
from ybj_kernel.domain.process import CANCELLED, COMPLETED, ProcessDefinition, Stage, Uniqueness
from ybj_kernel.domain.roles import counts_for_duties
from ybj_kernel.domain.validation import validate_input
from ybj_kernel.errors import Conflict, Forbidden, InvalidInput

if TYPE_CHECKING:
    from ybj_kernel.domain.registry import Effect

Data = Mapping[str, Any]


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff user (or channel, or system) with roles, scoped to one 医保区划."""

    user_id: str
    roles: tuple[str, ...]
    admdvs: str

    def acting_as(self, allowed: frozenset[str] | set[str] | tuple[str, ...]) -> str:
        """Return the first of the actor's roles that is allowed, or raise Forbidden."""
        for role in self.roles:
            if role in allowed:
                return role
        raise Forbidden(
            "WRONG_ROLE",
            f"当前操作需要以下角色之一：{', '.join(sorted(allowed))}",
            f"this action needs one of the roles: {', '.join(sorted(allowed))}",
        )

    def stamp(self, role: str) -> dict[str, Any]:
        """The actor as recorded on an event."""
        return {"user_id": self.user_id, "role": role, "admdvs": self.admdvs}


@dataclass(frozen=True)
class Command:
    """An action requested on an existing case."""

    action: str
    expected_version: int
    comment: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    # The facts the stage's lookups found (Stage.lookups), put in by the application, never by the user.
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Claim:
    """A uniqueness key a decision takes (or frees), in its scope."""

    scope: Uniqueness
    key: str


@dataclass(frozen=True)
class Decision:
    """What an action does: the event to record, and which uniqueness keys it takes or frees."""

    action: str
    stage_from: str
    stage_to: str
    event_name: str
    actor: dict[str, Any]
    comment: str | None
    data: dict[str, Any]
    layer: str | None = None
    pop_layer: bool = False
    claim: Claim | None = None
    release: tuple[Claim, ...] = ()
    due_on: str | None = None  # the 时限 of the stage the case moves to
    materials: tuple[str, ...] = ()  # materials confirmed by this step
    effects: tuple[Effect, ...] = ()  # registry changes made by completing the case
    reverts: tuple[tuple[str, str], ...] = ()  # (registry, key) entries whose change by this case is undone


@dataclass(frozen=True)
class Registration:
    """What creating a case records."""

    opening: Stage
    variant: str | None
    admdvs: str
    stage_to: str
    actor: dict[str, Any]
    data: dict[str, Any]
    claim: Claim | None
    materials: tuple[str, ...] = ()
    due_on: str | None = None
    effects: tuple[Effect, ...] = ()


def decide_registration(
    p: ProcessDefinition,
    actor: Actor,
    data: dict[str, Any],
    today: date,
    variant: str | None = None,
    materials: tuple[str, ...] = (),
    facts: Mapping[str, Any] | None = None,
) -> Registration:
    """Validate the create data and decide the case's first stage (登记) on the chosen variant's path."""
    chosen = _variant(p, variant)
    opening = p.opening(chosen)
    role = actor.acting_as(opening.roles)
    values = _validated(opening, {}, data, today, facts or {})
    admdvs = str(values.get("admdvs") or actor.admdvs)
    problem = admdvs_problem(admdvs)
    if problem:
        raise InvalidInput("INVALID_FIELD", f"医保区划无效：{problem[0]}", f"invalid admdvs: {problem[1]}", "admdvs")
    _check_scope(actor, admdvs)
    stage_to = p.next_stage(opening.key, chosen)
    return Registration(
        opening,
        chosen,
        admdvs,
        stage_to,
        actor.stamp(role),
        values,
        _claim_of(opening, values),
        _materials(p, materials),
        _due(p, stage_to, today, values),
        _effects(p, stage_to, values, chosen),
    )


def stage_to_complete(p: ProcessDefinition, case: Case, action: str) -> Stage | None:
    """The stage `action` would complete on this case, if it completes one (its lookups run first)."""
    allowed = available(p, position_of(case)).get(action)
    return allowed.stage if allowed is not None and allowed.kind is Kind.COMPLETE else None


def position_of(case: Case) -> Position:
    """Where a case stands, for the table of allowed actions."""
    layers = case.stage_layers
    # A completed one-step case steps back to its only stage, open again; otherwise the registration stays.
    undoable = layers[-1]["stage"] if len(layers) > 1 or (case.stage == COMPLETED and layers) else None
    return Position(case.stage, undoable, case.stage_before, case.variant)


def allowed_actions(p: ProcessDefinition, case: Case, actor: Actor) -> list[Allowed]:
    """The actions this actor may take on this case now (role, 医保区划 and separation of duties)."""
    return choices_of(p, case, actor)[0]


def choices_of(p: ProcessDefinition, case: Case, actor: Actor) -> tuple[list[Allowed], list[Allowed]]:
    """(what this actor may do to the case now, what their role could do here but 不相容岗位分离 bars them from): what a
    front end offers, from the same table and checks `decide` judges a command by."""
    if not admdvs_covers(actor.admdvs, case.admdvs):
        return [], []
    theirs = [a for a in available(p, position_of(case)).values() if set(actor.roles) & a.roles]
    barred = [a for a in theirs if a.checks_duties and _did_a_step(case, actor)] if theirs else []
    return [a for a in theirs if a not in barred], barred


def decide(p: ProcessDefinition, case: Case, actor: Actor, cmd: Command, today: date) -> Decision:
    """Decide what `cmd` does to `case`, or raise the domain error that explains why it cannot."""
    _check_scope(actor, case.admdvs)
    if cmd.expected_version != case.version:
        raise Conflict(
            "STALE_VERSION",
            f"案件已被他人更新（当前版本 {case.version}，请求版本 {cmd.expected_version}），请刷新后重试",
            f"the case has changed (version {case.version}, request had {cmd.expected_version}); reload and retry",
            "expected_version",
        )
    allowed = available(p, position_of(case)).get(cmd.action)
    if allowed is None and cmd.action == "step_back" and case.stage != CANCELLED:
        raise Conflict(
            "NOTHING_TO_STEP_BACK",
            "已是第一个环节，无法回退，如需撤消请使用撤消",
            "the case is at its first stage; use cancel to withdraw it",
            "action",
        )
    if allowed is None:
        raise Conflict(
            "ACTION_NOT_ALLOWED",
            f"案件当前环节（{case.stage}）不允许操作 {cmd.action}",
            f"action {cmd.action} is not allowed at stage {case.stage}",
            "action",
        )
    role = actor.acting_as(allowed.roles)
    if allowed.checks_duties:
        check_separation_of_duties(case, actor)
    comment = _reason(cmd) if allowed.reason_required else cmd.comment
    if allowed.kind is Kind.COMPLETE:
        return _complete(p, case, allowed, actor.stamp(role), comment, cmd.data, today, cmd.facts)
    return _DECIDE[allowed.kind](p, case, allowed, actor.stamp(role), comment, cmd.data, today)


def _complete(
    p: ProcessDefinition,
    case: Case,
    a: Allowed,
    who: dict[str, Any],
    comment: str | None,
    data: Data,
    today: date,
    facts: Mapping[str, Any] | None = None,
) -> Decision:
    assert a.stage is not None
    if a.stage.requires_materials and (missing := [m for m in p.required_materials() if m not in case.materials]):
        raise Conflict(
            "MATERIALS_MISSING",
            f"所需材料未齐全：{'、'.join(missing)}",
            f"required materials are missing: {', '.join(missing)}",
            "materials",
        )
    values = _validated(a.stage, case.data, data, today, facts or {})
    merged = {**case.data, **values}
    return Decision(
        a.name,
        case.stage,
        a.to_stage,
        a.event,
        who,
        comment,
        values,
        layer=STAGE_LAYER,
        claim=_claim_of(a.stage, merged),
        due_on=_due(p, a.to_stage, today, merged),
        effects=_effects(p, a.to_stage, merged, case.variant),
    )


def _move(
    p: ProcessDefinition, case: Case, a: Allowed, who: dict[str, Any], comment: str | None, data: Data, today: date
) -> Decision:
    """A reject or a skip: the case moves on; a skip leaves an empty step that step back can undo."""
    layer = STAGE_LAYER if a.kind is Kind.SKIP else None
    effects = _effects(p, a.to_stage, case.data, case.variant)
    return Decision(
        a.name,
        case.stage,
        a.to_stage,
        a.event,
        who,
        comment,
        {},
        layer,
        due_on=_due(p, a.to_stage, today, case.data),
        effects=effects,
    )


def _step_back(
    p: ProcessDefinition, case: Case, a: Allowed, who: dict[str, Any], comment: str | None, data: Data, today: date
) -> Decision:
    due = _due(p, a.to_stage, today, case.data)
    if a.stage is None:  # back from a rejection or an extra terminal action: no step's data to withdraw
        return Decision(a.name, case.stage, a.to_stage, a.event, who, comment, {}, due_on=due, reverts=_undone(p, case))
    claim = _claim_of(a.stage, case.data)
    release = (claim,) if claim else ()
    return Decision(
        a.name,
        case.stage,
        a.to_stage,
        a.event,
        who,
        comment,
        {},
        pop_layer=True,
        release=release,
        due_on=due,
        reverts=_reverts(p, case),
    )


def _cancel(
    p: ProcessDefinition, case: Case, a: Allowed, who: dict[str, Any], comment: str | None, data: Data, today: date
) -> Decision:
    release = tuple(c for lay in case.stage_layers if (c := _claim_of(p.stage(lay["stage"]), case.data)))
    return Decision(
        a.name, case.stage, a.to_stage, a.event, who, comment, {}, release=release, reverts=_reverts(p, case)
    )


def _extra(
    p: ProcessDefinition, case: Case, a: Allowed, who: dict[str, Any], comment: str | None, data: Data, today: date
) -> Decision:
    values = validate_input(a.input, data, context={"today": today})
    extra = a.extra
    effects: tuple[Effect, ...] = ()
    if extra is not None and extra.effects is not None and case.stage == COMPLETED:
        effects = tuple(extra.effects({**case.data, **values}, case.variant))
    layer = AMEND_LAYER if values or effects else None  # a layer records an action that changed the registries
    return Decision(a.name, case.stage, a.to_stage, a.event, who, comment, values, layer=layer, effects=effects)


def _supplement_materials(
    p: ProcessDefinition, case: Case, a: Allowed, who: dict[str, Any], comment: str | None, data: Data, today: date
) -> Decision:
    names = data.get("materials")
    if not isinstance(names, list) or not names:
        raise InvalidInput("MISSING_FIELD", "请列出补充的材料", "list the materials handed in", "materials")
    return Decision(a.name, case.stage, a.to_stage, a.event, who, comment, {}, materials=_materials(p, names))


_DECIDE: dict[Kind, Callable[[ProcessDefinition, Case, Allowed, dict[str, Any], str | None, Data, date], Decision]] = {
    Kind.COMPLETE: _complete,
    Kind.REJECT: _move,
    Kind.SKIP: _move,
    Kind.STEP_BACK: _step_back,
    Kind.CANCEL: _cancel,
    Kind.EXTRA: _extra,
    Kind.MATERIALS: _supplement_materials,
}


def check_may_print(p: ProcessDefinition, case: Case, actor: Actor) -> str:
    """打印: staff of the case's 医保区划 in one of the process's staff roles may issue its forms; returns the role."""
    _check_scope(actor, case.admdvs)
    staff = {r for s in p.stages for r in s.roles if counts_for_duties(r)} | set(p.cancel_roles)
    return actor.acting_as(staff)


def check_separation_of_duties(case: Case, actor: Actor) -> None:
    """Whoever registered the case or did a step still in effect may not review it (不相容岗位分离)."""
    if _did_a_step(case, actor):
        raise Forbidden(
            "SEPARATION_OF_DUTIES",
            "登记人或已办理前序环节的人员不得审核本案件",
            "the person who registered this case or handled an earlier stage may not review it",
        )


def _did_a_step(case: Case, actor: Actor) -> bool:
    """A step counts when staff did it; a skip, a system step or an outside party's step does not."""
    return any(
        lay["actor"]["user_id"] == actor.user_id
        and lay.get("action") != "skip"
        and counts_for_duties(lay["actor"]["role"])
        for lay in case.stage_layers
    )


def _validated(
    stage: Stage, current: Mapping[str, Any], data: Mapping[str, Any], today: date, facts: Mapping[str, Any]
) -> dict[str, Any]:
    """The step's input validated (the clock reaches validators as pydantic context), with the facts its lookups
    found (never the user's values under those names), checked and derived."""
    values = validate_input(stage.input, data, context={"today": today})
    values.update({lookup.field: facts.get(lookup.field) for lookup in stage.lookups})
    for check in stage.checks:
        check(current, values)
    if stage.derive is not None:
        values.update(stage.derive(current, values))
    return values


def _check_scope(actor: Actor, admdvs: str) -> None:
    if not admdvs_covers(actor.admdvs, admdvs):
        raise Forbidden(
            "OUT_OF_ADMDVS",
            f"无权办理医保区划 {admdvs} 的业务",
            f"you may not act on cases of admdvs {admdvs}",
            "admdvs",
        )


def _reason(cmd: Command) -> str:
    if not cmd.comment or not cmd.comment.strip():
        raise InvalidInput("REASON_REQUIRED", "请填写原因", "a reason (comment) is required", "comment")
    return cmd.comment.strip()


def _variant(p: ProcessDefinition, variant: str | None) -> str | None:
    if variant is None or any(v.key == variant for v in p.variants):
        return p.variant_key(variant)
    known = "、".join(f"{v.key}（{v.name_zh}）" for v in p.variants) or "无"
    raise InvalidInput(
        "UNKNOWN_VARIANT",
        f"{p.id} 没有办理模式 {variant}，可选：{known}",
        f"{p.id} has no variant {variant}; choose one of: {', '.join(v.key for v in p.variants) or 'none'}",
        "variant",
    )


def _materials(p: ProcessDefinition, names: Sequence[object]) -> tuple[str, ...]:
    declared = {m.name_zh for m in p.materials}
    unknown = [str(n) for n in names if n not in declared]
    if unknown:
        raise InvalidInput(
            "UNKNOWN_MATERIAL",
            f"不是本业务的所需材料：{'、'.join(unknown)}",
            f"not a material of this process: {', '.join(unknown)}",
            "materials",
        )
    return tuple(str(n) for n in names)


def _due(p: ProcessDefinition, stage_key: str, today: date, data: Mapping[str, Any]) -> str | None:
    """The 时限 of the stage a case reaches today (ISO date), or None; counted from `due_from`'s date when set."""
    if p.is_terminal(stage_key):
        return None
    stage = p.stage(stage_key)
    if stage.due is None:
        return None
    start = data.get(stage.due_from) if stage.due_from else None
    try:
        return due_on(date.fromisoformat(str(start)) if start else today, stage.due).isoformat()
    except InvalidInput as unknown:
        if unknown.code != "DATE_OUTSIDE_CALENDAR":
            raise
        # The deadline falls in a year whose official holidays are not loaded yet (YBJ_CALENDAR_FILE): the case goes
        # on without a due date rather than with a guessed one, and ybj_calendar_last_year tells the operators.
        return None


def _effects(p: ProcessDefinition, stage_to: str, data: Mapping[str, Any], variant: str | None) -> tuple[Effect, ...]:
    """The registry changes a case makes as it completes (none before)."""
    return tuple(p.effects(data, variant)) if stage_to == COMPLETED and p.effects is not None else ()


def _reverts(p: ProcessDefinition, case: Case) -> tuple[tuple[str, str], ...]:
    """Leaving `completed` undoes the case's registry changes, the last first: those of the extra actions taken on the
    completed case since it completed (备案变更), then the completion's own."""
    if case.stage != COMPLETED:
        return ()
    last = max(i for i, lay in enumerate(case.layers) if lay["kind"] == STAGE_LAYER)
    later: list[tuple[str, str]] = []
    for lay in reversed(case.layers[last + 1 :]):
        extra = p.extra(lay["action"]) if lay["kind"] == AMEND_LAYER and lay["stage"] == COMPLETED else None
        if extra is not None and extra.effects is not None:
            later += [(e.registry, e.key) for e in reversed(tuple(extra.effects(case.data, case.variant)))]
    own = () if p.effects is None else tuple(p.effects(case.data, case.variant))
    return (*later, *((e.registry, e.key) for e in reversed(own)))


def _undone(p: ProcessDefinition, case: Case) -> tuple[tuple[str, str], ...]:
    """Back from an extra terminal stage reached from `completed` (取消备案): undo what that action did to the registries."""
    led = next((x for x in p.extra_actions if x.to_stage == case.stage and x.effects is not None), None)
    if led is None or led.effects is None or case.stage_before != COMPLETED:
        return ()
    return tuple((e.registry, e.key) for e in reversed(tuple(led.effects(case.data, case.variant))))


def _claim_of(stage: Stage, data: Mapping[str, Any]) -> Claim | None:
    return Claim(stage.unique, stage.unique.key(data)) if stage.unique else None
