"""Figures 4 and 6: the projector catching up on a backlog, and a full read-model rebuild."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from uuid import uuid4

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import create_engine, text

from bench.harness import Bench, BenchError, Progress, say
from bench.stats import Figure
from ybj_kernel.adapters.kafka import partitions_of
from ybj_kernel.adapters.relay import envelope_of
from ybj_kernel.application import CaseApplication
from ybj_kernel.envelope import event_id, topic_for
from ybj_query.consumer import BATCH_RECORDS
from ybj_query.projection import check_envelope, project_batch

TARGET_EVENTS_PER_S = 10_000.0
TARGET_REBUILD_S = 20.0
REBUILD_EVENTS = 100_000


def templates(app: CaseApplication, bench: Bench) -> tuple[dict[str, Any], dict[str, Any]]:
    """A real create and approve envelope of one bench case, to copy."""
    with bench.db() as conn:
        row = conn.execute(
            "SELECT a.notification_id, b.notification_id FROM treatment.treatment_events a"
            " JOIN treatment.treatment_events b ON b.originator_id = a.originator_id AND b.originator_version = 2"
            " WHERE a.originator_version = 1 AND a.topic LIKE 'ybj_kernel.domain.case:%%' LIMIT 1"
        ).fetchone()
    if row is None:
        raise BenchError("no approved case in the treatment store to copy envelopes from")
    found = []
    for notification in row:
        note = app.recorder.select_notifications(int(notification), 1)[0]
        envelope = envelope_of(app, note)
        assert envelope is not None
        found.append(envelope)
    return found[0], found[1]


def synthetic_pair(create: dict[str, Any], approve: dict[str, Any], i: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The create and approve envelopes of a new case number i, like the relay would publish them."""
    case_id = str(uuid4())
    acceptance = f"20{create['admdvs']}20991231{i:08d}"
    first = {
        **create,
        "id": event_id(case_id, 1),
        "subject": case_id,
        "caseid": case_id,
        "acceptanceno": acceptance,
        "correlationid": str(uuid4()),
        "causationid": str(uuid4()),
    }
    second = {
        **approve,
        "id": event_id(case_id, 2),
        "subject": case_id,
        "caseid": case_id,
        "acceptanceno": acceptance,
        "correlationid": str(uuid4()),
        "causationid": event_id(case_id, 1),
    }
    return first, second


async def publish_synthetic(bench: Bench, pair: tuple[dict[str, Any], dict[str, Any]], events: int) -> dict[str, Any]:
    """Publish `events` synthetic envelopes (create + approve pairs) to the treatment topic."""
    topic = topic_for(bench.platform.topic_prefix, "treatment")
    producer = AIOKafkaProducer(
        bootstrap_servers=bench.kafka, acks="all", enable_idempotence=True, linger_ms=20, max_batch_size=512 * 1024
    )
    await producer.start()
    cases = events // 2
    progress = Progress("publish", cases * 2)
    started = time.perf_counter()
    try:
        for chunk in range(0, cases, 2000):
            futures = []
            pairs = [synthetic_pair(*pair, i) for i in range(chunk, min(chunk + 2000, cases))]
            for envelopes in ((p[0] for p in pairs), (p[1] for p in pairs)):
                for envelope in envelopes:
                    value = orjson.dumps(envelope)
                    futures.append(await producer.send(topic, value, key=envelope["caseid"].encode()))
            await asyncio.gather(*futures)
            progress.advance(len(futures))
    finally:
        await producer.stop()
        progress.close()
    elapsed = time.perf_counter() - started
    return {"events": cases * 2, "seconds": round(elapsed, 2), "events_per_s": round(cases * 2 / elapsed, 1)}


async def consume_only(bench: Bench, limit: int) -> dict[str, Any]:
    """Read the domain topics from the start with aiokafka and discard: the consumer side's own ceiling."""
    tps = await partitions_of(bench.kafka, bench.topics())
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bench.kafka, enable_auto_commit=False, isolation_level="read_committed", fetch_max_wait_ms=20
    )
    await consumer.start()
    try:
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        total = min(sum(ends.values()), limit)
        seen = 0
        started = time.perf_counter()
        while seen < total:
            batches = await consumer.getmany(timeout_ms=1000, max_records=500)
            if not batches:
                break
            for records in batches.values():
                for record in records:
                    orjson.loads(record.value or b"")
                seen += sum(len(r) for r in batches.values())
        elapsed = time.perf_counter() - started
    finally:
        await consumer.stop()
    return {"events": seen, "events_per_s_consume_and_parse": round(seen / elapsed, 1) if elapsed else None}


def in_process_projection(bench: Bench, pair: tuple[dict[str, Any], dict[str, Any]], cases: int) -> dict[str, Any]:
    """project_batch() on synthetic events, a batch as large as the projector reads them, rolled back.

    Tells the time per event and how much of it the PostgreSQL backend spent on the CPU (its /proc times: the
    batch's bulk statements go to psycopg directly, past SQLAlchemy's execution events).
    """
    engine = create_engine(bench.dsn.replace("postgresql://", "postgresql+psycopg://", 1), pool_size=1)
    raws = []
    for i in range(cases):
        first, second = synthetic_pair(*pair, 90_000_000 + i)
        raws += [orjson.dumps(first), orjson.dumps(second)]
    batches = [raws[i : i + BATCH_RECORDS] for i in range(0, len(raws), BATCH_RECORDS)]
    elapsed = 0.0
    try:
        with engine.connect() as conn:
            backend = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
            conn.rollback()
            backend_cpu = _cpu_seconds(backend)
            for batch in batches:
                transaction = conn.begin()
                started = time.perf_counter()
                project_batch(conn, [check_envelope(orjson.loads(raw)) for raw in batch])
                elapsed += time.perf_counter() - started
                transaction.rollback()
            backend_cpu = _cpu_seconds(backend) - backend_cpu
    finally:
        engine.dispose()
    return {
        "events": len(raws),
        "batch": BATCH_RECORDS,
        "events_per_s": round(len(raws) / elapsed, 1),
        "ms_per_event": round(1000 * elapsed / len(raws), 3),
        "ms_per_event_postgres_backend_cpu": round(1000 * backend_cpu / len(raws), 3),
        "note": "without the projector's position reads/writes, commit and Kafka fetch",
    }


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a local process (here: a PostgreSQL backend)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def figure_projection(bench: Bench, app: CaseApplication, events: int) -> Figure:
    """Figure 4 (projector stopped): publish a synthetic backlog, start the projector, time its catch-up."""
    if bench.pid("query-projector") is not None:
        raise BenchError("the projector must be stopped before its backlog is made")
    pair = templates(app, bench)
    say(f"figure 4: publishing {events:,} synthetic envelopes (P044 create + approve) to the treatment topic")
    published = asyncio.run(publish_synthetic(bench, pair, events))
    start_pos = bench.projector_positions()
    end = bench.end_offsets()
    backlog = end - start_pos
    say(f"  backlog {backlog:,} events ({published['events_per_s']:,.0f}/s published); starting the projector")
    sampler = bench.sampler()
    launched = time.monotonic()
    bench.start("query-projector")
    cpu0 = sampler.snapshot()
    first: tuple[float, int] | None = None
    deadline = time.monotonic() + 60 + backlog / 300
    progress = Progress("projected", backlog)
    timed_out = False
    while True:
        position = bench.projector_positions()
        now = time.monotonic()
        progress.show(position - start_pos)
        if first is None and position > start_pos:
            first = (now, position)
        if position >= end:
            break
        if now > deadline:
            timed_out = True
            break
        time.sleep(0.1)
    progress.close()
    cpu = sampler.share(cpu0, sampler.snapshot())
    if first is None:
        raise BenchError("the projector applied nothing before the deadline")
    t1, p1 = first
    rate = (position - p1) / (now - t1) if now > t1 else 0.0
    say(f"  {rate:,.0f} events/s; diagnostics: consume-only and in-process projection")
    consumer = asyncio.run(consume_only(bench, 200_000))
    in_process = in_process_projection(bench, pair, 5000)
    detail = {
        "backlog_events": backlog,
        "synthetic_published": published,
        "events_timed": position - p1,
        "seconds_timed": round(now - t1, 2),
        "seconds_including_process_start": round(now - launched, 2),
        "timed_out": timed_out,
        "cpu_during_run": cpu,
        "consume_only": consumer,
        "in_process_project_batch": in_process,
    }
    return Figure(
        "4",
        f"projection catch-up ({backlog:,} events backlog)",
        round(rate, 1),
        "events/s",
        f"{rate:,.0f}/s" + (" (timed out)" if timed_out else ""),
        f"≥ {TARGET_EVENTS_PER_S:,.0f}/s",
        rate >= TARGET_EVENTS_PER_S and not timed_out,
        limit=consumer["events_per_s_consume_and_parse"],
        limit_name="aiokafka consume + JSON parse only",
        ratio=round(rate / consumer["events_per_s_consume_and_parse"], 3)
        if consumer["events_per_s_consume_and_parse"]
        else None,
        detail=detail,
    )


def figure_rebuild(bench: Bench) -> Figure:
    """Figure 6: `python -m ybj_query rebuild` with the bench environment, timed (projector stopped)."""
    bench.stop("query-projector")
    events = bench.end_offsets()
    say(f"figure 6: python -m ybj_query rebuild over {events:,} events")
    env = {**os.environ, **bench.platform.env("query")}
    limit = 60 + events / 200
    with tempfile.TemporaryFile() as out:
        started = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, "-m", "ybj_query", "rebuild"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
        status, rusage = 0, None
        progress = Progress("rebuild", events)
        while True:
            pid, status, rusage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > limit:
                os.kill(child.pid, signal.SIGKILL)
                os.wait4(child.pid, 0)
                raise BenchError(f"rebuild did not finish within {limit:.0f} s")
            if os.isatty(1):
                progress.show(bench.projector_positions())
            time.sleep(0.1)
        progress.close()
        seconds = time.monotonic() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    found = re.search(r"rebuilt read models from (\d+) events", text)
    if child.returncode != 0 or found is None:
        raise BenchError(f"rebuild failed (exit {child.returncode}): {text[-800:]}")
    applied = int(found.group(1))
    with bench.db() as conn:
        row = conn.execute("SELECT count(*) FROM query.rm_case_history").fetchone()
    history = int(row[0]) if row else 0
    scaled = seconds * REBUILD_EVENTS / applied if applied else float("inf")
    judged = scaled  # the target is per 100k events; a larger backlog is judged at the same rate, not its total
    shown = f"{seconds:.1f} s for {applied:,} events (≈{scaled:.0f} s per 100k)"
    return Figure(
        "6",
        "full read-model rebuild",
        round(seconds, 2),
        "s",
        shown,
        f"< {TARGET_REBUILD_S:.0f} s for 100k events",
        judged < TARGET_REBUILD_S,
        detail={
            "events_applied": applied,
            "events_in_topics": events,
            "history_rows_after": history,
            "events_per_s": round(applied / seconds, 1),
            "seconds_per_100k_events": round(scaled, 1),
            "peak_rss_mb": round(rusage.ru_maxrss / 1024, 1) if rusage is not None else None,
            "progress_bar": "on stderr when it is a terminal (here a file: a line every 10 s); timed from outside",
            "log_tail": text[-400:],
        },
    )
