"""批量导入 in the service layer: every row checked like a single case, bad rows reported, a batch never half-saved."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest

from tests.unit.gwt import application, staff
from ybj_enrollment.application import EnrollmentApplication
from ybj_enrollment.processes.p019_resident_enrollment import PERSON_EXAMPLE
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.identity import certno_check_digit
from ybj_kernel.errors import InvalidInput, NotFound

REG = staff("reg-1", "registrar")
UNIT = {"emp_no": "52011500001", "emp_name": "金华园社区", "admdvs": "520115"}


def _resident(i: int) -> dict[str, Any]:
    """A resident born on a different day each row (1960-01-01 + i days), with a valid 居民身份证号."""
    born = date(1960, 1, 1) + timedelta(days=i)
    first17 = f"520115{born:%Y%m%d}{i % 1000:03d}"[:16] + "2"  # 17th digit even: female
    certno = first17 + certno_check_digit(first17)
    return {**UNIT, **PERSON_EXAMPLE, "certno": certno, "brdy": born.isoformat(), "gend": "2", "psn_name": f"居民{i}"}


def _rows(n: int, bad: dict[int, dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    return [(i + 3, {**_resident(i), **bad.get(i + 3, {})}) for i in range(n)]  # data starts on Excel row 3


def _import(
    app: CaseApplication, rows: list[tuple[int, dict[str, Any]]], mode: Any = "valid_rows", fp: str = "f1"
) -> Any:
    return app.import_batch("P019", "batch", rows, REG, mode=mode, fingerprint=fp, file_name="居民批量参保.xlsx")


def test_a_few_hundred_rows_with_some_bad_ones() -> None:
    app = application(EnrollmentApplication)
    bad = {10: {"gend": "1"}, 50: {"naty": "Han"}, 120: {"begndate": "1950-01-01"}, 200: {"emp_name": ""}}
    rows = _rows(300, bad)
    rows.append((303, dict(rows[0][1])))  # the first person again, later in the same file
    outcome = _import(app, rows)
    described = outcome.batch.describe("enrollment")
    assert (described["total"], described["accepted"], described["rejected"]) == (301, 296, 5)
    assert sorted((e["row"], e["field"]) for e in described["errors"]) == [
        (10, "gend"),
        (50, "naty"),
        (120, "begndate"),
        (200, "emp_name"),
        (303, "certno"),
    ]
    assert all(e["message_zh"] and e["message_en"] for e in described["errors"])
    first = app.get_case(UUID(described["case_ids"][0]))
    assert (first.process_id, first.variant, first.stage) == ("P019", "batch", "completed")
    person = app.get_entry("certno", rows[0][1]["certno"]).state["target"]
    assert app.get_entry("person", person).state["relations"]["390"]["status"] == "active"


def test_the_same_file_again_changes_nothing() -> None:
    app = application(EnrollmentApplication)
    rows = _rows(20, {})
    first = _import(app, rows)
    notes = len(app.recorder.select_notifications(start=None, limit=100_000))
    again = _import(app, rows)
    assert (first.created, again.created) == (True, False)
    assert again.batch.id == first.batch.id
    assert len(app.recorder.select_notifications(start=None, limit=100_000)) == notes


def test_all_or_nothing_imports_none_of_a_file_with_one_bad_row() -> None:
    app = application(EnrollmentApplication)
    rows = _rows(30, {17: {"gend": "1"}})
    outcome = _import(app, rows, mode="all_or_nothing")
    described = outcome.batch.describe("enrollment")
    assert (described["accepted"], described["rejected"], described["case_ids"]) == (0, 1, [])
    with pytest.raises(NotFound):  # no person entered the registry
        app.get_entry("certno", rows[0][1]["certno"])
    fixed = _rows(30, {})
    assert _import(app, fixed, mode="all_or_nothing", fp="f2").batch.describe("enrollment")["accepted"] == 30


def test_a_row_refused_by_the_registry_leaves_the_earlier_rows_untouched() -> None:
    app = application(EnrollmentApplication)
    _import(app, _rows(1, {}), fp="first")
    rows = _rows(5, {3: {"begndate": "2027-01-01"}})  # another year passes the claim; the registry still holds 390
    outcome = _import(app, rows, fp="second")
    described = outcome.batch.describe("enrollment")
    assert [(e["row"], e["code"]) for e in described["errors"]] == [(3, "ALREADY_ENROLLED")]
    assert described["accepted"] == 4


def test_a_process_without_a_batch_mode_says_so() -> None:
    app = application(EnrollmentApplication)
    with pytest.raises(InvalidInput) as err:
        app.import_batch("P019", "single", [], REG, mode="valid_rows", fingerprint="x", file_name="a.xlsx")
    assert (err.value.code, err.value.field) == ("NO_BATCH_MODE", "variant")
