"""Enrollment steps other integration tests start from: a new unit, a new employee, a read that waits for the read side."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tests.integration.conftest import Api, valid_certno
from ybj_enrollment.processes.p001_employer_registration import EXAMPLE as EMPLOYER
from ybj_enrollment.registries.codes import emp_no_for, psn_no_for
from ybj_kernel.domain.identity import uscc_check_char

REG = ("gy-reg-11", "registrar", "520000")
READER = ("gy-aud-11", "oversight", "520000")


def new_uscc() -> str:
    first17 = f"915201{random.randint(0, 10**11 - 1):011d}"
    return first17 + uscc_check_char(first17)


def new_certno() -> str:
    """A woman born in 1988 on a random day (an even 17th digit)."""
    return valid_certno(f"5201021988{random.randint(1, 12):02d}{random.randint(10, 28)}{random.randint(0, 49) * 2:03d}")


def new_employer(api: Api, name: str) -> str:
    uscc = new_uscc()
    done = api.create("P001", {**EMPLOYER, "uscc": uscc, "emp_name": name}, REG)
    assert (done.status_code, done.json()["stage"]) == (201, "completed"), done.text
    return emp_no_for(uscc, str(EMPLOYER["admdvs"]))


def new_employee(api: Api, emp_no: str, certno: str) -> str:
    data = {
        "emp_no": emp_no,
        "emp_name": "贵阳云岩数智科技有限公司",
        "emp_mgt_type": "01",
        "certno": certno,
        "psn_name": "陈静",
        "gend": "2",
        "brdy": f"{certno[6:10]}-{certno[10:12]}-{certno[12:14]}",
        "fir_work_date": "2012-07-01",
        "decl_wage": "6500.00",
        "emp_fom": "01",
        "hired_on": "2026-11-25",
        "begndate": "2026-12-01",
    }
    done = api.create("P002", data, REG)
    assert (done.status_code, done.json()["stage"]) == (201, "completed"), done.text
    return psn_no_for(certno)


def read_until(api: Api, path: str, ready: Callable[[Any], bool], timeout: float = 15.0) -> Any:
    """GET a registry read until it shows what the last command did (the read side follows Kafka)."""
    deadline = time.monotonic() + timeout
    while True:
        response = api.client.get(path, headers=api.headers(READER))
        if response.status_code == 200 and ready(body := response.json()):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} never showed the change: {response.status_code} {response.text[:500]}")
        time.sleep(0.1)


COMMUNITY = {"emp_no": "52011500001", "emp_name": "观山湖区金华园社区", "admdvs": "520115"}


def new_resident(api: Api, psn_name: str = "周敏") -> tuple[str, str]:
    """A new resident enrolled through P019 (城乡居民, from 2026-01-01), once treatment's view of who is insured has
    them (enrollment's event has reached it): their 证件号码 and 人员编号."""
    born = f"19{random.randint(60, 99)}{random.randint(1, 12):02d}{random.randint(10, 28)}"
    certno = valid_certno(f"520115{born}{random.randint(0, 49) * 2:03d}")
    case = api.create("P019", COMMUNITY, REG)
    assert case.status_code == 201, case.text
    person = {
        "certno": certno,
        "psn_name": psn_name,
        "naty": "01",
        "gend": "2",
        "brdy": f"{certno[6:10]}-{certno[10:12]}-{certno[12:14]}",
        "begndate": "2026-01-01",
        "fst_insu_ym": "202601",
        "psn_type": "11",
        "clct_grade": "1",
        "clct_way": "1",
        "max_acct_prd": "202612",
    }
    done = api.act(case.json(), REG, "register", person)
    assert (done.status_code, done.json()["stage"]) == (200, "completed"), done.text
    in_treatments_view(api, certno, lambda e: bool(e["state"].get("relations")))
    return certno, psn_no_for(certno)


def in_treatments_view(api: Api, certno: str, ready: Callable[[Any], bool], timeout: float = 30.0) -> Any:
    """Treatment's view of a person (its own store, read as of now: the view is not republished) once `ready`."""
    deadline = time.monotonic() + timeout
    while True:
        now = datetime.now(UTC).isoformat()
        response = api.client.get(
            f"/api/v1/registries/insured/{certno}", params={"as_of": now}, headers=api.headers(READER)
        )
        if response.status_code == 200 and ready(body := response.json()):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"treatment's view of {certno} never got there: {response.text[:500]}")
        time.sleep(0.1)
