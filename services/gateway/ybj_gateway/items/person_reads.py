"""What the items about a person's own records share: the person asked about (insured.matched_person, 「本人数据」),
the year and page asked for, money as channels get it (yuan, two decimals), a person's read of the query service, the
person's cases of a process as a citizen follows them, and the code tables the answers name (person_codes.yaml).

The modules using it: person_cases.py (受理/办理进度), benefits.py (待遇, 医疗救助), accounts.py (缴费, 个人账户,
年度账单), settlements.py (消费, 结算, 就诊医院, 门诊统筹).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from pydantic import BaseModel, Field

from ybj_gateway.items.call import ItemCall
from ybj_gateway.items.insured import PersonNamed, matched_person
from ybj_gateway.items.masking import mask_certno, mask_tail

# The business data of an item's example call: the sandbox person, by their three identifiers.
PERSON_EXAMPLE = {"psn_cert_type": "01", "certno": "${person.certno}", "psn_name": "${person.psn_name}"}


def example_of(role: str) -> dict[str, str]:
    """The example call about another sandbox person (items/served.py): the one whose records the item reads."""
    return {"psn_cert_type": "01", "certno": "${" + role + ".certno}", "psn_name": "${" + role + ".psn_name}"}


CODES_FILE = Path(__file__).with_name("person_codes.yaml")


class OutpatientPooling(BaseModel):
    """门诊统筹: which 医疗类别 count (the seeds name none: example data, said so)."""

    example: bool
    note_zh: str = Field(min_length=1)
    med_types: list[str] = Field(min_length=1)


class CodeTables(BaseModel):
    """person_codes.yaml: 医疗类别, 医院等级 and 人员属性 names, and the 医疗类别 of 门诊统筹 (example data)."""

    med_type_zh: dict[str, str] = Field(min_length=1)
    hosp_lv_zh: dict[str, str] = Field(min_length=1)
    psn_idet_type_zh: dict[str, str] = Field(min_length=1)
    outpatient_pooling: OutpatientPooling


def load_codes(path: Path = CODES_FILE) -> CodeTables:
    """The code tables, checked: every 门诊统筹 医疗类别 has a name (a ValueError naming the file otherwise)."""
    tables = CodeTables.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    if unnamed := sorted(set(tables.outpatient_pooling.med_types) - set(tables.med_type_zh)):
        raise ValueError(f"{path.name}: outpatient_pooling.med_types {unnamed} are not in med_type_zh")
    return tables


CODES = load_codes()


class PersonYear(PersonNamed):
    """The person and the year asked about (this year when left out)."""

    year: int | None = Field(default=None, ge=2000, le=2100, description="年度（不填为本年）")


class PersonPage(PersonNamed):
    """The person and a page of a long list (newest first)."""

    page: int = Field(default=1, ge=1, le=1000, description="页码")
    page_size: int = Field(default=20, ge=1, le=50, description="每页条数（至多 50）")


@dataclass(frozen=True)
class Asked:
    """The person a request is about, once 本人数据 is checked: their 人员编号, their record as the query service reads
    it, and the header every answer starts with (姓名, 证件类型, the 证件号码 masked)."""

    psn_no: str
    person: Mapping[str, Any]
    header: dict[str, Any]

    @property
    def state(self) -> Mapping[str, Any]:
        """The person's registry state (identity, 参保关系, 核定基数, 缴费记录)."""
        state: Mapping[str, Any] = self.person.get("state") or {}
        return state


def asked_person(call: ItemCall) -> Asked:
    """The person the request names, their three identifiers agreeing with the registry (else PERSON_NOT_MATCHED)."""
    found, named = matched_person(call)
    header = {
        "psn_name": (found.get("state") or {}).get("psn_name"),
        "psn_cert_type": named["psn_cert_type"],
        "certno": mask_certno(named["certno"]),
    }
    return Asked(str(found["key"]), found, header)


def year_asked(year: Any) -> int:
    """The year asked for, or this year."""
    return int(year) if year else date.today().year


def read_person(call: ItemCall, psn_no: str, tail: str, **params: Any) -> dict[str, Any]:
    """GET /api/v1/persons/{psn_no}/{tail} through the query service, as the channel."""
    return call.read(f"/api/v1/persons/{quote(psn_no, safe='')}/{tail}", **params)


def yuan(fen: Any) -> str:
    """An amount kept in fen, in yuan with two decimals."""
    return str((Decimal(int(fen or 0)) / 100).quantize(Decimal("0.01")))


def yuan_text(value: Any) -> str | None:
    """An amount a case keeps in yuan as entered ("190", "190.5", 190.5), with two decimals; None when absent."""
    if value is None or value == "":
        return None
    try:
        return str(Decimal(str(value)).quantize(Decimal("0.01")))
    except InvalidOperation:
        return None


# What every progress line answers of a case (the query service's `/persons/{psn_no}/cases` item).
PROGRESS_FIELDS = (
    "acceptance_no",
    "process_id",
    "process_name_zh",
    "variant_name_zh",
    "stage",
    "stage_name_zh",
    "status",
    "accepted_at",
    "updated_at",
)


def progress_line(
    case: Mapping[str, Any], facts: Sequence[str] = (), money: Sequence[str] = (), due: bool = False
) -> dict[str, Any]:
    """A case as a citizen follows it: 受理号, process, stage by name, status and dates, with the named facts of its
    data as entered (`facts`), its amounts in yuan (`money`), and its stage's 时限 (`due`). A bank account, when a
    line names one, shows its last 4 digits only."""
    line = {k: case[k] for k in PROGRESS_FIELDS if case.get(k) is not None}
    data: Mapping[str, Any] = case.get("data") or {}
    for fact in facts:
        if data.get(fact) not in (None, ""):
            line[fact] = mask_tail(str(data[fact])) if fact == "bank_acct" else data[fact]
    for field in money:
        if (amount := yuan_text(data.get(field))) is not None:
            line[field] = amount
    if due and case.get("due_on") and case.get("status") == "办理中":
        line["due_on"] = case["due_on"]
    return line


def cases_of(
    call: ItemCall, psn_no: str, processes: Sequence[str], page: int = 1, page_size: int = 50
) -> dict[str, Any]:
    """The person's cases of these processes (the channel's 医保区划), newest first: `{items, total, …}`."""
    return read_person(call, psn_no, "cases", processes=",".join(processes), page=page, page_size=page_size)


def named(code: Any, table: Mapping[str, str]) -> str | None:
    """A code's name in a table, or None for a code the table does not know."""
    return table.get(str(code)) if code is not None else None
