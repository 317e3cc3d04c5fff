"""Items 75-81 长护险服务 through their gateway handlers: 78 opens S078 for the person named and lands at 评定; after the
bureau assesses and concludes, 75/77/80/81/76 read back what the case and the `ltc_eligibility` entry recorded; 79 lists
the example 照护机构 directory. Someone else's data is refused and nothing is opened.

The handlers run against treatment's own application in memory: the gateway's commands go straight to it as the
channel, and its reads are answered the way the query service answers them (the person-cases read's own `case_line`,
treatment's directory route), so a change of shape on either side shows here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.unit.gwt import application, staff
from ybj_gateway.items import SERVED, ItemCall
from ybj_gateway.items.ltc import validity
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.engine import Actor, Command
from ybj_kernel.entrypoints.http_common import current_actor
from ybj_kernel.errors import NotFound, YbjError
from ybj_query.person_case_reads import case_line
from ybj_treatment.application import TreatmentApplication
from ybj_treatment.ltc_http import ltc_router
from ybj_treatment.processes.s078_disability_assessment import EXAMPLE_ASSESSMENT

CHANNEL = {"app_id": "ch_test", "admdvs": "520000"}
ACTOR = Actor("channel:ch_test", ("channel",), "520000")
ASSESSOR, APPROVER = staff("pg-1", "auditor"), staff("sp-1", "approver")
CHEN_JING = {"psn_cert_type": "01", "certno": "520102199003070022", "psn_name": "陈静"}
WANG_FANG = {"psn_cert_type": "01", "certno": "52011519850312002X", "psn_name": "王芳"}  # 城乡居民 only
APPLYING = {k: v for k, v in SERVED[78].example.items() if not str(v).startswith("${")}


class Platform:
    """The gateway's reads and commands, answered by treatment's application in memory."""

    def __init__(self, app: CaseApplication) -> None:
        self.app = app
        self.opened: list[UUID] = []
        self.directory = TestClient(_directory_api(app))

    def person_by_certno(self, certno: str, app_id: str, admdvs: str) -> dict[str, Any] | None:
        found = self.app.look("insured", certno)
        return {"key": found["psn_no"], "state": found} if found else None

    def get(self, path: str, params: Mapping[str, str] | None, app_id: str, admdvs: str) -> dict[str, Any]:
        parts = path.removeprefix("/api/v1/").split("/")
        if parts == ["ltc", "institutions"]:
            answer: dict[str, Any] = self.directory.get(path, params=dict(params or {})).json()
            return answer
        if parts[0] == "persons" and parts[2:] == ["ltc"]:
            return {"psn_no": parts[1], "current": self.app.look("ltc_eligibility", parts[1])}
        if parts[0] == "persons" and parts[2:] == ["cases"] and (params or {}).get("processes") == "S078":
            cases = [self.app.get_case(i) for i in reversed(self.opened)]
            mine = [c for c in cases if c.data.get("psn_no") == parts[1]]
            described = self.app.definition("S078").describe()
            return {"items": [case_line(_row(c), described) for c in mine], "total": len(mine)}
        raise NotFound("NOT_FOUND", "没有", "none")

    def open_case(
        self, process: str, variant: str | None, data: Mapping[str, Any], app_id: str, admdvs: str, key: str
    ) -> dict[str, Any]:
        ack = self.app.create_case(process, dict(data), ACTOR, idempotency_key=key, variant=variant, advance=True)
        if UUID(ack.case_id) not in self.opened:
            self.opened.append(UUID(ack.case_id))
        return {"case_id": ack.case_id, "acceptance_no": ack.acceptance_no, "process_id": ack.process_id,
                "stage": ack.stage, "version": ack.version}  # fmt: skip

    def act(self, *args: Any) -> dict[str, Any]:
        raise AssertionError("no LTC item acts on a case")

    def staff_act(
        self, who: Actor, action: str, data: dict[str, Any] | None = None, comment: str | None = None
    ) -> None:
        """The bureau's step on the latest application (its assessor, its approver)."""
        case = self.app.get_case(self.opened[-1])
        self.app.act(case.id, who, Command(action, case.version, comment, data or {}))


def _directory_api(app: CaseApplication) -> FastAPI:
    api = FastAPI()
    api.include_router(ltc_router(app))
    api.dependency_overrides[current_actor] = lambda: ACTOR
    return api


def _row(case: Any) -> SimpleNamespace:
    """A case as the query service's read model holds it."""
    now = datetime.now(UTC)
    return SimpleNamespace(
        case_id=str(case.id), acceptance_no=case.acceptance_no, process_id=case.process_id, variant=case.variant,
        stage=case.stage, admdvs=case.admdvs, due_on=None, created_at=now, updated_at=now, version=case.version,
        data=case.data,
    )  # fmt: skip


@pytest.fixture
def platform() -> Platform:
    return Platform(application(TreatmentApplication))


def call(platform: Platform, no: int, business: Mapping[str, Any], nonce: str = "nonce-1") -> dict[str, Any]:
    """Item `no`'s handler on this business data, as the channel."""
    item = ItemCall("ch_test", CHANNEL, dict(business), platform, platform, nonce)  # type: ignore[arg-type]
    return SERVED[no].handler(item)


def refused(platform: Platform, no: int, business: Mapping[str, Any]) -> YbjError:
    with pytest.raises(YbjError) as error:
        call(platform, no, business)
    return error.value


def test_an_application_opens_s078_for_the_person_and_waits_for_the_assessor(platform: Platform) -> None:
    answer = call(platform, 78, {**CHEN_JING, **APPLYING})
    assert (answer["process_id"], answer["stage"], answer["status"]) == ("S078", "assess", "已受理")
    assert answer["certno"] == "520102********0022"
    assert answer["psn_name"] == "陈静"
    case = platform.app.get_case(platform.opened[0])
    assert (case.data["care_mode"], case.data["agent_rlts"], case.data["care_inst_code"]) == (
        "home",
        "女儿",
        "L52010200001",
    )
    again = call(platform, 78, {**CHEN_JING, **APPLYING})  # the same request (nonce) retried: the same case
    assert again["acceptance_no"] == answer["acceptance_no"]
    assert len(platform.opened) == 1


@pytest.mark.parametrize(
    ("business", "code", "field"),
    [
        ({**CHEN_JING, "psn_name": "陈晶", **APPLYING}, "PERSON_NOT_MATCHED", "certno"),
        ({**CHEN_JING, **APPLYING, "care_mode": "hospital"}, "INVALID_FIELD", "care_mode"),
        ({**CHEN_JING, **APPLYING, "care_inst_code": "H52010200001"}, "INVALID_FIELD", "care_inst_code"),
        ({**CHEN_JING, **APPLYING, "care_inst_code": "L52010200002"}, "LTC_INSTITUTION_SUSPENDED", "care_inst_code"),
        ({**WANG_FANG, **APPLYING}, "NOT_INSURED", "certno"),  # the example covers 职工医保 only
    ],
)
def test_an_application_that_is_not_the_persons_own_or_not_valid_opens_nothing(
    platform: Platform, business: dict[str, Any], code: str, field: str
) -> None:
    stored = len(platform.app.recorder.select_notifications(start=None, limit=100_000))
    error = refused(platform, 78, business)
    assert (error.code, error.field) == (code, field)
    assert len(platform.app.recorder.select_notifications(start=None, limit=100_000)) == stored  # nothing saved


def test_before_a_conclusion_the_reads_say_so_and_show_the_pending_application(platform: Platform) -> None:
    opened = call(platform, 78, {**CHEN_JING, **APPLYING})
    conclusion = call(platform, 75, CHEN_JING)
    assert (conclusion["assessed"], conclusion["conclusion"]) == (False, None)
    assert conclusion["latest_application"]["acceptance_no"] == opened["acceptance_no"]
    assert conclusion["latest_application"]["status"] == "办理中"
    assert "失能评定" in conclusion["latest_application"]["stage_name_zh"]
    assert call(platform, 80, CHEN_JING)["care_plan"] is None
    assert call(platform, 81, CHEN_JING)["subscription"] is None


def test_after_the_bureau_concludes_the_items_read_back_the_level_plan_and_subscription(platform: Platform) -> None:
    opened = call(platform, 78, {**CHEN_JING, **APPLYING})
    platform.staff_act(ASSESSOR, "assess", {**EXAMPLE_ASSESSMENT, "adl_score": 15})
    platform.staff_act(APPROVER, "approve", comment="评定属实")

    conclusion = call(platform, 75, CHEN_JING)
    assert conclusion["assessed"] is True
    assert {k: conclusion["conclusion"][k] for k in ("disability_level_name", "adl_score", "begndate", "enddate")} == {
        "disability_level_name": "重度失能二级",
        "adl_score": 15,
        "begndate": "2026-12-05",
        "enddate": "2028-12-04",
    }
    progress = call(platform, 77, CHEN_JING)
    assert progress["total"] == 1
    assert progress["certno"] == "520102********0022"
    line = progress["applications"][0]
    assert (line["acceptance_no"], line["status"], line["disability_level_name"]) == (
        opened["acceptance_no"],
        "已办结",
        "重度失能二级",
    )
    assert "insured" not in line
    assert "psn_no" not in line

    plan = call(platform, 80, CHEN_JING)["care_plan"]
    assert (plan["plan_code"], plan["hours_per_month"], plan["care_mode_name"]) == ("LTC-P4", 38, "居家上门照护")
    assert [i["code"] for i in plan["items"]][:2] == ["SH01", "SH02"]
    subscription = call(platform, 81, CHEN_JING)["subscription"]
    assert (subscription["care_inst_name"], subscription["plan_code"], subscription["status_name"]) == (
        "云岩区康宁护理院（示例）",
        "LTC-P4",
        "已订购",
    )
    summary = call(platform, 76, CHEN_JING)
    assert (summary["applications"], summary["care_plan"], summary["care_institution"]["care_inst_code"]) == (
        1,
        {"plan_code": "LTC-P4", "hours_per_month": 38},
        "L52010200001",
    )


def test_a_rejected_assessment_shows_as_the_latest_application_not_a_conclusion(platform: Platform) -> None:
    call(platform, 78, {**CHEN_JING, **APPLYING})
    platform.staff_act(ASSESSOR, "assess", {**EXAMPLE_ASSESSMENT, "adl_score": 80})
    platform.staff_act(APPROVER, "reject", comment="轻度失能，未达到待遇标准")
    conclusion = call(platform, 75, CHEN_JING)
    assert (conclusion["assessed"], conclusion["latest_application"]["status"]) == (False, "审核不通过")
    assert conclusion["latest_application"]["disability_level_name"] == "轻度失能"


def test_a_conclusion_reads_as_valid_only_within_its_period() -> None:
    held = {"begndate": "2026-12-05", "enddate": "2028-12-04"}
    assert validity(held, date(2026, 12, 4)) == "未到待遇享受期"
    assert validity(held, date(2028, 12, 4)) == "有效"
    assert validity(held, date(2028, 12, 5)) == "已过期"


def test_the_institution_directory_is_narrowed_by_area_and_says_it_is_an_example(platform: Platform) -> None:
    listed = call(platform, 79, {"admdvs": "520100", "care_mode": "home"})
    assert listed["example"] is True
    assert "示例" in listed["note_zh"]
    assert {i["care_inst_code"] for i in listed["items"]} == {"L52010200001", "L52010300001", "L52010200002"}
    assert all(set(i) <= {"care_inst_code", "care_inst_name", "admdvs", "addr", "tel", "care_modes",
                          "care_modes_zh", "status"} for i in listed["items"])  # fmt: skip
    assert refused(platform, 79, {"admdvs": "52"}).field == "admdvs"


def test_every_ltc_item_is_served_with_an_example_and_its_assumption() -> None:
    for no in range(75, 82):
        assert SERVED[no].assumption_zh, no
    assert SERVED[78].example["care_inst_code"] == "L52010200001"
    assert all(78 in SERVED[no].after for no in (75, 76, 77, 80, 81))
