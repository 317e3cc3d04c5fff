"""The application items of guided processes (items/applications.yaml): every one opens its process as the channel and
lands where the bureau takes over, or acts on the citizen's own case; someone else's data or case is refused.

Each item is run through its gateway handler against the domain service's own application in memory (with the
registries its process's example needs), the gateway's commands going straight to it as the channel's actor."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from uuid import UUID

import pytest

from tests.unit.gwt import given
from ybj_gateway.items import SERVED, ItemCall
from ybj_gateway.items.applications import APPLICATIONS, Application
from ybj_gateway.service_items import ITEMS
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.engine import Actor, Command
from ybj_kernel.domain.process import COMPLETED
from ybj_kernel.errors import NotFound

CHANNEL = {"app_id": "ch_test", "admdvs": "520000", "grants": {"interfaces": list(range(1, 115))}}
ACTOR = Actor("channel:ch_test", ("channel",), "520000")
PLACEHOLDER = re.compile(r"^\$\{([a-z_0-9-]+)\.([a-z_]+)\}$")


class Platform:
    """The gateway's reads and commands, answered by one domain application in memory."""

    def __init__(self, app: CaseApplication, people: Mapping[str, str], units: Mapping[str, str]) -> None:
        self.app = app
        self.people = dict(people)  # certno -> 姓名 the registry holds
        self.units = units  # emp_no -> 单位名称
        self.opened: dict[str, str] = {}  # 受理号 -> case id

    def person_by_certno(self, certno: str, app_id: str, admdvs: str) -> dict[str, Any] | None:
        name = self.people.get(certno)
        return {"key": "psn", "state": {"psn_name": name, "psn_cert_type": "01"}} if name else None

    def get(self, path: str, params: Mapping[str, str] | None, app_id: str, admdvs: str) -> dict[str, Any]:
        kind, _, key = path.removeprefix("/api/v1/").partition("/")
        if kind == "employers" and key in self.units:
            return {"key": key, "state": {"emp_name": self.units[key]}}
        if kind == "acceptances" and key in self.opened:
            case = self.app.get_case(UUID(self.opened[key]))
            return {"case_id": str(case.id), "process_id": case.process_id, "version": case.version, "data": case.data}
        raise NotFound("NOT_FOUND", "没有", "none")

    def open_case(
        self, process: str, variant: str | None, data: Mapping[str, Any], app_id: str, admdvs: str, key: str
    ) -> dict[str, Any]:
        ack = self.app.create_case(process, dict(data), ACTOR, idempotency_key=key, variant=variant, advance=True)
        self.opened[ack.acceptance_no] = ack.case_id
        return {"acceptance_no": ack.acceptance_no, "process_id": ack.process_id, "stage": ack.stage}

    def act(
        self, case_id: str, action: str, version: int, data: Mapping[str, Any], comment: str | None, *_: str
    ) -> dict[str, Any]:
        ack = self.app.act(UUID(case_id), ACTOR, Command(action, version, comment, dict(data)))
        return {"acceptance_no": ack.acceptance_no, "process_id": ack.process_id, "stage": ack.stage}


def _stage_examples(app: CaseApplication, item: Application, process: str | None = None) -> dict[str, Any]:
    p = app.definition(process or str(item.process))
    merged: dict[str, Any] = {}
    for stage in p.path(item.variant):
        merged.update(stage.example or {})
    return merged


def _resolved(example: Mapping[str, Any], own: Mapping[str, Any]) -> dict[str, Any]:
    """The item's example with each sandbox placeholder (or list of them) replaced by the process example's own value
    of that field."""

    def placeholder(value: Any) -> bool:
        if isinstance(value, list):
            return any(placeholder(v) for v in value)
        return isinstance(value, str) and PLACEHOLDER.match(value) is not None

    return {k: own.get(k, v) if placeholder(v) else v for k, v in example.items()}


def _call(platform: Platform, business: Mapping[str, Any], nonce: str) -> ItemCall:
    return ItemCall("ch_test", CHANNEL, dict(business), platform, platform, nonce)  # type: ignore[arg-type]


def _platform_for(item: Application) -> tuple[Platform, dict[str, Any]]:
    scenario = given(str(item.process), variant=item.variant)
    own = _stage_examples(scenario.app, item)
    business = _resolved(item.example or {}, own)
    certno = str(business.get("certno", "")).upper()
    people = {certno: str(business.get("psn_name") or own.get("psn_name") or "")} if certno else {}
    if item.subject == "person" and "psn_name" not in business:
        business["psn_name"] = people[certno]
    units = {str(business.get("emp_no")): str(business.get("emp_name"))}
    return Platform(scenario.app, people, units), business


OPENING = sorted(no for no, item in APPLICATIONS.items() if item.process)
ACTING = sorted(no for no, item in APPLICATIONS.items() if item.acts_on)


def test_every_application_item_of_a_guided_process_is_served_by_the_process_the_catalogue_names() -> None:
    guided = {no for no, item in ITEMS.items() if item.kind == "application" and item.process_ids}
    assert guided <= set(SERVED)
    for no, application in APPLICATIONS.items():
        assert ITEMS[no].kind == "application"
        named = {application.process} if application.process else set(application.acts_on)
        assert named <= set(ITEMS[no].process_ids), (
            f"item {no} runs {named}, the catalogue says {ITEMS[no].process_ids}"
        )


@pytest.mark.parametrize("no", OPENING)
def test_an_opening_item_files_the_channels_stages_and_lands_where_the_bureau_takes_over(no: int) -> None:
    item = APPLICATIONS[no]
    platform, business = _platform_for(item)
    answer = SERVED[no].handler(_call(platform, business, f"nonce-{no}"))
    assert re.fullmatch(r"\d{10,30}", str(answer["acceptance_no"]))
    assert answer["process_id"] == item.process
    p = platform.app.definition(str(item.process))
    if answer["stage"] == COMPLETED:
        assert answer["status"] == "已办结"
        assert all("channel" in s.roles for s in p.path(item.variant))  # no staff stage was skipped
    else:
        assert answer["status"] == "已受理"
        waiting = p.stage(answer["stage"])
        assert "channel" not in waiting.roles  # the bureau's turn: a review or a staff step
    # The case is the channel's: its history names the channel's identity in role `channel`.
    case = platform.app.get_case(UUID(platform.opened[answer["acceptance_no"]]))
    assert case.created_by["role"] == "channel"


@pytest.mark.parametrize("no", ACTING)
def test_an_acting_item_acts_on_the_citizens_own_case_and_only_theirs(no: int) -> None:
    item = APPLICATIONS[no]
    opener_no = re.fullmatch(r"\$\{answer:(\d+)\.acceptance_no\}", str((item.example or {})["acceptance_no"]))
    assert opener_no is not None, f"item {no} names no earlier item's 受理号"
    opener = APPLICATIONS[int(opener_no.group(1))]
    platform, business = _platform_for(opener)
    opened = SERVED[opener.no].handler(_call(platform, business, "open"))
    case_id = UUID(platform.opened[opened["acceptance_no"]])
    p = platform.app.definition(str(opener.process))
    if item.action != "cancel" and "review" in {s.key for s in p.path(opener.variant)}:
        version = platform.app.get_case(case_id).version
        platform.app.act(case_id, Actor("fr-1", ("first_reviewer",), "520000"), Command("approve", version))
    own = {"certno": business["certno"], "psn_name": business["psn_name"]}
    asked = {**_resolved(item.example or {}, own), "acceptance_no": opened["acceptance_no"], **own}
    before = platform.app.get_case(case_id).version
    # Someone else naming this 受理号 is told it does not exist, and the case is untouched.
    stranger = "110101199001011237"
    platform.people[stranger] = "测试乙"
    with pytest.raises(NotFound) as refused:
        SERVED[no].handler(_call(platform, {**asked, "certno": stranger, "psn_name": "测试乙"}, "other"))
    assert refused.value.code == "ACCEPTANCE_NO_NOT_FOUND"
    assert platform.app.get_case(case_id).version == before
    answer = SERVED[no].handler(_call(platform, asked, f"act-{no}"))
    assert answer["acceptance_no"] == opened["acceptance_no"]
    assert platform.app.get_case(case_id).version == before + 1
    assert answer["stage"] == {"cancel": "cancelled", "revoke": "revoked"}.get(str(item.action), answer["stage"])


def test_a_person_item_refuses_data_that_is_not_the_callers_own() -> None:
    item = APPLICATIONS[44]
    platform, business = _platform_for(item)
    with pytest.raises(NotFound) as refused:
        SERVED[44].handler(_call(platform, {**business, "psn_name": "别人"}, "n"))
    assert refused.value.code == "PERSON_NOT_MATCHED"
    assert platform.opened == {}


def test_a_unit_item_refuses_a_unit_named_under_another_name() -> None:
    item = APPLICATIONS[4]
    platform, business = _platform_for(item)
    with pytest.raises(NotFound) as refused:
        SERVED[4].handler(_call(platform, {**business, "emp_name": "别的公司"}, "n"))
    assert refused.value.code == "EMPLOYER_NOT_MATCHED"
    assert platform.opened == {}
