"""Reference-data items on the real platform: a channel admitted through P092 calls, through the SDK, the drug and
consumable catalogues, 限价, 政策文件 and 经办机构 (the query service's reference data: the shipped examples, loaded at
start-up because the tables were empty, and labelled as such) and 56 个税大病专项扣除信息 for a resident whose settlement
records were sent to the platform: the year's in-catalogue self-pay and the part above 15,000 yuan. Then the importer
(`python -m ybj_query.reference import`) on the platform's PostgreSQL: a file with a bad row changes nothing, a good one
replaces the kind's rows, and the item answers from it, no longer marked as example."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.integration.channels import admitted_channel
from tests.integration.conftest import Api
from tests.integration.enrollment_steps import new_resident, read_until
from ybj_dev.platform import ONE_OFF_WORKER, Platform

pytestmark = pytest.mark.integration

HOSPITAL = ("H52010200071", "institution", "520102")
ITEMS = [56, 57, 63, 100, 101, 102, 103, 104]
SHIPPED_POLICIES = Path(__file__).parents[2] / "services/query/ybj_query/reference/examples/policies.example.csv"


def _settled(api: Api, psn_no: str) -> None:
    """Two visits of 2026 for the person: 账户 0 + 现金 18,600 − 全自费 1,000 = 17,600 yuan inside the catalogue."""
    tag = f"{random.randint(0, 10**8):08d}"
    records = [
        {
            "setl_id": f"T{tag}{n}",
            "mdtrt_id": f"MT{tag}{n}",
            "psn_no": psn_no,
            "fixmedins_code": HOSPITAL[0],
            "insutype": "390",
            "med_type": "21",
            "setl_time": f"2026-0{n + 3}-10T09:30:00+08:00",
            "medfee_sumamt": total,
            "hifp_pay": fund,
            "psn_cash_pay": cash,
            "fulamt_ownpay_amt": own,
        }
        for n, (total, fund, cash, own) in enumerate(
            [("40000.00", "26000.00", "14000.00", "1000.00"), ("9000.00", "4400.00", "4600.00", "0.00")]
        )
    ]
    sent = api.client.post("/api/v1/settlement-records", json=records, headers=api.headers(HOSPITAL))
    assert sent.status_code == 200, sent.text
    read_until(api, f"/api/v1/persons/{psn_no}/annual-statement?year=2026", lambda s: s["records"] == 2)


def test_a_channel_reads_the_catalogues_and_a_residents_serious_illness_deduction(api: Api, platform: Platform) -> None:
    certno, psn_no = new_resident(api, "刘洋")
    _settled(api, psn_no)
    with httpx.Client(timeout=30) as http:
        channel = admitted_channel(api, platform, http, ITEMS, admdvs="520300")

        deduction = channel.call(56, {"psn_cert_type": "01", "certno": certno, "psn_name": "刘洋", "year": 2026})
        assert (deduction["in_catalogue_self_pay"], deduction["deductible"]) == ("17600.00", "2600.00")
        assert deduction["certno"] == f"{certno[:6]}{'*' * 8}{certno[-4:]}"
        assert "国发〔2018〕41号" in deduction["basis_zh"]

        drugs = channel.call(63, {"name": "阿莫西林"})
        assert drugs["total"] == 3
        assert all(len(d["med_list_codg"]) == 23 for d in drugs["items"])
        assert drugs["source"]["example"] is True  # the shipped example, loaded at start-up, says so

        one = channel.call(101, {"code": "XJ01CAA040E001010100001"})
        assert (one["kind"], one["item"]["drug_spec"], one["item"]["chrgitm_lv_name"]) == ("drugs", "0.25g", "甲类")
        codes = channel.call(100, {"name": "注射器"})
        assert [c["med_list_codg"] for c in codes["consumables"]["items"]] == [
            "C1401010010100100009",
            "C1401010010100200010",
        ]

        limits = channel.call(103, {"code": "XA10BAE001A001010100003", "on": "2026-03-01"})
        assert [(r["hilist_pric_uplmt_amt"], r["begndate"]) for r in limits["items"]] == [("0.025", "2026-01-01")]
        policy = channel.call(102, {"keyword": "个人所得税"})
        assert [p["doc_no"] for p in policy["items"]] == ["国发〔2018〕41号"]
        agencies = channel.call(57, {"admdvs": "520102"})
        assert {a["admdvs"] for a in agencies["items"]} == {"520000", "520100", "520102"}
        other = channel.call(104, {})
        assert len(other["catalogues"]) == 5


def _import(platform: Platform, kind: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ybj_query.reference", "import", kind, str(path)],
        env={**os.environ, **platform.env("query", ONE_OFF_WORKER)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_importer_replaces_a_kind_whole_or_not_at_all(api: Api, platform: Platform, tmp_path: Path) -> None:
    shipped = SHIPPED_POLICIES.read_text(encoding="utf-8")
    # The shipped rows (other tests' examples read them) and one more; then the same with a row whose date is wrong.
    added = "测试文〔2026〕7号,关于测试导入的通知,测试医疗保障局,2026-02-01,https://example.org/7,导入测试"
    (tmp_path / "good.csv").write_text(f"{shipped.rstrip()}\n{added}\n", encoding="utf-8")
    (tmp_path / "bad.csv").write_text(
        f"{shipped.rstrip()}\n{added.replace('2026-02-01', '2026-02-30')}\n", encoding="utf-8"
    )
    with httpx.Client(timeout=30) as http:
        channel = admitted_channel(api, platform, http, ITEMS, admdvs="520300")

        refused = _import(platform, "policies", tmp_path / "bad.csv")
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "第 15 行「发布日期」" in refused.stderr
        assert channel.call(102, {"keyword": "测试导入"})["total"] == 0
        assert channel.call(102, {"keyword": "个人所得税"})["source"]["example"] is True

        done = _import(platform, "policies", tmp_path / "good.csv")
        assert done.returncode == 0, done.stderr
        found = channel.call(102, {"keyword": "测试导入"})
        assert [(p["doc_no"], p["url"]) for p in found["items"]] == [("测试文〔2026〕7号", "https://example.org/7")]
        assert (found["source"]["file_name"], found["source"]["example"]) == ("good.csv", False)
