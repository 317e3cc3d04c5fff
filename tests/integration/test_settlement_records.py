"""Settlement records end to end on real Kafka and PostgreSQL: sent through the entry point, recorded once by setl_id,
one reversed, and read back as a person's consumption and annual statement and an institution's month."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest

from tests.integration.conftest import Api
from tests.integration.enrollment_steps import READER, read_until

pytestmark = pytest.mark.integration

HOSPITALS = ("H52010200011", "H52010200012")
STAFF = ("gy-reg-41", "registrar", "520000")


def _record(setl_id: str, psn_no: str, code: str, amount: str, fund: str, day: int, **more: Any) -> dict[str, Any]:
    return {
        "setl_id": setl_id,
        "mdtrt_id": f"MD{setl_id}",
        "psn_no": psn_no,
        "fixmedins_code": code,
        "insutype": "390",
        "med_type": "11",
        "setl_time": f"2026-10-{day:02d}T09:30:00+08:00",
        "medfee_sumamt": amount,
        "hifp_pay": fund,
        "psn_cash_pay": str(Decimal(amount) - Decimal(fund)),
        "lines": [{"med_list_codg": "250101015", "cnt": "1", "pric": amount, "det_item_fee_sumamt": amount}],
        **more,
    }


def test_records_sent_once_one_reversed_and_the_annual_statement_adds_them_up(api: Api) -> None:
    psn_no = f"52{random.randint(10**13, 10**14 - 1)}"
    tag = f"{random.randint(0, 10**8):08d}"
    records = [
        _record(f"S{tag}1", psn_no, HOSPITALS[0], "120.50", "72.30", 3),
        _record(f"S{tag}2", psn_no, HOSPITALS[0], "88.00", "52.80", 9),
        _record(f"S{tag}3", psn_no, HOSPITALS[1], "1530.00", "1071.00", 12),
    ]
    sent = api.client.post("/api/v1/settlement-records", json=records, headers=api.headers(STAFF))
    assert sent.status_code == 200, sent.text
    assert (sent.json()["recorded"], sent.json()["unchanged"]) == (3, 0)
    again = api.client.post("/api/v1/settlement-records", json=records, headers=api.headers(STAFF))
    assert (again.json()["recorded"], again.json()["unchanged"]) == (0, 3)
    reversal = _record(f"R{tag}2", psn_no, HOSPITALS[0], "88.00", "52.80", 20, reverses=f"S{tag}2")
    assert api.client.post("/api/v1/settlement-records", json=[reversal], headers=api.headers(STAFF)).status_code == 200

    statement = read_until(
        api, f"/api/v1/persons/{psn_no}/annual-statement?year=2026", lambda s: s["records"] == 4 and s["reversals"] == 1
    )
    kept = records[0], records[2]
    assert statement["medfee_sumamt"] == sum(int(Decimal(r["medfee_sumamt"]) * 100) for r in kept)
    assert statement["hifp_pay"] == sum(int(Decimal(r["hifp_pay"]) * 100) for r in kept)
    mine = api.client.get(f"/api/v1/persons/{psn_no}/settlements", params={"year": 2026}, headers=api.headers(READER))
    assert [r["setl_id"] for r in mine.json()["items"]] == [f"R{tag}2", f"S{tag}3", f"S{tag}2", f"S{tag}1"]

    bad = [*records, {**records[0], "setl_id": f"S{tag}9", "fixmedins_code": "X"}]
    refused = api.client.post("/api/v1/settlement-records", json=bad, headers=api.headers(STAFF))
    assert (refused.status_code, refused.json()["field"]) == (422, "records[3].fixmedins_code")


def test_a_file_of_records_and_the_institutions_month_behind_its_declaration(api: Api) -> None:
    import json

    tag = f"{random.randint(0, 10**8):08d}"
    code = f"H52019{random.randint(0, 10**6 - 1):06d}"
    psn_no = f"52{random.randint(10**13, 10**14 - 1)}"
    records = [
        _record(f"F{tag}1", psn_no, code, "120.50", "72.30", 3),
        _record(f"F{tag}2", psn_no, code, "88.00", "52.80", 9),
        _record(f"F{tag}3", psn_no, code, "1530.00", "1071.00", 12, reverses=None),
    ]
    ndjson = "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode()
    headers = api.headers((code, "institution", "520102"), **{"Content-Type": "application/x-ndjson"})
    sent = api.client.post("/api/v1/settlement-records/file", content=ndjson, headers=headers)
    assert sent.status_code == 200, sent.text
    assert sent.json()["recorded"] == 3
    reversal = _record(f"R{tag}2", psn_no, code, "88.00", "52.80", 20, reverses=f"F{tag}2")
    again = api.client.post("/api/v1/settlement-records/file", content=json.dumps([reversal]).encode(), headers=headers)
    assert again.status_code == 200, again.text
    bad = api.client.post("/api/v1/settlement-records/file", content=b'{"setl_id": 1}\n{oops', headers=headers)
    assert (bad.status_code, bad.json()["code"], bad.json()["field"]) == (422, "INVALID_FILE", "records[1]")

    month = read_until(
        api,
        f"/api/v1/institutions/{code}/settlements?ym=202610",
        lambda m: m["totals"]["records"] == 4,
    )
    assert month["totals"]["reversals"] == 1
    assert month["totals"]["hifp_pay"] == 7230 + 107100  # the reversed record and its reversal net out
    assert [r["setl_id"] for r in month["items"]] == [f"F{tag}1", f"F{tag}2", f"F{tag}3", f"R{tag}2"]
