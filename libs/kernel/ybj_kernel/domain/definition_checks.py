"""Checks every process definition passes as it is built; a faulty one is refused, naming the process and field."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NoReturn

from ybj_kernel.domain.roles import OVERSIGHT, PROCESS_ROLES

if TYPE_CHECKING:
    from ybj_kernel.domain.process import ProcessDefinition, Stage

# A catalogue id (P001–P092), or S + the number of a service item without a guide whose backing process the
# project adds (e.g. S078 失能评定 for item 78 失能申请; the seed gives these items no process).
_PROCESS_ID = re.compile(r"^(P|S)\d{3}$")
_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
_PASCAL = re.compile(r"^[A-Z][A-Za-z0-9]*$")


class DefinitionError(ValueError):
    """A process definition contradicts itself or the catalogue's vocabulary."""


def check_definition(p: ProcessDefinition) -> None:
    """Raise DefinitionError on the first fault found in `p`."""
    from ybj_kernel.domain.process import GENERIC_ACTIONS, TERMINAL_STAGES

    def fail(where: str, why: str) -> NoReturn:
        raise DefinitionError(f"process {p.id} ({p.name_zh}), {where}: {why}")

    if not _PROCESS_ID.match(p.id):
        fail("id", "must be a catalogue id such as P019, or S + a service item number such as S078")
    if not p.stages:
        fail("stages", "a process needs at least the registration stage")
    keys = [s.key for s in p.stages]
    variant_keys = [v.key for v in p.variants]
    for i, variant in enumerate(p.variants):
        if not _SNAKE.match(variant.key) or variant.key in variant_keys[:i]:
            fail(f"variants[{i}].key", f"{variant.key!r} must be a snake_case key used once")
    for i, stage in enumerate(p.stages):
        where = f"stages[{i}] ({stage.key})"
        unknown_variants = sorted(stage.variants - set(variant_keys))
        if unknown_variants:
            fail(f"{where}.variants", f"unknown variants {unknown_variants}")
        if stage.requires_materials and not p.materials:
            fail(f"{where}.requires_materials", "the process declares no materials")
        if stage.key in keys[:i]:
            fail(f"{where}.key", f"stage key {stage.key!r} is used more than once")
        _check_stage(stage, where, fail)
        _check_clock(p.stages[:i], stage, where, fail)
        if stage.key in TERMINAL_STAGES or stage.key in p.extra_terminal_stages:
            fail(f"{where}.key", f"{stage.key!r} is the name of a terminal stage")
    _check_paths_and_lists(p, fail)
    stage_actions = {s.action for s in p.stages if not s.review}
    terminals = TERMINAL_STAGES | p.extra_terminal_stages
    names = [a.name for a in p.extra_actions]
    for i, extra in enumerate(p.extra_actions):
        where = f"extra_actions[{i}] ({extra.name})"
        if extra.name in GENERIC_ACTIONS or extra.name in stage_actions:
            fail(f"{where}.name", f"{extra.name!r} is already an action of every process or of a stage")
        if extra.name in names[:i]:
            fail(f"{where}.name", f"extra action {extra.name!r} is declared more than once")
        if not _PASCAL.match(extra.event):
            fail(f"{where}.event", f"event {extra.event!r} must be PascalCase")
        if extra.to_stage is not None and extra.to_stage not in keys and extra.to_stage not in terminals:
            fail(f"{where}.to_stage", f"{extra.to_stage!r} is neither a stage nor listed in extra_terminal_stages")
        unknown = sorted(s for s in extra.from_stages if s not in keys and s not in terminals)
        if unknown or not extra.from_stages:
            fail(f"{where}.from_stages", f"unknown stages {unknown}" if unknown else "names no stage")
        _check_roles(extra.roles, f"{where}.roles", fail)
    for terminal in sorted(p.extra_terminal_stages):
        if not any(a.to_stage == terminal for a in p.extra_actions):
            fail("extra_terminal_stages", f"no extra action leads to {terminal!r}")
    _check_roles(p.cancel_roles, "cancel_roles", fail, allow_empty=True)


def _check_paths_and_lists(p: ProcessDefinition, fail: _Fail) -> None:
    for variant in p.variant_keys():
        path = p.path(variant)
        if not path:
            fail(f"variants ({variant})", "the variant has no stages")
        if path[0].review or path[0].optional:
            fail(f"stages ({path[0].key})", "the stage opens a case: it can be neither a review nor optional")
    names_zh = [m.name_zh for m in p.materials]
    if len(set(names_zh)) != len(names_zh):
        fail("materials", "a material is listed more than once")
    documents = [d.name for d in p.documents]
    if len(set(documents)) != len(documents):
        fail("documents", "a document name is used more than once")


def _check_stage(stage: Stage, where: str, fail: _Fail) -> None:
    if not _SNAKE.match(stage.key):
        fail(f"{where}.key", f"stage key {stage.key!r} must be snake_case")
    for attr, name in (("event", stage.event), ("reject_event", stage.reject_event), ("skip_event", stage.skip_event)):
        if name and not _PASCAL.match(name):
            fail(f"{where}.{attr}", f"event {name!r} must be PascalCase")
    if not stage.event:
        fail(f"{where}.event", "a stage must name the event it records")
    _check_roles(stage.roles, f"{where}.roles", fail)
    if stage.unique is not None and stage.input is not None and stage.unique.field not in stage.input.model_fields:
        fail(f"{where}.unique.field", f"{stage.unique.field!r} is not a field of {stage.input.__name__}")
    looked_up = [lookup.field for lookup in stage.lookups]
    for i, name in enumerate(looked_up):
        if not _SNAKE.match(name) or name in looked_up[:i]:
            fail(f"{where}.lookups[{i}].field", f"{name!r} must be a snake_case field named once")
        if stage.input is not None and name in stage.input.model_fields:
            fail(
                f"{where}.lookups[{i}].field", f"{name!r} is looked up by the platform, not entered: not an input field"
            )


def _check_clock(earlier: tuple[Stage, ...], stage: Stage, where: str, fail: _Fail) -> None:
    """A clock counted from a date in the case's data needs a deadline and a field an earlier stage takes."""
    if not stage.due_from:
        return
    if stage.due is None:
        fail(f"{where}.due_from", "names where the clock starts, but the stage has no deadline (due)")
    if not any(s.input is not None and stage.due_from in s.input.model_fields for s in earlier):
        fail(f"{where}.due_from", f"{stage.due_from!r} is not a field of an earlier stage's input")


def _check_roles(roles: tuple[str, ...], where: str, fail: _Fail, *, allow_empty: bool = False) -> None:
    if not roles and not allow_empty:
        fail(where, "at least one role must be able to act")
    for role in roles:
        if role == OVERSIGHT:
            fail(where, f"{OVERSIGHT!r} (审计监督) reads and never acts")
        elif role not in PROCESS_ROLES:
            fail(where, f"role {role!r} is not in the catalogue's vocabulary")


if TYPE_CHECKING:
    from collections.abc import Callable

    _Fail = Callable[[str, str], NoReturn]
