"""零星报销 end to end on real Kafka and PostgreSQL: a 住院 claim of a dozen lines settled with the policy of its visit
date (the same figures a trial gives), a hundred claims approved together at 结算审核, and the approved payment handed
to settlement as an event on Kafka."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest

from tests.integration.conftest import Api, wait_until
from tests.integration.enrollment_steps import READER, REG, new_resident, read_until
from tests.integration.kafka_reader import records
from ybj_dev.demo import Seeder, Staff
from ybj_dev.platform import Platform
from ybj_settlement import bankfiles
from ybj_settlement.processes.payment_chains import batch_of

pytestmark = pytest.mark.integration

HOSPITAL = "H52010200001"  # admitted by P065's example
FIRST, SECOND = ("gy-fr-31", "first_reviewer", "520000"), ("gy-sr-31", "second_reviewer", "520000")
# (类别, 编码, 名称, 等级 甲01/乙02/丙03, 数量, 单价): a twelve-line stay, 乙类 and 丙类 among them.
LINES = [
    ("01", "110900001", "普通病房床位费（三人间）", "01", "9", "45.00"),
    ("07", "120100001", "Ⅰ级护理", "01", "9", "28.00"),
    ("06", "311201001", "腹腔镜下阑尾切除术", "01", "1", "2860.00"),
    ("09", "XJ01DCC090B002010104523", "注射用头孢呋辛钠", "02", "18", "18.36"),
    ("09", "XA02BCE017A001010100137", "奥美拉唑肠溶胶囊", "02", "14", "1.73"),
    ("03", "250101015", "血细胞分析", "01", "3", "20.00"),
    ("03", "250301001", "尿液分析", "01", "2", "8.50"),
    ("04", "210100003", "X线摄影（DR）", "01", "1", "76.00"),
    ("04", "220600003", "腹部彩色多普勒超声", "01", "1", "138.00"),
    ("05", "330100005", "全身麻醉", "01", "1", "680.00"),
    ("08", "311201001-01", "一次性腹腔镜穿刺器", "02", "1", "365.40"),
    ("09", "ZB01AAA0001", "特需营养液（自费）", "03", "3", "96.33"),
]


def _lines() -> tuple[list[dict[str, str]], str]:
    lines = [
        {
            "med_chrgitm_type": t,
            "hilist_code": code,
            "hilist_name": name,
            "chrgitm_lv": lv,
            "cnt": cnt,
            "pric": pric,
            "det_item_fee_sumamt": str(Decimal(cnt) * Decimal(pric)),
        }
        for t, code, name, lv, cnt, pric in LINES
    ]
    return lines, str(sum(Decimal(line["det_item_fee_sumamt"]) for line in lines))


def _hospital_admitted(platform: Platform) -> None:
    """P065's example (the demo's case, if the demo has run: same key, same case)."""
    with httpx.Client(base_url=platform.url(), timeout=30) as client:
        assert Seeder(client, Staff(platform.run_dir / "keys")).walk_example("P065")["stage"] == "completed"


def _claim(api: Api, certno: str, lines: list[dict[str, str]], total: str, admitted: str) -> dict[str, Any]:
    """A 住院 claim up to 结算审核."""
    register = {
        "certno": certno,
        "admdvs": "520115",
        "fixmedins_code": HOSPITAL,
        "invoice_no": f"ZY{random.randint(10**11, 10**12 - 1)}",
        "begndate": admitted,
        "enddate": admitted[:8] + f"{int(admitted[8:]) + 9:02d}",
        "dise_name": "急性阑尾炎",
    }
    created = api.create("P049", register, REG)
    assert created.status_code == 201, created.text
    case = api.step(created.json(), REG, "detail_entry", {"lines": lines, "medfee_sumamt": total})
    case = api.step(case, FIRST, "approve", comment="明细无误")
    case = api.step(case, REG, "settle", {"fund_paid_ytd": "0.00"})
    assert case["stage"] == "settlement_review"
    return case


def test_a_dozen_line_stay_is_settled_with_the_policy_of_its_visit_date_as_a_trial_would(
    api: Api, platform: Platform
) -> None:
    _hospital_admitted(platform)
    certno, _psn_no = new_resident(api, "吴芳")
    lines, total = _lines()
    # Admitted before the example policy changed (城乡居民住院, 2026-07-01) and settled after it.
    case = _claim(api, certno, lines, total, "2026-06-18")
    data = api.wait_visible(case["case_id"], case["version"])["data"]
    paid, own = Decimal(data["hifp_pay"]), Decimal(data["psn_part_amt"])  # 个人负担: 自付 + 先行自付 + 全自费
    assert Decimal(data["medfee_sumamt"]) == Decimal(total)
    assert paid + own == Decimal(total), data["settlement"]
    parts = ("psn_selfpay", "preselfpay_amt", "fulamt_ownpay_amt")
    assert sum(Decimal(data[k]) for k in parts) == own
    assert Decimal(data["fulamt_ownpay_amt"]) == Decimal("288.99")  # the 丙类 line, 3 × 96.33
    trial = api.client.post(
        "/api/v1/rules/reimbursement_settlement/trial", json=data["settlement_input"], headers=api.headers(READER)
    )
    assert trial.status_code == 200, trial.text
    assert trial.json() == data["settlement"]
    later = api.client.post(
        "/api/v1/rules/reimbursement_settlement/trial",
        json={**data["settlement_input"], "begndate": "2026-07-02"},
        headers=api.headers(READER),
    ).json()
    assert Decimal(later["hifp_pay"]) != paid, "the policy of a later visit date gives other figures"


def test_a_hundred_claims_approved_together_and_the_payment_handed_to_settlement(api: Api, platform: Platform) -> None:
    _hospital_admitted(platform)
    certno, _psn_no = new_resident(api, "吴芳")
    lines, _total = _lines()
    three = lines[:3]  # bed, nursing and the operation: above the 起付线, and quick for a hundred
    claims = [
        _claim(api, certno, three, str(sum(Decimal(x["det_item_fee_sumamt"]) for x in three)), "2026-08-03")
        for _ in range(100)
    ]
    items = [
        {"case_id": c["case_id"], "action": "approve", "expected_version": c["version"], "comment": "批量审核通过"}
        for c in claims
    ]
    answer = api.client.post("/api/v1/cases/batch-actions", json={"items": items}, headers=api.headers(SECOND))
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [(r["ok"], r["stage"]) for r in results] == [(True, "print_receipt")] * 100

    one = {"case_id": results[0]["case_id"], "version": results[0]["version"]}
    done = api.step(one, REG, "print_receipt")
    assert done["stage"] == "completed"
    view = api.wait_visible(done["case_id"], done["version"])
    topic = f"{platform.topic_prefix}.treatment.events"

    def handed() -> list[dict[str, Any]]:
        found = [orjson.loads(r.value) for r in records(platform.kafka_bootstrap, topic) if r.value]
        kind = "benefit_payment.BenefitPaymentApproved.v1"
        return [e for e in found if e.get("type", "").endswith(kind) and e["bycaseid"] == done["case_id"]]

    wait_until(handed, 15, "the payment was not handed to settlement")
    payment = handed()[0]
    args = payment["data"]["args"]
    assert args["amount_fen"] == int(Decimal(view["data"]["hifp_pay"]) * 100)
    assert (args["payee_type"], args["source_process"]) == ("person", "P049")
    # Settlement picked it up from Kafka: it waits there to be paid, naming the treatment case.
    waiting = read_until(api, f"/api/v1/registries/payable/{payment['subject']}", lambda e: e["in_effect"], 30)
    assert (waiting["state"]["status"], waiting["state"]["source_case_id"]) == ("pending", done["case_id"])
    assert waiting["state"]["amount_fen"] == args["amount_fen"]

    # Paid through a settlement chain (P034, 单位/个人报销费用支付): each side's history names the other.
    chain_id = _paid_through_a_chain(api, payment["subject"], args["amount_fen"])
    paid = read_until(
        api, f"/api/v1/registries/benefit_payment/{payment['subject']}", lambda e: e["state"]["status"] == "paid", 30
    )
    assert paid["state"]["paid_by_case"] == chain_id
    treatment_side = _history(api, "benefit_payment", payment["subject"])
    assert treatment_side[0]["case_id"] == done["case_id"]  # the claim approved it
    assert treatment_side[-1]["state"]["paid_by_case"] == chain_id  # settlement's chain paid it
    settlement_side = _history(api, "payable", payment["subject"])
    assert settlement_side[0]["state"]["source_case_id"] == done["case_id"]
    assert (settlement_side[-1]["op"], settlement_side[-1]["case_id"]) == ("pay", chain_id)


def _history(api: Api, registry: str, key: str) -> list[dict[str, Any]]:
    response = api.client.get(f"/api/v1/registries/{registry}/{key}/history", headers=api.headers(READER))
    assert response.status_code == 200, response.text
    changes: list[dict[str, Any]] = response.json()
    return changes


def _paid_through_a_chain(api: Api, payable_key: str, amount_fen: int) -> str:
    """A bank-file chain paying the one payable, every row paid by the bank; returns the chain's case id."""
    amount = str(Decimal(amount_fen) / 100)
    batch = f"LX{random.randint(0, 10**8):08d}"
    payee = {"acct_name": "吴芳", "bank_acct": "6222020200112345678", "bank_name": "中国工商银行贵阳支行"}
    summary = {
        "doc_no": f"{batch}-HZ",
        "setl_batch_no": batch,
        "purpose": "个人零星报销费用拨付",
        "pay_cnt": 1,
        "pay_sumamt": amount,
        "payees": [{**payee, "amount": amount, "payable_key": payable_key}],
        "signed_by": "分管领导（示例）",
    }
    created = api.create("P034", summary, ("ld-34", "approver", "520000"))
    assert created.status_code == 201, created.text
    totals = {"pay_cnt": 1, "pay_sumamt": amount}
    chain = created.json()
    steps: list[tuple[tuple[str, str, str], str, dict[str, Any]]] = [
        (("fi-34", "finance", "520000"), "disbursement_handover", {**totals, "setl_batch_no": batch}),
        (("fi-34", "finance", "520000"), "bank_file_dispatch", {"pay_batch_no": f"Z{batch}"}),
        (("fi-35", "finance", "520000"), "approve", {**totals, "pay_batch_no": f"Z{batch}"}),
        (("rv-34", "finance_reviewer_1", "520000"), "approve", {}),
        (("rv-35", "finance_reviewer_2", "520000"), "approve", {}),
        (("rv-36", "finance_reviewer_3", "520000"), "approve", {}),
    ]
    for who, action, data in steps:
        chain = api.step(chain, who, action, data)
    sent = api.wait_visible(chain["case_id"], chain["version"])["data"]
    returned = bankfiles.return_file(batch_of(sent), {}).decode("gbk")
    chain = api.step(chain, ("bank-34", "bank", "520000"), "bank_return", {"return_file": returned})
    chain = api.step(chain, ("sys-34", "system", "520000"), "payment_completed", {})
    assert chain["stage"] == "completed"
    return str(chain["case_id"])
