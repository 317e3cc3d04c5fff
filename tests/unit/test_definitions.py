"""Every definition of every service loads through the checks, walks its happy path, and describes exactly what the engine allows."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit.gwt import SERVICE_APPS, Scenario, given, staff
from ybj_kernel.domain.actions import available, positions
from ybj_kernel.domain.deadlines import WorkingDays
from ybj_kernel.domain.definition_checks import DefinitionError, check_definition
from ybj_kernel.domain.engine import Command, decide
from ybj_kernel.domain.process import COMPLETED, ExtraAction, ProcessDefinition, Stage
from ybj_kernel.domain.roles import OVERSIGHT, PROCESS_ROLES
from ybj_kernel.errors import Forbidden, YbjError

DEFINITIONS = [p for cls in SERVICE_APPS for p in cls.default_definitions().values()]
ALL_ROLES = sorted(PROCESS_ROLES | {OVERSIGHT})
GENERIC = ("approve", "reject", "skip", "step_back", "cancel")


@pytest.mark.parametrize("p", DEFINITIONS, ids=lambda p: p.id)
def test_every_definition_passes_the_load_checks(p: ProcessDefinition) -> None:
    check_definition(p)


@pytest.mark.parametrize("p", DEFINITIONS, ids=lambda p: p.id)
def test_every_happy_path_runs_with_its_declared_events(p: ProcessDefinition) -> None:
    for variant in p.variant_keys():
        case = given(p.id, at=COMPLETED, variant=variant)
        assert case.history == [s.event for s in p.path(variant)]
        assert set(case.history) <= {e.name for e in p.events()}


def _positions_on_the_walk(p: ProcessDefinition) -> Iterator[tuple[Scenario, dict[str, Any]]]:
    """A real case at every position it can reach, variant by variant: each stage, completed, each rejection, each extra terminal."""
    for variant in p.variant_keys():
        path = p.path(variant)
        for stage in [s.key for s in path[1:]] + [COMPLETED]:
            yield given(p.id, at=stage, variant=variant), {"from_stage": stage, "variant": variant}
        for s in path:
            if s.review:
                case = given(p.id, at=s.key, variant=variant)
                case.when(staff("rev-x", s.roles[0]), "reject", comment="不符").then(
                    events=[s.reject_event], stage="rejected"
                )
                yield case, {"from_stage": "rejected", "after": s.key, "variant": variant}
        for extra in p.extra_actions:
            if extra.to_stage in p.extra_terminal_stages:
                for origin in sorted(o for o in extra.from_stages if o == COMPLETED or o in {s.key for s in path[1:]}):
                    case = given(p.id, at=origin, variant=variant)
                    case.when(staff("x-1", extra.roles[0]), extra.name, comment="原因").then(
                        events=[extra.event], stage=extra.to_stage
                    )
                    yield case, {"from_stage": extra.to_stage, "after": origin, "variant": variant}


@pytest.mark.parametrize("p", DEFINITIONS, ids=lambda p: p.id)
def test_described_roles_are_the_engines_at_every_position(p: ProcessDefinition) -> None:
    described = p.describe()["actions"]
    names = {*GENERIC, *(a.name for a in p.extra_actions), *(s.action for s in p.stages)}
    for case, where in _positions_on_the_walk(p):
        listed = {
            a["name"]: set(a["roles"])
            for a in described
            if a["from_stage"] == where["from_stage"]
            and a.get("after") == where.get("after")
            and a["variant"] == where["variant"]
        }
        assert case.case_id is not None
        current = case.app.get_case(case.case_id)
        for name in sorted(names):
            for role in ALL_ROLES:
                cmd = Command(name, current.version, "原因", {})
                try:
                    decide(p, current, staff(f"new-{role}", role), cmd, case.app._today())
                    outcome = "allowed"
                except Forbidden as err:
                    outcome = "wrong role" if err.code == "WRONG_ROLE" else "allowed"
                except YbjError as err:
                    outcome = "not here" if err.code in ("ACTION_NOT_ALLOWED", "NOTHING_TO_STEP_BACK") else "allowed"
                expected = "not here" if name not in listed else ("allowed" if role in listed[name] else "wrong role")
                assert outcome == expected, f"{p.id} at {where}: {name} as {role}"


@pytest.mark.parametrize("p", DEFINITIONS, ids=lambda p: p.id)
def test_the_description_lists_every_event_and_schemas(p: ProcessDefinition) -> None:
    described = p.describe()
    events = {e["name"] for e in described["events"]}
    assert {a["event"] for a in described["actions"]} <= events
    assert "Cancelled" in events
    assert ("SteppedBack" in events) == any(a["name"] == "step_back" for a in described["actions"])
    assert described["input_schema"]["type"] == "object"
    assert all(a["roles"] for a in described["actions"]), "every described action names who may take it"


def test_the_oversight_role_may_take_no_action_anywhere() -> None:
    for p in DEFINITIONS:
        for at in positions(p):
            assert all(OVERSIGHT not in a.roles for a in available(p, at).values())


P = DEFINITIONS[0]


def _stage(key: str, **changes: Any) -> Stage:
    return dataclasses.replace(Stage(key, "环节", ("registrar",), "Done"), **changes)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"stages": (_stage("check"), _stage("check", event="Checked"))},
            r"stages\[1\] \(check\)\.key: .*more than once",
        ),
        (
            {"stages": (_stage("approve_it", roles=("registar",)),)},
            r"stages\[0\] \(approve_it\)\.roles: role 'registar'",
        ),
        ({"stages": (_stage("look", roles=(OVERSIGHT,)),)}, r"stages\[0\] \(look\)\.roles: 'oversight'"),
        (
            {"extra_actions": (ExtraAction("approve", "审核", ("registrar",), frozenset({COMPLETED}), "Approved"),)},
            r"extra_actions\[0\] \(approve\)\.name",
        ),
        (
            {"extra_actions": (ExtraAction("cancel", "撤销", ("registrar",), frozenset({COMPLETED}), "Revoked"),)},
            r"extra_actions\[0\] \(cancel\)\.name",
        ),
        (
            {
                "extra_actions": (
                    ExtraAction(
                        "revoke", "取消", ("registrar",), frozenset({COMPLETED}), "Revoked", to_stage="revoked"
                    ),
                )
            },
            r"extra_actions\[0\] \(revoke\)\.to_stage: 'revoked' is neither a stage nor listed in extra_terminal_stages",
        ),
        ({"stages": (_stage("Check"),)}, r"stages\[0\] \(Check\)\.key: .*snake_case"),
        (
            {"extra_terminal_stages": frozenset({"revoked"})},
            r"extra_terminal_stages: no extra action leads to 'revoked'",
        ),
        (
            {"stages": (_stage("accept"), _stage("reply", due=WorkingDays(5), due_from="acpt_date"))},
            r"stages\[1\] \(reply\)\.due_from: 'acpt_date' is not a field of an earlier stage's input",
        ),
        (
            {"stages": (_stage("accept"), _stage("reply", due_from="acpt_date"))},
            r"stages\[1\] \(reply\)\.due_from: .*has no deadline",
        ),
    ],
    ids=[
        "duplicate key",
        "unknown role",
        "oversight acts",
        "extra named approve",
        "extra named cancel",
        "to_stage not terminal",
        "key not snake_case",
        "orphan terminal stage",
        "clock from an unknown field",
        "clock start without a deadline",
    ],
)
def test_a_faulty_definition_is_refused_at_load_naming_process_and_field(change: dict[str, Any], message: str) -> None:
    with pytest.raises(DefinitionError, match=rf"process {P.id} \(.*\), {message}"):
        dataclasses.replace(P, **change)
