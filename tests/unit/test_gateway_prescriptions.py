"""Items 82-89 电子处方流转服务 through their gateway handlers: 85 finds the citizen's prescription, 82 sends it to the
pharmacy they chose (S082, done at once), the pharmacy records the purchase, and 83/84/87/88/89 read it back, masked;
86 lists the pharmacies taking e-prescriptions. Someone else's prescription is answered as none, and nothing is opened.

The handlers run against treatment's own application in memory: the gateway's commands go straight to it as the
channel, and its reads are answered from its registry entries in the shape the query service answers them
(ybj_query/prescription_reads.py), so a change of either side's state shows here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import pytest

from tests.unit.gwt import Scenario, application, staff
from ybj_gateway.items import SERVED, ItemCall
from ybj_gateway.items import prescriptions as items
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.engine import Actor
from ybj_kernel.domain.process import COMPLETED
from ybj_kernel.errors import NotFound, YbjError
from ybj_treatment.application import TreatmentApplication
from ybj_treatment.processes.s085_e_prescription_upload import EXAMPLES

CHANNEL = {"app_id": "ch_test", "admdvs": "520000"}
ACTOR = Actor("channel:ch_test", ("channel",), "520000")
HOSPITAL_STAFF = staff("his-1", "institution")
WANG_FANG = {"psn_cert_type": "01", "certno": "52011519850312002X", "psn_name": "王芳"}
CHEN_JING = {"psn_cert_type": "01", "certno": "520102199003070022", "psn_name": "陈静"}
HERS, HIS = "RX520102202612050001", "RX520102202612050002"
PHARMACY, HOSPITAL = "P52010200001", "H52010200001"
NOW = datetime(2026, 12, 5, 10, 0, 0)  # the gateway's clock in these tests (China Standard Time)


class Platform:
    """The gateway's reads and commands, answered by treatment's application in memory."""

    def __init__(self, app: CaseApplication, prescriptions: tuple[str, ...]) -> None:
        self.app = app
        self.prescriptions = prescriptions  # the numbers this platform holds (the read model lists them by certno)
        self.opened: list[UUID] = []
        self.paused = False  # answer the pharmacy's institution as paused

    def person_by_certno(self, certno: str, app_id: str, admdvs: str) -> dict[str, Any] | None:
        found = self.app.look("insured", certno)
        return {"key": found["psn_no"], "state": found} if found else None

    def get(self, path: str, params: Mapping[str, str] | None, app_id: str, admdvs: str) -> dict[str, Any]:
        asked = dict(params or {})
        parts = path.removeprefix("/api/v1/").split("/")
        if parts[0] == "prescriptions" and len(parts) == 2:
            return self.app.get_entry("prescription", parts[1]).describe()
        if parts == ["prescriptions"]:
            found = [self.app.get_entry("prescription", k).describe() for k in self.prescriptions]
            mine = [
                e
                for e in found
                if e["in_effect"]
                and e["state"]["certno"] == asked["certno"]
                and asked.get("status") in (None, e["state"]["status"])
            ]
            mine.sort(key=lambda e: str(e["state"]["prsc_time"]), reverse=True)
            return {"items": mine, "total": len(mine), "page": 1, "page_size": 50}
        if parts == ["prescription-pharmacies"]:
            rx = self.app.look("rx_pharmacy", PHARMACY)
            institution = {
                **(self.app.look("institution", PHARMACY) or {}),
                **({"status": "paused"} if self.paused else {}),
            }
            items = [{**{k: institution.get(k) for k in ("fixmedins_code", "fixmedins_name", "admdvs", "status")},
                      "addr": (institution.get("info") or {}).get("addr"), "rx_begndate": rx["begndate"],
                      "bank": institution.get("bank")}] if rx and rx["status"] == "enabled" else []  # fmt: skip
            return {"items": items, "total": len(items)}
        raise NotFound("NOT_FOUND", "没有", "none")

    def open_case(
        self, process: str, variant: str | None, data: Mapping[str, Any], app_id: str, admdvs: str, key: str
    ) -> dict[str, Any]:
        ack = self.app.create_case(process, dict(data), ACTOR, idempotency_key=key, variant=variant, advance=True)
        self.opened.append(UUID(ack.case_id))
        return {"case_id": ack.case_id, "acceptance_no": ack.acceptance_no, "process_id": ack.process_id,
                "stage": ack.stage, "version": ack.version}  # fmt: skip

    def act(self, *args: Any) -> dict[str, Any]:
        raise AssertionError("no prescription item acts on a case")

    def upload(self, variant: str, data: dict[str, Any]) -> None:
        """An institution's upload (S085), as its own system would send it."""
        Scenario(self.app, self.app.definition("S085"), variant).when(HOSPITAL_STAFF, "create", data).then(
            events=[self.app.definition("S085").opening(variant).event], stage=COMPLETED
        )


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Platform:
    """The example hospital and pharmacy (taking e-prescriptions), a prescription for 王芳 and one for 陈静."""
    monkeypatch.setattr(items, "_now", lambda: NOW)
    app = application(TreatmentApplication)
    for process, variant in (("P065", None), ("P066", None), ("S086", "enable")):
        Scenario(app, app.definition(process), variant).walk_to(COMPLETED)
    here = Platform(app, (HERS, HIS))
    issued = {**EXAMPLES["issue"], "prsc_time": "2026-12-05T09:00:00", "valid_days": 3}
    here.upload("issue", {**issued, "hi_rxno": HERS})
    here.upload("issue", {**issued, **CHEN_JING, "hi_rxno": HIS})
    return here


def call(platform: Platform, no: int, business: Mapping[str, Any], nonce: str = "nonce-1") -> dict[str, Any]:
    """Item `no`'s handler on this business data, as the channel."""
    item = ItemCall("ch_test", CHANNEL, dict(business), platform, platform, nonce)  # type: ignore[arg-type]
    return SERVED[no].handler(item)


def refused(platform: Platform, no: int, business: Mapping[str, Any]) -> YbjError:
    with pytest.raises(YbjError) as error:
        call(platform, no, business)
    return error.value


def test_a_citizen_sends_their_prescription_to_a_pharmacy_and_reads_its_life_back_masked(platform: Platform) -> None:
    listed = call(platform, 85, WANG_FANG)
    assert [p["hi_rxno"] for p in listed["prescriptions"]] == [HERS]  # hers only, not 陈静's
    assert (listed["open_hi_rxno"], listed["certno"]) == (HERS, "520115********002X")

    chosen = call(platform, 82, {**WANG_FANG, "hi_rxno": listed["open_hi_rxno"], "fixmedins_code": PHARMACY})
    assert (chosen["process_id"], chosen["stage"], chosen["status"]) == ("S082", COMPLETED, "已流转")
    assert chosen["acceptance_no"]
    assert chosen["chosen_time"] == "2026-12-05T10:00:00"

    detail = call(platform, 83, {**WANG_FANG, "hi_rxno": HERS})
    assert (detail["status_name"], detail["pharmacy"]["fixmedins_name"]) == ("已流转", "贵阳大药房云岩店")
    assert (detail["valid_until"], detail["in_validity"]) == ("2026-12-07", True)
    assert detail["drugs"][0]["hilist_code"] == "XC08CAA148A001010101571"

    bought = {**EXAMPLES["dispense"], "hi_rxno": HERS, "disp_time": "2026-12-05T15:00:00"}
    platform.upload("dispense", bought)
    messages = call(platform, 84, {**WANG_FANG, "hi_rxno": HERS})["messages"]
    assert [m["status_name"] for m in messages] == ["已购药", "已流转", "已开具"]  # newest first
    newer = call(platform, 84, {**WANG_FANG, "since": "2026-12-05T10:00:00"})["messages"]
    assert [(m["hi_rxno"], m["status"]) for m in newer] == [(HERS, "dispensed")]
    in_utc = call(platform, 84, {**WANG_FANG, "since": "2026-12-05T02:00:00Z"})["messages"]  # 10:00 in Beijing
    assert [m["status"] for m in in_utc] == ["dispensed"]

    records = call(platform, 88, WANG_FANG)["records"]
    assert [(r["fixmedins_name"], r["medfee_sumamt"], r["hifp_pay"], r["psn_cash_pay"]) for r in records] == [
        ("贵阳大药房云岩店", "57.60", "28.80", "28.80")
    ]
    preview = call(platform, 87, {**WANG_FANG, "hi_rxno": HERS})
    shown = {line["label"]: line["value"] for line in preview["lines"]}
    assert (shown["患者"], shown["证件号码"], shown["状态"]) == ("王*", "520115********002X", "已购药")
    assert "苯磺酸氨氯地平片 5mg*28片 × 2盒" in preview["text"]
    overview = call(platform, 89, WANG_FANG)
    assert {s["status"]: s["count"] for s in overview["by_status"]}["dispensed"] == 1
    for answer in (listed, chosen, detail, preview, overview, {"records": records}):
        assert WANG_FANG["certno"] not in str(answer)  # never the whole 证件号码


def test_someone_elses_prescription_is_answered_as_none_and_nothing_is_opened(platform: Platform) -> None:
    assert refused(platform, 83, {**CHEN_JING, "hi_rxno": HERS}).code == "PRESCRIPTION_NOT_FOUND"
    assert refused(platform, 87, {**WANG_FANG, "hi_rxno": "RX520102209912319999"}).code == "PRESCRIPTION_NOT_FOUND"
    error = refused(platform, 82, {**CHEN_JING, "hi_rxno": HERS, "fixmedins_code": PHARMACY})
    assert (error.code, error.field) == ("PRESCRIPTION_NOT_FOUND", "hi_rxno")
    assert platform.app.get_entry("prescription", HERS).state["status"] == "issued"
    assert refused(platform, 85, {**WANG_FANG, "psn_name": "陈静"}).code == "PERSON_NOT_MATCHED"


def test_an_unknown_pharmacy_a_hospital_or_a_malformed_number_is_refused_naming_the_field(
    platform: Platform,
) -> None:
    not_enabled = refused(platform, 82, {**WANG_FANG, "hi_rxno": HERS, "fixmedins_code": "P52010299999"})
    assert (not_enabled.code, not_enabled.field) == ("INSTITUTION_NOT_FOUND", "fixmedins_code")
    hospital = refused(platform, 82, {**WANG_FANG, "hi_rxno": HERS, "fixmedins_code": HOSPITAL})
    assert hospital.field == "fixmedins_code"  # not a pharmacy code at all
    malformed = refused(platform, 83, {**WANG_FANG, "hi_rxno": "处方1"})
    assert (malformed.code, malformed.field) == ("INVALID_FIELD", "hi_rxno")


def test_the_pharmacies_taking_e_prescriptions_are_listed_with_public_fields_only(platform: Platform) -> None:
    listed = call(platform, 86, {})
    assert [(p["fixmedins_code"], p["fixmedins_name"], p["rx_begndate"]) for p in listed["items"]] == [
        (PHARMACY, "贵阳大药房云岩店", "2026-12-01")
    ]
    assert "bank" not in listed["items"][0]
    platform.paused = True  # the institution's 医药服务 paused (P064): it cannot be chosen, so it is not listed
    assert call(platform, 86, {}) == {"items": [], "total": 0}
