"""Printed forms (打印): which forms a process issues, and what a form says for one case at one version.

A `DocumentSpec` is data declared per process; `document_content` turns it and a `CaseView` into the rows a
paper shows, every value already formatted in Chinese. The verification code (校验码) is the first 16 hex
digits of the SM3 digest of a canonical JSON of that content (the form, the process, the 受理号, the 医保区划, the
case version and the rows), so staff can recompute it from the case history at that version and check a paper.
The issue time and the issuer are printed but not part of the code: reprinting the same version gives the same
code. Printing never fails on the data: a value that is missing renders as "—", and a value that does not parse
in the declared format is printed as stored, so a paper always shows what the history holds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal, get_args

from ybj_kernel.domain.definition_checks import DefinitionError
from ybj_kernel.domain.process import CANCELLED
from ybj_kernel.errors import Conflict, NotFound
from ybj_kernel.sm3 import sm3_hex

FieldFormat = Literal["text", "date", "money_fen", "money_yuan", "code"]
MISSING = "—"  # what a form shows for a value the case does not have
CHINA_TIME = timezone(timedelta(hours=8), "北京时间")  # mainland China keeps UTC+8 all year (no daylight saving)
_SLUG = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")
_YEAR_MONTH = re.compile(r"^(\d{4})-?(\d{2})$")  # 202601 or 2026-01 (首次参保年月, 期号)
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class DocumentField:
    """One row of a form: the data field it reads, its Chinese label, and how its value is written."""

    code: str  # the key in the case's data (national interface name, e.g. psn_name)
    label_zh: str
    format: FieldFormat = "text"
    codes: Mapping[str, str] | None = None  # code → Chinese label, for format "code"

    def __post_init__(self) -> None:
        if not self.code or not self.label_zh:
            raise DefinitionError(f"document field {self.code!r}: a field needs a code and a label")
        if self.format not in get_args(FieldFormat):
            raise DefinitionError(f"document field {self.code!r}: unknown format {self.format!r}")
        if (self.format == "code") != (self.codes is not None):
            raise DefinitionError(f"document field {self.code!r}: a code list goes with format 'code', and only there")


@dataclass(frozen=True)
class DocumentSpec:
    """A printed form a process issues: its URL name, title, rows, the stages it may be issued at, and a note."""

    name: str  # ascii slug used in GET /api/v1/cases/{id}/documents/{name}
    title_zh: str
    fields: tuple[DocumentField, ...]
    stages: frozenset[str] = field(default_factory=frozenset)  # empty: at any stage but 已撤消
    note_zh: str | None = None  # printed under the table, e.g. 「本表一式三份……」
    variants: frozenset[str] = field(default_factory=frozenset)  # empty: cases of every variant

    def __post_init__(self) -> None:
        if not _SLUG.match(self.name):
            raise DefinitionError(f"document {self.name!r}: the name must be a lowercase ascii slug")
        if not self.title_zh or not self.fields:
            raise DefinitionError(f"document {self.name!r}: a form needs a title and at least one field")
        codes = [f.code for f in self.fields]
        if len(set(codes)) != len(codes):
            raise DefinitionError(f"document {self.name!r}: a field is listed more than once")
        if CANCELLED in self.stages:
            raise DefinitionError(f"document {self.name!r}: no form is issued for a cancelled case")


@dataclass(frozen=True)
class CaseView:
    """What a form needs to know about a case, read at one version."""

    case_id: str
    process_id: str
    process_name_zh: str
    acceptance_no: str  # 受理号
    admdvs: str  # 医保区划
    stage: str
    version: int
    data: Mapping[str, Any]  # the case's data in effect (every completed stage's input, merged)
    issued_at: datetime  # when the form is issued (aware; printed in Beijing time)
    issued_by: str  # the member of staff who prints it (经办人)
    variant: str | None = None


@dataclass(frozen=True)
class DocumentContent:
    """Everything one printed form shows, formatted; the PDF adapter only lays it out."""

    name: str
    title: str
    process_id: str
    process_name_zh: str
    case_id: str
    acceptance_no: str
    admdvs: str
    version: int
    rows: tuple[tuple[str, str], ...]  # (label, formatted value), in the spec's order
    note: str | None
    issued_at: datetime
    issued_at_zh: str  # e.g. 2026年3月1日 10:15（北京时间）
    issued_by: str
    verification_code: str  # 校验码, e.g. 1A2B-3C4D-5E6F-7A8B


def document_content(spec: DocumentSpec, case: CaseView) -> DocumentContent:
    """Render `spec` for `case`: the rows in order with formatted values, the 受理号 and the verification code."""
    rows = tuple((f.label_zh, format_value(f, case.data.get(f.code))) for f in spec.fields)
    return DocumentContent(
        name=spec.name,
        title=spec.title_zh,
        process_id=case.process_id,
        process_name_zh=case.process_name_zh,
        case_id=case.case_id,
        acceptance_no=case.acceptance_no,
        admdvs=case.admdvs,
        version=case.version,
        rows=rows,
        note=spec.note_zh,
        issued_at=case.issued_at,
        issued_at_zh=_datetime_zh(case.issued_at),
        issued_by=case.issued_by,
        verification_code=verification_code(spec.name, spec.title_zh, case, rows),
    )


def verification_code(name: str, title: str, case: CaseView | DocumentContent, rows: Iterable[tuple[str, str]]) -> str:
    """The 校验码 of a form: 16 hex digits of the SM3 of its canonical content, in groups of four."""
    canonical = {
        "document": name,
        "title": title,
        "process_id": case.process_id,
        "acceptance_no": case.acceptance_no,
        "admdvs": case.admdvs,
        "version": case.version,
        "rows": [list(row) for row in rows],
    }
    text = json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    head = sm3_hex(text.encode("utf-8"))[:16].upper()
    return "-".join(head[i : i + 4] for i in range(0, 16, 4))


def check_content(content: DocumentContent) -> bool:
    """Tell whether a form's verification code matches its content (a paper re-read against the history)."""
    return content.verification_code == verification_code(content.name, content.title, content, content.rows)


def format_value(spec: DocumentField, value: Any) -> str:
    """Write one value as the form shows it; missing is "—", and what does not parse is printed as stored."""
    if _missing(value):
        return MISSING
    writer = _WRITERS[spec.format]
    try:
        return writer(spec, value)
    except (ValueError, TypeError, InvalidOperation):
        return str(value)


def issuable(spec: DocumentSpec, case: CaseView) -> bool:
    """Tell whether `spec` may be issued for the case where it stands (its stage and variant)."""
    if case.stage == CANCELLED:
        return False
    if spec.stages and case.stage not in spec.stages:
        return False
    return not spec.variants or case.variant in spec.variants


def available_documents(specs: Iterable[DocumentSpec], case: CaseView) -> list[DocumentSpec]:
    """The forms of a process that may be issued for the case now (GET /cases/{id}/documents)."""
    return [s for s in specs if issuable(s, case)]


def document_named(specs: Iterable[DocumentSpec], name: str, case: CaseView) -> DocumentSpec:
    """The form called `name`, if the process has it (404) and the case may have it now (409)."""
    spec = next((s for s in specs if s.name == name), None)
    if spec is None:
        raise NotFound(
            "DOCUMENT_NOT_FOUND",
            f"业务{case.process_id}没有名为{name}的打印单据",
            f"process {case.process_id} has no document named {name!r}",
            "name",
        )
    if not issuable(spec, case):
        raise Conflict(
            "DOCUMENT_NOT_AVAILABLE",
            f"案件当前环节（{case.stage}）不能打印《{spec.title_zh}》",
            f"{spec.name} cannot be issued while the case is at {case.stage!r}",
            "name",
        )
    return spec


def issued_event_data(content: DocumentContent, pdf_sm3: str) -> dict[str, Any]:
    """The data of the DocumentIssued event: which form, at which version, its 校验码 and the PDF's SM3 digest."""
    return {
        "document": content.name,
        "title_zh": content.title,
        "case_version": content.version,
        "verification_code": content.verification_code,
        "sm3": pdf_sm3,
        "issued_at": content.issued_at.isoformat(),
        "issued_by": content.issued_by,
    }


def _missing(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | dict):
        return not value
    return value is None


def _text(_: DocumentField, value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(MISSING if v is None else str(v) for v in value)
    return str(value)


def _date(_: DocumentField, value: Any) -> str:
    if isinstance(value, datetime):
        return _date_zh(value.date())
    if isinstance(value, date):
        return _date_zh(value)
    text = str(value)
    period = _YEAR_MONTH.match(text)
    if period:
        year, month = int(period.group(1)), int(period.group(2))
        if not 1 <= month <= 12:
            raise ValueError(text)
        return f"{year}年{month}月"
    return _date_zh(date.fromisoformat(text[:10]))


def _money_fen(_: DocumentField, value: Any) -> str:
    if isinstance(value, bool | float):
        raise TypeError("money in fen is an integer")
    fen = int(value) if isinstance(value, int) else int(str(value).strip())
    return _yuan_zh(Decimal(fen) / 100)


def _money_yuan(_: DocumentField, value: Any) -> str:
    if isinstance(value, bool):
        raise TypeError("money is a number")
    # A float here is a bug upstream (money is never float); print what it says rather than refusing the paper.
    return _yuan_zh(Decimal(str(value).strip()))


def _code(spec: DocumentField, value: Any) -> str:
    codes = spec.codes or {}
    return codes.get(str(value), str(value))


def _yuan_zh(amount: Decimal) -> str:
    if not amount.is_finite():
        raise ValueError(str(amount))
    return f"{amount.quantize(_CENT, rounding=ROUND_HALF_UP):,} 元"


def _date_zh(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _datetime_zh(moment: datetime) -> str:
    local = moment.astimezone(CHINA_TIME) if moment.tzinfo else moment.replace(tzinfo=CHINA_TIME)
    return f"{_date_zh(local.date())} {local:%H:%M}（北京时间）"


_WRITERS = {"text": _text, "date": _date, "money_fen": _money_fen, "money_yuan": _money_yuan, "code": _code}
