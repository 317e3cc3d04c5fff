"""A channel's 网上申请 (`advance`): one request fills every stage the channel may do and lands at the bureau's first
review, all saved together or nothing; the bureau's staff then review it as any other case."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar
from uuid import UUID

import pytest
from pydantic import BaseModel, ConfigDict, Field

from tests.unit.gwt import application, staff
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.engine import Actor, Command
from ybj_kernel.domain.process import ProcessDefinition, Stage
from ybj_kernel.domain.registry import Effect, Op, Registry
from ybj_kernel.errors import Forbidden, InvalidInput

CHANNEL = Actor("channel:ch_app", ("channel",), "520100")
REVIEWER = staff("fr-1", "first_reviewer")
REGISTRAR = staff("reg-1", "registrar")


class Applicant(BaseModel):
    certno: str = Field(min_length=18, max_length=18)
    psn_name: str = Field(min_length=1)


class Needs(BaseModel):
    """A strict form: a field it does not name is refused (so the kernel hands it only its own fields)."""

    model_config = ConfigDict(extra="forbid")
    care_hours: int = Field(ge=1, le=200)


def _grant(state: dict[str, Any], args: dict[str, Any]) -> None:
    state.update(args)


GRANTS = Registry("care_grant", "照护资格", {"grant": Op("认定", "CareGranted", None, _grant)}, frozenset({"grant"}))


def _effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    return [Effect("care_grant", str(data["certno"]), "grant", {"care_hours": data["care_hours"]})]


PROCESS = ProcessDefinition(
    id="S999",
    slug="test_online_application",
    name_zh="测试网上申请",
    service="treatment",
    stages=(
        Stage("apply", "申请", ("registrar", "channel"), "Applied", input=Applicant),
        Stage("state_needs", "填写照护需求", ("registrar", "channel"), "NeedsStated", input=Needs),
        Stage("review", "审核", ("first_reviewer",), "Reviewed", review=True),
    ),
    effects=_effects,
)


class App(CaseApplication):
    service: ClassVar[str] = "treatment"
    service_code: ClassVar[str] = "20"
    registries: ClassVar[Mapping[str, Registry]] = {"care_grant": GRANTS}

    @classmethod
    def default_definitions(cls) -> Mapping[str, ProcessDefinition]:
        return {"S999": PROCESS}


APPLICATION = {"certno": "52011519850312002X", "psn_name": "测试甲", "care_hours": 30}


def test_one_request_fills_the_channels_stages_and_waits_at_the_first_review() -> None:
    app = application(App)
    ack = app.create_case("S999", dict(APPLICATION), CHANNEL, idempotency_key="n-1", advance=True)
    case = app.get_case(UUID(ack.case_id))
    assert (case.stage, case.version) == ("review", ack.version)
    assert (case.data["care_hours"], case.data["psn_name"]) == (30, "测试甲")
    # The bureau reviews it like any other case: the channel's steps bar no reviewer (not staff).
    done = app.act(UUID(ack.case_id), REVIEWER, Command("approve", case.version))
    assert done.stage == "completed"
    assert app.look("care_grant", str(APPLICATION["certno"])) == {"care_hours": 30}


def test_without_advance_the_case_waits_at_the_second_stage() -> None:
    app = application(App)
    ack = app.create_case("S999", dict(APPLICATION), REGISTRAR)
    assert ack.stage == "state_needs"


def test_a_bad_later_stage_saves_nothing_not_even_the_registration() -> None:
    app = application(App)
    with pytest.raises(InvalidInput) as err:
        app.create_case("S999", {**APPLICATION, "care_hours": 0}, CHANNEL, idempotency_key="n-2", advance=True)
    assert err.value.field == "care_hours"
    # Nothing was kept: the same request, corrected, opens the case afresh (the idempotency key was never taken).
    again = app.create_case("S999", dict(APPLICATION), CHANNEL, idempotency_key="n-2", advance=True)
    assert (again.stage, again.version) == ("review", 2)  # two events: the application and the needs


def test_a_channel_may_not_open_a_process_whose_first_stage_is_not_its() -> None:
    closed = ProcessDefinition(
        id="S998",
        slug="test_staff_only",
        name_zh="测试窗口办理",
        service="treatment",
        stages=(Stage("apply", "申请", ("registrar",), "Applied", input=Applicant),),
    )

    class StaffOnly(App):
        @classmethod
        def default_definitions(cls) -> Mapping[str, ProcessDefinition]:
            return {"S998": closed}

    with pytest.raises(Forbidden) as err:
        application(StaffOnly).create_case("S998", dict(APPLICATION), CHANNEL, advance=True)
    assert err.value.code == "WRONG_ROLE"
