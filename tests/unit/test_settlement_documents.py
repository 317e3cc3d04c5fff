"""The printed forms of P079/P080 月结算 and P086 预付金: each issued as a PDF on a case walked through its process, the
figures read back from the PDF to the fen (申报, 扣款, 应拨; 申请, 核定, 实拨, 返还), and named as the catalogue does."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pypdf import PdfReader

from tests.unit.gwt import Scenario, given, staff
from ybj_kernel.domain.process import COMPLETED
from ybj_kernel.entrypoints.documents_api import documents_router
from ybj_kernel.entrypoints.http_common import current_actor, install_error_handlers
from ybj_kernel.sm3 import sm3_hex

CATALOGUE = Path(__file__).resolve().parents[3] / "shared" / "catalogue" / "processes.yaml"
PRINTER = staff("reg-print", "registrar")
FINANCE = staff("fin-9", "finance")
MONTHLY_TITLES = {"P079": "定点医药机构费用月结算", "P080": "异地就医医药机构费用月结算"}


def printer(case: Scenario) -> TestClient:
    api = FastAPI()
    install_error_handlers(api)
    api.include_router(documents_router(case.app))
    api.dependency_overrides[current_actor] = lambda: PRINTER
    return TestClient(api)


def issued(case: Scenario, name: str) -> str:
    """Issue the form `name` for the case now; its PDF's text, after checking the history recorded its digest."""
    assert case.case_id is not None
    answer = printer(case).get(f"/api/v1/cases/{case.case_id}/documents/{name}")
    assert (answer.status_code, answer.headers["content-type"]) == (200, "application/pdf"), answer.text
    last: Any = list(case.app.events.get(case.case_id))[-1]
    assert (last.event_name, last.data["document"]) == ("DocumentIssued", name)
    assert last.data["sm3"] == sm3_hex(answer.content)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)
    assert case.app.get_case(case.case_id).acceptance_no in text
    return text


def available(case: Scenario) -> set[str]:
    assert case.case_id is not None
    listed = printer(case).get(f"/api/v1/cases/{case.case_id}/documents").json()
    return {d["name"] for d in listed if d["available"]}


def yuan(amount: str) -> str:
    """A figure as the forms print it (thousands separated, two decimals)."""
    return f"{Decimal(amount):,.2f} 元"


def monthly_case(pid: str) -> Scenario:
    """A month with both kinds of deduction, walked to 月结算报表查询打印."""
    case = given(pid)
    declaration = {
        "fixmedins_code": "H52010000007",
        "fixmedins_name": "贵阳市第七人民医院",
        "admdvs": "520102",
        "setl_ym": "202611",
        "insutype": "510",
        "setl_cnt": 37,
        "declared_amount": "123456.78",
    }
    case.when(staff("H52010000007", "institution"), "create", declaration).then(
        events=["SettlementDeclared"], stage="receive"
    )
    case.walk_to("violation_deduction")
    deductions = [
        {"kind": "ordinary", "amount": "100.25", "reason": "超限价"},
        {"kind": "penalty", "amount": "200.10", "reason": "串换药品", "source": "intelligent_review"},
    ]
    case.when(staff("aud-9", "auditor"), "violation_deduction", {"deductions": deductions}).then(
        events=["ViolationDeductionApplied"], stage="generate"
    )
    return case.walk_to("print_slips")


@pytest.mark.parametrize("pid", ["P079", "P080"])
def test_the_monthly_slip_prints_declared_deductions_and_payable_to_the_fen(pid: str) -> None:
    case = monthly_case(pid)
    assert case.data()["payable_amount"] == "123156.43"  # 123456.78 − (100.25 + 200.10)
    assert available(case) == {"disbursement-slip"}  # no 合单 before 合单及打印
    text = issued(case, "disbursement-slip")
    for expected in (
        f"{MONTHLY_TITLES[pid]}拨付单据",
        "H52010000007",
        "贵阳市第七人民医院",
        "2026年11月",
        "生育保险",
        "结算笔数 37",
        f"申报金额 {yuan('123456.78')}",
        f"违规扣款 {yuan('100.25')}",
        f"倍数处罚性扣款 {yuan('200.10')}",
        f"扣款合计 {yuan('300.35')}",
        yuan("123156.43"),  # 应拨金额 (its long label wraps onto its own lines)
    ):
        assert expected in text, expected


@pytest.mark.parametrize("pid", ["P079", "P080"])
def test_the_monthly_merge_summary_carries_its_number_the_payable_and_what_finance_paid(pid: str) -> None:
    case = monthly_case(pid).walk_to("disburse")
    assert available(case) == {"disbursement-slip", "merge-summary"}
    before = issued(case, "merge-summary")
    assert f"{MONTHLY_TITLES[pid]}汇总合单" in before
    assert "HD001" in before  # 汇总合单号
    assert before.count(yuan("123156.43")) == 1  # 应拨 only: 实拨 is not yet recorded
    case.when(FINANCE, "disburse", {"disbursed_amount": "123156.43", "bank_voucher_no": "B-2026-11-07"}).then(
        events=["Disbursed"], stage="write_back"
    )
    after = issued(case, "merge-summary")
    assert after.count(yuan("123156.43")) == 2  # 应拨 and 实拨
    assert "B-2026-11-07" in after
    case.walk_to(COMPLETED)
    assert available(case) == {"disbursement-slip", "merge-summary"}  # reprinted after the case is closed


def prepayment_case() -> Scenario:
    """A prepayment asked for above its cap, walked to 预付金拨付生成."""
    case = given("P086")
    application = {
        "fixmedins_code": "H52010000007",
        "fixmedins_name": "贵阳市第七人民医院",
        "admdvs": "520102",
        "year": 2026,
        "requested_amount": "912345.67",
    }
    case.when(staff("H52010000007", "institution"), "create", application).then(events=["Applied"], stage="assess")
    assessment = {"prepay_type": "2", "fund_type": "390", "monthly_avg_fund_payment": "456789.01"}
    case.when(staff("reg-9", "registrar"), "assess", assessment).then(
        events=["PrepaymentAssessed"], stage="first_review"
    )
    return case.walk_to("disbursement_generation")


def test_the_prepayment_slip_prints_the_request_the_cap_and_the_approved_amount() -> None:
    case = prepayment_case()
    data = case.data()
    cap, approved = Decimal(data["prepayment_cap"]), Decimal(data["approved_amount"])
    assert approved == min(Decimal("912345.67"), cap)
    assert available(case) == {"prepayment-disbursement-slip"}
    text = issued(case, "prepayment-disbursement-slip")
    for expected in (
        "预付金拨付单",
        "H52010000007",
        "预付金类型 专项预付",
        "统筹区基金类型 城乡居民基本医疗保险基金",
        f"申请预付金额 {yuan('912345.67')}",
        f"预付金核定上限 {yuan(data['prepayment_cap'])}",
        f"核定预付金额（应拨） {yuan(data['approved_amount'])}",
    ):
        assert expected in text, expected
    figures = [yuan(f) for f in ("456789.01", data["prepayment_cap"], data["approved_amount"])]
    for figure in set(figures):  # 月均, 上限 and 核定 each printed (equal ones as often as they are equal)
        assert text.count(figure) == figures.count(figure), figure


def test_the_prepayment_merge_summary_and_the_clearing_summary_follow_the_money_to_the_refund() -> None:
    case = prepayment_case().walk_to("disburse")
    approved = str(case.data()["approved_amount"])
    case.when(FINANCE, "disburse", {"disbursed_amount": approved, "bank_voucher_no": "B-PRE-1"}).then(
        events=["Disbursed"], stage="write_back"
    )
    case.walk_to("refund")  # 回写, 年终清算 (清算汇总单 QS001), 财务回写清算标识
    assert available(case) == {"prepayment-disbursement-slip", "merge-summary", "prepayment-clearing-summary"}
    clearing = issued(case, "prepayment-clearing-summary")
    for expected in ("预付金清算汇总单", "QS001", "HD001", "B-PRE-1", yuan(approved)):
        assert expected in clearing, expected
    case.when(
        staff("H52010000007", "institution"), "refund", {"refund_amount": approved, "refund_voucher_no": "R-PRE-1"}
    ).then(events=["PrepaymentRefunded"], stage=COMPLETED)
    refunded = issued(case, "prepayment-clearing-summary")
    assert refunded.count(yuan(approved)) == 2  # 预拨 and 已返还
    assert "R-PRE-1" in refunded
    merged = issued(case, "merge-summary")
    assert "预付金拨付汇总合单" in merged
    assert "B-PRE-1" in merged  # the 拨付's voucher: the refund keeps its own
    assert "R-PRE-1" not in merged
    assert merged.count(yuan(approved)) == 2  # 应拨 and 实拨


def test_a_form_is_refused_before_its_stage_and_on_a_cancelled_case() -> None:
    early = given("P086", at="second_review")
    assert available(early) == set()
    assert early.case_id is not None
    refused = printer(early).get(f"/api/v1/cases/{early.case_id}/documents/prepayment-disbursement-slip")
    assert (refused.status_code, refused.json()["code"]) == (409, "DOCUMENT_NOT_AVAILABLE")
    slip = monthly_case("P079")
    slip.when(staff("reg-c", "registrar"), "cancel", comment="申报有误，撤消").then(
        events=["Cancelled"], stage="cancelled"
    )
    assert available(slip) == set()


@pytest.mark.parametrize("pid", ["P079", "P080", "P086"])
def test_each_printed_export_item_of_the_catalogue_is_a_form_at_stages_of_the_process(pid: str) -> None:
    entry: dict[str, Any] = next(
        p for p in yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))["processes"] if p["id"] == pid
    )
    specs = given(pid).process.documents
    titles = [s.title_zh for s in specs]
    printed = [i.removesuffix("（审核签批）") for i in entry["export_items"] if "查询导出" not in i]
    assert printed, pid
    for item in printed:
        assert any(item in title for title in titles), f"{pid}: no form for {item}"
    keys = {s["key"] for s in entry["stages"]} | {COMPLETED}
    for spec in specs:
        assert spec.stages <= keys, f"{pid} {spec.name}: {sorted(spec.stages - keys)}"
    assert len({s.name for s in specs}) == len(specs)


def test_the_refund_voucher_does_not_replace_the_disbursement_voucher() -> None:
    data = given("P086", at=COMPLETED).data()
    assert (data["bank_voucher_no"], data["refund_voucher_no"]) == ("B1", "R1")
