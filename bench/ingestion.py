"""Figure 8: settlement records (E22) ingested through the public entry point, beside PostgreSQL's COPY of as many rows
of the same size in the same run.

Each client is one institution sending its month's records in batches, one request after another (an institution
sends only its own records, and its batches all add to its one `institution_month` entry, so they are sent in turn).
Every record has two or three itemised lines, and one in fifty is a 冲正 of a record of the institution's previous
batch. The records, institutions and amounts are example data made up for the bench.

The yardstick: the stored state of every record's `settlement_record` entry (its `Opened` event as the event store
keeps it) COPYed into a table shaped like an events table (same columns, primary key and unique index), in
transactions of the same batch size from as many connections as there are clients. A diagnostic beside it: the
application's own `ingest()` in this process (one thread, nothing else of the platform running), with the time split
between validation, reading the existing entries, working out the changes and saving them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any
from uuid import uuid4

import orjson

from bench import sysmon
from bench.harness import Bench, BenchError, Progress, say
from bench.http import Client, HttpError
from bench.stats import Figure, latency_summary_ms
from bench.store import close_app
from ybj_kernel.application import CaseApplication
from ybj_kernel.entrypoints.service_main import bootstrap
from ybj_kernel.settings import Settings
from ybj_settlement import ingestion
from ybj_settlement.application import SettlementApplication

PATH = "/api/v1/settlement-records"
REVERSE_EVERY = 50  # one record in fifty reverses one of the institution's previous batch
COPY_TABLE = "bench_raw.settlement_copy"
COPY_SECONDS = 3.0  # the COPY passes go on until this long, so that a quick run's few rows still time something
MAX_COPY_PASSES = 40
PIPELINE = ("settlement-relay", "query-projector")  # what 8a's records set to work, besides the reactors
# Example catalogue items (医疗目录编码, name, unit price in yuan): made up for the bench, shaped like the national codes.
ITEMS = (
    ("110200001", "普通门诊诊查费", "10.00"),
    ("250101015", "血细胞分析", "20.00"),
    ("250301002", "血清葡萄糖测定", "6.00"),
    ("270800005", "心电图检查", "25.00"),
    ("XJ01CAA040A001010104343", "阿莫西林胶囊 0.25g", "0.45"),
    ("XA10BAA010A001010100773", "盐酸二甲双胍片 0.5g", "0.32"),
    ("XC08CAA010A001010101445", "苯磺酸氨氯地平片 5mg", "0.86"),
    ("ZA04BAA0143010105003", "复方丹参滴丸", "0.12"),
)
MED_TYPES = ("11", "11", "11", "14", "21")  # 普通门诊 mostly, some 门诊慢特病 and 住院


def institution(i: int) -> str:
    """The i-th bench institution's 定点医药机构编号 (every third a pharmacy)."""
    return f"{'P' if i % 3 == 2 else 'H'}520102{i:05d}"


def record(tag: str, n: int, code: str, ym: str) -> dict[str, Any]:
    """The n-th record of a bench run: two or three lines, amounts adding up, split between the fund and the person."""
    lines = []
    for k in range(2 + n % 2):
        item_code, name, price = ITEMS[(n + 3 * k) % len(ITEMS)]
        count = Decimal(1 + (n + k) % 3) if not item_code.startswith("X") else Decimal(14 * (1 + (n + k) % 4))
        amount = (count * Decimal(price)).quantize(Decimal("0.01"))
        line = {"med_list_codg": item_code, "med_list_name": name, "cnt": str(count), "pric": price}
        lines.append(
            {
                **line,
                "det_item_fee_sumamt": str(amount),
                "fee_ocur_time": f"{ym[:4]}-{ym[4:]}-{1 + n % 28:02d}T09:00:00+08:00",
            }
        )
    total = sum(Decimal(line["det_item_fee_sumamt"]) for line in lines)
    fund = (total * Decimal("0.6")).quantize(Decimal("0.01"))
    day = f"{ym[:4]}-{ym[4:]}-{1 + n % 28:02d}"
    return {
        "setl_id": f"S{tag}{n:010d}",
        "mdtrt_id": f"MD{tag}{n:010d}",
        "psn_no": f"52{(n * 7919) % 10**6:014d}",
        "gend": "12"[n % 2],
        "fixmedins_code": code,
        "insutype": ("310", "390")[n % 2],
        "med_type": MED_TYPES[n % len(MED_TYPES)],
        "begndate": day,
        "enddate": day,
        "setl_time": f"{day}T{8 + n % 10:02d}:{n % 60:02d}:00+08:00",
        "medfee_sumamt": str(total),
        "hifp_pay": str(fund),
        "psn_cash_pay": str(total - fund),
        "lines": lines,
    }


def plan(tag: str, total: int, batch: int, institutions: int, ym: str) -> list[list[list[dict[str, Any]]]]:
    """`total` records in batches of `batch`, dealt to `institutions` in turn: per institution, its batches in order.

    In every batch after an institution's first, one record in REVERSE_EVERY is a 冲正 of a record of its previous
    batch (the one just before it in that batch's order), so every original is reversed at most once.
    """
    queues: list[list[list[dict[str, Any]]]] = [[] for _ in range(institutions)]
    n = 0
    for b in range(-(-total // batch)):
        queue = queues[b % institutions]
        code = institution(b % institutions)
        rows = []
        for i in range(min(batch, total - b * batch)):
            row = record(tag, n, code, ym)
            if queue and i % REVERSE_EVERY == REVERSE_EVERY - 1 and i - 1 < len(queue[-1]):
                original = queue[-1][i - 1]
                row = {**original, "setl_id": f"R{tag}{n:010d}", "mdtrt_id": f"MR{tag}{n:010d}"}
                row["reverses"] = original["setl_id"]
            rows.append(row)
            n += 1
        queue.append(rows)
    return queues


# ---------------------------------------------------------------- through the entry point


async def _send(bench: Bench, queues: list[list[list[dict[str, Any]]]], progress: Progress) -> dict[str, Any]:
    """Every institution's batches, one client per institution; return latencies and errors."""
    latencies: list[float] = []
    recorded = 0
    errors: list[str] = []

    async def upload(client: Client, batches: list[list[dict[str, Any]]]) -> None:
        nonlocal recorded
        headers = bench.auth(str(batches[0][0]["fixmedins_code"]), "institution")
        for rows in batches:
            t0 = time.perf_counter()
            try:
                status, body = await client.post(PATH, rows, headers)
            except HttpError as exc:
                errors.append(str(exc))
                continue
            if status != 200:
                errors.append(f"{status}: {body[:300].decode(errors='replace')}")
                if len(errors) > 3:
                    raise BenchError(f"settlement-record uploads failed, first: {errors[0]}")
                continue
            latencies.append(time.perf_counter() - t0)
            recorded += int(orjson.loads(body)["recorded"])
            progress.advance(len(rows))

    async with Client(bench.platform.url(), timeout=120) as client:
        started = time.perf_counter()
        await asyncio.gather(*(upload(client, q) for q in queues if q))
        elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "latencies": latencies, "recorded": recorded, "errors": errors}


def through_http(bench: Bench, queues: list[list[list[dict[str, Any]]]]) -> dict[str, Any]:
    """Send the records through the public entry point with the asynchronous pipeline running, as deployed."""
    count = sum(len(rows) for q in queues for rows in q)
    sampler = bench.sampler()
    cpu0 = sampler.snapshot()
    progress = Progress("records", count)
    sent = asyncio.run(_send(bench, queues, progress))
    progress.close()
    cpu = sampler.share(cpu0, sampler.snapshot())
    if sent["errors"] and not sent["latencies"]:
        raise BenchError(f"no batch was recorded: {sent['errors'][0]}")
    rate = sent["recorded"] / sent["seconds"]
    return {
        "records": count,
        "recorded": sent["recorded"],
        "seconds": round(sent["seconds"], 2),
        "records_per_s": round(rate, 1),
        "batch_latency": latency_summary_ms(sent["latencies"]),
        "errors": len(sent["errors"]),
        "first_error": sent["errors"][0] if sent["errors"] else "",
        "cpu_ms_per_record": sysmon.cpu_ms_per_unit(cpu, rate),
        "cpu_during_run": cpu,
    }


# ---------------------------------------------------------------- in this process


# What ingest() calls, by the name it calls it: (object, attribute, part of the time it is counted in).
def _parts(app: CaseApplication) -> list[tuple[object, str, str]]:
    return [
        (ingestion, "validated", "validate_pydantic"),
        (app, "entries_of", "read_existing_entries"),
        (ingestion, "changes", "changes_pure"),
        (app, "save_together", "save_events_sm3_insert_commit"),
    ]


@contextlib.contextmanager
def _phases(app: CaseApplication, spent: dict[str, list[float]]) -> Iterator[None]:
    """Time ingest()'s four parts, wall and the thread's CPU (bench-only instrumentation of the ingestion module and
    the application): `spent[part]` is [wall seconds, CPU seconds], summed over the threads calling it."""
    parts = _parts(app)
    originals = [getattr(owner, name) for owner, name, _ in parts]
    lock = threading.Lock()

    def timed(part: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return call(*args, **kwargs)
            finally:
                wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
                with lock:
                    spent[part][0] += wall
                    spent[part][1] += cpu

        return run

    for (owner, name, part), original in zip(parts, originals, strict=True):
        setattr(owner, name, timed(part, original))
    try:
        yield
    finally:
        for (owner, name, _), original in zip(parts, originals, strict=True):
            if owner is app:
                delattr(app, name)  # the instance attribute goes; the class's method shows through again
            else:
                setattr(owner, name, original)


def in_process(bench: Bench, batches: list[list[dict[str, Any]]], warm_up: list[dict[str, Any]]) -> dict[str, Any]:
    """The settlement application's ingest() called directly, one thread, batch after batch: no HTTP, no FastAPI, no
    JWT, nothing else running on the platform (relay, projector and reactors stopped)."""
    app = bootstrap(SettlementApplication, Settings(pg_dsn=bench.dsn, topic_prefix=bench.platform.topic_prefix))
    count = sum(len(rows) for rows in batches)
    spent = {part: [0.0, 0.0] for _, _, part in _parts(app)}
    recorded = 0
    try:
        ingestion.ingest(app, warm_up, str(uuid4()))  # connections, compiled statements: not counted
        progress = Progress("in-process", count)
        with _phases(app, spent):
            cpu0, wall0 = time.process_time(), time.perf_counter()
            for rows in batches:
                recorded += ingestion.ingest(app, rows, str(uuid4()))["recorded"]
                progress.advance(len(rows))
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        progress.close()
    finally:
        close_app(app)
    return {
        "records": count,
        "recorded": recorded,
        "seconds": round(wall, 2),
        "records_per_s": round(count / wall, 1),
        "cpu_ms_per_record": round(1000 * cpu / count, 3),
        "ms_per_record_by_part": {
            part: {"wall": round(1000 * w / count, 3), "cpu": round(1000 * c / count, 3)}
            for part, (w, c) in spent.items()
        },
        "what": "ybj_settlement.ingestion.ingest() called directly, one thread, batch after batch; nothing else of "
        "the platform running; the wall a part takes beyond its CPU is PostgreSQL's work, round trips and "
        "waiting for a core",
    }


# ---------------------------------------------------------------- the yardstick


def stored_states(bench: Bench, after: int, records: int) -> list[tuple[str, bytes]]:
    """(topic, state) of the `settlement_record` entries opened after notification `after`, as the store keeps them."""
    with bench.db() as conn:
        rows = conn.execute(
            "SELECT topic, state FROM settlement.settlement_events"
            " WHERE notification_id > %s AND originator_version = 1 ORDER BY notification_id",
            (after,),
        ).fetchall()
    states = [(str(t), bytes(s)) for t, s in rows if orjson.loads(bytes(s)).get("registry") == "settlement_record"]
    if len(states) < records:
        raise BenchError(f"found {len(states)} stored records, expected {records}")
    return states[:records]


def _prepare_copy_table(bench: Bench) -> None:
    """A scratch table shaped like the settlement events table: same columns, primary key and unique index."""
    with bench.db() as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS bench_raw")
        conn.execute(f"DROP TABLE IF EXISTS {COPY_TABLE}")
        conn.execute(
            f"CREATE TABLE {COPY_TABLE} (originator_id uuid NOT NULL, originator_version bigint NOT NULL,"
            " topic text, state bytea, notification_id bigserial NOT NULL, prev_digest bytea, digest bytea,"
            " PRIMARY KEY (originator_id, originator_version))"
        )
        conn.execute(f"CREATE UNIQUE INDEX settlement_copy_notification ON {COPY_TABLE} (notification_id)")


def _copy_text(states: list[tuple[str, bytes]], ids: list[str], version: int) -> bytes:
    """COPY text-format rows: an id, the version, the topic, the state and two 32-byte digests (bytea as hex)."""
    digest = "\\\\x" + os.urandom(32).hex()
    return "".join(
        f"{i}\t{version}\t{topic}\t\\\\x{state.hex()}\t{digest}\t{digest}\n"
        for i, (topic, state) in zip(ids, states, strict=True)
    ).encode()


def copy_rate(
    bench: Bench, states: list[tuple[str, bytes]], batch: int, clients: int, min_seconds: float = COPY_SECONDS
) -> dict[str, Any]:
    """COPY the rows in transactions of `batch` from `clients` connections at once, again (each pass one version
    further) until `min_seconds` have passed; return rows/s over every pass."""
    _prepare_copy_table(bench)
    sql = f"COPY {COPY_TABLE} (originator_id, originator_version, topic, state, prev_digest, digest) FROM STDIN"
    ids = [str(uuid4()) for _ in states]
    passes: list[float] = []
    while sum(passes) < min_seconds and len(passes) < MAX_COPY_PASSES:
        chunks = range(0, len(states), batch)
        payloads = [_copy_text(states[i : i + batch], ids[i : i + batch], len(passes) + 1) for i in chunks]
        passes.append(_copy_pass(bench, sql, payloads, clients))
    elapsed = sum(passes)
    with bench.db() as conn:
        row = conn.execute(f"SELECT count(*), avg(length(state)) FROM {COPY_TABLE}").fetchone()
    assert row is not None
    return {
        "rows": int(row[0]),
        "passes": len(passes),
        "pass_seconds": [round(p, 3) for p in passes],
        "clients": clients,
        "rows_per_transaction": batch,
        "seconds": round(elapsed, 2),
        "rows_per_s": round(int(row[0]) / elapsed, 1),
        "state_bytes_mean": round(float(row[1]), 1),
        "what": f"COPY … FROM STDIN of the records' stored states into {COPY_TABLE} (events-table shape)",
    }


def _copy_pass(bench: Bench, sql: str, payloads: list[bytes], clients: int) -> float:
    """One COPY of every payload (a transaction each) from `clients` connections; return the seconds it took."""
    todo = list(payloads)
    lock = threading.Lock()
    errors: list[str] = []

    def work(conn: Any) -> None:
        while True:
            with lock:
                if not todo:
                    return
                payload = todo.pop()
            try:
                with conn.transaction(), conn.cursor() as cur, cur.copy(sql) as copy:
                    copy.write(payload)
            except Exception as exc:
                errors.append(repr(exc))
                return

    with contextlib.ExitStack() as stack:
        conns = [stack.enter_context(bench.db()) for _ in range(clients)]
        threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in conns]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    if errors:
        raise BenchError(f"COPY failed: {errors[0]}")
    return elapsed


# ---------------------------------------------------------------- the figure


def _ensure_running(bench: Bench, names: tuple[str, ...]) -> list[str]:
    started = []
    for name in names:
        if bench.pid(name) is None:
            bench.start(name)
            started.append(name)
    return started


def figure_ingestion(bench: Bench, records: int, batch: int, clients: int, in_process_records: int) -> list[Figure]:
    """Figure 8: settlement records/s through the entry point (8a) and in-process (8b), beside COPY's rows/s."""
    tag = uuid4().hex[:8].upper()
    started = _ensure_running(bench, PIPELINE)
    queues = plan(tag, records, batch, clients, "202611")
    before = bench.max_notification_id("settlement")
    say(f"figure 8: {records:,} settlement records, {batch:,} a request, {clients} institutions at once")
    http = through_http(bench, queues)
    say(f"  {http['records_per_s']:,.0f} records/s through the entry point; waiting for relay and projector")
    t0 = time.monotonic()
    bench.wait_quiet(timeout=120 + records / 100)
    http["pipeline_caught_up_s_after_last_batch"] = round(time.monotonic() - t0, 2)
    # The yardstick and 8b run alone: the reactors may still be busy with 8a's records (supervision's are).
    quiet = [*PIPELINE, *(p for p in bench.process_names() if p.endswith("-react"))]
    for name in quiet:
        bench.stop(name)
    states = stored_states(bench, before, http["recorded"])
    copy = copy_rate(bench, states, batch, clients)
    say(f"  COPY {copy['rows_per_s']:,.0f} rows/s; now ingest() in this process")
    warm_up = plan(tag + "W", batch, batch, 1, "202610")[0][0]
    # The institutions' batches in turn, as they would arrive: a 冲正 comes after the batch holding its original.
    later = plan(tag + "I", in_process_records, batch, clients, "202612")
    order = [q[k] for k in range(max(len(q) for q in later)) for q in later if k < len(q)]
    inproc = in_process(bench, order, warm_up)
    with bench.db() as conn:
        row = conn.execute(
            "SELECT count(*), avg(length(state)) FROM settlement.settlement_events WHERE notification_id > %s",
            (before,),
        ).fetchone()
    events = int(row[0]) if row else 0
    detail = {
        "through_entry_point": http,
        "in_process_ingest": inproc,
        "copy": copy,
        "events_stored_both_phases": events,
        "event_state_bytes_mean": round(float(row[1]), 1) if row and row[1] is not None else None,
        "records": records,
        "batch": batch,
        "institutions_at_once": clients,
        "reversals": f"1 in {REVERSE_EVERY} after each institution's first batch",
        "pipeline": f"every process running during 8a (started for it: {', '.join(started) or 'none'}); "
        f"{', '.join(quiet)} stopped after it, for the COPY and 8b, and left stopped",
    }
    limit_name = f"COPY, {clients} connections, {batch:,} rows a transaction"
    http_ratio = http["records_per_s"] / copy["rows_per_s"]
    inproc_ratio = inproc["records_per_s"] / copy["rows_per_s"]
    return [
        Figure(
            "8a",
            f"settlement records/s through the entry point ({clients} institutions, {batch:,} a request)",
            http["records_per_s"],
            "records/s",
            f"{http['records_per_s']:,.0f}/s (p99 {http['batch_latency']['p99_ms']:,.0f} ms a batch)",
            "none (ratio to COPY)",
            None,
            limit=copy["rows_per_s"],
            limit_name=limit_name,
            ratio=round(http_ratio, 3),
            detail=detail,
        ),
        Figure(
            "8b",
            "settlement records/s, ingest() in-process, one thread",
            inproc["records_per_s"],
            "records/s",
            f"{inproc['records_per_s']:,.0f}/s ({inproc['cpu_ms_per_record']:.2f} ms CPU each)",
            "none (ratio to COPY)",
            None,
            limit=copy["rows_per_s"],
            limit_name=limit_name,
            ratio=round(inproc_ratio, 3),
            detail={"see": "8a"},
        ),
    ]
