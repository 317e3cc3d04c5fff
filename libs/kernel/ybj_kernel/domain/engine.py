"""The case engine's decisions: pure functions from (definition, case, actor, command) to what happens.

Nothing here does I/O. The application loads the case, asks for a decision, applies it and saves once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ybj_kernel.domain.case import AMEND_LAYER, STAGE_LAYER, Case
from ybj_kernel.domain.identity import admdvs_covers, admdvs_problem
from ybj_kernel.domain.process import CANCELLED, COMPLETED, REJECTED, ProcessDefinition, Stage
from ybj_kernel.domain.validation import validate_input
from ybj_kernel.errors import Conflict, Forbidden, InvalidInput


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff user (or channel, or system) with roles, scoped to one 医保区划."""

    user_id: str
    roles: tuple[str, ...]
    admdvs: str

    def acting_as(self, allowed: tuple[str, ...] | set[str]) -> str:
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
    claim: str | None = None
    release: tuple[str, ...] = ()


@dataclass(frozen=True)
class Registration:
    """What creating a case records."""

    admdvs: str
    stage_to: str
    event_name: str
    actor: dict[str, Any]
    data: dict[str, Any]
    claim: str | None


def decide_registration(p: ProcessDefinition, actor: Actor, data: dict[str, Any]) -> Registration:
    """Validate the create data and decide the case's first stage (登记)."""
    role = actor.acting_as(p.register.roles)
    values = validate_input(p.register.input, data)
    values.update(_derive(p.register, {}, values))
    admdvs = str(values.get("admdvs") or actor.admdvs)
    problem = admdvs_problem(admdvs)
    if problem:
        raise InvalidInput("INVALID_FIELD", f"医保区划无效：{problem[0]}", f"invalid admdvs: {problem[1]}", "admdvs")
    _check_scope(actor, admdvs)
    claim = p.register.unique_key(values) if p.register.unique_key else None
    return Registration(admdvs, p.next_stage(p.register.key), p.register.event, actor.stamp(role), values, claim)


def decide(p: ProcessDefinition, case: Case, actor: Actor, cmd: Command) -> Decision:
    """Decide what `cmd` does to `case`, or raise the domain error that explains why it cannot."""
    _check_scope(actor, case.admdvs)
    if cmd.expected_version != case.version:
        raise Conflict(
            "STALE_VERSION",
            f"案件已被他人更新（当前版本 {case.version}，请求版本 {cmd.expected_version}），请刷新后重试",
            f"the case has changed (version {case.version}, request had {cmd.expected_version}); reload and retry",
            "expected_version",
        )
    if cmd.action == "step_back":
        return _step_back(p, case, actor, cmd)
    if cmd.action == "cancel":
        return _cancel(p, case, actor, cmd)
    extra = p.extra(cmd.action)
    if extra is not None:
        return _extra(p, case, actor, cmd)
    if p.is_terminal(case.stage):
        raise _not_allowed(cmd.action, case.stage)
    stage = p.stage(case.stage)
    if cmd.action == stage.action:
        return _complete(p, case, stage, actor, cmd)
    if cmd.action == "reject" and stage.review:
        return _reject(case, stage, actor, cmd)
    if cmd.action == "skip" and stage.optional:
        return _skip(p, case, stage, actor, cmd)
    raise _not_allowed(cmd.action, case.stage)


def _complete(p: ProcessDefinition, case: Case, stage: Stage, actor: Actor, cmd: Command) -> Decision:
    role = actor.acting_as(stage.roles)
    if stage.review:
        check_separation_of_duties(case, actor)
    values = validate_input(stage.input, cmd.data)
    values.update(_derive(stage, case.data, values))
    claim = stage.unique_key({**case.data, **values}) if stage.unique_key else None
    return Decision(
        cmd.action,
        stage.key,
        p.next_stage(stage.key),
        stage.event,
        actor.stamp(role),
        cmd.comment,
        values,
        layer=STAGE_LAYER,
        claim=claim,
    )


def _reject(case: Case, stage: Stage, actor: Actor, cmd: Command) -> Decision:
    role = actor.acting_as(stage.roles)
    check_separation_of_duties(case, actor)
    reason = _reason(cmd)
    name = (
        stage.event.removesuffix("Approved") + "Rejected"
        if stage.event.endswith("Approved")
        else _pascal(stage.key) + "Rejected"
    )
    return Decision("reject", stage.key, REJECTED, name, actor.stamp(role), reason, {})


def _skip(p: ProcessDefinition, case: Case, stage: Stage, actor: Actor, cmd: Command) -> Decision:
    after = p.next_stage(stage.key)
    roles = set(stage.roles) | (set(p.stage(after).roles) if after != COMPLETED else set())
    role = actor.acting_as(roles)
    return Decision(
        "skip", stage.key, after, _pascal(stage.key) + "Skipped", actor.stamp(role), cmd.comment, {}, layer=STAGE_LAYER
    )


def _step_back(p: ProcessDefinition, case: Case, actor: Actor, cmd: Command) -> Decision:
    reason = _reason(cmd)
    if case.stage == CANCELLED:
        raise _not_allowed("step_back", case.stage)
    layers = case.stage_layers
    if case.stage == COMPLETED or not p.is_terminal(case.stage):
        if len(layers) <= 1:
            raise Conflict(
                "NOTHING_TO_STEP_BACK",
                "已是第一个环节，无法回退，如需撤消请使用撤消",
                "the case is at its first stage; use cancel to withdraw it",
                "action",
            )
        undone = p.stage(layers[-1]["stage"])
        allowed = set(undone.roles) | (set(p.stage(case.stage).roles) if case.stage != COMPLETED else set())
        role = actor.acting_as(allowed)
        release = (undone.unique_key(case.data),) if undone.unique_key else ()
        return Decision(
            "step_back",
            case.stage,
            undone.key,
            "SteppedBack",
            actor.stamp(role),
            reason,
            {},
            pop_layer=True,
            release=release,
        )
    # A rejection or an extra terminal action (e.g. 取消备案) is undone by returning to where it came from,
    # by whoever may take that decision.
    origin = case.stage_before
    if case.stage == REJECTED:
        allowed = set(p.stage(origin).roles)
    else:
        allowed = {role for a in p.extra_actions if a.to_stage == case.stage for role in a.roles}
    role = actor.acting_as(allowed)
    return Decision("step_back", case.stage, origin, "SteppedBack", actor.stamp(role), reason, {})


def _cancel(p: ProcessDefinition, case: Case, actor: Actor, cmd: Command) -> Decision:
    reason = _reason(cmd)
    if case.stage == CANCELLED:
        raise _not_allowed("cancel", case.stage)
    allowed = set(p.register.roles) | set(p.cancel_roles)
    if not p.is_terminal(case.stage):
        allowed |= set(p.stage(case.stage).roles)
    role = actor.acting_as(allowed)
    release = tuple(key for lay in case.stage_layers if (key := _claim_of(p, lay["stage"], case.data)) is not None)
    return Decision("cancel", case.stage, CANCELLED, "Cancelled", actor.stamp(role), reason, {}, release=release)


def _extra(p: ProcessDefinition, case: Case, actor: Actor, cmd: Command) -> Decision:
    extra = p.extra(cmd.action)
    assert extra is not None
    if case.stage not in extra.from_stages:
        raise _not_allowed(cmd.action, case.stage)
    role = actor.acting_as(extra.roles)
    comment = _reason(cmd) if extra.reason_required else cmd.comment
    values = validate_input(extra.input, cmd.data)
    return Decision(
        cmd.action,
        case.stage,
        extra.to_stage or case.stage,
        extra.event,
        actor.stamp(role),
        comment,
        values,
        layer=AMEND_LAYER if values else None,
    )


def check_separation_of_duties(case: Case, actor: Actor) -> None:
    """Whoever registered the case or did a step still in effect may not review it (不相容岗位分离)."""
    if any(lay["actor"]["user_id"] == actor.user_id for lay in case.stage_layers):
        raise Forbidden(
            "SEPARATION_OF_DUTIES",
            "登记人或已办理前序环节的人员不得审核本案件",
            "the person who registered this case or handled an earlier stage may not review it",
        )


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


def _not_allowed(action: str, stage: str) -> Conflict:
    return Conflict(
        "ACTION_NOT_ALLOWED",
        f"案件当前环节（{stage}）不允许操作 {action}",
        f"action {action} is not allowed at stage {stage}",
        "action",
    )


def _derive(stage: Stage, current: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    return stage.derive(current, values) if stage.derive else {}


def _claim_of(p: ProcessDefinition, stage_key: str, data: dict[str, Any]) -> str | None:
    stage = p.stage(stage_key)
    return stage.unique_key(data) if stage.unique_key else None


def _pascal(key: str) -> str:
    return "".join(part.capitalize() for part in key.split("_"))
