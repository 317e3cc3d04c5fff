"""End to end on real Kafka and PostgreSQL: enrollment cases change the registries, and the public API reads them."""

from __future__ import annotations

import random
from typing import Any

from tests.integration.conftest import Api, valid_certno
from ybj_enrollment.processes.p001_employer_registration import EXAMPLE as EMPLOYER
from ybj_enrollment.registries.codes import emp_no_for, psn_no_for
from ybj_kernel.domain.identity import uscc_check_char

REG = ("gy-reg-01", "registrar", "520000")
REG2 = ("gy-reg-02", "registrar", "520000")
READER = ("gy-aud-01", "oversight", "520000")


def _uscc() -> str:
    first17 = f"915201{random.randint(0, 10**11 - 1):011d}"
    return first17 + uscc_check_char(first17)


def _employee(emp_no: str, certno: str) -> dict[str, Any]:
    return {
        "emp_no": emp_no,
        "emp_name": "贵阳云岩数智科技有限公司",
        "emp_mgt_type": "01",
        "certno": certno,
        "psn_name": "陈静",
        "gend": "2",
        "brdy": f"{certno[6:10]}-{certno[10:12]}-{certno[12:14]}",
        "fir_work_date": "2012-07-01",
        "decl_wage": "6500.00",
        "emp_fom": "01",
        "hired_on": "2026-11-25",
        "begndate": "2026-12-01",
    }


def _create(api: Api, process: str, data: dict[str, Any], who: tuple[str, str, str]) -> Any:
    return api.client.post("/api/v1/cases", json={"process": process, "data": data}, headers=api.headers(who))


def test_an_employer_registered_and_an_employee_enrolled_under_it(api: Api) -> None:
    uscc = _uscc()
    employer = _create(api, "P001", {**EMPLOYER, "uscc": uscc}, REG)
    assert employer.status_code == 201, employer.text
    assert employer.json()["stage"] == "completed"
    emp_no = emp_no_for(uscc, str(EMPLOYER["admdvs"]))

    # Reads come from the registry read models, which follow the service within moments.
    found = api.wait_read("/api/v1/employers", READER, uscc=uscc)
    assert (found.json()["key"], found.json()["state"]["status"]) == (emp_no, "normal")
    again = _create(api, "P001", {**EMPLOYER, "uscc": uscc}, REG2)
    assert (again.status_code, again.json()["code"]) == (409, "EMPLOYER_EXISTS")

    # born in 1990 on a random day, with an even 17th digit (a woman)
    certno = valid_certno(f"5201021990{random.randint(1, 12):02d}{random.randint(10, 28)}{random.randint(0, 99):02d}2")
    enrolled = _create(api, "P002", _employee(emp_no, certno), REG)
    assert enrolled.status_code == 201, enrolled.text
    person = api.wait_read("/api/v1/persons", READER, certno=certno).json()
    assert person["key"] == psn_no_for(certno)
    relation = person["state"]["relations"]["310"]
    assert (relation["emp_no"], relation["status"], relation["clct_base"]) == (emp_no, "active", 650000)

    # Cancelling the completed enrollment reverts the registry with a new event; both stay in its history.
    cancel = api.act(enrolled.json(), REG, "cancel", comment="录入单位错误")
    assert cancel.status_code == 200, cancel.text
    gone = api.wait_read(
        f"/api/v1/persons/{psn_no_for(certno)}", READER, lambda r: r.status_code == 200 and not r.json()["in_effect"]
    ).json()
    assert gone["in_effect"] is False
    history = api.client.get(
        f"/api/v1/registries/person/{psn_no_for(certno)}/history", headers=api.headers(READER)
    ).json()
    assert [h["event"] for h in history] == ["Enrolled", "ChangeReverted"]
    assert {h["case_id"] for h in history} == {enrolled.json()["case_id"]}


def test_an_employee_of_an_unknown_unit_is_refused_and_nothing_is_saved(api: Api) -> None:
    certno = valid_certno("52010219850615002")
    refused = _create(api, "P002", _employee("52010299999999", certno), REG)
    assert (refused.status_code, refused.json()["code"], refused.json()["field"]) == (
        404,
        "ENTRY_NOT_FOUND",
        "employer",
    )
    missing = api.client.get("/api/v1/persons", params={"certno": certno}, headers=api.headers(READER))
    assert missing.status_code == 404


def test_rules_are_listed_and_tried_through_the_entry_point(api: Api) -> None:
    listed = api.client.get("/api/v1/rules", params={"process": "P011"}).json()
    assert {r["id"] for r in listed} >= {"late_fee", "benefit_restoration"}
    assert all(r["service"] == "enrollment" for r in listed)
    body = {"arrears_amount": "1000.00", "arrears_date": "2026-03-01", "pay_date": "2026-04-01"}
    tried = api.client.post("/api/v1/rules/late_fee/trial", json=body)
    assert (tried.status_code, tried.json()["days"], tried.json()["late_fee"]) == (200, 31, "62.00")
    bad = api.client.post("/api/v1/rules/late_fee/trial", json={**body, "pay_date": "someday"})
    assert (bad.status_code, bad.json()["field"]) == (422, "pay_date")
    assert api.client.post("/api/v1/rules/no_such_rule/trial", json=body).status_code == 404


def test_a_process_is_described_whole_for_front_ends(api: Api) -> None:
    p019 = api.client.get("/api/v1/processes/P019").json()
    assert [(v["key"], v["name_zh"]) for v in p019["variants"]] == [("single", "单个模式"), ("batch", "批量模式")]
    assert [s["key"] for s in p019["stages"] if s.get("batch")] == ["batch_register"]
    assert any(m["required"] for m in p019["materials"])
    p001 = api.client.get("/api/v1/processes/P001").json()
    assert "filing_deadline" in {r["id"] for r in p001["rules"]}
    assert {"Registered", "Cancelled"} <= {e["name"] for e in p001["events"]}
    assert api.client.get("/api/v1/processes/P999").status_code == 404
