"""The sandbox on the real platform: seeded twice through the public entry point (the second run adds nothing), then
read by a channel through the SDK from a second gateway process started with YBJ_GATEWAY_SANDBOX_ONLY, which serves
the sandbox's people and refuses a real-looking insured person the ordinary gateway serves."""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.conftest import Api
from tests.integration.enrollment_steps import READER, new_resident, read_until
from ybj_channel.client import ChannelClient, ChannelRefused
from ybj_dev import processes, sandbox
from ybj_dev.demo import Seeder, Staff
from ybj_dev.demo_channel import demo_channel
from ybj_dev.platform import Platform
from ybj_gateway.sandbox import BY_ROLE, INSTITUTION, PHARMACY

pytestmark = pytest.mark.integration

SANDBOX_GATEWAY = "gateway-sandbox-only"
PORT_SHIFT = 8  # a port the platform leaves free: HTTP base+1 … base+6 and gRPC base, base+10 … base+15 are its own


@pytest.fixture(scope="module")
def sandbox_gateway(platform: Platform) -> Iterator[str]:
    """A second gateway process on the same platform (same channels, nonces and query service), sandbox only."""
    port = platform.base_port + PORT_SHIFT
    env = {
        **platform.env("gateway"),
        "YBJ_HTTP_PORT": str(port),
        "YBJ_GRPC_PORT": str(platform.grpc_base_port + PORT_SHIFT),
        "YBJ_GATEWAY_SANDBOX_ONLY": "true",
    }
    name = platform.name(SANDBOX_GATEWAY)
    pid = processes.start_process(name, [sys.executable, "-m", "ybj_gateway", "serve"], env, platform.run_dir)
    try:
        url = f"http://127.0.0.1:{port}"
        processes.wait_http(f"{url}/healthz", 60, log=processes.log_file(name, platform.run_dir), pid=pid)
        yield url
    finally:
        processes.stop_process(name, platform.run_dir)


def _client(url: str, key_file: Path, http: httpx.Client) -> ChannelClient:
    keys = json.loads(key_file.read_text(encoding="utf-8"))
    sm4 = bytes.fromhex(keys["sm4_key"])
    return ChannelClient(
        url, keys["app_id"], keys["private_key"], keys["public_key"], sm4, keys["platform_public_key"], http
    )


def _held(api: Api, psn_no: str, year: int) -> dict[str, Any]:
    """What the read side holds of the sandbox person: account, contributions, the year's settlement totals."""
    account = api.client.get(f"/api/v1/persons/{psn_no}/account", headers=api.headers(READER)).json()
    paid = api.client.get(f"/api/v1/persons/{psn_no}/contributions", headers=api.headers(READER)).json()
    statement = api.client.get(
        f"/api/v1/persons/{psn_no}/annual-statement", params={"year": year}, headers=api.headers(READER)
    ).json()
    return {
        "account": (account["balance"], account["total"]),
        "contributions": [(c["ym"], c["paid"]) for c in paid["contributions"]],
        "statement": statement,
    }


def test_the_sandbox_seeds_twice_without_duplicates_and_a_sandbox_gateway_serves_only_its_people(
    api: Api, platform: Platform, sandbox_gateway: str, tmp_path: Path
) -> None:
    facts = sandbox.seed(platform.url(), api.token)
    person, relative = facts.people["person"], facts.people["relative"]
    assert (person["certno"], person["psn_name"]) == (BY_ROLE["person"].certno, "测试一")
    assert person["psn_no"]
    assert relative["psn_no"]
    assert facts.people["newcomer"]["psn_no"] == ""
    assert facts.values()["institution.fixmedins_code"] == INSTITUTION.fixmedins_code
    assert facts.values()["employer2.emp_no"].startswith("520102")

    today = date.today()
    months = sandbox.months_paid(today)
    visits = sum(
        1 for r in sandbox.records(today) if r["certno"] == person["certno"] and r["setl_time"][:4] == str(today.year)
    )
    psn_no = person["psn_no"]
    read_until(api, f"/api/v1/persons/{psn_no}/account", lambda a: a["total"] >= 1 and a["balance"] > 0)
    read_until(api, f"/api/v1/persons/{psn_no}/contributions", lambda c: len(c["contributions"]) == len(months))
    read_until(api, f"/api/v1/persons/{psn_no}/annual-statement?year={today.year}", lambda s: s["records"] == visits)
    for institution in (INSTITUTION, PHARMACY):
        read_until(api, f"/api/v1/institutions/{institution.fixmedins_code}", bool)
    before = _held(api, psn_no, today.year)

    assert sandbox.seed(platform.url(), api.token) == facts  # again: every case found by its key, nothing new
    time.sleep(2)  # anything a second run had wrongly added would reach the read side by now
    assert _held(api, psn_no, today.year) == before
    assert before["account"][1] >= 1  # the person's: items of an end-to-end run in this session may have used it
    employee = facts.people["extra-02"]["psn_no"]  # no item's example names this one
    untouched = api.client.get(f"/api/v1/persons/{employee}/account", headers=api.headers(READER)).json()
    assert (untouched["balance"], untouched["total"]) == (100000, 1)  # one 注入 of 1,000.00 in fen, not two
    assert before["statement"]["records"] == visits
    assert [ym for ym, _ in before["contributions"]] == sorted(months, reverse=True)

    outsider_certno, _ = new_resident(api, "周敏")  # insured, real-looking: not in the roster
    key_file = demo_channel(
        Seeder(api.client, Staff(api.key_dir)), tmp_path, system_id=f"sbxtest{random.randint(0, 10**8):08d}"
    )
    with httpx.Client(timeout=30) as http:
        sandboxed = _client(sandbox_gateway, key_file, http)
        mine = sandboxed.call(68, {"psn_cert_type": "01", "certno": person["certno"], "psn_name": "测试一"})
        assert "310" in [r["insutype"] for r in mine["insurances"]]
        assert mine["certno"] == f"{person['certno'][:6]}********{person['certno'][-4:]}"
        theirs = sandboxed.call(68, {"certno": relative["certno"], "psn_name": relative["psn_name"]})
        assert "390" in [r["insutype"] for r in theirs["insurances"]]

        outsider = {"psn_cert_type": "01", "certno": outsider_certno, "psn_name": "周敏"}
        with pytest.raises(ChannelRefused) as refused:
            sandboxed.call(68, outsider)
        assert (refused.value.code, refused.value.http_status) == ("PERSON_NOT_MATCHED", 404)
        ordinary = _client(platform.url("gateway"), key_file, http)
        assert ordinary.call(68, outsider)["psn_name"] == "周敏"  # the platform holds them: the guard refused
