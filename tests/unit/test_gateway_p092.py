"""P092 便民服务接入: the catalogue's seven steps, provisioning that opens the channel entry, and the channel's
management on the completed case (each action an event of the case and of the channel's history, undone by step back)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.gwt import Scenario, application, staff
from ybj_channel.keys import new_sm2_keypair, public_key_of
from ybj_gateway.application import GatewayApplication
from ybj_gateway.processes.p092_convenience_service_channel_access import (
    EXAMPLE_APPLICATION,
    EXAMPLE_PUBLIC_KEY,
    P092,
)
from ybj_gateway.registries.channels import CHANNEL, key_id_of
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.actions import available, positions
from ybj_kernel.domain.process import COMPLETED

# The private half of P092's EXAMPLE_PUBLIC_KEY (an example key pair made for the examples and these tests only).
EXAMPLE_PRIVATE_KEY = "cc996f0b02968c56b631aa8d202b70cefa2ebc6cd93831f1138bd07232d634b7"
APP_ID = "ch_zyybwxgzh"
APPLICANT = staff("zy-app", "applicant", "520300")
MUNICIPAL = staff("zy-bureau", "municipal_bureau", "520300")
PROVINCE = staff("gz-bureau", "provincial_bureau", "520000")
LATER = "2026-12-06T12:00:00+08:00"


def app() -> CaseApplication:
    return application(GatewayApplication)


def case(variant: str | None = None, data: dict[str, Any] | None = None) -> Scenario:
    scenario = Scenario(app(), P092, variant)
    if data is not None:
        scenario.when(APPLICANT, "create", data).then(events=["Applied"], stage="municipal_review")
    return scenario


def admitted() -> Scenario:
    """A channel admitted through every step with the examples: open, in the test environment."""
    return case().walk_to(COMPLETED)


def channel(scenario: Scenario, key: str = APP_ID) -> dict[str, Any] | None:
    return scenario.app.look(CHANNEL, key)


def entry_events(scenario: Scenario, key: str = APP_ID) -> list[str]:
    entry = scenario.app.get_entry(CHANNEL, key)
    return [str(getattr(e, "event_name", type(e).__name__)) for e in scenario.app.events.get(entry.id)]


def test_the_prompt_steps_are_the_catalogues_for_both_kinds_of_applicant() -> None:
    for variant in ("third_party", "agency"):
        walked = case(variant).walk_to(COMPLETED)
        assert walked.history == [s.event for s in P092.stages]
        assert channel(walked)["kind"] == variant  # type: ignore[index]


def test_the_channel_opens_when_the_case_completes_in_the_test_environment() -> None:
    walked = case().walk_to("deliver_credentials")
    data = walked.data()
    assert (data["app_id"], data["environment"], data["key_id"]) == (APP_ID, "test", key_id_of(EXAMPLE_PUBLIC_KEY))
    assert channel(walked) is None  # configured, not usable before the case completes
    walked.walk_to(COMPLETED)
    opened = channel(walked)
    assert opened is not None
    assert opened["status"] == "active"
    assert opened["environment"] == "test"
    assert opened["keys"] == [
        {"key_id": key_id_of(EXAMPLE_PUBLIC_KEY), "public_key": EXAMPLE_PUBLIC_KEY, "valid_until": None}
    ]
    assert opened["ip_allowlist"] == ["10.52.3.10", "10.52.3.0/28"]
    assert opened["quota_per_minute"] == 600
    assert opened["grants"] == {"interfaces": [68, 114], "h5_pages": [114]}
    assert opened["sign_rule"]["sign_type"] == "SM2"
    assert entry_events(walked) == ["ChannelOpened"]


def test_the_example_key_pair_is_a_pair() -> None:
    assert public_key_of(EXAMPLE_PRIVATE_KEY) == EXAMPLE_PUBLIC_KEY


def test_no_secret_is_kept_in_the_case_or_the_channel() -> None:
    walked = admitted()
    kept = [walked.data(), channel(walked)]
    assert EXAMPLE_PRIVATE_KEY not in str(kept)
    assert not [name for name in _field_names(kept) if any(w in name for w in ("sm4", "private", "secret"))]


def _field_names(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [str(k) for k in value] + [n for v in value.values() for n in _field_names(v)]
    if isinstance(value, list):
        return [n for v in value for n in _field_names(v)]
    return []


def test_provisioning_takes_the_key_from_the_application_or_refuses_without_one() -> None:
    _, public = new_sm2_keypair()
    walked = case(data={**EXAMPLE_APPLICATION, "public_key": public}).walk_to("provision_channel")
    walked.when(PROVINCE, "provision_channel", {}).then(events=["ChannelProvisioned"], stage="deliver_credentials")
    assert walked.data()["public_key"] == public
    keyless = case().walk_to("provision_channel")
    keyless.when(PROVINCE, "provision_channel", {}).then_refused("PUBLIC_KEY_REQUIRED", "public_key")


def test_provisioning_grants_no_more_than_was_applied_for() -> None:
    walked = case().walk_to("provision_channel")
    grants = {"public_key": EXAMPLE_PUBLIC_KEY, "interfaces": [68, 70]}
    walked.when(PROVINCE, "provision_channel", grants).then_refused("NOT_APPLIED_FOR", "interfaces")
    narrower = {"public_key": EXAMPLE_PUBLIC_KEY, "interfaces": [114], "h5_pages": [], "ip_allowlist": ["10.52.3.10"]}
    walked.when(PROVINCE, "provision_channel", narrower).then(
        events=["ChannelProvisioned"], stage="deliver_credentials"
    )
    walked.walk_to(COMPLETED)
    opened = channel(walked)
    assert opened is not None
    assert (opened["grants"], opened["ip_allowlist"]) == ({"interfaces": [114], "h5_pages": []}, ["10.52.3.10"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"interfaces": [68, 115]}, "interfaces"),
        ({"interfaces": [], "h5_pages": []}, None),
        ({"system_ips": ["10.52.3.300"]}, "system_ips.0"),
        ({"system_id": "遵义医保"}, "system_id"),
        ({"system_type": "电话"}, "system_type"),
        ({"network_zone": "外网"}, "network_zone"),
        ({"applied_on": "2026-12-06"}, "applied_on"),
        ({"public_key": "04" + "1" * 128}, "public_key"),
    ],
)
def test_the_application_form_is_checked_naming_the_field(change: dict[str, Any], field: str | None) -> None:
    case().when(APPLICANT, "create", {**EXAMPLE_APPLICATION, **change}).then_refused("INVALID_FIELD", field)


def test_the_municipal_opinion_must_be_sealed_and_each_step_has_its_actor() -> None:
    walked = case(data=dict(EXAMPLE_APPLICATION))
    walked.when(MUNICIPAL, "approve", {"municipal_opinion": "同意"}).then_refused("MISSING_FIELD", "seal_affixed")
    walked.when(APPLICANT, "approve", {"municipal_opinion": "同意", "seal_affixed": True}).then_refused("WRONG_ROLE")
    walked.when(MUNICIPAL, "approve", {"municipal_opinion": "同意", "seal_affixed": True}).then(
        events=["MunicipalReviewApproved"], stage="submit_ticket"
    )
    walked.when(MUNICIPAL, "submit_ticket", {"ticket_no": "GD1"}).then(
        events=["TicketSubmitted"], stage="provincial_approval"
    )
    walked.when(MUNICIPAL, "approve", {"provincial_opinion": "同意"}).then_refused("WRONG_ROLE")
    walked.when(PROVINCE, "reject", comment="材料不全").then(events=["ProvincialApprovalRejected"], stage="rejected")


def test_one_application_in_effect_per_system_id() -> None:
    first = case(data=dict(EXAMPLE_APPLICATION))
    second = Scenario(first.app, P092)
    second.when(APPLICANT, "create", dict(EXAMPLE_APPLICATION)).then_refused("DUPLICATE", "system_id")
    first.when(APPLICANT, "cancel", comment="重新申请").then(events=["Cancelled"], stage="cancelled")
    second.when(APPLICANT, "create", dict(EXAMPLE_APPLICATION)).then(events=["Applied"], stage="municipal_review")


def test_the_second_approval_moves_the_channel_to_production() -> None:
    walked = admitted()
    approval = {"production_opinion": "测试通过，同意上线", "production_ip_allowlist": ["202.98.1.8"]}
    walked.when(PROVINCE, "promote", approval).then(events=["ProductionAccessApproved"], stage=COMPLETED)
    opened = channel(walked)
    assert opened is not None
    assert (opened["environment"], opened["ip_allowlist"]) == ("production", ["202.98.1.8"])
    walked.when(PROVINCE, "promote", {"production_opinion": "再次"}).then_refused("ALREADY_IN_PRODUCTION")
    assert entry_events(walked) == ["ChannelOpened", "ChannelPromoted"]


def test_suspend_resume_revoke_each_an_event_of_the_channel() -> None:
    walked = admitted()
    walked.when(PROVINCE, "suspend").then_refused("REASON_REQUIRED")
    walked.when(PROVINCE, "suspend", comment="安全检查").then(events=["ChannelSuspended"], stage=COMPLETED)
    assert channel(walked)["status"] == "suspended"  # type: ignore[index]
    walked.when(PROVINCE, "suspend", comment="再次").then_refused("ALREADY_SUSPENDED")
    walked.when(PROVINCE, "promote", {"production_opinion": "上线"}).then_refused("CHANNEL_SUSPENDED")
    walked.when(PROVINCE, "resume").then(events=["ChannelResumed"], stage=COMPLETED)
    walked.when(PROVINCE, "resume").then_refused("NOT_SUSPENDED")
    walked.when(PROVINCE, "revoke", comment="停止合作").then(events=["ChannelRevoked"], stage=COMPLETED)
    assert channel(walked)["status"] == "revoked"  # type: ignore[index]
    walked.when(PROVINCE, "resume").then_refused("CHANNEL_REVOKED")
    walked.when(MUNICIPAL, "suspend", comment="x").then_refused("WRONG_ROLE")
    assert entry_events(walked) == ["ChannelOpened", "ChannelSuspended", "ChannelResumed", "ChannelRevoked"]


def test_grants_change_with_a_reason_and_only_to_something_new() -> None:
    walked = admitted()
    walked.when(PROVINCE, "change_grants", {"new_interfaces": [68, 114, 70]}).then_refused("REASON_REQUIRED")
    walked.when(PROVINCE, "change_grants", {"new_interfaces": [68, 999]}, comment="扩大").then_refused(
        "INVALID_FIELD", "new_interfaces"
    )
    walked.when(PROVINCE, "change_grants", {"new_interfaces": [114, 70, 68]}, comment="增加个人账户").then(
        events=["ChannelGrantsChanged"], stage=COMPLETED
    )
    assert channel(walked)["grants"] == {"interfaces": [68, 70, 114], "h5_pages": []}  # type: ignore[index]
    walked.when(PROVINCE, "change_grants", {"new_interfaces": [68, 70, 114]}, comment="同上").then_refused(
        "NOTHING_CHANGES"
    )


def test_a_rotated_key_keeps_the_old_one_until_the_overlap_ends() -> None:
    walked = admitted()
    _, public = new_sm2_keypair()
    walked.when(PROVINCE, "rotate_key", {"new_public_key": public, "overlap_until": LATER}).then(
        events=["ChannelKeyRotated"], stage=COMPLETED
    )
    keys = channel(walked)["keys"]  # type: ignore[index]
    assert [(k["public_key"], k["valid_until"]) for k in keys] == [(EXAMPLE_PUBLIC_KEY, LATER), (public, None)]
    walked.when(PROVINCE, "rotate_key", {"new_public_key": public, "overlap_until": LATER}).then_refused(
        "KEY_ALREADY_USED", "public_key"
    )
    walked.when(
        PROVINCE, "rotate_key", {"new_public_key": EXAMPLE_PUBLIC_KEY, "overlap_until": "2026-12-04T00:00:00+08:00"}
    ).then_refused("INVALID_FIELD", "overlap_until")


def test_management_waits_for_the_completed_case() -> None:
    walked = case().walk_to("deliver_credentials")
    walked.when(PROVINCE, "suspend", comment="x").then_refused("ACTION_NOT_ALLOWED")


def test_stepping_the_completed_case_back_undoes_every_change_and_completing_it_again_reopens_the_channel() -> None:
    walked = admitted()
    _, public = new_sm2_keypair()
    walked.when(PROVINCE, "suspend", comment="检查").then(events=["ChannelSuspended"], stage=COMPLETED)
    walked.when(PROVINCE, "rotate_key", {"new_public_key": public, "overlap_until": LATER}).then(
        events=["ChannelKeyRotated"], stage=COMPLETED
    )
    walked.when(MUNICIPAL, "step_back", comment="开通有误").then(events=["SteppedBack"], stage="guide_development")
    assert channel(walked) is None
    assert entry_events(walked)[-3:] == ["ChangeReverted", "ChangeReverted", "ChangeReverted"]
    walked.walk_to(COMPLETED)
    reopened = channel(walked)
    assert reopened is not None
    assert (reopened["status"], [k["public_key"] for k in reopened["keys"]]) == ("active", [EXAMPLE_PUBLIC_KEY])


def test_every_position_describes_its_management_actions() -> None:
    at_completed = [pos for pos in positions(P092) if pos.stage == COMPLETED]
    assert at_completed
    for pos in at_completed:
        names = set(available(P092, pos))
        assert {"promote", "suspend", "resume", "revoke", "change_grants", "rotate_key", "step_back"} <= names
    described = P092.describe()
    assert described["input_schema"]["type"] == "object"
