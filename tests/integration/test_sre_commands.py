"""The SREs' `ybj` commands on a real platform: lag, dead letters listed and retried (before and after a fix, a case's
later events caught up in order, nothing applied or put back twice), a replay into the projector and into a reactor,
a rebuild confirmed with --yes and a verification that passes.

The "fix" of the retry and of one replay is a newer projection, run in this process: it accepts an envelope schema
version the running projector refuses (monkeypatched `SUPPORTED_SCHEMA_VERSIONS`). The messages are a real case's
envelopes copied under new case ids, so that the cases exist only on Kafka and in the read models.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest
from aiokafka import AIOKafkaProducer

from tests.integration.conftest import Api, read_model_checksum, read_model_versions, wait_projector, wait_until
from tests.integration.enrollment_steps import new_employer
from tests.integration.kafka_reader import published, records
from ybj_dev import processes, run
from ybj_dev.platform import ONE_OFF_WORKER, Platform
from ybj_kernel.envelope import event_id, topic_for
from ybj_kernel.ops import commands

pytestmark = pytest.mark.integration

SYSTEM, FIRST, SECOND = ("ybj-system", "system"), ("gy-fr-01", "first_reviewer"), ("gy-sr-01", "second_reviewer")
SERVICE = "supervision"


def ybj(
    platform: Platform, *argv: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `ybj` as an operator would, with the platform's environment (or the one given), without a terminal."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("YBJ_")}
    return subprocess.run(
        [str(Path(sys.executable).parent / "ybj"), *argv],
        env={**base, **(env if env is not None else platform.env("query", ONE_OFF_WORKER))},
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def ybj_json(platform: Platform, *argv: str) -> dict[str, Any]:
    result = ybj(platform, *argv, "--json")
    assert result.returncode in (0, 1), result.stderr[-3000:]
    document: dict[str, Any] = orjson.loads(result.stdout)
    return document


def _suspicion(tag: str) -> dict[str, Any]:
    return {
        "task_type": "事后审核",
        "task_name": "运维命令测试",
        "mdtrt_id": f"SRE-{tag}",
        "fixmedins_code": "H52010000001",
        "rule_code": "R1",
        "admdvs": "520102",
        "suspect_amount": "10.00",
    }


@dataclass(frozen=True)
class Copy:
    """A real case's three events published again under a new case id; its version 2 in a schema the running
    projector refuses (so it is dead-lettered and version 3 is passed over)."""

    case_id: str
    partition: int
    offsets: tuple[int, int, int]  # of versions 1, 2, 3

    @property
    def refused(self) -> tuple[int, int]:
        """Where its version 2 is: partition, offset."""
        return self.partition, self.offsets[1]


@dataclass(frozen=True)
class Scene:
    topic: str
    real_case: str
    real_offsets: list[int]
    garbage_key: str
    garbage: tuple[int, int]  # partition, offset
    retried: Copy  # for `deadletters retry`
    replayed: Copy  # for `replay`


def _schema_v2(envelope: dict[str, Any]) -> dict[str, Any]:
    version = envelope["schemaversion"]
    return {**envelope, "schemaversion": 2 if isinstance(version, int) else "2", "type": envelope["type"][:-3] + ".v2"}


async def _produce(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes]]) -> list[tuple[int, int]]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        sent = [await producer.send_and_wait(topic, value, key=key) for key, value in messages]
    finally:
        await producer.stop()
    return [(meta.partition, meta.offset) for meta in sent]


def _copy(platform: Platform, topic: str, envelopes: list[dict[str, Any]], tag: str) -> Copy:
    case_id = str(uuid.uuid4())
    values = []
    for envelope in envelopes:
        copied = {**envelope, "caseid": case_id, "subject": case_id, "id": event_id(case_id, envelope["caseversion"])}
        copied["acceptanceno"] = f"SRE{tag}"
        values.append(_schema_v2(copied) if envelope["caseversion"] == 2 else copied)
    sent = asyncio.run(_produce(platform.kafka_bootstrap, topic, [(case_id.encode(), orjson.dumps(v)) for v in values]))
    partitions = {p for p, _ in sent}
    assert len(partitions) == 1
    first, second, third = (o for _, o in sent)
    return Copy(case_id, partitions.pop(), (first, second, third))


def _position(platform: Platform, topic: str, partition: int) -> int:
    with psycopg.connect(platform.pg_dsn) as conn:
        row = conn.execute(
            "SELECT next_offset FROM query.rm_positions WHERE topic = %s AND partition = %s", (topic, partition)
        ).fetchone()
    return int(row[0]) if row else 0


def _passed(platform: Platform, topic: str, partition: int, offset: int) -> Callable[[], bool]:
    return lambda: _position(platform, topic, partition) > offset


def _version(platform: Platform, case_id: str) -> int | None:
    with psycopg.connect(platform.pg_dsn) as conn:
        row = conn.execute("SELECT version FROM query.rm_cases WHERE case_id = %s", (case_id,)).fetchone()
    return int(row[0]) if row else None


def _waiting(platform: Platform) -> list[dict[str, Any]]:
    waiting: list[dict[str, Any]] = ybj_json(platform, "deadletters", "list")["waiting"]
    return waiting


def _waiting_from(platform: Platform, topic: str, where: tuple[int, int]) -> list[dict[str, Any]]:
    """The waiting dead letters of the message at (partition, offset) of `topic`."""
    return [d for d in _waiting(platform) if (d["topic"], d["partition"], d["offset"]) == (topic, *where)]


@pytest.fixture(scope="module")
def scene(api: Api, platform: Platform) -> Scene:
    """A real case at version 3, a message that is not JSON, and two copies of the case with a refused version 2."""
    marker = uuid.uuid4().hex[:8]
    topic = topic_for(platform.topic_prefix, SERVICE)
    created = api.create("P072", _suspicion(marker), SYSTEM).json()
    second = api.step(created, FIRST, "approve", {"is_violation": False})
    third = api.step(second, SECOND, "skip")
    api.wait_visible(created["case_id"], third["version"])
    wait_until(lambda: len(published(platform.kafka_bootstrap, topic, created["case_id"])) >= 3, 30, "not published")
    real = sorted(published(platform.kafka_bootstrap, topic, created["case_id"]), key=lambda e: e["caseversion"])[:3]
    clean = [{k: v for k, v in e.items() if not k.startswith("_")} for e in real]
    garbage_key = f"sre-{marker}"
    [(garbage_partition, garbage_offset)] = asyncio.run(
        _produce(platform.kafka_bootstrap, topic, [(garbage_key.encode(), b"\xff\xfe not JSON at all")])
    )
    retried, replayed = _copy(platform, topic, clean, f"{marker}R"), _copy(platform, topic, clean, f"{marker}P")
    for partition, offset in [
        (garbage_partition, garbage_offset),
        *((c.partition, c.offsets[2]) for c in (retried, replayed)),
    ]:
        wait_until(_passed(platform, topic, partition, offset), 30, f"projector not past {offset}")
    dead = f"{platform.topic_prefix}.query.dead-letter"
    wanted = {garbage_key.encode(), retried.case_id.encode(), replayed.case_id.encode()}
    wait_until(lambda: wanted <= {r.key for r in records(platform.kafka_bootstrap, dead)}, 30, "not dead-lettered")
    return Scene(
        topic,
        created["case_id"],
        [e["_offset"] for e in real],
        garbage_key,
        (garbage_partition, garbage_offset),
        retried,
        replayed,
    )


def test_the_projector_passed_over_the_later_events_of_a_dead_lettered_one(platform: Platform, scene: Scene) -> None:
    for copy in (scene.retried, scene.replayed):
        assert _version(platform, copy.case_id) == 1  # version 2 refused, version 3 waiting for it


def test_lag_run_from_another_folder_reads_the_run_folders_settings(
    platform: Platform, scene: Scene, tmp_path: Path
) -> None:
    run_dir, elsewhere = tmp_path / "run", tmp_path / "elsewhere"
    elsewhere.mkdir()
    run.write_platform_settings(replace(platform, run_dir=run_dir))
    env = {"YBJ_RUN_DIR": str(run_dir)}  # no YBJ_PG_DSN, no YBJ_KAFKA_BOOTSTRAP: as on a developer's shell
    result = ybj(platform, "lag", "--json", env=env, cwd=elsewhere)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"platform from {run_dir / 'platform.env'}" in result.stderr
    report = orjson.loads(result.stdout)
    assert [r["service"] for r in report["relays"]] == [
        "enrollment",
        "treatment",
        "settlement",
        "supervision",
        "gateway",
    ]
    assert all(r["error"] is None and 0 <= r["lag"] <= r["stored"] for r in report["relays"])
    supervision = next(r for r in report["relays"] if r["service"] == SERVICE)
    assert supervision["stored"] >= 3
    projector = [c for c in report["consumers"] if c["consumer"] == "query-projector" and c["topic"] == scene.topic]
    assert sorted(c["partition"] for c in projector) == [0, 1, 2]
    assert all(c["position"] <= c["end"] and c["lag"] == c["end"] - c["position"] for c in projector)
    assert {c["consumer"] for c in report["consumers"]} >= {"treatment-reactor", "settlement-reactor"}
    assert report["dead_letters"]["topic"] == f"{platform.topic_prefix}.query.dead-letter"
    assert report["dead_letters"]["waiting"] >= 3
    assert report["complete"] is True
    table = ybj(platform, "lag", env=env, cwd=elsewhere)
    assert "RELAY LAG" in table.stdout
    assert "CONSUMER LAG" in table.stdout
    nowhere = ybj(platform, "lag", env={"YBJ_RUN_DIR": str(tmp_path / "none")}, cwd=elsewhere)
    assert nowhere.returncode == 2
    assert str(tmp_path / "none" / "platform.env") in nowhere.stderr


def test_deadletters_list_shows_origin_case_and_reason(platform: Platform, scene: Scene) -> None:
    [garbage] = _waiting_from(platform, scene.topic, scene.garbage)
    assert garbage["subject"] == scene.garbage_key
    assert "JSON" in garbage["reason"]
    [refused] = _waiting_from(platform, scene.topic, scene.retried.refused)
    assert (refused["subject"], refused["version"], refused["retries"]) == (scene.retried.case_id, 2, 0)
    assert "schema version" in refused["reason"]
    assert refused["dead_lettered_at"].endswith("+00:00")
    table = ybj(platform, "deadletters", "list")
    assert table.returncode == 0, table.stderr[-3000:]
    assert f"{scene.topic}[{scene.retried.partition}]@{scene.retried.offsets[1]}" in table.stdout
    assert scene.retried.case_id in table.stdout


def test_a_retry_without_a_fix_puts_each_back_once_with_its_origin(platform: Platform, scene: Scene) -> None:
    before = _waiting_from(platform, scene.topic, scene.garbage)[0]
    result = ybj(platform, "deadletters", "retry")
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    assert "still failing" in result.stdout
    assert "went back to" in result.stdout
    assert "retry: [" in result.stderr  # the progress bar, as plain lines off a terminal
    [again] = _waiting_from(platform, scene.topic, scene.garbage)
    assert again["retries"] == 1
    assert again["first_reason"] == before["reason"]
    assert again["dead_letter_offset"] != before["dead_letter_offset"]
    assert _version(platform, scene.retried.case_id) == 1
    ybj(platform, "deadletters", "retry")
    [twice] = _waiting_from(platform, scene.topic, scene.garbage)  # handled once per retry, never duplicated
    assert twice["retries"] == 2


@pytest.fixture
def fixed(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    """This process runs a projection that accepts schema version 2, and `ybj`'s commands in it find the platform."""
    monkeypatch.setattr("ybj_query.projection.SUPPORTED_SCHEMA_VERSIONS", frozenset({"1", "2"}))
    for key, value in platform.env("query", ONE_OFF_WORKER).items():
        monkeypatch.setenv(key, value)


def run_here(*argv: str) -> tuple[int, str, str]:
    """A `ybj` command in this process (with the fixed projection)."""
    parser = argparse.ArgumentParser(prog="ybj")
    commands.add_commands(parser.add_subparsers(dest="command", required=True))
    out, err = io.StringIO(), io.StringIO()
    status = commands.run(parser.parse_args(list(argv)), out, err)
    return status, out.getvalue(), err.getvalue()


@pytest.mark.usefixtures("fixed")
def test_after_a_fix_a_replay_fills_in_the_case_in_order(platform: Platform, scene: Scene) -> None:
    copy = scene.replayed
    argv = ["--topic", scene.topic, "--partition", str(copy.partition), "--from", str(copy.offsets[1])]
    status, out, err = run_here("replay", "--consumer", "query", *argv, "--to", str(copy.offsets[2]))
    assert "replay: [" in err
    assert "applied now:      2" in out
    assert _version(platform, copy.case_id) == 3
    assert read_model_versions(platform)[copy.case_id] == [1, 2, 3]
    assert status == 0


@pytest.mark.usefixtures("fixed")
def test_after_a_fix_a_dry_run_changes_nothing_and_a_retry_restores_the_case(platform: Platform, scene: Scene) -> None:
    copy = scene.retried
    _, out, _ = run_here("deadletters", "retry", "--dry-run")
    assert "dry run: nothing written" in out
    assert _version(platform, copy.case_id) == 1
    assert _waiting_from(platform, scene.topic, copy.refused)  # still waiting

    _, out, err = run_here("deadletters", "retry")
    assert "later events of their cases caught up" in out
    assert "retry: [" in err
    assert read_model_versions(platform)[copy.case_id] == [1, 2, 3]  # version 2, then the passed-over version 3
    assert _waiting_from(platform, scene.topic, copy.refused) == []
    # The replayed copy's dead letter was applied by the replay already: handled, not put back.
    assert _waiting_from(platform, scene.topic, scene.replayed.refused) == []
    assert _waiting_from(platform, scene.topic, scene.garbage)[0]["retries"] == 3  # still failing, still kept

    checksum = read_model_checksum(platform)
    run_here("deadletters", "retry")  # a second retry applies nothing twice
    assert read_model_checksum(platform) == checksum


def test_a_replay_into_the_projector_changes_nothing_it_holds(platform: Platform, scene: Scene) -> None:
    partitions = {e["_partition"] for e in published(platform.kafka_bootstrap, scene.topic, scene.real_case)}
    [partition] = partitions
    checksum = read_model_checksum(platform)
    argv = ["replay", "--consumer", "query", "--topic", scene.topic, "--partition", str(partition)]
    result = ybj(platform, *argv, "--from", str(min(scene.real_offsets)), "--to", str(max(scene.real_offsets)))
    assert "applied now:      0" in result.stdout, result.stdout + result.stderr[-3000:]
    assert read_model_checksum(platform) == checksum
    end = _position(platform, scene.topic, partition) + 1_000
    refused = ybj(platform, *argv, "--from", str(end))
    assert refused.returncode == 2
    assert "is outside it" in refused.stderr
    other = ybj(
        platform, "replay", "--consumer", "treatment-reactor", "--topic", scene.topic, "--partition", "0", "--from", "0"
    )
    assert other.returncode == 2
    assert "treatment-reactor does not read" in other.stderr


def test_a_replay_into_a_reactor_changes_nothing_it_reacted_to(api: Api, platform: Platform) -> None:
    new_employer(api, "运维重放测试有限公司")
    topic = topic_for(platform.topic_prefix, "enrollment")
    on_topic = records(platform.kafka_bootstrap, topic)
    partition = max({r.partition for r in on_topic}, key=lambda p: sum(r.partition == p for r in on_topic))
    first = min(r.offset for r in on_topic if r.partition == partition)
    argv = ["replay", "--consumer", "supervision-reactor", "--topic", topic, "--partition", str(partition)]
    wait_until(lambda: ybj_lag_of(platform, "supervision-reactor", topic, partition) == 0, 30, "reactor behind")
    result = ybj(platform, *argv, "--from", str(first))
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "into supervision-reactor" in result.stdout
    assert "changed:    0" in result.stdout
    assert "replay: [" in result.stderr


def ybj_lag_of(platform: Platform, consumer: str, topic: str, partition: int) -> int:
    report = ybj_json(platform, "lag")
    found = [
        c["lag"]
        for c in report["consumers"]
        if (c["consumer"], c["topic"], c["partition"]) == (consumer, topic, partition)
    ]
    return int(found[0]) if found else -1


def test_a_rebuild_confirmed_with_yes_then_verify_passes(platform: Platform, scene: Scene) -> None:
    unconfirmed = ybj(platform, "readmodels", "rebuild")
    assert unconfirmed.returncode == 2
    assert "pass --yes" in unconfirmed.stderr
    processes.stop_process(platform.name("query-projector"), platform.run_dir)
    try:
        rebuilt = ybj(platform, "readmodels", "rebuild", "--yes")
    finally:
        platform.start_one("query-projector")
        wait_projector(platform)
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
    assert "rebuilt read models from" in rebuilt.stdout
    assert "rebuild: [" in rebuilt.stderr
    # Rebuilt by the running projection: version 2 of the copies is refused again, and waits again.
    assert _version(platform, scene.retried.case_id) == 1
    verified = ybj(platform, "readmodels", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr[-3000:]
    assert "read models equal a rebuild" in verified.stdout
    assert "compare: [" in verified.stderr
