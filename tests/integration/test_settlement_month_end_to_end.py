"""One month of two institutions end to end on real Kafka and PostgreSQL, through the public API only.

Records are uploaded (one of them reversed); supervision screens them as settlement publishes them and files a
duplicate billing with its evidence; each institution declares its month, and the duplicate's month becomes a P072 case
opened by the system; the panel confirms it, settlement opens the P078 deduction by itself, and once approved the
monthly settlement (P079) reads it: the payable is exact to the fen. The payables go through a bank-file payment chain
(P027: three review levels), the bank returns two rows unpaid with its reasons, they come back to the payment queue,
and the totals reconcile.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest

from tests.integration.conftest import Api
from tests.integration.enrollment_steps import READER, read_until
from ybj_kernel.application import opened_case_id
from ybj_settlement import bankfiles
from ybj_settlement.processes.payment_chains import batch_of

pytestmark = pytest.mark.integration

YM = "202611"
ADMDVS = "520102"
UPLOADER = ("gy-reg-71", "registrar", "520000")


def _record(setl_id: str, psn_no: str, code: str, fund: str, at: str, item: str, **more: Any) -> dict[str, Any]:
    amount = str(Decimal(fund) * 2)
    return {
        "setl_id": setl_id,
        "mdtrt_id": f"MD{setl_id}",
        "psn_no": psn_no,
        "gend": "1",
        "fixmedins_code": code,
        "insutype": "310",
        "med_type": "11",
        "setl_time": at,
        "medfee_sumamt": amount,
        "hifp_pay": fund,
        "psn_cash_pay": str(Decimal(amount) - Decimal(fund)),
        "lines": [
            {"med_list_codg": item, "cnt": "1", "pric": amount, "det_item_fee_sumamt": amount, "fee_ocur_time": at}
        ],
        **more,
    }


def _opened_by_reactor(service: str, key: str) -> str:
    return str(opened_case_id(service, key, ADMDVS))


def _case(api: Api, case_id: str, stage: str, timeout: float = 30.0) -> dict[str, Any]:
    """The case as the query API shows it, once it has reached `stage`."""
    response = api.wait_read(
        f"/api/v1/cases/{case_id}",
        ("auditor-q", "auditor", "520000"),
        lambda r: r.status_code == 200 and r.json()["stage"] == stage,
        timeout=timeout,
    )
    view: dict[str, Any] = response.json()
    return view


def _walk(
    api: Api, ack: dict[str, Any], steps: list[tuple[tuple[str, str, str], str, dict[str, Any]]]
) -> dict[str, Any]:
    for who, action, data in steps:
        ack = api.step(ack, who, action, data)
    return ack


def _declare(api: Api, code: str, name: str, count: int, amount: str) -> dict[str, Any]:
    declaration = {
        "fixmedins_code": code,
        "fixmedins_name": name,
        "admdvs": ADMDVS,
        "setl_ym": YM,
        "setl_cnt": count,
        "declared_amount": amount,
    }
    created = api.create("P079", declaration, (f"inst-{code}", "institution", ADMDVS))
    assert created.status_code == 201, created.text
    ack: dict[str, Any] = created.json()
    return ack


def _monthly_settlement(api: Api, ack: dict[str, Any], tag: str) -> dict[str, Any]:
    """违规扣款处理 (nothing entered by hand: P078's deductions are read) → 生成 → 初审 → 复审 → 打印."""
    return _walk(
        api,
        ack,
        [
            ((f"aud-{tag}", "auditor", ADMDVS), "violation_deduction", {"deductions": []}),
            ((f"reg-{tag}", "registrar", ADMDVS), "generate", {}),
            ((f"fr-{tag}", "first_reviewer", ADMDVS), "approve", {}),
            ((f"sr-{tag}", "second_reviewer", ADMDVS), "approve", {}),
            ((f"prt-{tag}", "registrar", ADMDVS), "print_slips", {}),
        ],
    )


def _confirm_and_deduct(api: Api, h1: str) -> None:
    """The duplicate's P072 case (opened by the system) confirmed by the panel; settlement opens the P078 deduction
    for it by itself, approved; each side names the other."""
    # The duplicate's month became a P072 case, registered by the system; the panel confirms the violation.
    p072_id = _opened_by_reactor("supervision", f"P072:{h1}:{YM}:1")
    p072 = _case(api, p072_id, "first_review")
    assert (p072["data"]["suspect_amount"], p072["data"]["screening_key"]) == ("120.00", f"{h1}:{YM}:1")
    verdict = {"is_violation": True, "vola_amt": "60.00"}
    _walk(
        api,
        p072,
        [
            (("fr-72", "first_reviewer", ADMDVS), "approve", verdict),
            (("sr-72", "second_reviewer", ADMDVS), "skip", {}),
            (("sr-73", "second_reviewer", ADMDVS), "approve", verdict),
            (("pn-72", "panel", ADMDVS), "approve", {**verdict, "fund_type": "310100"}),
            (("sys-72", "system", ADMDVS), "compensation", {}),
            (("au-72", "auditor", ADMDVS), "close", {}),
        ],
    )

    # Settlement opened the deduction (P078, 智能审核扣款) by itself; approved, it is in force for the month.
    p078_id = _opened_by_reactor("settlement", f"P078:supervision:{h1}:{YM}:1")
    p078 = _case(api, p078_id, "generate")
    assert (p078["data"]["supervision_case_id"], p078["data"]["vola_amt"]) == (p072_id, "60.00")
    _walk(
        api,
        p078,
        [
            (("rg-78", "registrar", ADMDVS), "generate", {}),
            (("fr-78", "first_reviewer", ADMDVS), "approve", {}),
            (("sr-78", "second_reviewer", ADMDVS), "approve", {}),
        ],
    )
    read_until(api, f"/api/v1/registries/deduction/{h1}:{YM}", lambda e: e["state"].get("pool_deduction_fen") == 6000)
    noted = read_until(
        api, f"/api/v1/registries/violation/{h1}:{YM}:1", lambda e: e["state"].get("deductions"), timeout=30
    )
    assert noted["state"]["deductions"][0]["deduction_case_id"] == p078_id  # each side names the other


def _pay_with_two_returned(api: Api, tag: str, first: str, second: str) -> None:
    """Both payables and two other payees through the bank-file chain; the bank returns two rows unpaid."""
    # Finance pays both with two other payees through the bank-file chain; the bank returns two rows unpaid.
    payees = [
        {
            "acct_name": "示例第一医院",
            "bank_acct": "2402000109200012345",
            "bank_name": "工商银行贵阳支行",
            "amount": first,
        },
        {
            "acct_name": "示例第二医院",
            "bank_acct": "52050164363600000123",
            "bank_name": "建设银行遵义分行",
            "amount": second,
        },
        {
            "acct_name": "示例第三医院",
            "bank_acct": "6222020200112345678",
            "bank_name": "农业银行六盘水分行",
            "amount": "5000.00",
        },
        {"acct_name": "示例药店", "bank_acct": "6222020200187654321", "bank_name": "贵阳银行", "amount": "88.88"},
    ]
    total = str(sum(Decimal(p["amount"]) for p in payees))
    batch = f"JS{tag}"
    summary = {
        "doc_no": f"{batch}-HZ",
        "setl_batch_no": batch,
        "purpose": "月结算费用拨付",
        "pay_cnt": 4,
        "pay_sumamt": total,
        "payees": payees,
        "signed_by": "分管领导（示例）",
    }
    created = api.create("P027", summary, ("ld-27", "approver", "520000"))
    assert created.status_code == 201, created.text
    totals = {"pay_cnt": 4, "pay_sumamt": total}
    chain = _walk(
        api,
        created.json(),
        [
            (("fi-27", "finance", "520000"), "disbursement_handover", {**totals, "setl_batch_no": batch}),
            (("fi-27", "finance", "520000"), "bank_file_dispatch", {"pay_batch_no": f"ZF{tag}"}),
            (("fi-28", "finance", "520000"), "approve", {**totals, "pay_batch_no": f"ZF{tag}"}),
            (("rv-1", "finance_reviewer_1", "520000"), "approve", {}),
            (("rv-2", "finance_reviewer_2", "520000"), "approve", {}),
            (("rv-3", "finance_reviewer_3", "520000"), "approve", {}),
        ],
    )
    sent_file = _case(api, chain["case_id"], "bank_return")["data"]
    returned = bankfiles.return_file(batch_of(sent_file), {2: "账户已冻结", 4: "户名与账号不符"}).decode("gbk")
    chain = api.step(chain, ("bank-27", "bank", "520000"), "bank_return", {"return_file": returned})
    chain = api.step(chain, ("sys-27", "system", "520000"), "payment_completed", {})
    outcome = _case(api, chain["case_id"], "completed")["data"]
    assert (outcome["paid_cnt"], outcome["failed_cnt"]) == (2, 2)
    assert (outcome["paid_sumamt"], outcome["failed_sumamt"]) == ("5290.45", "1160.88")
    assert Decimal(outcome["paid_sumamt"]) + Decimal(outcome["failed_sumamt"]) == Decimal(total)
    assert [(r["acct_name"], r["fail_reason"]) for r in outcome["failed_lines"]] == [
        ("示例第二医院", "账户已冻结"),
        ("示例药店", "户名与账号不符"),
    ]
    # The unpaid rows are back in the queue of what is to be paid, with the bank's reason.
    queued = read_until(api, f"/api/v1/registries/payable/returned:ZF{tag}:2", lambda e: e["in_effect"])
    assert (queued["state"]["status"], queued["state"]["amount_fen"]) == ("pending", 107200)
    assert queued["state"]["last_failure"]["fail_reason"] == "账户已冻结"


def test_one_month_of_two_institutions_from_records_to_the_bank_and_back(api: Api) -> None:
    tag = f"{random.randint(0, 10**7):07d}"
    h1, h2 = f"H52010{random.randint(0, 10**6 - 1):06d}", f"H52011{random.randint(0, 10**6 - 1):06d}"
    wang, li, zhao = (f"52{random.randint(10**13, 10**14 - 1)}" for _ in range(3))
    records = [
        _record(f"A{tag}1", wang, h1, "60.00", "2026-11-05T09:00:00+08:00", "EX-XM-0002"),
        _record(f"A{tag}2", wang, h1, "60.00", "2026-11-05T16:30:00+08:00", "EX-XM-0002"),  # billed twice that day
        _record(f"A{tag}3", li, h1, "230.45", "2026-11-12T10:00:00+08:00", "EX-XM-0002"),
        _record(f"B{tag}1", zhao, h2, "1071.00", "2026-11-08T09:00:00+08:00", "250101015"),
        _record(f"B{tag}2", zhao, h2, "52.80", "2026-11-09T09:00:00+08:00", "250101016"),
    ]
    sent = api.client.post("/api/v1/settlement-records", json=records, headers=api.headers(UPLOADER))
    assert sent.status_code == 200, sent.text
    reversal = _record(f"R{tag}2", zhao, h2, "52.80", "2026-11-20T09:00:00+08:00", "250101016", reverses=f"B{tag}2")
    sent = api.client.post("/api/v1/settlement-records", json=[reversal], headers=api.headers(UPLOADER))
    assert sent.status_code == 200, sent.text

    # Supervision screened the records as settlement published them: one duplicate, with the records behind it.
    month = read_until(api, f"/api/v1/registries/monitoring_month/{h1}:{YM}", lambda e: e["state"].get("hits"), 30)
    [hit] = month["state"]["hits"]
    assert (hit["rule_id"], hit["psn_no"], hit["vola_amt"]) == ("duplicate_billing", wang, 12000)
    assert hit["vola_evid"] == [{"setl_id": f"A{tag}1", "line_idx": [0]}, {"setl_id": f"A{tag}2", "line_idx": [0]}]

    # Each institution declares its month; the declaration is checked against its records (the reversal netted out).
    first = api.step(_declare(api, h1, "示例第一医院", 3, "350.45"), ("reg-a", "registrar", ADMDVS), "receive", {})
    second = api.step(_declare(api, h2, "示例第二医院", 1, "1072.00"), ("reg-b", "registrar", ADMDVS), "receive", {})
    shown = _case(api, second["case_id"], "violation_deduction")["data"]
    assert (shown["records_hifp_pay"], shown["declared_difference"], shown["records_cnt"]) == ("1071.00", "1.00", 1)

    _confirm_and_deduct(api, h1)

    # The monthly settlements: the deduction read from P078, the payables exact to the fen.
    done1 = _monthly_settlement(api, first, "a")
    settled1 = _case(api, done1["case_id"], done1["stage"])["data"]
    assert (settled1["declared_difference"], settled1["deduction_total"]) == ("0.00", "60.00")
    assert settled1["payable_amount"] == "290.45"
    done2 = _monthly_settlement(api, second, "b")
    settled2 = _case(api, done2["case_id"], done2["stage"])["data"]
    assert (settled2["deduction_total"], settled2["payable_amount"]) == ("0.00", "1072.00")

    _pay_with_two_returned(api, tag, settled1["payable_amount"], settled2["payable_amount"])

    # 赵's year: the reversed record and its reversal net out.
    statement = read_until(
        api, f"/api/v1/persons/{zhao}/annual-statement?year=2026", lambda s: s["records"] == 3 and s["reversals"] == 1
    )
    assert statement["hifp_pay"] == 107100
    mine = api.client.get(f"/api/v1/persons/{wang}/settlements", params={"year": 2026}, headers=api.headers(READER))
    assert {r["setl_id"] for r in mine.json()["items"]} == {f"A{tag}1", f"A{tag}2"}
