"""The items about a person's own records (person_cases.py, benefits.py, accounts.py, settlements.py) on faked query
reads: only the person the three identifiers name, and only after they agree; 证件号码, phone and bank account masked;
what a channel gets back for each; and the pure parts of the query service's person reads (person_case_reads.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from ybj_gateway import sandbox
from ybj_gateway.items import SERVED, ItemCall
from ybj_gateway.items.person_reads import CODES, load_codes
from ybj_kernel.errors import InvalidInput, NotFound, Unavailable, YbjError
from ybj_query.person_case_reads import (
    case_line,
    definitions,
    process_list,
    reconciliation_line,
    visit_line,
    year_of_movements,
)

CERTNO = "520102199003070022"
PSN_NO = "52010219900307002"
TEL = "13800001234"
BANK = "6222020200112233445"
PERSON = {"psn_cert_type": "01", "certno": CERTNO, "psn_name": "陈静"}
MINE = (35, 41, 58, 60, 61, 62, 64, 65, 67, 69, 70, 71, 72, 73, 74, 90, 91, 93, 99, 106, 110)
THIS_YEAR = date.today().year

STATE = {
    "psn_name": "陈静",
    "certno": CERTNO,
    "psn_cert_type": "01",
    "gend": "2",
    "brdy": "1990-03-07",
    "tel": TEL,
    "bank_acct": BANK,
    "contributions": {
        "390:202501": {"insutype": "390", "ym": "202501", "due": 40000, "paid": 40000, "paid_on": "2024-12-01"},
        "310:202611": {"insutype": "310", "ym": "202611", "due": 52000, "paid": 52000, "paid_on": "2026-11-20"},
        "310:202612": {"insutype": "310", "ym": "202612", "due": 52000, "paid": 20000, "paid_on": "2026-12-05"},
        "510:202612": {"insutype": "510", "ym": "202612", "due": 6500, "paid": 0},
    },
    "bases": {"310:202611": 650000, "310:202612": 650000},
}
RELATION = {"insutype": "310", "status": "active", "begndate": "2026-11-01", "emp_no": "E1", "clct_base": 650000}


def _case(process: str, stage: str, status: str, data: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "acceptance_no": f"{process[1:]}0520102202612070000001",
        "process_id": process,
        "process_name_zh": {"P056": "门诊慢特病病种年审"}.get(process, process),
        "variant": more.pop("variant", None),
        "stage": stage,
        "stage_name_zh": f"{stage}的名称",
        "status": status,
        "due_on": more.pop("due_on", None),
        "accepted_at": "2026-12-01T09:00:00+08:00",
        "updated_at": "2026-12-02T09:00:00+08:00",
        "data": {"certno": CERTNO, "psn_no": PSN_NO, **data},
        **more,
    }


CASES = {
    "P056": [_case("P056", "completed", "已办结", {"year": THIS_YEAR, "reviewed_on": f"{THIS_YEAR}-03-01"})],
    "P022": [_case("P022", "feed_back_enrollment", "办理中", {"clct_year": 2027, "psn_clct_amt": "400", "tel": TEL})],
    "P016": [
        _case("P016", "issue_contact_letter", "办理中", {"trans_dir": "1", "trans_amt": "1000"}, due_on="2026-12-08"),
        _case("P016", "completed", "已办结", {"trans_dir": "2"}, due_on="2025-01-01"),
    ],
    "P048": [_case("P048", "review", "办理中", {"medfee_sumamt": "190", "hifp_pay": "95.5", "bank_acct": BANK})],
    "P054": [
        _case(
            "P054",
            "completed",
            "已办结",
            {"psn_idet_type": "03", "maf_pay": "300", "bank_acct": BANK},
            variant="identified",
        ),
        _case("P054", "completed", "已办结", {"psn_idet_type": "01"}, variant="subsidy_batch"),
    ],
}


class Reads:
    """The query service's reads as the channel makes them, answering from the data above; what was asked, kept."""

    def __init__(self, answers: Mapping[str, Callable[[Mapping[str, str]], dict[str, Any]]] | None = None) -> None:
        self.asked: list[tuple[str, dict[str, str]]] = []
        self.answers = {**ANSWERS, **(answers or {})}

    def person_by_certno(self, certno: str, app_id: str, admdvs: str) -> dict[str, Any] | None:
        self.asked.append(("person", {"certno": certno}))
        if certno != CERTNO:
            return None
        return {"key": PSN_NO, "state": STATE, "enrollments": [RELATION]}

    def get(self, path: str, params: Mapping[str, str] | None, app_id: str, admdvs: str) -> dict[str, Any]:
        self.asked.append((path, dict(params or {})))
        prefix = f"/api/v1/persons/{PSN_NO}/"
        assert path.startswith(prefix), path  # only ever the matched person's records
        tail = path.removeprefix(prefix)
        answer = self.answers.get(tail) or self.answers.get(tail.split("/")[0] + "/*")
        if answer is None:
            raise AssertionError(f"unexpected read {path}")
        return answer(params or {})

    def progress(self, acceptance_no: str) -> dict[str, Any]:
        raise AssertionError("not used")

    def annual_statement(self, psn_no: str, year: int, app_id: str, admdvs: str) -> dict[str, Any]:
        raise AssertionError("not used")

    def institutions(self, fixmedins_type: str, admdvs: str | None, app_id: str, channel_admdvs: str) -> dict[str, Any]:
        raise AssertionError("not used")


def _cases(params: Mapping[str, str]) -> dict[str, Any]:
    items = [c for p in params["processes"].split(",") for c in CASES.get(p, [])]
    return {"items": items, "total": len(items)}


def _none(_: Mapping[str, str]) -> dict[str, Any]:
    raise NotFound("ENTRY_NOT_FOUND", "无", "none", "key")


QUALIFICATIONS = {
    "current": {
        "chronic": {
            "J45": {
                "name": "支气管哮喘",
                "status": "active",
                "begndate": "2025-05-01",
                "fixmedins_codes": ["H52010200001"],
                "annual_reviews": [{"year": 2025}, {"year": THIS_YEAR}],
            },
            "I10": {"name": "高血压", "status": "revoked", "annual_reviews": []},
        },
        "major_disease": {},
    }
}
RECORD = {
    "setl_id": "S1",
    "mdtrt_id": "M1",
    "psn_no": PSN_NO,
    "fixmedins_code": "H52010200001",
    "fixmedins_name": "贵阳市第一人民医院",
    "med_type": "11",
    "setl_time": "2026-10-03T09:30:00+08:00",
    "medfee_sumamt": 12050,
    "hifp_pay": 7230,
    "psn_cash_pay": 4820,
    "line_count": 1,
}
ANSWERS: dict[str, Callable[[Mapping[str, str]], dict[str, Any]]] = {
    "cases": _cases,
    "qualifications": lambda _: QUALIFICATIONS,
    "filings": lambda _: {
        "current": {"filing_type": "异地长期居住", "status": "in_effect", "tel": TEL, "admdvs": "520102"}
    },
    "subsidies": lambda _: {
        "items": [{"clct_year": 2026, "psn_idet_type": "03", "sbsy_amt_fen": 40000, "sbsy_mode": "batch"}]
    },
    "reconciliations": lambda _: {
        "items": [
            {
                "acceptance_no": "21",
                "collection_ym": "202612",
                "stage": "platform_reconciliation",
                "status": "办理中",
                "rows": [{"insutype": "310", "belong_ym": "202612", "emp_amt": "400", "psn_amt": 120}],
            }
        ]
    },
    "account": lambda p: {
        "balance": 123456,
        "frozen": False,
        "total": 2,
        "entries": [
            {"on": "2026-12-01", "kind": "inject", "kind_zh": "注入", "amount": 100000, "balance_after": 123456},
            {"on": "2026-11-01", "kind": "allocate", "kind_zh": "划拨", "amount": 23456, "balance_after": 23456},
        ][: int(p.get("page_size", 50))],
    },
    "account-year": lambda p: {
        "has_account": True,
        "opening_balance": 23456,
        "income": 100000,
        "outgo": 0,
        "closing_balance": 123456,
        "by_kind": [{"kind": "inject", "kind_zh": "注入", "entries": 1, "income": 100000, "outgo": 0}],
    },
    "annual-statement": lambda p: {
        "records": 5,
        "reversals": 1,
        "medfee_sumamt": 35050,
        "hifp_pay": 21030,
        "acct_pay": 0,
        "psn_cash_pay": 14020,
        "fulamt_ownpay_amt": 0,
    },
    "visits": lambda p: {
        "items": [RECORD, {**RECORD, "setl_id": "R1", "reverses": "S0", "medfee_sumamt": -500}],
        "total": 2,
    },
    "visits/*": lambda p: {
        **RECORD,
        "lines": [{"med_list_codg": "250101015", "cnt": "1", "pric": 12050, "det_item_fee_sumamt": 12050}],
    },
    "settlement-summary": lambda p: {
        "by_med_type": [
            {"med_type": "11", "records": 3, "reversals": 1, "medfee_sumamt": 20000, "hifp_pay": 12000},
            {"med_type": "14", "records": 2, "reversals": 0, "medfee_sumamt": 90000, "hifp_pay": 60000},
            {"med_type": "41", "records": 1, "reversals": 0, "medfee_sumamt": 5000, "hifp_pay": 2500},
        ],
        "by_institution": [
            {
                "fixmedins_code": "H52010200001",
                "fixmedins_name": "贵阳市第一人民医院",
                "fixmedins_type": "1",
                "hosp_lv": "01",
                "records": 3,
                "reversals": 1,
                "medfee_sumamt": 20000,
                "last_setl_time": "2026-10-03T09:30:00+08:00",
            }
        ],
    },
}


def call(no: int, business: Mapping[str, Any] | None = None, reads: Reads | None = None) -> dict[str, Any]:
    item = ItemCall("ch_test", {"admdvs": "520000"}, dict(PERSON if business is None else business), reads or Reads())
    return SERVED[no].handler(item)


@pytest.mark.parametrize("no", MINE)
def test_someone_else_named_is_refused_before_any_record_is_read(no: int) -> None:
    reads = Reads()
    for named in (
        {**PERSON, "psn_name": "张三"},
        {**PERSON, "certno": "11010519491231002X"},
        {**PERSON, "psn_cert_type": "02"},
    ):
        with pytest.raises(NotFound) as refused:
            call(no, named, reads)
        assert (refused.value.code, refused.value.field) == ("PERSON_NOT_MATCHED", "certno")
    assert [path for path, _ in reads.asked] == ["person"] * 3


@pytest.mark.parametrize("no", MINE)
def test_every_answer_masks_the_certno_and_shows_no_whole_phone_or_bank_account(no: int) -> None:
    answer = call(no)
    assert answer["certno"] == "520102********0022"
    assert answer["psn_name"] == "陈静"
    text = json.dumps(answer, ensure_ascii=False)
    assert CERTNO not in text
    assert TEL not in text
    assert BANK not in text


def test_a_person_with_a_phone_and_a_claim_paid_to_a_bank_account_sees_their_last_four_digits() -> None:
    assert call(93)["tel"] == "*******1234"
    claim = call(106)["items"][0]
    assert claim["bank_acct"] == "***************3445"
    assert (claim["medfee_sumamt"], claim["hifp_pay"]) == ("190.00", "95.50")


def test_the_annual_review_progress_lists_the_cases_and_which_diseases_are_reviewed_this_year() -> None:
    reads = Reads()
    answer = call(41, reads=reads)
    assert answer["items"] == [
        {
            "acceptance_no": "0560520102202612070000001",
            "process_id": "P056",
            "process_name_zh": "门诊慢特病病种年审",
            "stage": "completed",
            "stage_name_zh": "completed的名称",
            "status": "已办结",
            "accepted_at": "2026-12-01T09:00:00+08:00",
            "updated_at": "2026-12-02T09:00:00+08:00",
            "year": THIS_YEAR,
            "reviewed_on": f"{THIS_YEAR}-03-01",
        }
    ]
    assert [(d["opsp_dise_code"], d["status"], d["reviewed_this_year"]) for d in answer["diseases"]] == [
        ("I10", "已撤销", False),
        ("J45", "有效", True),
    ]
    assert (f"/api/v1/persons/{PSN_NO}/cases", {"processes": "P056", "page": "1", "page_size": "20"}) in reads.asked
    assert call(35) == answer  # 代办: the same person's cases
    chronic = call(60, reads=reads)
    assert (
        "/api/v1/persons/" + PSN_NO + "/cases",
        {"processes": "P055,P056", "page": "1", "page_size": "20"},
    ) in reads.asked
    assert len(chronic["items"]) == 1


def test_resident_and_employee_contribution_progress_each_show_their_own_insurance() -> None:
    resident = call(58)
    assert [(c["ym"], c["insutype"], c["paid"], c["status"]) for c in resident["contributions"]] == [
        ("202501", "390", "400.00", "已足额到账")
    ]
    assert resident["items"][0]["psn_clct_amt"] == "400.00"
    assert "tel" not in resident["items"][0]  # only the facts the item names leave the case
    employee = call(67, {**PERSON, "year": 2026})
    assert [(c["ym"], c["insutype"], c["status"]) for c in employee["contributions"]] == [
        ("202612", "510", "未到账"),
        ("202612", "310", "部分到账"),
        ("202611", "310", "已足额到账"),
    ]
    assert employee["reconciliations"][0]["rows"] == [
        {"insutype": "310", "belong_ym": "202612", "emp_amt": "400.00", "psn_amt": "120.00"}
    ]


def test_a_transfer_shows_its_deadline_only_while_it_waits() -> None:
    waiting, done = call(62)["items"]
    assert (waiting["due_on"], waiting["trans_dir_name"], waiting["trans_amt"]) == ("2026-12-08", "转出", "1000.00")
    assert "due_on" not in done


def test_the_account_its_statement_and_a_person_without_one() -> None:
    assert call(70) == {
        "psn_name": "陈静",
        "psn_cert_type": "01",
        "certno": "520102********0022",
        "has_account": True,
        "balance": "1234.56",
        "frozen": False,
        "entries": 2,
        "last_entry_on": "2026-12-01",
    }
    statement = call(72, {**PERSON, "page_size": 2})
    assert [(e["kind_zh"], e["amount"], e["balance_after"]) for e in statement["entries"]] == [
        ("注入", "1000.00", "1234.56"),
        ("划拨", "234.56", "234.56"),
    ]
    without = Reads({"account": _none})
    assert call(70, reads=without)["has_account"] is False
    assert call(72, reads=without)["entries"] == []


def test_the_annual_bill_combines_contributions_account_and_settlements_of_the_year() -> None:
    reads = Reads()
    bill = call(64, {**PERSON, "year": 2026}, reads)
    assert bill["contributions"] == [
        {"insutype": "310", "insutype_name": "职工基本医疗保险", "periods": 2, "due": "1040.00", "paid": "720.00"},
        {"insutype": "510", "insutype_name": "生育保险", "periods": 1, "due": "65.00", "paid": "0.00"},
    ]
    assert (bill["account"]["opening_balance"], bill["account"]["closing_balance"]) == ("234.56", "1234.56")
    assert bill["medical"]["settlements"] == 3  # five records, one of them reversing another
    assert bill["medical"]["hifp_pay"] == "210.30"
    assert (f"/api/v1/persons/{PSN_NO}/account-year", {"year": "2026"}) in reads.asked


def test_outpatient_pooling_counts_only_the_outpatient_medical_types() -> None:
    used = call(61, {**PERSON, "year": 2026})
    assert [r["med_type"] for r in used["by_med_type"]] == ["11", "41"]  # 14 门诊慢特病 is a benefit of its own
    assert (used["visits"], used["hifp_pay"], used["medfee_sumamt"]) == (2, "145.00", "250.00")


def test_consumption_settlements_and_hospitals_visited() -> None:
    consumed = call(73)
    assert consumed["items"][0]["fixmedins_name"] == "贵阳市第一人民医院"
    assert (consumed["items"][1]["reversal"], consumed["items"][1]["medfee_sumamt"]) == (True, "-5.00")
    reads = Reads()
    one = call(90, {**PERSON, "setl_id": "S 1"}, reads)
    assert one["settlement"]["lines"][0]["pric"] == "120.50"
    assert one["settlement"]["med_type_name"] == "普通门诊"
    assert reads.asked[-1][0] == f"/api/v1/persons/{PSN_NO}/visits/S%201"
    assert len(call(90)["items"]) == 2
    hospital = call(91)["items"][0]
    assert (hospital["visits"], hospital["hosp_lv_name"], hospital["fixmedins_type_name"]) == (
        1,
        "三级",
        "定点医疗机构",
    )


def test_benefits_and_medical_assistance() -> None:
    held = call(69)
    assert [d["opsp_dise_code"] for d in held["chronic_diseases"]] == ["J45"]  # the revoked one is not held
    assert held["remote_care_filing"] == {"filing_type": "异地长期居住", "admdvs": "520102"}
    assert held["insurances"][0]["insutype_name"] == "职工基本医疗保险"
    eligible = call(65)
    assert eligible["recorded"] is True
    assert eligible["subsidies"][0]["psn_idet_type_name"] == "最低生活保障家庭成员"
    assert [i["psn_idet_type"] for i in eligible["assistance_identities"]] == ["03"]  # not the batch's
    services = call(74)
    assert [(i["maf_pay"], i["bank_acct"]) for i in services["items"]] == [("300.00", "***************3445")]
    nothing = Reads({"subsidies": lambda _: {"items": []}, "cases": lambda _: {"items": [], "total": 0}})
    assert call(65, reads=nothing)["recorded"] is False


@pytest.mark.parametrize(
    ("no", "business", "field"),
    [
        (64, {**PERSON, "year": 1999}, "year"),
        (72, {**PERSON, "page_size": 51}, "page_size"),
        (41, {**PERSON, "page": 0}, "page"),
        (90, {**PERSON, "setl_id": ""}, "setl_id"),
        (69, {"psn_name": "陈静"}, "certno"),
    ],
)
def test_bad_input_is_refused_naming_the_field(no: int, business: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        call(no, business)
    assert refused.value.field == field
    assert refused.value.message_zh
    assert refused.value.message_en


def test_every_item_has_an_example_call_on_the_sandbox_person_after_the_item_that_opens_its_case() -> None:
    for no in MINE:  # a sandbox person's: the one whose records the item reads
        role = str(SERVED[no].example["certno"]).removeprefix("${").removesuffix(".certno}")
        assert role in sandbox.BY_ROLE, no
        assert SERVED[no].example["psn_name"] == "${" + role + ".psn_name}", no
    after = {no: SERVED[no].after for no in MINE if SERVED[no].after}
    assert after == {35: (36,), 41: (42,), 60: (42,), 62: (18,), 106: (105,), 110: (109,)}
    assert SERVED[61].assumption_zh == CODES.outpatient_pooling.note_zh
    assert "P009" in str(SERVED[99].assumption_zh)


def test_the_code_tables_are_the_owning_services() -> None:
    from ybj_treatment.registries.institutions import HOSP_LV_ZH, SVC_TYPE_ZH
    from ybj_treatment.rules.assistance import PSN_IDET_TYPES

    assert {k: CODES.med_type_zh[k] for k in SVC_TYPE_ZH} == SVC_TYPE_ZH
    assert CODES.hosp_lv_zh == HOSP_LV_ZH
    assert CODES.psn_idet_type_zh == dict(PSN_IDET_TYPES)
    assert CODES.outpatient_pooling.example is True


def test_a_pooled_medical_type_without_a_name_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "codes.yaml"
    broken.write_text(
        "med_type_zh: {'11': 普通门诊}\nhosp_lv_zh: {'01': 三级}\npsn_idet_type_zh: {'01': x}\n"
        "outpatient_pooling: {example: true, note_zh: 示例, med_types: ['11', '99']}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"codes\.yaml.*'99'"):
        load_codes(broken)


# The query service's person reads: the parts that are not SQL.


def test_the_processes_asked_for_are_checked() -> None:
    assert process_list("p055, P056,P055") == ("P055", "P056")
    assert process_list("S078") == ("S078",)
    for bad in ("", "P55", "X055,P056", ",".join(f"P{n:03d}" for n in range(1, 12))):
        with pytest.raises(InvalidInput) as refused:
            process_list(bad)
        assert refused.value.field == "processes"


def _row(stage: str, **more: Any) -> SimpleNamespace:
    at = datetime(2026, 12, 1, 9, tzinfo=UTC)
    fields = {
        "case_id": "c1",
        "acceptance_no": "A1",
        "process_id": "P056",
        "variant": "national",
        "stage": stage,
        "admdvs": "520102",
        "due_on": None,
        "created_at": at,
        "updated_at": at,
        "version": 2,
        "data": {"psn_no": PSN_NO},
    }
    return SimpleNamespace(**{**fields, **more})


DEFINITION: dict[str, Any] = {
    "name_zh": "门诊慢特病病种年审",
    "variants": [{"key": "national", "name_zh": "国家医疗保障信息平台—门慢门特年审（单人）"}],
    "stages": [{"key": "annual_review_national", "name_zh": "门慢门特年审（单人）"}],
}


def test_a_case_line_names_its_process_variant_and_stage() -> None:
    waiting = case_line(_row("annual_review_national", due_on=date(2026, 12, 9)), DEFINITION)
    assert (waiting["process_name_zh"], waiting["variant_name_zh"]) == (
        "门诊慢特病病种年审",
        DEFINITION["variants"][0]["name_zh"],
    )
    assert (waiting["stage_name_zh"], waiting["status"], waiting["due_on"]) == (
        "门慢门特年审（单人）",
        "办理中",
        "2026-12-09",
    )
    done = case_line(_row("cancelled"), DEFINITION)
    assert (done["stage_name_zh"], done["status"]) == ("撤消", "已撤消")
    unknown = case_line(_row("annual_review_national", variant=None), None)  # its service unreachable: no names
    assert (unknown["process_name_zh"], unknown["stage_name_zh"], unknown["variant_name_zh"]) == (None, None, None)


def test_definitions_leave_out_a_process_whose_service_cannot_answer() -> None:
    class Registry:
        def cached(self, process_id: str) -> dict[str, Any] | None:
            return DEFINITION if process_id == "P056" else None

        def get(self, process_id: str) -> dict[str, Any]:
            raise Unavailable("SERVICE_UNAVAILABLE", "不可用", "unavailable")

    assert definitions(Registry(), ["P056", "P055"]) == {"P056": DEFINITION}  # type: ignore[arg-type]


def test_a_reconciliation_shows_the_person_only_their_own_rows() -> None:
    row = _row(
        "completed",
        process_id="P021",
        data={
            "collection_ym": "202612",
            "balanced": False,
            "tax_rows": [
                {"psn_no": PSN_NO, "insutype": "310", "belong_ym": "202612", "emp_amt": "400.00", "psn_amt": "120.00"},
                {"certno": CERTNO.lower(), "insutype": "310", "belong_ym": "202611", "emp_amt": "1", "psn_amt": "2"},
                {"psn_no": "other", "certno": "X", "insutype": "310", "belong_ym": "202612", "emp_amt": "9"},
            ],
        },
    )
    line = reconciliation_line(row, PSN_NO, CERTNO)
    assert [r["belong_ym"] for r in line["rows"]] == ["202612", "202611"]
    assert (line["status"], line["collection_ym"], line["balanced"]) == ("已办结", "202612", False)
    assert "other" not in json.dumps(line)


def test_a_visit_leaves_its_lines_and_certno_out_and_names_its_institution() -> None:
    record = {**RECORD, "certno": CERTNO, "lines": [{"x": 1}, {"x": 2}]}
    del record["fixmedins_name"], record["line_count"]
    line = visit_line(record, {"fixmedins_name": "贵阳市第一人民医院", "hosp_lv": "01", "fixmedins_type": "1"})
    assert ("lines" not in line, "certno" not in line) == (True, True)
    assert (line["line_count"], line["fixmedins_name"], line["hosp_lv"]) == (2, "贵阳市第一人民医院", "01")
    assert visit_line(record, None)["fixmedins_name"] is None  # an institution the registry does not hold


def test_a_years_movements_from_each_kinds_changes_before_and_within_it() -> None:
    rows = [
        {"kind": "allocate", "kind_zh": "划拨", "entries": 0, "income": 0, "outgo": 0, "before": 20000},
        {"kind": "inject", "kind_zh": "注入", "entries": 2, "income": 150000, "outgo": 0, "before": 5000},
        {"kind": "transfer_out", "kind_zh": "转出", "entries": 1, "income": 0, "outgo": 30000, "before": -1000},
    ]
    year = year_of_movements(rows)
    assert (year["opening_balance"], year["income"], year["outgo"], year["closing_balance"]) == (
        24000,
        150000,
        30000,
        144000,
    )
    assert [k["kind"] for k in year["by_kind"]] == ["inject", "transfer_out"]  # a kind with no entry this year left out
    assert year_of_movements([]) == {"opening_balance": 0, "income": 0, "outgo": 0, "closing_balance": 0, "by_kind": []}


def test_errors_raised_by_reads_reach_the_channel_unchanged() -> None:
    refused = Reads(
        {"cases": lambda _: (_ for _ in ()).throw(Unavailable("READ_MODELS_UNAVAILABLE", "暂不可用", "down"))}
    )
    with pytest.raises(YbjError) as raised:
        call(106, reads=refused)
    assert raised.value.code == "READ_MODELS_UNAVAILABLE"
