"""Registry entries end to end: their events on Kafka, the query service's read models of them, the public reads
answered from those, and a rebuild from the topics giving the same read models."""

from __future__ import annotations

import io
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jsonpatch
import psycopg
import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, create_engine, exc

from tests.integration.conftest import Api, rebuild_read_models, valid_certno
from tests.integration.kafka_reader import published, records
from ybj_dev import infra
from ybj_dev.platform import Platform
from ybj_enrollment.processes.p001_employer_registration import EXAMPLE as EMPLOYER
from ybj_enrollment.registries.codes import emp_no_for, psn_no_for
from ybj_kernel.domain.identity import uscc_check_char
from ybj_kernel.envelope import to_registry_envelope, topic_for
from ybj_kernel.errors import Forbidden, NotFound
from ybj_query import bulk, registry_queries
from ybj_query.consumer import create_schema
from ybj_query.projection import project, project_batch

pytestmark = pytest.mark.integration

REG, REG2 = ("gy-reg-01", "registrar", "520000"), ("gy-reg-02", "registrar", "520000")
READER = ("gy-aud-01", "oversight", "520000")
ELSEWHERE = ("zy-reg-01", "registrar", "520300")  # 遵义: not the unit's 医保区划
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# On the read models alone (a database of their own): the batch and one-by-one paths, and the queries.


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    env = infra.infra_up(infra.default_run_dir())
    name = f"ybj_regrm_{uuid.uuid4().hex[:8]}"
    dsn = infra.create_database(env["YBJ_PG_DSN"], name)
    engine = create_engine(dsn.replace("postgresql://", "postgresql+psycopg://", 1))
    create_schema(engine)
    yield engine
    engine.dispose()
    infra.drop_database(env["YBJ_PG_DSN"], name)


def _entry_event(
    registry: str, key: str, version: int, patch: list[dict[str, Any]], *, event: str = "Changed", **extra: Any
) -> dict[str, Any]:
    change = {
        "entry_id": uuid.uuid5(uuid.NAMESPACE_URL, f"{registry}:{key}"),
        "registry": registry,
        "key": key,
        "version": version,
        "timestamp": datetime(2026, 12, 1, tzinfo=UTC) + timedelta(minutes=version),
        "event_name": event,
        "op": extra.pop("op", "op"),
        "case_id": extra.pop("case_id", str(uuid.uuid4())),
        "args": extra.pop("args", {}),
        "patch": patch,
        "in_effect": extra.pop("in_effect", True),
    }
    return to_registry_envelope("enrollment", change)


def _opening(state: dict[str, Any]) -> list[dict[str, Any]]:
    """The patch of an opening event: the whole state in place of nothing."""
    return [{"op": "replace", "path": "", "value": state}]


def _statement(psn_no: str, moves: int) -> list[dict[str, Any]]:
    """An account's first `moves` events: each 注入 of (n + 1) yuan, with the balance after."""
    events: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    before: dict[str, Any] = {}
    balance = 0
    for n in range(moves):
        balance += (n + 1) * 100
        entries = [
            *entries,
            {"kind": "inject", "amount": (n + 1) * 100, "on": f"2026-0{n + 1}-01", "balance_after": balance},
        ]
        state = {"psn_no": psn_no, "balance": balance, "frozen": False, "entries": entries}
        patch = _opening(state) if n == 0 else jsonpatch.make_patch(before, state).patch
        events.append(_entry_event("account", psn_no, n + 1, patch, event="AccountEntryRecorded", op="move"))
        before = state
    return events


def test_an_account_pages_newest_first_and_a_resent_batch_changes_nothing(engine: Engine) -> None:
    psn_no = f"52{random.randint(0, 10**14 - 1):014d}"
    events = _statement(psn_no, 5)
    with engine.begin() as conn:
        assert project_batch(conn, events[:3]) == [True, True, True]
    with engine.begin() as conn:  # the relay sent 2..3 again, then 4..5
        assert project_batch(conn, events[1:]) == [False, False, True, True]
    with engine.begin() as conn:
        assert [project(conn, e) for e in events] == [False] * 5
    first = registry_queries.account_page(engine, psn_no, 1, 2)
    assert (first["balance"], first["total"], first["version"]) == (1500, 5, 5)
    assert [e["amount"] for e in first["entries"]] == [500, 400]
    assert [e["amount"] for e in registry_queries.account_page(engine, psn_no, 3, 2)["entries"]] == [100]
    assert registry_queries.account_page(engine, psn_no, 4, 2)["entries"] == []
    history = registry_queries.history(engine, "account", psn_no)
    assert [h["version"] for h in history] == [1, 2, 3, 4, 5]
    assert history[1]["state"]["balance"] == 300
    assert history[1]["patch"] == events[1]["data"]["patch"]  # what the history keeps: the change
    assert [e["amount"] for e in history[-1]["state"]["entries"]] == [100, 200, 300, 400, 500]
    with pytest.raises(NotFound):
        registry_queries.account_page(engine, "nobody", 1, 2)


def test_one_by_one_and_batched_give_the_same_rows_and_a_raced_batch_is_refused(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    singly, batched = _statement("P-SINGLY", 3), _statement("P-BATCHED", 3)
    with engine.begin() as conn:
        assert [project(conn, e) for e in singly] == [True, True, True]
        assert project_batch(conn, batched) == [True, True, True]
    one, many = (registry_queries.entry(engine, "account", k) for k in ("P-SINGLY", "P-BATCHED"))
    assert (one["version"], one["state"]["balance"]) == (many["version"], many["state"]["balance"]) == (3, 600)
    # The batch saw the entry at version 2, but 3 is already there: nothing of it may apply.
    held = bulk.StoredEntry(2, True, {"balance": 300})
    monkeypatch.setattr(bulk, "read_entries", lambda conn, latest: {("account", "P-BATCHED"): held})
    with pytest.raises(exc.IntegrityError), engine.begin() as conn:
        project_batch(
            conn, [_entry_event("account", "P-BATCHED", 3, [{"op": "replace", "path": "/balance", "value": -1}])]
        )
    assert registry_queries.entry(engine, "account", "P-BATCHED")["state"]["balance"] == 600


def test_employers_are_searched_by_part_of_the_name_within_the_callers_division(engine: Engine) -> None:
    token = uuid.uuid4().hex[:6]
    units = [
        ("52010200000001", "520102", f"贵阳{token}科技有限公司"),
        ("52010200000002", "520102", f"贵阳{token}100%_公司"),
        ("52030200000003", "520302", f"遵义{token}科技有限公司"),
    ]
    with engine.begin() as conn:
        project_batch(
            conn,
            [
                _entry_event("employer", emp_no, 1, _opening({"emp_no": emp_no, "admdvs": admdvs, "emp_name": name}))
                for emp_no, admdvs, name in units
            ],
        )
        project(
            conn,
            _entry_event(
                "person", "P-IN-UNIT", 1, _opening({"psn_name": "王五", "relations": {"310": {"emp_no": units[0][0]}}})
            ),
        )

    def names(scope: str, part: str) -> list[str]:
        total, items = registry_queries.employers(
            engine, scope, uscc=None, emp_name=part, admdvs=None, limit=50, offset=0
        )
        assert total == len(items)
        return [i["state"]["emp_name"] for i in items]

    assert names("520000", f"{token}科技") == [units[0][2], units[2][2]]
    assert names("520100", f"{token}科技") == [units[0][2]]  # 贵阳 staff do not see 遵义's units
    assert names("520000", "100%_") == [units[1][2]]  # the user's % and _ are taken literally
    assert names("520000", f"{token}1") == [units[1][2]]
    total, persons = registry_queries.persons_of_unit(engine, "520100", units[0][0], psn_name=None, limit=10, offset=0)
    assert (total, [p["key"] for p in persons]) == (1, ["P-IN-UNIT"])
    with pytest.raises(Forbidden):
        registry_queries.persons_of_unit(engine, "520300", units[0][0], psn_name=None, limit=10, offset=0)


# On the whole platform: P001 employer, P002 employee, P006 暂停缴费 completed and stepped back.


def _uscc() -> str:
    first17 = f"915201{random.randint(0, 10**11 - 1):011d}"
    return first17 + uscc_check_char(first17)


@pytest.fixture(scope="module")
def walked(api: Api) -> dict[str, Any]:
    token = uuid.uuid4().hex[:8]
    uscc = _uscc()
    emp_name = f"贵阳{token}数据服务有限公司"
    employer = api.create("P001", {**EMPLOYER, "uscc": uscc, "emp_name": emp_name}, REG)
    assert employer.status_code == 201, employer.text
    emp_no = emp_no_for(uscc, str(EMPLOYER["admdvs"]))
    certno = valid_certno(f"5201021990{random.randint(1, 12):02d}{random.randint(10, 28)}{random.randint(0, 99):02d}2")
    employee = {
        "emp_no": emp_no,
        "emp_name": emp_name,
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
    enrolled = api.create("P002", employee, REG)
    assert enrolled.status_code == 201, enrolled.text
    suspension = {"certno": certno, "paus_date": "2026-12-01", "paus_rea": "单位停产"}
    body = {"process": "P006", "variant": "suspend", "data": suspension}
    suspended = api.client.post("/api/v1/cases", json=body, headers=api.headers(REG))
    assert suspended.status_code == 201, suspended.text
    assert suspended.json()["stage"] == "completed"
    stepped = api.step(suspended.json(), REG2, "step_back", comment="暂停日期填错")
    psn_no = psn_no_for(certno)
    # The read model follows within moments: the person's third event is the undoing of the suspension.
    api.wait_read(f"/api/v1/persons/{psn_no}", READER, lambda r: r.status_code == 200 and r.json()["version"] == 3)
    return {
        "uscc": uscc,
        "emp_no": emp_no,
        "emp_name": emp_name,
        "token": token,
        "certno": certno,
        "psn_no": psn_no,
        "enrollment": enrolled.json()["case_id"],
        "suspension": stepped["case_id"],
    }


def test_registry_events_are_on_kafka_keyed_by_entry(platform: Platform, walked: dict[str, Any]) -> None:
    topic = topic_for(platform.topic_prefix, "enrollment")
    mine = {walked["emp_no"], walked["uscc"], walked["psn_no"], walked["certno"]}
    envelopes = [e for e in published(platform.kafka_bootstrap, topic) if e.get("subject") in mine and "entryid" in e]
    by_registry: dict[str, list[dict[str, Any]]] = {}
    for e in sorted(envelopes, key=lambda e: (e["registry"], e["entryversion"])):
        by_registry.setdefault(e["registry"], []).append(e)
    assert [e["type"] for e in by_registry["person"]] == [
        "cn.ybj.enrollment.person.Enrolled.v1",
        "cn.ybj.enrollment.person.ContributionSuspended.v1",
        "cn.ybj.enrollment.person.ChangeReverted.v1",
    ]
    assert [e["type"] for e in by_registry["employer"]] == ["cn.ybj.enrollment.employer.EmployerRegistered.v1"]
    assert [e["type"] for e in by_registry["uscc"]] == ["cn.ybj.enrollment.uscc.KeyHeld.v1"]
    assert [e["type"] for e in by_registry["certno"]] == ["cn.ybj.enrollment.certno.KeyHeld.v1"]
    person = by_registry["person"]
    assert {e["subject"] for e in person} == {walked["psn_no"]}
    assert [e["bycaseid"] for e in person] == [walked["enrollment"], walked["suspension"], walked["suspension"]]
    # Each carries the patch it applies; applied in turn they give the person at each version.
    states = [jsonpatch.apply_patch({}, person[0]["data"]["patch"])]
    for e in person[1:]:
        states.append(jsonpatch.apply_patch(states[-1], e["data"]["patch"]))
    assert states[1]["relations"]["310"]["status"] == "suspended"
    assert states[2]["relations"]["310"]["status"] == "active"
    assert states[2] == states[0]
    assert all(len(e["digest"]) == 64 for e in envelopes)  # SM3, like the case events
    # Keyed by entry id: one entry's events in one partition, in order.
    keys = {(r.partition, r.offset): r.key for r in records(platform.kafka_bootstrap, topic)}
    assert all(keys[(e["_partition"], e["_offset"])] == e["entryid"].encode() for e in envelopes)
    assert len({e["_partition"] for e in person}) == 1
    assert [e["_offset"] for e in person] == sorted(e["_offset"] for e in person)


def test_the_public_reads_answer_from_the_read_models(api: Api, walked: dict[str, Any]) -> None:
    emp_no, psn_no = walked["emp_no"], walked["psn_no"]
    employer = api.client.get(f"/api/v1/employers/{emp_no}", headers=api.headers(READER)).json()
    assert (employer["key"], employer["state"]["emp_name"], employer["version"]) == (emp_no, walked["emp_name"], 1)
    by_uscc = api.client.get("/api/v1/employers", params={"uscc": walked["uscc"]}, headers=api.headers(READER))
    assert by_uscc.json()["key"] == emp_no
    person = api.client.get("/api/v1/persons", params={"certno": walked["certno"]}, headers=api.headers(READER))
    assert person.status_code == 200, person.text
    assert (person.json()["key"], person.json()["version"]) == (psn_no, 3)
    assert [(e["insutype"], e["status"], e["emp_no"]) for e in person.json()["enrollments"]] == [
        ("310", "active", emp_no)
    ]
    contributions = api.client.get(f"/api/v1/persons/{psn_no}/contributions", headers=api.headers(READER))
    assert contributions.json() == {"psn_no": psn_no, "bases": [], "contributions": []}
    assert api.client.get(f"/api/v1/persons/{psn_no}/account", headers=api.headers(READER)).status_code == 404
    unit = api.client.get("/api/v1/persons", params={"emp_no": emp_no}, headers=api.headers(READER)).json()
    assert [p["key"] for p in unit["items"]] == [psn_no]
    elsewhere = api.client.get("/api/v1/persons", params={"emp_no": emp_no}, headers=api.headers(ELSEWHERE))
    assert elsewhere.status_code == 403
    assert api.client.get(f"/api/v1/persons/{psn_no}").status_code == 401
    nobody = api.client.get("/api/v1/persons/52000000000000", headers=api.headers(READER))
    assert (nobody.status_code, nobody.json()["code"]) == (404, "ENTRY_NOT_FOUND")


def test_the_history_shows_both_moves(api: Api, walked: dict[str, Any]) -> None:
    path = f"/api/v1/registries/person/{walked['psn_no']}/history"
    history = api.client.get(path, headers=api.headers(READER)).json()
    assert [h["event"] for h in history] == ["Enrolled", "ContributionSuspended", "ChangeReverted"]
    assert [h["case_id"] for h in history[1:]] == [walked["suspension"]] * 2
    assert history[1]["args"]["reason"] == "单位停产"
    assert history[2]["args"] is None
    assert history[1]["state"]["relations"]["310"]["status"] == "suspended"
    assert history[2]["state"] == history[0]["state"]
    index = api.client.get(f"/api/v1/registries/certno/{walked['certno']}/history", headers=api.headers(READER))
    assert [h["event"] for h in index.json()] == ["KeyHeld"]
    unknown = api.client.get("/api/v1/registries/nothing/1/history", headers=api.headers(READER))
    assert (unknown.status_code, unknown.json()["code"]) == (404, "UNKNOWN_REGISTRY")
    # As of a moment still goes to the enrollment service, which rebuilds the person from its own store.
    then = api.client.get(
        f"/api/v1/persons/{walked['psn_no']}", params={"as_of": history[1]["time"]}, headers=api.headers(READER)
    ).json()
    assert (then["version"], then["enrollments"][0]["status"]) == (2, "suspended")


def test_employers_are_found_by_part_of_their_name_and_exported(api: Api, walked: dict[str, Any]) -> None:
    part = walked["token"]
    found = api.client.get("/api/v1/employers", params={"emp_name": part}, headers=api.headers(READER)).json()
    assert (found["total"], [e["key"] for e in found["items"]]) == (1, [walked["emp_no"]])
    assert api.client.get("/api/v1/employers", params={"emp_name": part}, headers=api.headers(ELSEWHERE)).json() == {
        "items": [],
        "total": 0,
        "page": 1,
        "page_size": 50,
    }
    exported = api.client.get(
        "/api/v1/employers", params={"emp_name": part, "format": "xlsx"}, headers=api.headers(READER)
    )
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert (rows[0][:3], rows[1][:3]) == (["单位编号", "单位名称", "统一社会信用代码"], ["emp_no", "emp_name", "uscc"])
    assert rows[2][:3] == [walked["emp_no"], walked["emp_name"], walked["uscc"]]
    assert rows[2][5] == "正常"


def test_reads_of_persons_and_employers_are_in_the_access_log(api: Api, walked: dict[str, Any]) -> None:
    api.client.get(f"/api/v1/persons/{walked['psn_no']}", headers=api.headers(REG))
    api.client.get(f"/api/v1/registries/person/{walked['psn_no']}/history", headers=api.headers(READER))
    log = api.client.get(
        "/api/v1/audit/access-log", params={"target": walked["psn_no"]}, headers=api.headers(READER)
    ).json()["items"]
    assert {("gy-reg-01", "person"), ("gy-aud-01", "person-history")} <= {(e["user_id"], e["what"]) for e in log}


# Enrollment's registries only: treatment's view of the same person (`insured`) follows it on its own time.
ENROLLMENT_REGISTRIES = ["employer", "uscc", "person", "certno", "account"]


def _registry_rows(platform: Platform, keys: set[str]) -> list[tuple[Any, ...]]:
    with psycopg.connect(platform.pg_dsn) as conn:
        entries = conn.execute(
            "SELECT registry, key, entry_id, version, in_effect, state::text, case_id, updated_at, emp_nos::text,"
            " emp_name, uscc, certno, psn_name, admdvs FROM query.rm_registry_entries WHERE key = ANY(%s)"
            " AND registry = ANY(%s) ORDER BY registry, key",
            (list(keys), ENROLLMENT_REGISTRIES),
        ).fetchall()
        history = conn.execute(
            "SELECT registry, key, version, event_id, event_type, op, case_id, time, args::text, patch::text,"
            " in_effect FROM query.rm_registry_history WHERE key = ANY(%s) AND registry = ANY(%s)"
            " ORDER BY registry, key, version",
            (list(keys), ENROLLMENT_REGISTRIES),
        ).fetchall()
    return [*entries, *history]


def test_a_rebuild_gives_the_same_registry_read_models(platform: Platform, walked: dict[str, Any]) -> None:
    keys = {walked["emp_no"], walked["uscc"], walked["psn_no"], walked["certno"]}
    before = _registry_rows(platform, keys)
    assert len(before) == 4 + 6  # four entries; three person events, and one each of the others
    rebuild_read_models(platform)
    assert _registry_rows(platform, keys) == before
