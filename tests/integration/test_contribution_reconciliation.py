"""P021 征缴实收对账 end to end on real Kafka and PostgreSQL: enrollment records contributions (P011 单位欠费补缴, its
example walked for two new employees), settlement's view learns them from enrollment's events, and the tax bureau's file
is matched against them: one row the tax bureau lacks, one it has and the platform does not, one paid another amount,
listed on the case and in the Excel download. A contribution stepped back in enrollment leaves settlement's view."""

from __future__ import annotations

import calendar
import io
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.integration.conftest import Api
from tests.integration.enrollment_steps import READER, REG, new_certno, new_employee, new_employer
from ybj_enrollment.processes.p011_unit_arrears_back_payment import P011

pytestmark = pytest.mark.integration

TAX = ("gy-tax-21", "tax_bureau", "520100")
CLERK = ("gy-reg-21", "registrar", "520100")


def _back_payment(api: Api, emp_no: str, certno: str, begn_ym: str, end_ym: str, paid_on: date) -> dict[str, Any]:
    """P011 on its own example, for this unit and employee and these months, paid on `paid_on`."""
    example = dict(P011.stages[0].example)
    data = {**example, "emp_no": emp_no, "certno": certno, "begn_ym": begn_ym, "end_ym": end_ym}
    done = api.create("P011", {**data, "paid_on": paid_on.isoformat()}, REG)
    assert (done.status_code, done.json()["stage"]) == (201, "completed"), done.text
    ack: dict[str, Any] = done.json()
    return ack


def _in_settlements_view(
    api: Api, registry: str, key: str, ready: Callable[[dict[str, Any]], bool], timeout: float = 30.0
) -> dict[str, Any]:
    """Settlement's view entry (its own store, read as of now: the view is not republished) once `ready`."""
    deadline = time.monotonic() + timeout
    while True:
        now = datetime.now(UTC).isoformat()
        response = api.client.get(
            f"/api/v1/registries/{registry}/{key}", params={"as_of": now}, headers=api.headers(READER)
        )
        if response.status_code == 200 and ready(body := response.json()):
            return dict(body["state"])
        if time.monotonic() > deadline:
            raise AssertionError(f"settlement's {registry} {key} never got there: {response.text[:500]}")
        time.sleep(0.2)


def test_the_tax_file_is_matched_against_the_contributions_enrollment_recorded(api: Api) -> None:
    paid_on = datetime.now(UTC).date()
    month = f"{paid_on:%Y%m}"
    emp_no = new_employer(api, "贵阳征缴对账测试有限公司")
    matched, short, extra = new_certno(), new_certno(), new_certno()
    matched_psn, short_psn = new_employee(api, emp_no, matched), new_employee(api, emp_no, short)
    _back_payment(api, emp_no, matched, "202610", "202611", paid_on)  # 520.00 a month, by the unit
    short_case = _back_payment(api, emp_no, short, "202610", "202610", paid_on)
    mine = {f"{matched_psn}:310:202610", f"{matched_psn}:310:202611", f"{short_psn}:310:202610"}
    rows = _in_settlements_view(api, "contributions_by_month", month, lambda e: mine <= set(e["state"]["rows"]))
    assert rows["rows"][f"{short_psn}:310:202610"]["paid_fen"] == 52000
    assert rows["rows"][f"{short_psn}:310:202610"]["emp_no"] == emp_no

    last_day = calendar.monthrange(paid_on.year, paid_on.month)[1]
    tax_file = {
        "insutypes": ["310"],
        "arrival_begin": paid_on.replace(day=1).isoformat(),
        "arrival_end": paid_on.replace(day=last_day).isoformat(),
        "collection_ym": month,
        "tax_rows": [
            {"certno": matched, "insutype": "310", "belong_ym": "202610", "emp_amt": "400.00", "psn_amt": "120.00"},
            # the matched person's 202611 is not in the file (missing in tax)
            {"certno": short, "insutype": "310", "belong_ym": "202610", "emp_amt": "400.00", "psn_amt": "100.00"},
            {"certno": extra, "insutype": "310", "belong_ym": month, "psn_amt": "80.00"},  # the platform has none
        ],
    }
    opened = api.create("P021", tax_file, TAX)
    assert (opened.status_code, opened.json()["stage"]) == (201, "platform_reconciliation"), opened.text
    case = opened.json()
    case = api.step(case, CLERK, "platform_reconciliation", {"emp_amt": "800.00", "psn_amt": "220.00"})
    case = api.step(case, CLERK, "export_and_compare")
    assert case["stage"] == "resolve_discrepancy"

    data = api.wait_visible(case["case_id"], case["version"])["data"]
    ours = {matched, short, extra}
    found = {
        (d["kind"], d["certno"], d["belong_ym"], d["diff_amt"])
        for d in data["reconciliation"]["differences"]
        if d["certno"] in ours
    }
    assert found == {
        ("missing_in_tax", matched, "202611", "-520.00"),
        ("amount_differs", short, "202610", "-20.00"),
        ("missing_on_platform", extra, month, "80.00"),
    }
    assert data["reconciliation"]["reconciles"] is True
    read = {(r["certno"], r["belong_ym"]) for r in data["received_contributions"] if r["certno"] in ours}
    assert read == {(matched, "202610"), (matched, "202611"), (short, "202610")}  # the facts the case was decided on

    workbook = api.client.get(f"/api/v1/reconciliations/{case['case_id']}/differences.xlsx", headers=api.headers(CLERK))
    assert workbook.status_code == 200, workbook.text
    sheet = load_workbook(io.BytesIO(workbook.content)).worksheets[0]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = [str(v) for v in values[0]]
    lines = [dict(zip(header, row, strict=True)) for row in values[2:]]
    listed = {(r["误差类型"], r["证件号码"], r["误差数额（税务−平台）"]) for r in lines if r["证件号码"] in ours}
    assert listed == {
        ("税务无征收明细", matched, "-520.00"),
        ("金额不一致", short, "-20.00"),
        ("平台无缴费记录", extra, "80.00"),
    }

    # Enrollment steps the short payment back: its ChangeReverted reaches settlement, whose view withdraws the row.
    api.step(short_case, REG, "step_back", comment="补缴金额有误，重新登记")
    _in_settlements_view(
        api, "contributions_by_month", month, lambda e: f"{short_psn}:310:202610" not in e["state"]["rows"]
    )
    person = _in_settlements_view(api, "contributions_by_person", short_psn, lambda e: not e["state"]["contributions"])
    assert person["certno"] == short
