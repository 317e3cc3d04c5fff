"""Kernel shapes in events: variants, materials, deadlines, and registry effects reverted by step back."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar
from uuid import UUID

import pytest
from pydantic import BaseModel, Field

from tests.unit.gwt import TODAY, application, staff
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.deadlines import CalendarDays
from ybj_kernel.domain.engine import Command
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect, Op, Registry
from ybj_kernel.errors import Conflict, InvalidInput, NotFound

REG, REVIEWER = staff("reg-1", "registrar"), staff("fr-1", "first_reviewer")


class Person(BaseModel):
    psn_no: str = Field(min_length=1)
    insutype: str = "310"
    psn_name: str | None = None


def _enroll(state: dict[str, Any], args: dict[str, Any]) -> None:
    relations = state.setdefault("relations", {})
    if relations.get(args["insutype"]) == "参保":
        raise Conflict("ALREADY_ENROLLED", "已参保", "already enrolled", "insutype")
    relations[args["insutype"]] = "参保"


def _suspend(state: dict[str, Any], args: dict[str, Any]) -> None:
    if state.get("relations", {}).get(args["insutype"]) != "参保":
        raise Conflict("NOT_ENROLLED", "未参保，不能暂停缴费", "not enrolled: nothing to suspend", "insutype")
    state["relations"][args["insutype"]] = "暂停缴费"


PERSONS = Registry(  # a test registry of persons and their relations by insurance type
    "person",
    "参保人",
    {
        "enroll": Op("参保", "Enrolled", Person, _enroll),
        "suspend": Op("暂停缴费", "ContributionSuspended", Person, _suspend),
    },
    frozenset({"enroll"}),
)


def _effects(data: Mapping[str, Any], variant: str | None) -> list[Effect]:
    """参保 opens the person's relation; 暂停缴费 suspends it."""
    return [Effect("person", data["psn_no"], variant or "enroll", {"psn_no": data["psn_no"], "insutype": "310"})]


PROCESS = ProcessDefinition(
    id="P998",
    slug="test_change",
    name_zh="测试变更",
    service="enrollment",
    variants=(Variant("enroll", "参保"), Variant("suspend", "暂停缴费")),
    materials=(Material("登记表"), Material("身份证复印件", required=False)),
    stages=(
        Stage("register", "登记", ("registrar",), "Registered", input=Person, variants=frozenset({"enroll"})),
        Stage(
            "apply_suspension",
            "暂停登记",
            ("registrar",),
            "SuspensionApplied",
            input=Person,
            variants=frozenset({"suspend"}),
        ),
        Stage(
            "review",
            "审核",
            ("first_reviewer",),
            "ReviewApproved",
            review=True,
            requires_materials=True,
            due=CalendarDays(5),
        ),
    ),
    effects=_effects,
)


class App(CaseApplication):
    service: ClassVar[str] = "enrollment"
    service_code: ClassVar[str] = "10"
    registries: ClassVar[Mapping[str, Registry]] = {"person": PERSONS}

    @classmethod
    def default_definitions(cls) -> Mapping[str, ProcessDefinition]:
        return {"P998": PROCESS}


def _act(app: CaseApplication, case_id: str, who: Any, action: str, **kw: Any) -> Any:
    version = app.get_case(UUID(case_id)).version
    return app.act(UUID(case_id), who, Command(action, version, kw.get("comment"), kw.get("data", {})))


def _history(app: CaseApplication, key: str) -> list[str]:
    entry_id = PERSONS.entry_id(key)
    return [getattr(e, "event_name", type(e).__name__) for e in app.events.get(entry_id)]


def test_a_variant_runs_only_its_stages_and_reports_its_due_date() -> None:
    app = application(App)
    ack = app.create_case("P998", {"psn_no": "P1"}, REG, variant="enroll", materials=("登记表",))
    case = app.get_case(UUID(ack.case_id))
    assert (case.stage, case.variant, case.due_on) == ("review", "enroll", (TODAY + timedelta(days=5)).isoformat())
    with pytest.raises(InvalidInput) as err:
        app.create_case("P998", {"psn_no": "P1"}, REG, variant="merge")
    assert (err.value.code, err.value.field) == ("UNKNOWN_VARIANT", "variant")


def test_a_stage_needing_materials_waits_until_they_are_supplemented() -> None:
    app = application(App)
    ack = app.create_case("P998", {"psn_no": "P2"}, REG, materials=("身份证复印件",))
    with pytest.raises(Conflict) as err:
        _act(app, ack.case_id, REVIEWER, "approve")
    assert (err.value.code, err.value.field) == ("MATERIALS_MISSING", "materials")
    assert "登记表" in err.value.message_zh
    _act(app, ack.case_id, REG, "supplement_materials", data={"materials": ["登记表"]})
    assert _act(app, ack.case_id, REVIEWER, "approve").stage == "completed"


def test_completion_changes_the_registry_and_step_back_restores_it_with_new_events() -> None:
    app = application(App)
    enrolled = app.create_case("P998", {"psn_no": "P3"}, REG, materials=("登记表",))
    _act(app, enrolled.case_id, REVIEWER, "approve")
    assert app.get_entry("person", "P3").state["relations"] == {"310": "参保"}

    suspension = app.create_case("P998", {"psn_no": "P3"}, REG, variant="suspend", materials=("登记表",))
    _act(app, suspension.case_id, REVIEWER, "approve")
    assert app.get_entry("person", "P3").state["relations"] == {"310": "暂停缴费"}

    with pytest.raises(Conflict) as err:  # the enrollment cannot be undone under the later suspension
        _act(app, enrolled.case_id, REVIEWER, "step_back", comment="误登记")
    assert err.value.code == "CHANGED_SINCE"

    _act(app, suspension.case_id, REVIEWER, "step_back", comment="暂停缴费有误")
    assert app.get_entry("person", "P3").state["relations"] == {"310": "参保"}
    assert _history(app, "P3") == ["Enrolled", "ContributionSuspended", "ChangeReverted"]


def test_a_registry_refuses_what_its_invariants_forbid_and_nothing_is_saved() -> None:
    app = application(App)
    suspension = app.create_case("P998", {"psn_no": "P4"}, REG, variant="suspend", materials=("登记表",))
    with pytest.raises(NotFound) as err:  # there is no such person yet
        _act(app, suspension.case_id, REVIEWER, "approve")
    assert err.value.code == "ENTRY_NOT_FOUND"
    assert app.get_case(UUID(suspension.case_id)).stage == "review"


def test_cancelling_a_completed_case_reverts_its_registry_change() -> None:
    app = application(App)
    ack = app.create_case("P998", {"psn_no": "P5"}, REG, materials=("登记表",))
    _act(app, ack.case_id, REVIEWER, "approve")
    _act(app, ack.case_id, REG, "cancel", comment="重复登记")
    assert app.get_entry("person", "P5").in_effect is False
    again = app.create_case("P998", {"psn_no": "P5"}, REG, materials=("登记表",))
    _act(app, again.case_id, REVIEWER, "approve")
    assert app.get_entry("person", "P5").state["relations"] == {"310": "参保"}
