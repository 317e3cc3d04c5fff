"""Settlement records: a batch checked whole, recorded once by setl_id, a 冲正 as a new record naming the original,
and each institution's monthly totals with reversals netted out."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.gwt import application
from ybj_kernel.errors import Conflict, InvalidInput
from ybj_settlement.application import SettlementApplication
from ybj_settlement.ingestion import ingest

HOSPITAL, PHARMACY = "H52010200001", "P52010200001"


def _record(
    setl_id: str, code: str = HOSPITAL, amount: str = "100.00", fund: str = "60.00", **more: Any
) -> dict[str, Any]:
    return {
        "setl_id": setl_id,
        "mdtrt_id": f"MD{setl_id}",
        "psn_no": "5207601343665908",
        "certno": "52011519850312002X",
        "fixmedins_code": code,
        "insutype": "390",
        "med_type": "11",
        "setl_time": "2026-11-03T10:15:00+08:00",
        "medfee_sumamt": amount,
        "hifp_pay": fund,
        "psn_cash_pay": str(float(amount) - float(fund)),
        "lines": [{"med_list_codg": "250101015", "cnt": "1", "pric": amount, "det_item_fee_sumamt": amount}],
        **more,
    }


def test_a_batch_is_recorded_with_each_institutions_month_totals() -> None:
    app = application(SettlementApplication)
    report = ingest(app, [_record("S1"), _record("S2", amount="50.50", fund="30.25"), _record("S3", PHARMACY)], "b-1")
    assert report == {"received": 3, "recorded": 3, "unchanged": 0}
    month = app.get_entry("institution_month", f"{HOSPITAL}:202611").state
    assert (month["count"], month["medfee_sumamt"], month["hifp_pay"]) == (2, 15050, 9025)
    assert app.get_entry("settlement_record", "S1").state["medfee_sumamt"] == 10000


def test_the_same_batch_again_changes_nothing_and_another_record_under_a_taken_id_is_refused() -> None:
    app = application(SettlementApplication)
    ingest(app, [_record("S1"), _record("S2")], "b-1")
    assert ingest(app, [_record("S1"), _record("S2")], "b-2") == {"received": 2, "recorded": 0, "unchanged": 2}
    assert app.get_entry("institution_month", f"{HOSPITAL}:202611").state["count"] == 2
    with pytest.raises(Conflict) as taken:
        ingest(app, [_record("S1", amount="999.00")], "b-3")
    assert (taken.value.code, taken.value.field) == ("SETL_ID_TAKEN", "setl_id")


def test_a_reversal_is_a_new_record_that_nets_the_original_out() -> None:
    app = application(SettlementApplication)
    ingest(app, [_record("S1"), _record("S2")], "b-1")
    ingest(app, [_record("R1", reverses="S1", setl_time="2026-11-20T09:00:00+08:00")], "b-2")
    assert app.get_entry("settlement_record", "S1").state["reversed_by"] == "R1"
    assert app.get_entry("settlement_record", "R1").state["medfee_sumamt"] == -10000
    month = app.get_entry("institution_month", f"{HOSPITAL}:202611").state
    assert (month["count"], month["medfee_sumamt"], month["hifp_pay"]) == (1, 10000, 6000)
    with pytest.raises(Conflict) as twice:
        ingest(app, [_record("R2", reverses="S1")], "b-3")
    assert twice.value.code == "ALREADY_REVERSED"
    with pytest.raises(Conflict) as nothing:
        ingest(app, [_record("R3", reverses="NOPE")], "b-4")
    assert (nothing.value.code, nothing.value.field) == ("ORIGINAL_NOT_FOUND", "reverses")


def test_one_bad_record_refuses_the_batch_naming_its_row_and_nothing_is_recorded() -> None:
    app = application(SettlementApplication)
    with pytest.raises(InvalidInput) as bad:
        ingest(app, [_record("S1"), _record("S2", fixmedins_code="X1")], "b-1")
    assert bad.value.field == "records[1].fixmedins_code"
    assert "第 2 条" in bad.value.message_zh
    with pytest.raises(InvalidInput) as twice:
        ingest(app, [_record("S1"), _record("S1")], "b-2")
    assert twice.value.code == "DUPLICATE_IN_BATCH"
    assert app.entries_of("settlement_record", ["S1", "S2"]) == {}


def test_the_monthly_settlement_shows_the_declaration_beside_the_months_records() -> None:
    from tests.unit.gwt import given, staff

    case = given("P079", at="receive")  # the example declares 100000.50 for 12 settlements of 202609
    code = case.data()["fixmedins_code"]
    records = [
        _record(f"S9{i}", code, amount="10000.00", fund="8000.00", setl_time="2026-09-15T10:00:00+08:00")
        for i in range(10)
    ]
    ingest(case.app, records, "b-9")
    case.when(staff("reg-7", "registrar"), "receive").then(events=["DeclarationReceived"], stage="violation_deduction")
    data = case.data()
    assert (data["records_cnt"], data["records_hifp_pay"]) == (10, "80000.00")
    assert (data["declared_difference"], data["declared_cnt_difference"]) == ("20000.50", 2)
    assert data["institution_month"]["hifp_pay"] == 8_000_000  # the facts the reviewer saw, kept with the step


def test_a_file_of_records_in_json_lines_or_as_an_array_and_a_bad_line_named() -> None:
    import json

    from ybj_settlement.records import records_in_file

    rows = [_record("S1"), _record("S2", amount="50.50", fund="30.25")]
    lines = ("\ufeff" + "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n").encode()
    assert records_in_file(lines) == rows
    assert records_in_file(json.dumps(rows).encode()) == rows
    app = application(SettlementApplication)
    assert ingest(app, records_in_file(lines), "f-1")["recorded"] == 2

    broken = lines.replace(b'"S2"', b'"S2', 1)
    with pytest.raises(InvalidInput) as bad:
        records_in_file(broken)
    assert (bad.value.code, bad.value.field) == ("INVALID_FILE", "records[1]")
    assert "第 2 行" in bad.value.message_zh
    with pytest.raises(InvalidInput) as not_a_record:
        records_in_file(b'[{"setl_id": "S1"}, 42]')
    assert not_a_record.value.field == "records[1]"
    with pytest.raises(InvalidInput) as gbk:
        records_in_file("结算".encode("gbk"))
    assert gbk.value.field == "file"
