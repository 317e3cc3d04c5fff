"""A citizen's own records through a channel on the real platform (Kafka, PostgreSQL, real SM2/SM3/SM4): a resident
enrolled through P019 pays the year's contribution (P022, walked through the tax bureau's stages), applies to transfer
(P016, waiting at the 联系函 with its 时限), and is billed by a hospital and a pharmacy (settlement records, one of a
chronic-disease visit); a provincial channel admitted through P092 then asks the progress, contribution, account, bill,
consumption, settlement, hospital and 门诊统筹 items through the SDK, each answered from the query service's read models
about that person alone, masked; the query service's access log shows the channel reading the person."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.integration.channels import admitted_notice, client_of
from tests.integration.conftest import Api
from tests.integration.enrollment_steps import (
    READER,
    REG,
    new_certno,
    new_employee,
    new_employer,
    new_resident,
    read_until,
)
from ybj_channel.client import ChannelClient, ChannelRefused
from ybj_dev.platform import Platform

pytestmark = pytest.mark.integration

RESIDENT_PAYER = ("wx-pay-21", "applicant", "520115")
TAX = ("tax-21", "tax_bureau", "520000")
COUNTY = ("gsh-county-21", "county_bureau", "520115")
ITEMS = [58, 61, 62, 64, 69, 70, 71, 72, 73, 90, 91, 99]


@pytest.fixture(scope="module")
def channel(api: Api, platform: Platform) -> Iterator[tuple[ChannelClient, str]]:
    """A provincial channel (医保区划 520000) admitted through P092 with a generated key pair: its SDK client, app id."""
    with httpx.Client(timeout=30) as http:
        notice = admitted_notice(api, ITEMS)
        yield client_of(platform, notice, http), str(notice["app_id"])


def _paid_the_year(api: Api, certno: str, name: str) -> dict[str, Any]:
    """P022 for 2026, from the tax client's collection to the county's check of subsidies: the year's 缴费记录."""
    payer = {
        "admdvs": "520115",
        "certno": certno,
        "psn_name": name,
        "clct_year": 2026,
        "clct_grade": "1",
        "psn_clct_amt": "400.00",
        "tax_vchr_no": f"35{random.randint(10**15, 10**16 - 1)}",
        "tel": "13800001234",
    }
    created = api.create("P022", payer, REG)
    assert created.status_code == 201, created.text
    case = api.step(created.json(), REG, "print_payment_voucher", {})
    case = api.step(case, RESIDENT_PAYER, "pay", {"pay_amt": "400.00", "pay_date": "2026-12-01"})
    case = api.step(case, TAX, "feed_back_enrollment", {"tax_pay_sn": "352026120100088888", "fdbk_date": "2026-12-02"})
    case = api.step(case, REG, "monthly_verification", {"vrf_ym": "202612", "tax_rcv_amt": "400.00"})
    case = api.step(case, COUNTY, "special_group_verification", {"sbsy_ledger_amt": "0.00"})
    assert case["stage"] == "completed"
    return case


def _record(setl_id: str, psn_no: str, code: str, med_type: str, amount: str, fund: str, day: int) -> dict[str, Any]:
    return {
        "setl_id": setl_id,
        "mdtrt_id": f"MD{setl_id}",
        "psn_no": psn_no,
        "fixmedins_code": code,
        "insutype": "390",
        "med_type": med_type,
        "setl_time": f"2026-10-{day:02d}T09:30:00+08:00",
        "medfee_sumamt": amount,
        "hifp_pay": fund,
        "psn_cash_pay": f"{float(amount) - float(fund):.2f}",
        "lines": [{"med_list_codg": "250101015", "cnt": "1", "pric": amount, "det_item_fee_sumamt": amount}],
    }


def _resident_with_records(api: Api) -> tuple[str, str, str]:
    """A resident who paid 2026 (P022), applied to transfer (P016, waiting) and has three settlement records (a fourth,
    another person's, beside them), once the read side shows all of it: their 证件号码, 人员编号 and the records' tag."""
    certno, psn_no = new_resident(api, "刘洋")
    paid = _paid_the_year(api, certno, "刘洋")
    transfer = api.create(
        "P016",
        {"certno": certno, "psn_name": "刘洋", "trans_dir": "1", "out_admdvs": "520115", "in_admdvs": "530102"},
        REG,
    )
    assert transfer.status_code == 201, transfer.text
    tag = f"{random.randint(0, 10**8):08d}"
    records = [
        _record(f"P{tag}1", psn_no, "H52010200001", "11", "120.50", "72.30", 3),
        _record(f"P{tag}2", psn_no, "H52010200001", "14", "500.00", "300.00", 9),
        _record(f"P{tag}3", psn_no, "P52010200001", "41", "35.00", "10.00", 12),
        _record(f"P{tag}9", f"52{random.randint(10**13, 10**14 - 1)}", "H52010200001", "11", "9.00", "1.00", 4),
    ]
    sent = api.client.post("/api/v1/settlement-records", json=records, headers=api.headers(REG))
    assert sent.status_code == 200, sent.text
    api.wait_visible(paid["case_id"], paid["version"])
    api.wait_visible(transfer.json()["case_id"], transfer.json()["version"])
    read_until(
        api,
        f"/api/v1/persons/{psn_no}/settlement-summary?year=2026",
        lambda s: sum(r["records"] for r in s["by_med_type"]) == 3,
    )
    read_until(api, f"/api/v1/persons/{psn_no}", lambda p: "390:202601" in p["state"].get("contributions", {}))
    return certno, psn_no, tag


def test_a_channel_reads_a_residents_own_progress_contributions_bill_and_settlements(
    api: Api, channel: tuple[ChannelClient, str]
) -> None:
    certno, psn_no, tag = _resident_with_records(api)
    me = {"psn_cert_type": "01", "certno": certno, "psn_name": "刘洋"}
    masked = f"{certno[:6]}{'*' * 8}{certno[-4:]}"
    client, app_id = channel
    payment = client.call(58, me)
    assert payment["certno"] == masked
    assert [(c["process_id"], c["status"], c["stage_name_zh"], c["pay_amt"]) for c in payment["items"]] == [
        ("P022", "已办结", "办结", "400.00")
    ]
    assert [(c["ym"], c["paid"], c["status"]) for c in payment["contributions"]] == [("202601", "400.00", "已足额到账")]
    assert "13800001234" not in str(payment)

    moving = client.call(62, me)["items"]
    assert [(c["stage"], c["status"], c["trans_dir_name"]) for c in moving] == [
        ("issue_contact_letter", "办理中", "转出")
    ]
    assert moving[0]["stage_name_zh"] == "转入地经办机构生成并发出《联系函》"
    assert moving[0]["due_on"] >= "2026-12-01"  # 5 working days after 受理

    pooled = client.call(61, {**me, "year": 2026})
    assert (pooled["visits"], pooled["hifp_pay"]) == (2, "82.30")  # 普通门诊 and 药店购药, not 门诊慢特病
    consumed = client.call(73, {**me, "year": 2026})
    assert [i["medfee_sumamt"] for i in consumed["items"]] == ["35.00", "500.00", "120.50"]
    one = client.call(90, {**me, "year": 2026, "setl_id": f"P{tag}2"})
    assert (one["settlement"]["med_type_name"], one["settlement"]["lines"][0]["pric"]) == ("门诊慢特病", "500.00")
    with pytest.raises(ChannelRefused) as not_theirs:
        client.call(90, {**me, "year": 2026, "setl_id": f"P{tag}9"})
    assert (not_theirs.value.code, not_theirs.value.http_status) == ("SETTLEMENT_NOT_FOUND", 404)
    places = client.call(91, {**me, "year": 2026})["items"]
    assert {(p["fixmedins_code"], p["visits"]) for p in places} == {("H52010200001", 2), ("P52010200001", 1)}

    bill = client.call(64, {**me, "year": 2026})
    assert bill["contributions"] == [
        {
            "insutype": "390",
            "insutype_name": "城乡居民基本医疗保险",
            "periods": 1,
            "due": "400.00",
            "paid": "400.00",
        }
    ]
    assert (bill["medical"]["settlements"], bill["medical"]["medfee_sumamt"]) == (3, "655.50")
    assert bill["account"]["has_account"] is False  # a resident has no 个人账户
    assert client.call(70, me)["has_account"] is False
    assert [c["insutype"] for c in client.call(71, me)["contributions"]] == ["390"]
    benefits = client.call(69, me)
    assert [(r["insutype"], r["status_name"]) for r in benefits["insurances"]] == [("390", "参保缴费")]
    assert (benefits["chronic_diseases"], benefits["remote_care_filing"]) == ([], None)

    with pytest.raises(ChannelRefused) as someone_else:
        client.call(58, {**me, "psn_name": "张三"})
    assert someone_else.value.code == "PERSON_NOT_MATCHED"

    log = api.client.get("/api/v1/audit/access-log", params={"target": psn_no}, headers=api.headers(READER))
    assert log.status_code == 200, log.text
    read = {(e["user_id"], e["what"]) for e in log.json()["items"]}
    assert (f"channel:{app_id}", "person-cases") in read
    assert (f"channel:{app_id}", "person-visits") in read


def test_a_channel_reads_an_employees_account_its_statement_the_years_bill_and_own_declarations(
    api: Api, channel: tuple[ChannelClient, str]
) -> None:
    certno = new_certno()
    emp_no = new_employer(api, "贵阳账户测试有限公司")
    psn_no = new_employee(api, emp_no, certno)  # 陈静, 310 from 2026-12-01
    unit = {"emp_no": emp_no, "emp_name": "贵阳账户测试有限公司", "certno": certno, "insutype": "310"}
    for amount in ("1000.00", "234.56"):
        injection = {**unit, "quota_flag": "1", "inject_type": "1", "inject_date": "2026-12-01", "inject_amt": amount}
        done = api.create("P012", injection, REG)
        assert (done.status_code, done.json()["stage"]) == (201, "completed"), done.text
    declared = api.create(
        "P009",
        {"certno": certno, "insutype": "310", "begn_ym": "202612", "end_ym": "202612", "decl_wage": "7000.00"},
        REG,
    )
    assert (declared.status_code, declared.json()["stage"]) == (201, "completed"), declared.text
    api.wait_visible(declared.json()["case_id"], declared.json()["version"])
    read_until(api, f"/api/v1/persons/{psn_no}/account", lambda a: a["balance"] == 123456)

    client, _ = channel
    me = {"psn_cert_type": "01", "certno": certno, "psn_name": "陈静"}
    account = client.call(70, me)
    assert (account["has_account"], account["balance"], account["entries"]) == (True, "1234.56", 2)
    statement = client.call(72, {**me, "page_size": 1})
    assert [(e["kind_zh"], e["amount"], e["balance_after"]) for e in statement["entries"]] == [
        ("注入", "234.56", "1234.56")
    ]
    assert statement["total"] == 2
    bill = client.call(64, {**me, "year": 2026})["account"]
    assert (bill["opening_balance"], bill["income"], bill["outgo"], bill["closing_balance"]) == (
        "0.00",
        "1234.56",
        "0.00",
        "1234.56",
    )
    assert [(k["kind_zh"], k["entries"], k["income"]) for k in bill["by_kind"]] == [("注入", 2, "1234.56")]
    assert client.call(64, {**me, "year": 2027})["account"]["opening_balance"] == "1234.56"
    mine = client.call(99, me)
    assert [(c["process_id"], c["status"], c["decl_wage"], c["begn_ym"]) for c in mine["items"]] == [
        ("P009", "已办结", "7000.00", "202612")
    ]
    assert mine["bases"][0] == {
        "ym": "202612",
        "insutype": "310",
        "insutype_name": "职工基本医疗保险",
        "amount": "7000.00",
    }
