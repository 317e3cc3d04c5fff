"""Figure 3: the outbox relay's publish rate beside Kafka's own producer benchmark on the same broker."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import orjson

from bench.harness import Bench, BenchError, say, wait_until
from bench.stats import Figure
from ybj_dev import infra
from ybj_kernel.adapters.kafka import ensure_topics, idempotent_producer
from ybj_kernel.adapters.relay import envelope_of
from ybj_kernel.application import CaseApplication

TARGET_RATIO = 0.3
BATCH = 200  # the relay's default batch (YBJ_RELAY_BATCH_SIZE)
PERF_LINE = re.compile(
    r"(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency"
)


def envelope_size(app: CaseApplication, sample: int = 500) -> int:
    """Mean size in bytes of the envelopes the relay publishes (from the bench's own events)."""
    notes = app.recorder.select_notifications(None, sample)
    sizes = [len(orjson.dumps(e)) for e in (envelope_of(app, n) for n in notes) if e is not None]
    return int(sum(sizes) / len(sizes)) if sizes else 600


def _java() -> str:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    found = shutil.which("java")
    if found is None:
        raise BenchError("java not found")
    return found


def producer_performance(bench: Bench, topic: str, records: int, size: int) -> dict[str, Any]:
    """Kafka's ProducerPerformance (acks=all, idempotent) on the bench broker; records/s and latency."""
    asyncio.run(ensure_topics(bench.kafka, [topic]))
    libs = infra.ensure_kafka_jars(bench.run_dir)
    argv = [
        _java(),
        "-Xmx512m",
        f"-Dlog4j2.configurationFile={infra.repo_root() / 'infra' / 'kafka' / 'log4j2.xml'}",
        "-cp",
        f"{libs}/*",
        "org.apache.kafka.tools.ProducerPerformance",
        "--topic",
        topic,
        "--num-records",
        str(records),
        "--record-size",
        str(size),
        "--throughput",
        "-1",
        "--producer-props",
        f"bootstrap.servers={bench.kafka}",
        "acks=all",
        "enable.idempotence=true",
    ]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=240, check=False)
    found = PERF_LINE.findall(result.stdout)
    if result.returncode != 0 or not found:
        raise BenchError(
            f"ProducerPerformance failed ({result.returncode}): {result.stdout[-600:]} {result.stderr[-600:]}"
        )
    sent, per_s, mb_s, avg_ms, max_ms = found[-1]
    return {
        "records": int(sent),
        "record_size": size,
        "records_per_s": float(per_s),
        "mb_per_s": float(mb_s),
        "latency_avg_ms": float(avg_ms),
        "latency_max_ms": float(max_ms),
        "props": "acks=all enable.idempotence=true, defaults otherwise (linger.ms=5, batch.size=16384)",
    }


def time_relay(bench: Bench, service: str) -> dict[str, Any]:
    """Start a stopped relay over its backlog and time it until its position reaches the store's max id."""
    process = f"{service}-relay"
    if bench.pid(process) is not None:
        raise BenchError(f"{process} must be stopped before its backlog is timed")
    start_pos = bench.relay_position(service)
    target = bench.max_notification_id(service)
    backlog = target - start_pos
    if backlog <= 0:
        raise BenchError(f"the {service} event store has no backlog for its relay")
    sampler = bench.sampler()
    launched = time.monotonic()
    bench.start(process)
    cpu0 = sampler.snapshot()
    first: tuple[float, int] | None = None
    deadline = time.monotonic() + 60 + backlog / 200
    while True:
        position = bench.relay_position(service)
        now = time.monotonic()
        if first is None and position > start_pos:
            first = (now, position)
        if position >= target:
            break
        if now > deadline:
            raise BenchError(f"{process} published {position - start_pos} of {backlog} events before the deadline")
        time.sleep(0.02)
    cpu = sampler.share(cpu0, sampler.snapshot())
    assert first is not None
    t1, p1 = first
    timed = target - p1
    rate = timed / (now - t1) if now > t1 and timed > 0 else backlog / (now - launched)
    return {
        "backlog_events": backlog,
        "events_per_s": round(rate, 1),
        "events_timed": timed,
        "seconds_timed": round(now - t1, 2),
        "seconds_including_process_start": round(now - launched, 2),
        "cpu_during_run": cpu,
    }


async def _replica(app: CaseApplication, bench: Bench, topic: str, events: int) -> dict[str, Any]:
    """The relay's loop in this process, timed phase by phase, publishing to a scratch topic."""
    await ensure_topics(bench.kafka, [topic])
    producer = idempotent_producer(bench.kafka)
    await producer.start()
    spent = {"select_notifications": 0.0, "map_to_envelope": 0.0, "serialise": 0.0, "send_and_ack": 0.0}
    current = 0
    published = 0
    try:
        while published < events:
            t0 = time.perf_counter()
            notes = app.recorder.select_notifications(current, BATCH, inclusive_of_start=False)
            t1 = time.perf_counter()
            if not notes:
                break
            envelopes = [e for e in (envelope_of(app, n) for n in notes) if e is not None]
            t2 = time.perf_counter()
            payloads = [(orjson.dumps(e), e["caseid"].encode()) for e in envelopes]
            t3 = time.perf_counter()
            futures = [await producer.send(topic, value, key=key) for value, key in payloads]
            await asyncio.gather(*futures)
            t4 = time.perf_counter()
            spent["select_notifications"] += t1 - t0
            spent["map_to_envelope"] += t2 - t1
            spent["serialise"] += t3 - t2
            spent["send_and_ack"] += t4 - t3
            current = notes[-1].id
            published += len(notes)
    finally:
        await producer.stop()
    total = sum(spent.values())
    return {
        "events": published,
        "events_per_s_without_position_writes": round(published / total, 1) if total else None,
        "microseconds_per_event": {k: round(1e6 * v / max(published, 1), 1) for k, v in spent.items()},
    }


def figure_relay(bench: Bench, app: CaseApplication, perf_records: int) -> Figure:
    """Figure 3 (treatment relay stopped, its backlog made by figure 2)."""
    size = envelope_size(app)
    prefix = bench.platform.topic_prefix
    say(f"figure 3: Kafka ProducerPerformance, {perf_records:,} records of {size} B, acks=all, idempotent")
    perf = producer_performance(bench, f"{prefix}.perf", perf_records, size)
    say(f"  Kafka {perf['records_per_s']:,.0f} records/s; now the treatment relay over its backlog")
    relay = time_relay(bench, "treatment")
    say(f"  relay {relay['events_per_s']:,.0f} events/s over {relay['backlog_events']:,}; diagnostic replica next")
    wait_until(
        lambda: bench.relay_position("treatment") >= bench.max_notification_id("treatment"),
        time.monotonic() + 5,
        "relay",
    )
    replica = asyncio.run(_replica(app, bench, f"{prefix}.relaydiag", min(relay["backlog_events"], 20_000)))
    ratio = relay["events_per_s"] / perf["records_per_s"]
    return Figure(
        "3",
        "relay publish/s (treatment backlog)",
        relay["events_per_s"],
        "events/s",
        f"{relay['events_per_s']:,.0f}/s",
        f"ratio ≥ {TARGET_RATIO}",
        ratio >= TARGET_RATIO,
        limit=perf["records_per_s"],
        limit_name=f"Kafka ProducerPerformance, {size} B records",
        ratio=round(ratio, 3),
        detail={"relay": relay, "producer_performance": perf, "envelope_bytes": size, "in_process_replica": replica},
    )
