"""Items 56, 57, 59, 63, 66, 100-104 (ybj_gateway/items/reference.py) on fake reads: what each asks the platform, what
it answers, the 本人数据 check and masking of 56, and the 大病医疗 deduction at the edges of its 15,000 / 80,000 rule."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from ybj_gateway.items import SERVED
from ybj_gateway.items.call import ItemCall
from ybj_gateway.items.reference import (
    agencies,
    basic_info,
    chronic_disease_hospitals,
    codes,
    other_services,
    policies,
    pooled_outpatient_pharmacies,
    price_limits,
    serious_illness_deduction,
)
from ybj_gateway.items.serious_illness_deduction import RULE, deduction, load_rule
from ybj_kernel.errors import InvalidInput, NotFound

PERSON = {"psn_cert_type": "01", "certno": "520102198804150036", "psn_name": "刘洋"}
SOURCE = {"file_name": "drugs.example.csv", "example": True}
MINE = (56, 57, 59, 63, 66, 100, 101, 102, 103, 104)


class Reads:
    """The query service as items.call.QueryReads: the person, their year's statement, any other read recorded."""

    def __init__(self, statement: Mapping[str, int] | None = None) -> None:
        self.statement = dict(statement or {})
        self.asked: list[tuple[str, dict[str, str]]] = []
        self.answers: dict[str, dict[str, Any]] = {}

    def person_by_certno(self, certno: str, app_id: str, admdvs: str) -> dict[str, Any] | None:
        if certno != PERSON["certno"]:
            return None
        state = {"psn_name": PERSON["psn_name"], "certno": certno, "psn_cert_type": "01"}
        return {"key": "52000000000001", "state": state, "enrollments": []}

    def annual_statement(self, psn_no: str, year: int, app_id: str, admdvs: str) -> dict[str, Any]:
        self.asked.append(("statement", {"psn_no": psn_no, "year": str(year)}))
        return {"psn_no": psn_no, "year": year, "records": 3, "reversals": 0, **self.statement}

    def get(self, path: str, params: Mapping[str, str] | None, app_id: str, admdvs: str) -> dict[str, Any]:
        self.asked.append((path, dict(params or {})))
        return self.answers.get(path, {"items": [], "total": 0, "page": 1, "source": SOURCE})

    def progress(self, acceptance_no: str) -> dict[str, Any]:
        raise AssertionError("not read by these items")

    def institutions(self, *args: Any) -> dict[str, Any]:
        raise AssertionError("read through get, with the filters")


def _call(business: dict[str, Any], reads: Reads) -> ItemCall:
    return ItemCall("ch_test", {"admdvs": "520100"}, business, reads)


def _deducted(yuan: str) -> str:
    fen = int(yuan.replace(".", ""))
    return f"{deduction(fen, RULE).deductible / 100:.2f}"


@pytest.mark.parametrize(
    ("self_pay", "deductible"),
    [
        ("0.00", "0.00"),
        ("15000.00", "0.00"),  # 超过 15,000 元的部分: 15,000 itself gives nothing
        ("15000.01", "0.01"),
        ("50000.00", "35000.00"),
        ("95000.00", "80000.00"),  # the limit reached exactly
        ("95000.01", "80000.00"),  # and not passed
        ("300000.00", "80000.00"),
    ],
)
def test_the_deduction_is_the_part_above_15000_up_to_80000(self_pay: str, deductible: str) -> None:
    assert _deducted(self_pay) == deductible


def test_the_rule_is_data_citing_its_source_and_a_broken_rule_file_is_refused(tmp_path: Path) -> None:
    assert (RULE.threshold_fen, RULE.limit_fen) == (1_500_000, 8_000_000)
    assert "国发〔2018〕41号" in RULE.source_zh
    broken = tmp_path / "rule.yaml"
    broken.write_text('source_zh: x\nrule_zh: y\nthreshold_yuan: "15000.00"\nlimit_yuan: "0"\n', encoding="utf-8")
    with pytest.raises(ValidationError, match="limit_yuan"):
        load_rule(broken)


def test_item_56_counts_what_the_person_paid_inside_the_catalogue() -> None:
    # 账户 3,000 + 现金 20,500 − 全自费 1,500 = 22,000 in the catalogue: 7,000 above the threshold.
    reads = Reads(
        {
            "medfee_sumamt": 9_000_000,
            "hifp_pay": 6_600_000,
            "acct_pay": 300_000,
            "psn_cash_pay": 2_050_000,
            "fulamt_ownpay_amt": 150_000,
        }
    )
    answer = serious_illness_deduction(_call({**PERSON, "year": 2026}, reads))
    assert (answer["in_catalogue_self_pay"], answer["deductible"]) == ("22000.00", "7000.00")
    assert (answer["threshold"], answer["limit"]) == ("15000.00", "80000.00")
    assert answer["certno"] == "520102********0036"
    assert reads.asked == [("statement", {"psn_no": "52000000000001", "year": "2026"})]


def test_item_56_answers_only_about_the_person_named() -> None:
    reads = Reads({"psn_cash_pay": 5_000_000})
    with pytest.raises(NotFound) as refused:
        serious_illness_deduction(_call({**PERSON, "psn_name": "张三"}, reads))
    assert refused.value.code == "PERSON_NOT_MATCHED"
    assert reads.asked == []  # no statement read for someone else


def test_items_59_and_66_ask_for_the_designated_and_the_opened_and_show_public_fields() -> None:
    reads = Reads()
    state = {
        "fixmedins_code": "H52010200001",
        "fixmedins_name": "贵阳市第一人民医院",
        "fixmedins_type": "1",
        "admdvs": "520102",
        "status": "active",
        "bank": {"bank_acct": "52050110360001234567"},
        "designations": {"chronic_disease": {"begndate": "2026-12-01"}},
    }
    reads.answers["/api/v1/institutions"] = {"items": [{"key": "H52010200001", "state": state}], "total": 1}
    hospitals = chronic_disease_hospitals(_call({"admdvs": "520102"}, reads))
    assert reads.asked[-1] == (
        "/api/v1/institutions",
        {"fixmedins_type": "1", "designation": "chronic_disease", "admdvs": "520102", "page": "1", "page_size": "20"},
    )
    assert hospitals["items"] == [
        {k: state[k] for k in ("fixmedins_code", "fixmedins_name", "fixmedins_type", "admdvs", "status")}
        | {"since": "2026-12-01"}
    ]
    pooled_outpatient_pharmacies(_call({}, reads))
    assert reads.asked[-1][1] == {"fixmedins_type": "2", "service": "41", "page": "1", "page_size": "20"}


def test_the_catalogue_items_read_the_reference_data_with_the_callers_filters() -> None:
    reads = Reads()
    agencies(_call({"admdvs": "520102", "name": "云岩"}, reads))
    policies(_call({"keyword": "个人所得税", "doc_no": "国发"}, reads))
    price_limits(_call({"code": "xa10bae001a001010100003", "on": "2026-03-01"}, reads))
    assert reads.asked == [
        ("/api/v1/reference/agencies", {"admdvs": "520102", "name": "云岩", "page": "1", "page_size": "20"}),
        ("/api/v1/reference/policies", {"code": "国发", "name": "个人所得税", "page": "1", "page_size": "20"}),
        (
            "/api/v1/reference/price_limits",
            {"code": "xa10bae001a001010100003", "on": "2026-03-01", "page": "1", "page_size": "20"},
        ),
    ]
    with pytest.raises(InvalidInput) as nothing:
        price_limits(_call({"admdvs": "520100"}, reads))
    assert nothing.value.code == "INVALID_FIELD"


def test_item_100_lists_the_codes_of_both_catalogues_and_101_tells_drug_from_consumable() -> None:
    reads = Reads()
    drug = {"med_list_codg": "XJ01CAA040E001010100001", "reg_nam": "阿莫西林胶囊", "drug_spec": "0.25g", "aprvno": "x"}
    reads.answers["/api/v1/reference/drugs"] = {"items": [drug], "total": 1, "page": 1, "source": SOURCE}
    found = codes(_call({"name": "阿莫西林"}, reads))
    assert found["drugs"]["items"] == [{k: drug[k] for k in ("med_list_codg", "reg_nam", "drug_spec")}]
    assert (found["consumables"]["total"], found["drugs"]["source"]["example"]) == (0, True)
    assert [path for path, _ in reads.asked] == ["/api/v1/reference/drugs", "/api/v1/reference/consumables"]
    with pytest.raises(InvalidInput):
        codes(_call({}, reads))

    reads.answers["/api/v1/reference/consumables/C1401010010100100009"] = {"item": {"reg_nam": "注射器"}}
    assert basic_info(_call({"code": "c1401010010100100009"}, reads))["kind"] == "consumables"
    assert reads.asked[-1][0] == "/api/v1/reference/consumables/C1401010010100100009"
    with pytest.raises(InvalidInput) as bad:
        basic_info(_call({"code": "Y0101010010100100001"}, reads))
    assert bad.value.field == "code"


def test_item_104_says_it_is_a_catch_all_and_points_to_the_items_that_answer() -> None:
    reads = Reads()
    reads.answers["/api/v1/reference"] = {"items": [{"kind": "drugs", "source": SOURCE}]}
    answer = other_services(_call({}, reads))
    assert [i["no"] for i in answer["items"]] == [63, 100, 101, 102, 103]
    assert "兜底" in answer["note_zh"]


def test_each_item_states_its_assumptions_and_has_an_example() -> None:
    for no in MINE:
        assert SERVED[no].assumption_zh, no
    assert "目录范围内个人自付" in (SERVED[56].assumption_zh or "")
    assert "门诊统筹" in (SERVED[66].assumption_zh or "")
