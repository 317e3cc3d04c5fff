"""A unit and its employee through the year, end to end on real Kafka and PostgreSQL, through the public API only.

Registered (P001), enrolled (P002), wages declared (P007), contributions suspended and stepped back (P006), arrears
paid with the late fee and restoration computed (P011), the account injected (P012) and withdrawn (P017), a transfer
(P016) whose due dates cross a public holiday, and a unit merged into another with its people moved (P005).
"""

from __future__ import annotations

import io
import json
from typing import Any

from pypdf import PdfReader

from tests.integration.conftest import Api, wait_until
from tests.integration.enrollment_steps import READER, REG
from tests.integration.enrollment_steps import new_certno as _certno
from tests.integration.enrollment_steps import new_employee as _employee
from tests.integration.enrollment_steps import new_employer as _employer
from tests.integration.enrollment_steps import read_until as _read
from ybj_enrollment.registries.codes import psn_no_for
from ybj_kernel.sm3 import sm3_hex

REG2 = ("gy-reg-12", "registrar", "520000")
REVIEWER = ("gy-rev-11", "second_reviewer", "520000")
SYSTEM = ("ybj-system", "system", "520000")
IN_AGENCY = ("zy-agency-1", "transfer_in_agency", "520000")
OUT_AGENCY = ("zy-agency-2", "transfer_out_agency", "520000")


def _events(api: Api, registry: str, key: str, count: int) -> list[str]:
    history = _read(api, f"/api/v1/registries/{registry}/{key}/history", lambda h: len(h) >= count)
    return [h["event"] for h in history]


def _case(api: Api, case_id: str, version: int) -> dict[str, Any]:
    return api.wait_visible(case_id, version)


def test_an_employee_through_wages_suspension_and_arrears(api: Api) -> None:
    emp_no = _employer(api, "贵阳筑城精工有限公司")
    certno = _certno()
    psn_no = _employee(api, emp_no, certno)

    # P007 单位征缴基数申报: the declared wage becomes the month's base, in fen.
    declared = api.create(
        "P007",
        {
            "certno": certno,
            "emp_no": emp_no,
            "emp_name": "贵阳筑城精工有限公司",
            "ym": "202612",
            "decl_wage": "7321.45",
        },
        REG,
    )
    assert (declared.status_code, declared.json()["stage"]) == (201, "completed"), declared.text
    person = _read(api, f"/api/v1/persons/{psn_no}", lambda p: "310:202612" in p["state"].get("bases", {}))
    assert person["state"]["bases"]["310:202612"] == 732145

    # P006 暂停缴费, then stepped back: the relation is as it was, and both moves are in the person's history.
    suspended = api.client.post(
        "/api/v1/cases",
        json={
            "process": "P006",
            "variant": "suspend",
            "data": {"certno": certno, "paus_date": "2026-12-05", "paus_rea": "单位停产"},
        },
        headers=api.headers(REG),
    )
    assert (suspended.status_code, suspended.json()["stage"]) == (201, "completed"), suspended.text
    _read(api, f"/api/v1/persons/{psn_no}", lambda p: p["state"]["relations"]["310"]["status"] == "suspended")
    back = api.step(suspended.json(), REG2, "step_back", comment="暂停日期填错")
    assert back["stage"] == "suspend_contribution"
    restored = _read(api, f"/api/v1/persons/{psn_no}", lambda p: p["state"]["relations"]["310"]["status"] == "active")
    assert "paus_rea" not in restored["state"]["relations"]["310"]
    history = _events(api, "person", psn_no, 4)
    assert history[-2:] == ["ContributionSuspended", "ChangeReverted"]

    # P011 单位欠费补缴: the case's late fee is the trial's, to the fen, and the months are recorded paid.
    arrears = {
        "certno": certno,
        "emp_no": emp_no,
        "emp_name": "贵阳筑城精工有限公司",
        "begn_ym": "202610",
        "end_ym": "202610",
        "due_amt": "1234.57",
        "paid_on": "2026-12-05",
    }
    paid = api.create("P011", arrears, REG)
    assert (paid.status_code, paid.json()["stage"]) == (201, "completed"), paid.text
    view = _case(api, paid.json()["case_id"], paid.json()["version"])
    month = view["data"]["months"][0]
    trial = api.client.post(
        "/api/v1/rules/late_fee/trial",
        json={"arrears_amount": "1234.57", "arrears_date": month["arrears_date"], "pay_date": "2026-12-05"},
    ).json()
    assert (month["days"], month["late_fee"]) == (trial["days"], trial["late_fee"])
    assert view["data"]["late_fee_total"] == trial["late_fee"]
    assert view["data"]["benefit_restoration"]["restored_from"] == "2027-01"
    contributions = _read(
        api, f"/api/v1/persons/{psn_no}/contributions", lambda c: any(r.get("ym") == "202610" for r in _rows(c))
    )
    row = next(r for r in _rows(contributions) if r.get("ym") == "202610")
    assert (row["paid"], row["late_fee"]) == (123457, int(trial["late_fee"].replace(".", "")))


def _rows(answer: Any) -> list[dict[str, Any]]:
    """Contribution rows, whether the answer is a list or {items: [...]}."""
    if isinstance(answer, dict):
        answer = answer.get("items", answer.get("contributions", []))
    return [r for r in answer if isinstance(r, dict)]


def _balance(api: Api, psn_no: str, expected: int) -> Any:
    return _read(api, f"/api/v1/persons/{psn_no}/account", lambda a: a.get("balance") == expected)


def test_an_account_injected_twice_then_paid_out_whole_with_interest(api: Api) -> None:
    emp_no = _employer(api, "贵阳黔灵医药有限公司")
    certno = _certno()
    psn_no = _employee(api, emp_no, certno)
    unit = {"emp_no": emp_no, "emp_name": "贵阳黔灵医药有限公司", "certno": certno, "insutype": "310"}
    for amount in ("1000.00", "234.56"):
        injection = {**unit, "quota_flag": "1", "inject_type": "1", "inject_date": "2026-12-01", "inject_amt": amount}
        done = api.create("P012", injection, REG)
        assert (done.status_code, done.json()["stage"]) == (201, "completed"), done.text
    _balance(api, psn_no, 123456)

    # P017: terminated, registered, reviewed by someone else, interest settled by the system, added, paid out.
    case = api.create(
        "P017", {"certno": certno, "psn_name": "陈静", "stop_date": "2026-11-30", "stop_rea": "调往省外工作"}, REG
    )
    assert case.status_code == 201, case.text
    withdrawal = {
        "wdrw_rea": "2",  # 工作调动
        "balc": "1234.56",
        "bank_name": "中国工商银行贵阳云岩支行",
        "bank_acct": "6222020200112345678",
        "intr_begndate": "2026-01-01",
    }
    step = api.step(case.json(), REG, "register_withdrawal", withdrawal)
    step = api.step(step, REVIEWER, "approve", comment="复核无误")
    step = api.step(step, SYSTEM, "settle_interest", {"intr_enddate": "2026-11-30"})
    settled = _case(api, step["case_id"], step["version"])["data"]["stl_intr_amt"]
    wrong = api.act(step, REG, "add_interest", {"intr_amt": "9.99"})
    assert (wrong.status_code, wrong.json()["code"], wrong.json()["field"]) == (422, "INTEREST_MISMATCH", "intr_amt")
    paid_out = api.step(step, REG, "add_interest", {"intr_amt": settled})
    assert paid_out["stage"] == "completed"

    account = _balance(api, psn_no, 0)
    interest = int(settled.replace(".", ""))
    assert [(e["kind"], e["amount"]) for e in account["entries"][:2]] == [
        ("refund", 123456 + interest),
        ("interest", interest),
    ]
    person = _read(api, f"/api/v1/persons/{psn_no}", lambda p: p["state"]["relations"]["310"]["status"] == "terminated")
    assert person["state"]["relations"]["310"]["enddate"] == "2026-11-30"


def test_a_transfer_accepted_before_national_day_runs_on_working_day_clocks(api: Api) -> None:
    certno = _certno()
    applied = {
        "certno": certno,
        "psn_name": "陈静",
        "trans_dir": "2",
        "out_admdvs": "530102",
        "in_admdvs": "520102",
        "acpt_date": "2026-09-28",  # a paper application accepted on the Monday before 国庆, keyed in today
    }
    case = api.create("P016", applied, REG)
    assert case.status_code == 201, case.text
    view = _case(api, case.json()["case_id"], case.json()["version"])
    trial = api.client.post(
        "/api/v1/rules/transfer_deadlines/trial",
        json={"accepted_on": "2026-09-28", "letter_received_on": "2026-10-09", "info_sheet_received_on": "2026-10-20"},
    ).json()
    assert view["due_on"] == trial["contact_letter_due"] == "2026-10-10"  # past 国庆, on its 调休 Saturday
    overdue = api.client.get(
        "/api/v1/cases", params={"process": "P016", "overdue": "true"}, headers=api.headers(READER)
    ).json()
    assert case.json()["case_id"] in {c["case_id"] for c in overdue["items"]}
    # The queue's counts (every case the filters select, not one page): this stage's overdue ones include this case.
    waiting = next(c for c in overdue["counts"] if c["stage"] == "issue_contact_letter")
    assert waiting["overdue"] == waiting["total"] >= 1

    letter = api.step(
        case.json(), IN_AGENCY, "issue_contact_letter", {"ctc_letter_no": "LXH-9", "ctc_letter_date": "2026-10-09"}
    )
    assert _case(api, letter["case_id"], letter["version"])["due_on"] == trial["info_sheet_due"] == "2026-10-22"
    sheet = {
        "info_sheet_no": "XXB-9",
        "info_sheet_date": "2026-10-20",
        "emp_name": "昆明滇池贸易有限公司",
        "begndate": "2020-01-01",
        "enddate": "2026-09-30",
        "pay_months": 81,
        "acct_trans_type": "1",
        "trans_amt": "3456.78",
    }
    sent = api.step(letter, OUT_AGENCY, "issue_info_sheet", sheet)
    assert _case(api, sent["case_id"], sent["version"])["due_on"] == trial["completion_due"] == "2026-10-27"
    done = api.step(sent, IN_AGENCY, "complete_transfer", {"arvl_amt": "3456.78"})
    assert done["stage"] == "completed"
    _balance(api, psn_no_for(certno), 345678)

    # 《参保凭证》 printed: the PDF's text names the person and the 受理号; its SM3 digest is in the case history.
    listed = api.client.get(f"/api/v1/cases/{done['case_id']}/documents", headers=api.headers(REG)).json()
    assert "enrollment-certificate" in {d["name"] for d in listed}
    pdf = api.client.get(f"/api/v1/cases/{done['case_id']}/documents/enrollment-certificate", headers=api.headers(REG))
    assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf"), pdf.text[:300]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "陈静" in text
    assert done["acceptance_no"] in text
    assert pdf.headers["x-document-sm3"] == sm3_hex(pdf.content)
    wait_until(
        lambda: any(h.get("event") == "DocumentIssued" for h in api.history(done["case_id"])),
        15,
        "the DocumentIssued event never reached the case history",
    )
    issued = next(h for h in api.history(done["case_id"]) if h.get("event") == "DocumentIssued")
    assert sm3_hex(pdf.content) in json.dumps(issued, ensure_ascii=False)


def test_a_unit_merged_into_another_takes_its_people_with_it(api: Api) -> None:
    survivor = _employer(api, "贵阳南明康养集团有限公司")
    absorbed = _employer(api, "贵阳南明康养护理站")
    certno = _certno()
    psn_no = _employee(api, absorbed, certno)
    merger = {
        "emp_no": survivor,
        "emp_name": "贵阳南明康养集团有限公司",
        "merged_emp_no": absorbed,
        "merged_emp_name": "贵阳南明康养护理站",
        "merge_date": "2026-12-01",
        "psn_nos": [psn_no],
    }
    done = api.client.post(
        "/api/v1/cases", json={"process": "P005", "variant": "merge", "data": merger}, headers=api.headers(REG)
    )
    assert (done.status_code, done.json()["stage"]) == (201, "completed"), done.text
    moved = _read(api, f"/api/v1/persons/{psn_no}", lambda p: p["state"]["relations"]["310"]["emp_no"] == survivor)
    assert moved["state"]["relations"]["310"]["status"] == "active"
    closed = _read(api, f"/api/v1/employers/{absorbed}", lambda e: e["state"]["status"] == "merged")
    assert closed["state"]["merged_into"] == survivor
    kept = _read(api, f"/api/v1/employers/{survivor}", lambda e: absorbed in e["state"].get("merged_from", []))
    assert kept["state"]["status"] == "normal"

    # Nothing merges into a 注销 unit: the refusal names the field, and nobody moves.
    gone = _employer(api, "贵阳南明旧址服务部")
    closing = {"emp_no": gone, "emp_name": "贵阳南明旧址服务部", "dereg_date": "2026-12-02", "dereg_rea": "歇业"}
    closed_case = api.client.post(
        "/api/v1/cases", json={"process": "P005", "variant": "deregister", "data": closing}, headers=api.headers(REG)
    )
    assert closed_case.status_code == 201, closed_case.text
    into_closed = {**merger, "emp_no": gone, "emp_name": "贵阳南明旧址服务部", "merged_emp_no": survivor}
    refused = api.client.post(
        "/api/v1/cases", json={"process": "P005", "variant": "merge", "data": into_closed}, headers=api.headers(REG)
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "EMPLOYER_DEREGISTERED"), refused.text
