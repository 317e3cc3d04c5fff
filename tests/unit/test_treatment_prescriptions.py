"""电子处方 in events: a hospital uploads a prescription (S085 开具上传), the patient's channel sends it to a pharmacy
(S082 流转), the pharmacy records the purchase (S085 购药登记), the hospital may revoke it and one past its validity is
recorded as expired; every change appends a status message to the `prescription` entry and nothing is edited in place.
Which pharmacies take e-prescriptions is kept by S086 in `rx_pharmacy`; the validity period is example data."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.gwt import Scenario, application, staff
from tests.unit.registry_gwt import given as given_entry
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.process import COMPLETED
from ybj_treatment.application import TreatmentApplication
from ybj_treatment.policy.cost_share import PolicyFileError
from ybj_treatment.policy.prescriptions import VALIDITY, parse_validity
from ybj_treatment.processes.s085_e_prescription_upload import EXAMPLES
from ybj_treatment.registries.prescriptions import EXAMPLE_RXNO, PRESCRIPTIONS

HOSPITAL_STAFF, PHARMACIST = staff("his-1", "institution"), staff("pos-1", "institution")
CHANNEL, REG, SYSTEM = staff("ch-1", "channel"), staff("reg-1", "registrar"), staff("sys", "system")
PHARMACY, HOSPITAL = "P52010200001", "H52010200001"
WANG_FANG = {"psn_cert_type": "01", "certno": "52011519850312002X", "psn_name": "王芳"}
CHEN_JING = {"psn_cert_type": "01", "certno": "520102199003070022", "psn_name": "陈静"}
CHOICE = {**WANG_FANG, "hi_rxno": EXAMPLE_RXNO, "fixmedins_code": PHARMACY, "chosen_time": "2026-12-01T10:05:00"}


def platform(*, enabled: bool = True) -> CaseApplication:
    """Treatment with the example hospital (P065) and pharmacy (P066) admitted, the pharmacy taking e-prescriptions."""
    app = application(TreatmentApplication)
    for process, variant in (("P065", None), ("P066", None), *((("S086", "enable"),) if enabled else ())):
        Scenario(app, app.definition(process), variant).walk_to(COMPLETED)
    return app


def step(app: CaseApplication, process: str, variant: str | None, who: Any, data: dict[str, Any]) -> Any:
    """One single-step case (they complete as they are opened)."""
    return Scenario(app, app.definition(process), variant).when(who, "create", data)


def issued(app: CaseApplication, **changes: Any) -> Any:
    data = {k: v for k, v in {**EXAMPLES["issue"], **changes}.items() if v is not None}
    return step(app, "S085", "issue", HOSPITAL_STAFF, data)


def rx(app: CaseApplication, hi_rxno: str = EXAMPLE_RXNO) -> dict[str, Any]:
    return dict(app.get_entry("prescription", hi_rxno).state)


def test_a_prescription_goes_from_the_hospital_to_the_chosen_pharmacy_and_is_bought_each_step_a_message() -> None:
    app = platform()
    issued(app).then(events=["PrescriptionUploaded"], stage=COMPLETED)
    assert (rx(app)["status"], rx(app)["valid_until"]) == ("issued", "2026-12-03")  # 3 days, the day of issue included
    assert rx(app)["psn_no"] == app.get_entry("insured", WANG_FANG["certno"]).state["psn_no"]

    step(app, "S082", None, CHANNEL, CHOICE).then(events=["PharmacyChosen"], stage=COMPLETED)
    assert rx(app)["pharmacy"]["fixmedins_name"] == "贵阳大药房云岩店"

    step(app, "S085", "dispense", PHARMACIST, EXAMPLES["dispense"]).then(events=["DispensingUploaded"], stage=COMPLETED)
    state = rx(app)
    assert state["status"] == "dispensed"
    assert {k: state["dispensing"][k] for k in ("medfee_sumamt", "hifp_pay", "psn_cash_pay")} == {
        "medfee_sumamt": 5760,
        "hifp_pay": 2880,
        "psn_cash_pay": 2880,
    }
    assert [(m["seq"], m["status"], m["time"]) for m in state["messages"]] == [
        (1, "issued", "2026-12-01T09:30:00"),
        (2, "transferred", "2026-12-01T10:05:00"),
        (3, "dispensed", "2026-12-01T15:20:00"),
    ]
    assert "贵阳大药房云岩店" in state["messages"][1]["text_zh"]
    assert "57.60元" in state["messages"][2]["text_zh"]
    history = [e.event_name for e in app.events.get(app.get_entry("prescription", EXAMPLE_RXNO).id)]  # type: ignore[attr-defined]
    assert history[1:] == ["PrescriptionTransferred", "PrescriptionDispensed"]  # appended, never rewritten


def test_validity_defaults_to_the_example_policy_and_may_not_exceed_its_maximum() -> None:
    app = platform()
    issued(app, valid_days=None).then(events=["PrescriptionUploaded"], stage=COMPLETED)
    assert (VALIDITY.default_days, rx(app)["valid_until"]) == (1, "2026-12-01")  # 当日有效
    issued(app, hi_rxno="RX520102202612010002", valid_days=VALIDITY.max_days + 1).then_refused(
        "INVALID_FIELD", "valid_days"
    )


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"fixmedins_code": PHARMACY}, "WRONG_INSTITUTION_TYPE", "fixmedins_code"),  # a pharmacy issues nothing
        ({"fixmedins_code": "H52010299999"}, "INSTITUTION_NOT_FOUND", "fixmedins_code"),
        ({"certno": "520102197001010035", "psn_name": "查无此人"}, "NOT_INSURED", "certno"),
        ({"psn_name": "王小芳"}, "PSN_NAME_MISMATCH", "psn_name"),
        ({"drugs": [{"hilist_code": "12345"}]}, "INVALID_FIELD", None),  # not a national drug code, no quantity
    ],
)
def test_an_upload_the_platform_cannot_stand_behind_is_refused_naming_the_field(
    changes: dict[str, Any], code: str, field: str | None
) -> None:
    issued(platform(), **changes).then_refused(code, field)


def test_a_prescription_number_is_uploaded_once() -> None:
    app = platform()
    issued(app).then(events=["PrescriptionUploaded"], stage=COMPLETED)
    issued(app, prsc_time="2026-12-02T08:00:00").then_refused("PRESCRIPTION_EXISTS", "hi_rxno")


@pytest.mark.parametrize(
    ("choice", "code", "field"),
    [
        ({**CHEN_JING}, "PRESCRIPTION_NOT_FOUND", "hi_rxno"),  # 陈静 asks for 王芳's prescription: as if none
        ({"hi_rxno": "RX520102209912310001"}, "PRESCRIPTION_NOT_FOUND", "hi_rxno"),
        ({"fixmedins_code": HOSPITAL}, "WRONG_INSTITUTION_TYPE", "fixmedins_code"),
        ({"chosen_time": "2026-12-04T08:00:00"}, "PRESCRIPTION_OUT_OF_VALIDITY", "chosen_time"),
        ({"chosen_time": "2026-12-01T09:00:00"}, "TIME_BEFORE_LATEST", "chosen_time"),  # before it was issued
    ],
)
def test_a_choice_of_pharmacy_is_refused_naming_the_field(choice: dict[str, Any], code: str, field: str) -> None:
    app = platform()
    issued(app).then(events=["PrescriptionUploaded"], stage=COMPLETED)
    step(app, "S082", None, CHANNEL, {**CHOICE, **choice}).then_refused(code, field)
    assert rx(app)["status"] == "issued"


def test_only_a_pharmacy_taking_e_prescriptions_may_be_chosen_and_one_closed_no_longer() -> None:
    app = platform(enabled=False)
    issued(app).then(events=["PrescriptionUploaded"], stage=COMPLETED)
    step(app, "S082", None, CHANNEL, CHOICE).then_refused("PHARMACY_NOT_RX_ENABLED", "fixmedins_code")
    step(app, "S086", "enable", REG, {"fixmedins_code": PHARMACY, "begndate": "2026-12-01"}).then(
        events=["RxPharmacyEnablementRegistered"], stage=COMPLETED
    )
    step(app, "S086", "enable", REG, {"fixmedins_code": PHARMACY}).then_refused("ALREADY_ENABLED", "fixmedins_code")
    step(app, "S086", "disable", REG, {"fixmedins_code": PHARMACY, "enddate": "2026-12-01"}).then(
        events=["RxPharmacyDisablementRegistered"], stage=COMPLETED
    )
    step(app, "S082", None, CHANNEL, CHOICE).then_refused("PHARMACY_NOT_RX_ENABLED", "fixmedins_code")
    step(app, "S086", "enable", REG, {"fixmedins_code": HOSPITAL}).then_refused("WRONG_INSTITUTION_TYPE")


def test_choosing_the_same_pharmacy_again_records_nothing_and_another_one_says_so() -> None:
    entry = given_entry(PRESCRIPTIONS, EXAMPLE_RXNO, ("issue", _issue_args()))
    pharmacy = {"fixmedins_code": PHARMACY, "fixmedins_name": "贵阳大药房云岩店", "chosen_time": "2026-12-01T10:05:00"}
    entry.when("transfer", pharmacy).then(["PrescriptionTransferred"])
    entry.when("transfer", {**pharmacy, "chosen_time": "2026-12-01T10:06:00"}).then([])
    other = {
        "fixmedins_code": "P52010200002",
        "fixmedins_name": "贵阳大药房南明店",
        "chosen_time": "2026-12-01T11:00:00",
    }
    entry.when("transfer", other).then(["PrescriptionTransferred"])
    assert entry.state["messages"][-1]["text_zh"].startswith("处方已改为流转至贵阳大药房南明店")
    assert len(entry.state["messages"]) == 3


def test_only_the_chosen_pharmacy_dispenses_and_the_parts_must_make_the_total() -> None:
    app = platform()
    issued(app).then(events=["PrescriptionUploaded"], stage=COMPLETED)
    step(app, "S085", "dispense", PHARMACIST, EXAMPLES["dispense"]).then_refused(
        "NOT_THE_CHOSEN_PHARMACY", "fixmedins_code"
    )  # not yet sent to any pharmacy
    step(app, "S082", None, CHANNEL, CHOICE).then(events=["PharmacyChosen"], stage=COMPLETED)
    wrong_sum = {**EXAMPLES["dispense"], "psn_cash_pay": "20.00"}
    step(app, "S085", "dispense", PHARMACIST, wrong_sum).then_refused("INVALID_FIELD")
    late = {**EXAMPLES["dispense"], "disp_time": "2026-12-04T09:00:00"}
    step(app, "S085", "dispense", PHARMACIST, late).then_refused("PRESCRIPTION_OUT_OF_VALIDITY", "disp_time")
    assert rx(app)["status"] == "transferred"


def test_only_the_issuer_revokes_before_purchase_and_a_revoked_prescription_goes_nowhere() -> None:
    app = platform()
    issued(app).then(events=["PrescriptionUploaded"], stage=COMPLETED)
    revoke = EXAMPLES["revoke"]
    step(app, "S085", "revoke", HOSPITAL_STAFF, {**revoke, "fixmedins_code": "H52010200002"}).then_refused(
        "INSTITUTION_NOT_FOUND", "fixmedins_code"
    )
    step(app, "S085", "revoke", HOSPITAL_STAFF, revoke).then(events=["RevocationUploaded"], stage=COMPLETED)
    assert (rx(app)["status"], rx(app)["messages"][-1]["text_zh"]) == (
        "revoked",
        "贵阳市第一人民医院已作废该处方：诊断调整，重新开具",
    )
    step(app, "S082", None, CHANNEL, CHOICE).then_refused("PRESCRIPTION_REVOKED", "hi_rxno")


def test_a_revocation_by_another_hospital_or_after_the_purchase_is_refused() -> None:
    entry = given_entry(PRESCRIPTIONS, EXAMPLE_RXNO, ("issue", _issue_args()))
    revoke = {"fixmedins_code": "H52010200002", "revoke_time": "2026-12-01T11:00:00", "reason": "误开"}
    entry.when("revoke", revoke).then_refused("NOT_THE_ISSUER", "fixmedins_code")
    pharmacy = {"fixmedins_code": PHARMACY, "fixmedins_name": "贵阳大药房云岩店", "chosen_time": "2026-12-01T10:05:00"}
    entry.when("transfer", pharmacy).then(["PrescriptionTransferred"])
    bought = {"fixmedins_code": PHARMACY, "fixmedins_name": "贵阳大药房云岩店", "disp_time": "2026-12-01T15:00:00"}
    money = {"medfee_sumamt": 1000, "hifp_pay": 500, "acct_pay": 0, "psn_cash_pay": 500}
    entry.when("dispense", {**bought, **money}).then(["PrescriptionDispensed"])
    entry.when("revoke", {**revoke, "fixmedins_code": HOSPITAL}).then_refused("PRESCRIPTION_DISPENSED", "hi_rxno")


def test_a_prescription_never_bought_expires_the_day_after_its_last_valid_day_not_before() -> None:
    app = platform()
    issued(app, prsc_time="2026-12-04T09:00:00", valid_days=1).then(events=["PrescriptionUploaded"], stage=COMPLETED)
    step(app, "S085", "expire", SYSTEM, {"hi_rxno": EXAMPLE_RXNO}).then(events=["ExpiryRecorded"], stage=COMPLETED)
    last = rx(app)["messages"][-1]
    assert (rx(app)["status"], last["time"]) == ("expired", "2026-12-05T00:00:00")

    later = platform()
    issued(later, prsc_time="2026-12-04T09:00:00", valid_days=3).then(events=["PrescriptionUploaded"], stage=COMPLETED)
    step(later, "S085", "expire", SYSTEM, {"hi_rxno": EXAMPLE_RXNO}).then_refused("STILL_VALID", "hi_rxno")


def test_a_choice_cancelled_is_undone_unless_the_purchase_stands_on_it() -> None:
    app = platform()
    issued(app).then(events=["PrescriptionUploaded"], stage=COMPLETED)
    chosen = step(app, "S082", None, CHANNEL, CHOICE).then(events=["PharmacyChosen"], stage=COMPLETED)
    chosen.when(CHANNEL, "cancel", comment="选错药店").then(events=["Cancelled"], stage="cancelled")
    assert (rx(app)["status"], rx(app)["pharmacy"], len(rx(app)["messages"])) == ("issued", None, 1)

    again = step(app, "S082", None, CHANNEL, CHOICE).then(events=["PharmacyChosen"], stage=COMPLETED)
    step(app, "S085", "dispense", PHARMACIST, EXAMPLES["dispense"]).then(events=["DispensingUploaded"], stage=COMPLETED)
    again.when(CHANNEL, "cancel", comment="想撤回").then_refused("CHANGED_SINCE")


def test_the_validity_file_is_checked_as_it_loads() -> None:
    head = 'example: true\nnote_zh: "示例"\nnote_en: "example"\n'
    assert parse_validity(head + "default_valid_days: 2\nmax_valid_days: 3\n", "ok.yaml").default_days == 2
    with pytest.raises(PolicyFileError, match=r"bad\.yaml.*default_valid_days is above max_valid_days"):
        parse_validity(head + "default_valid_days: 5\nmax_valid_days: 3\n", "bad.yaml")
    with pytest.raises(PolicyFileError, match=r"bad\.yaml: max_valid_days"):
        parse_validity(head + "default_valid_days: 1\nmax_valid_days: 0\n", "bad.yaml")


def _issue_args() -> dict[str, Any]:
    """The registry's `issue` arguments as S085's example completes them."""
    example = dict(EXAMPLES["issue"])
    return {
        **example,
        "fixmedins_name": "贵阳市第一人民医院",
        "admdvs": "520102",
        "psn_no": "52000000000001",
    }
