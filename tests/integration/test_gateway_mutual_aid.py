"""个人账户共济 on the real platform (Kafka, PostgreSQL, real SM2/SM3/SM4): a channel admitted through P092 binds an
employee's husband through item 97 with the SDK, the bureau's staff approve, the channel sets his payment order (96) and
pays his 城乡居民 contribution from her account (111, approved by staff), then reads 92, 95, 98 and 112 back, masked,
and the account's statement shows the 代缴."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from tests.integration.channels import admitted_channel, until
from tests.integration.conftest import Api
from tests.integration.enrollment_steps import new_certno, new_employee, new_employer, new_resident, read_until
from ybj_channel.client import ChannelRefused
from ybj_dev.platform import Platform

pytestmark = pytest.mark.integration

REG = ("gy-reg-21", "registrar", "520000")
REVIEWER = ("gz-fr-21", "first_reviewer", "520000")
ITEMS = [92, 94, 95, 96, 97, 98, 111, 112]


def _approved(api: Api, answer: dict[str, Any]) -> dict[str, Any]:
    """Staff approve the case a channel's application opened (it waits at the review)."""
    assert answer["stage"] == "review", answer
    case = api.wait_visible(str(answer["case_id"]), 1)
    done = api.step({"case_id": answer["case_id"], "version": case["version"]}, REVIEWER, "approve", {})
    assert done["stage"] == "completed", done
    return done


def test_a_channel_binds_a_relative_sets_the_order_pays_his_contribution_and_reads_it_all_back(
    api: Api, platform: Platform
) -> None:
    holder_certno, emp_no = new_certno(), new_employer(api, "贵阳共济测试有限公司")
    holder_psn_no = new_employee(api, emp_no, holder_certno)  # 陈静, an employee
    injection = {
        "emp_no": emp_no,
        "emp_name": "贵阳共济测试有限公司",
        "certno": holder_certno,
        "inject_type": "1",
        "inject_date": date.today().isoformat(),
        "inject_amt": "1000.00",
    }
    injected = api.create("P012", injection, REG)
    assert (injected.status_code, injected.json()["stage"]) == (201, "completed"), injected.text
    husband_certno, husband_psn_no = new_resident(api, "周敏")

    me = {"psn_cert_type": "01", "certno": holder_certno, "psn_name": "陈静"}
    him = {"user_certno": husband_certno, "user_name": "周敏"}
    masked = f"{husband_certno[:6]}********{husband_certno[-4:]}"
    with httpx.Client(timeout=30) as http:
        channel = admitted_channel(api, platform, http, ITEMS, admdvs="520300")

        with pytest.raises(ChannelRefused) as not_hers:  # the 授权人 must be the person the request names
            channel.call(97, {**me, "psn_name": "周敏", **him, "rlts": "1"})
        assert not_hers.value.code == "PERSON_NOT_MATCHED"
        bound = channel.call(97, {**me, **him, "rlts": "1"})
        assert (bound["process_id"], bound["status"]) == ("S097", "待医保经办机构审核")
        _approved(api, bound)

        order = channel.call(96, {**me, "user_certno": husband_certno, "pay_order_type": "2"})
        assert (order["process_id"], order["stage"]) == ("S096", "completed")  # no review: it moves no money
        paid = channel.call(111, {**me, **him, "clct_year": 2027})
        _approved(api, paid)

        relations = until(lambda: channel.call(92, me), lambda a: bool(a["as_authorizer"]))
        assert [(b["psn_name"], b["certno"], b["rlts_name"], b["status"]) for b in relations["as_authorizer"]] == [
            ("周敏", masked, "配偶", "bound")
        ]
        assert relations["certno"] == f"{holder_certno[:6]}********{holder_certno[-4:]}"
        assert channel.call(95, me)["bound_count"] == 1
        orders = until(lambda: channel.call(98, me), lambda a: a["users"][0]["pay_order_type"] == "2")
        assert orders["users"] == [
            {
                "psn_name": "周敏",
                "certno": masked,
                "pay_order_type": "2",
                "pay_order_name": "先共济账户，后本人个人账户",
            }
        ]
        records = until(lambda: channel.call(112, me), lambda a: bool(a["records"]))
        assert [(r["user_name"], r["user_certno"], r["clct_year"], r["pay_amt"]) for r in records["records"]] == [
            ("周敏", masked, 2027, "400.00")
        ]
        assert holder_certno not in str(records)
        assert husband_certno not in str(relations)  # whole numbers never leave the platform

    account = read_until(api, f"/api/v1/persons/{holder_psn_no}/account", lambda a: a.get("balance") == 60000)
    assert account["entries"][0]["kind_zh"] == "代缴"
    paid_year = read_until(
        api,
        f"/api/v1/persons/{husband_psn_no}/contributions",
        lambda c: any(r["ym"] == "202701" for r in c["contributions"]),
    )
    assert [r["paid"] for r in paid_year["contributions"] if r["ym"] == "202701"] == [40000]
    history = read_until(api, f"/api/v1/registries/mutual_aid/{holder_psn_no}/history", lambda h: len(h) == 2)
    assert [h["event"] for h in history] == ["UserBound", "ProxyPaymentRecorded"]  # every change is on record
