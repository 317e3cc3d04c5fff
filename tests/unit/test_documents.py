"""What a printed form says: rows in the declared order, codes and money in Chinese, a stable verification code."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from ybj_enrollment.documents import DOCUMENTS, INSUTYPES
from ybj_kernel.domain.definition_checks import DefinitionError
from ybj_kernel.domain.documents import (
    MISSING,
    CaseView,
    DocumentField,
    DocumentSpec,
    available_documents,
    check_content,
    document_content,
    document_named,
    format_value,
    issued_event_data,
)
from ybj_kernel.domain.process import CANCELLED, COMPLETED
from ybj_kernel.errors import Conflict, NotFound

CATALOGUE = Path(__file__).resolve().parents[3] / "shared" / "catalogue" / "processes.yaml"

SPEC = DocumentSpec(
    name="test-form",
    title_zh="测试登记表",
    fields=(
        DocumentField("psn_name", "姓名"),
        DocumentField("certno", "证件号码"),
        DocumentField("insutype", "险种类型", "code", INSUTYPES),
        DocumentField("begndate", "参保日期", "date"),
        DocumentField("fee_fen", "应缴金额", "money_fen"),
        DocumentField("balc", "个人账户余额", "money_yuan"),
        DocumentField("tel", "联系电话"),
    ),
    stages=frozenset({"register", COMPLETED}),
)
DATA: dict[str, Any] = {
    "psn_name": "王芳",
    "certno": "52011519850312002X",
    "insutype": "390",
    "begndate": "2026-01-01",
    "fee_fen": 38000,
    "balc": "1234.5",
}


def case_view(**changes: Any) -> CaseView:
    view = CaseView(
        case_id="2f6c0c1e-0000-4000-8000-000000000001",
        process_id="P019",
        process_name_zh="参保个人信息录入（城乡居民参保登记）",
        acceptance_no="5201152026000123",
        admdvs="520115",
        stage=COMPLETED,
        version=3,
        data=DATA,
        issued_at=datetime(2026, 3, 1, 2, 15, tzinfo=UTC),
        issued_by="张三",
    )
    return replace(view, **changes)


def test_rows_follow_the_declared_order_with_chinese_labels() -> None:
    content = document_content(SPEC, case_view())
    assert [label for label, _ in content.rows] == [f.label_zh for f in SPEC.fields]
    assert dict(content.rows)["姓名"] == "王芳"
    assert content.acceptance_no == "5201152026000123"
    assert content.title == "测试登记表"


def test_code_lists_print_the_chinese_name_and_unknown_codes_as_stored() -> None:
    rows = dict(document_content(SPEC, case_view()).rows)
    assert rows["险种类型"] == "城乡居民基本医疗保险"
    other = dict(document_content(SPEC, case_view(data={**DATA, "insutype": "999"})).rows)
    assert other["险种类型"] == "999"


@pytest.mark.parametrize(
    ("fmt", "value", "shown"),
    [
        ("money_fen", 38000, "380.00 元"),
        ("money_fen", 123456789, "1,234,567.89 元"),
        ("money_fen", "5", "0.05 元"),
        ("money_yuan", Decimal("1234.5"), "1,234.50 元"),
        ("money_yuan", "0.005", "0.01 元"),  # 四舍五入 to the fen
        ("money_yuan", 12, "12.00 元"),
        ("date", "2026-01-01", "2026年1月1日"),
        ("date", date(2025, 12, 31), "2025年12月31日"),
        ("date", "202601", "2026年1月"),
        ("text", True, "是"),
        ("text", ["门诊", "住院"], "门诊、住院"),
    ],
)
def test_values_are_written_as_a_chinese_form_writes_them(fmt: Any, value: Any, shown: str) -> None:
    assert format_value(DocumentField("x", "项目", fmt), value) == shown


@pytest.mark.parametrize("value", [None, "", "  ", []])
def test_missing_values_print_a_dash_and_never_fail(value: Any) -> None:
    for fmt in ("text", "date", "money_fen", "money_yuan"):
        assert format_value(DocumentField("x", "项目", fmt), value) == MISSING
    rows = dict(document_content(SPEC, case_view(data={"psn_name": "王芳"})).rows)
    assert rows["联系电话"] == MISSING
    assert rows["应缴金额"] == MISSING


@pytest.mark.parametrize(
    ("fmt", "value"), [("money_fen", "12.5"), ("money_fen", 1.5), ("date", "明年"), ("date", "202613")]
)
def test_a_value_that_does_not_parse_prints_as_stored(fmt: Any, value: Any) -> None:
    assert format_value(DocumentField("x", "项目", fmt), value) == str(value)


def test_the_verification_code_is_stable_grouped_hex_and_checkable() -> None:
    first = document_content(SPEC, case_view())
    again = document_content(SPEC, case_view(issued_at=datetime(2026, 4, 2, tzinfo=UTC), issued_by="李四"))
    assert re.fullmatch(r"[0-9A-F]{4}(-[0-9A-F]{4}){3}", first.verification_code)
    # A reprint of the same version (another day, another clerk) carries the same code.
    assert again.verification_code == first.verification_code
    assert check_content(first)
    tampered = replace(first, rows=(("姓名", "王芳芳"), *first.rows[1:]))
    assert not check_content(tampered)


@pytest.mark.parametrize("key", sorted(DATA))
def test_the_verification_code_changes_when_any_value_changes(key: str) -> None:
    before = document_content(SPEC, case_view()).verification_code
    changed = {**DATA, key: "2027-02-02" if key == "begndate" else "310" if key == "insutype" else "77"}
    assert document_content(SPEC, case_view(data=changed)).verification_code != before


@pytest.mark.parametrize(
    "change", [{"acceptance_no": "5201152026000124"}, {"admdvs": "520100"}, {"version": 4}, {"process_id": "P002"}]
)
def test_the_verification_code_binds_the_case_and_its_version(change: dict[str, Any]) -> None:
    before = document_content(SPEC, case_view()).verification_code
    assert document_content(SPEC, case_view(**change)).verification_code != before


def test_forms_are_offered_only_at_their_stages_and_variants_and_never_once_cancelled() -> None:
    anywhere = DocumentSpec("any-stage", "任何环节", (DocumentField("psn_name", "姓名"),))
    recovery = DocumentSpec("recovery", "追缴", (DocumentField("psn_name", "姓名"),), variants=frozenset({"recovery"}))
    specs = (SPEC, anywhere, recovery)
    assert [s.name for s in available_documents(specs, case_view(stage="review"))] == ["any-stage"]
    assert [s.name for s in available_documents(specs, case_view(variant="recovery"))] == [
        "test-form",
        "any-stage",
        "recovery",
    ]
    assert available_documents(specs, case_view(stage=CANCELLED)) == []


def test_asking_for_a_form_names_what_is_wrong() -> None:
    with pytest.raises(NotFound) as missing:
        document_named((SPEC,), "no-such-form", case_view())
    assert missing.value.code == "DOCUMENT_NOT_FOUND"
    with pytest.raises(Conflict) as early:
        document_named((SPEC,), "test-form", case_view(stage="first_review"))
    assert early.value.code == "DOCUMENT_NOT_AVAILABLE"
    assert "测试登记表" in early.value.message_zh
    assert document_named((SPEC,), "test-form", case_view()) is SPEC


def test_the_issued_event_carries_the_code_and_the_pdf_digest() -> None:
    content = document_content(SPEC, case_view())
    data = issued_event_data(content, "ab" * 32)
    assert data["verification_code"] == content.verification_code
    assert data["sm3"] == "ab" * 32
    assert data["case_version"] == 3
    assert data["document"] == "test-form"


@pytest.mark.parametrize(
    "build",
    [
        lambda: DocumentSpec("Not A Slug", "表", (DocumentField("a", "甲"),)),
        lambda: DocumentSpec("form", "表", ()),
        lambda: DocumentSpec("form", "表", (DocumentField("a", "甲"), DocumentField("a", "乙"))),
        lambda: DocumentSpec("form", "表", (DocumentField("a", "甲"),), stages=frozenset({CANCELLED})),
        lambda: DocumentField("a", "甲", "code"),
        lambda: DocumentField("a", "甲", "text", {"1": "一"}),
        lambda: DocumentField("a", "甲", "percent"),  # type: ignore[arg-type]
    ],
)
def test_a_faulty_declaration_is_refused_at_load(build: Any) -> None:
    with pytest.raises(DefinitionError):
        build()


def test_every_enrollment_process_with_export_items_declares_its_forms() -> None:
    catalogue = {p["id"]: p for p in yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))["processes"]}
    exporting = {pid for pid, p in catalogue.items() if p["service"] == "enrollment" and p["export_items"]}
    assert exporting <= set(DOCUMENTS)
    for pid, specs in DOCUMENTS.items():
        entry = catalogue[pid]
        titles = [s.title_zh for s in specs]
        for item in entry["export_items"]:
            assert any(item in title for title in titles), f"{pid}: no form for {item}"
        names = [s.name for s in specs]
        assert len(set(names)) == len(names), pid
        stage_keys = {s["key"] for s in entry["stages"]} | {COMPLETED}
        for spec in specs:
            assert spec.stages <= stage_keys, f"{pid} {spec.name}: {sorted(spec.stages - stage_keys)}"
