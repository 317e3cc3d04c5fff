"""The case engine's decisions: pure functions from (definition, case, actor, command, today) to what happens.

Nothing here does I/O. The application loads the case, asks for a decision, applies it and saves once.
What may be done at all is the table in `actions.py`; this module judges one command against it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ybj_kernel.domain.actions import Allowed, Kind, Position, available
from ybj_kernel.domain.case import AMEND_LAYER, STAGE_LAYER, Case
from ybj_kernel.domain.identity import admdvs_covers, admdvs_problem
from ybj_kernel.domain.process import CANCELLED, ProcessDefinition, Stage, Uniqueness
from ybj_kernel.domain.roles import counts_for_duties
from ybj_kernel.domain.validation import validate_input
from ybj_kernel.errors import Conflict, Forbidden, InvalidInput

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


@dataclass(frozen=True)
class Registration:
    """What creating a case records."""

    admdvs: str
    stage_to: str
    event_name: str
    actor: dict[str, Any]
    data: dict[str, Any]
    claim: Claim | None


def decide_registration(p: ProcessDefinition, actor: Actor, data: dict[str, Any], today: date) -> Registration:
    """Validate the create data and decide the case's first stage (登记)."""
    role = actor.acting_as(p.register.roles)
    values = _validated(p.register, {}, data, today)
    admdvs = str(values.get("admdvs") or actor.admdvs)
    problem = admdvs_problem(admdvs)
    if problem:
        raise InvalidInput("INVALID_FIELD", f"医保区划无效：{problem[0]}", f"invalid admdvs: {problem[1]}", "admdvs")
    _check_scope(actor, admdvs)
    claim = _claim_of(p.register, values)
    return Registration(admdvs, p.next_stage(p.register.key), p.register.event, actor.stamp(role), values, claim)


def position_of(case: Case) -> Position:
    """Where a case stands, for the table of allowed actions."""
    layers = case.stage_layers
    return Position(case.stage, layers[-1]["stage"] if len(layers) > 1 else None, case.stage_before)


def allowed_actions(p: ProcessDefinition, case: Case, actor: Actor) -> list[Allowed]:
    """The actions this actor may take on this case now (role, 医保区划 and separation of duties)."""
    if not admdvs_covers(actor.admdvs, case.admdvs):
        return []
    return [
        a
        for a in available(p, position_of(case)).values()
        if set(actor.roles) & a.roles and not (a.checks_duties and _did_a_step(case, actor))
    ]


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
    return _DECIDE[allowed.kind](p, case, allowed, actor.stamp(role), comment, cmd.data, today)


def _complete(
    p: ProcessDefinition, case: Case, a: Allowed, who: dict[str, Any], comment: str | None, data: Data, today: date
) -> Decision:
    assert a.stage is not None
    values = _validated(a.stage, case.data, data, today)
    claim = _claim_of(a.stage, {**case.data, **values})
    return Decision(a.name, case.stage, a.to_stage, a.event, who, comment, values, layer=STAGE_LAYER, claim=claim)


def _move(
    p: ProcessDefinition, case: Case, a: Allowed, who: dict[str, Any], comment: str | None, data: Data, today: date
) -> Decision:
    """A reject or a skip: the case moves on; a skip leaves an empty step that step back can undo."""
    layer = STAGE_LAYER if a.kind is Kind.SKIP else None
    return Decision(a.name, case.stage, a.to_stage, a.event, who, comment, {}, layer=layer)


def _step_back(
    p: ProcessDefinition, case: Case, a: Allowed, who: dict[str, Any], comment: str | None, data: Data, today: date
) -> Decision:
    if a.stage is None:  # back from a rejection or an extra terminal action: no step's data to withdraw
        return Decision(a.name, case.stage, a.to_stage, a.event, who, comment, {})
    claim = _claim_of(a.stage, case.data)
    release = (claim,) if claim else ()
    return Decision(a.name, case.stage, a.to_stage, a.event, who, comment, {}, pop_layer=True, release=release)


def _cancel(
    p: ProcessDefinition, case: Case, a: Allowed, who: dict[str, Any], comment: str | None, data: Data, today: date
) -> Decision:
    release = tuple(c for lay in case.stage_layers if (c := _claim_of(p.stage(lay["stage"]), case.data)))
    return Decision(a.name, case.stage, a.to_stage, a.event, who, comment, {}, release=release)


def _extra(
    p: ProcessDefinition, case: Case, a: Allowed, who: dict[str, Any], comment: str | None, data: Data, today: date
) -> Decision:
    values = validate_input(a.input, data, context={"today": today})
    layer = AMEND_LAYER if values else None
    return Decision(a.name, case.stage, a.to_stage, a.event, who, comment, values, layer=layer)


_DECIDE: dict[Kind, Callable[[ProcessDefinition, Case, Allowed, dict[str, Any], str | None, Data, date], Decision]] = {
    Kind.COMPLETE: _complete,
    Kind.REJECT: _move,
    Kind.SKIP: _move,
    Kind.STEP_BACK: _step_back,
    Kind.CANCEL: _cancel,
    Kind.EXTRA: _extra,
}


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


def _validated(stage: Stage, current: Mapping[str, Any], data: Mapping[str, Any], today: date) -> dict[str, Any]:
    """The step's input validated (the clock reaches validators as pydantic context), checked and derived."""
    values = validate_input(stage.input, data, context={"today": today})
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


def _claim_of(stage: Stage, data: Mapping[str, Any]) -> Claim | None:
    return Claim(stage.unique, stage.unique.key(data)) if stage.unique else None
