"""Figure 2: event-store appends (CaseApplication saves, in-process) beside raw PostgreSQL insert+commit."""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from bench.commands import PROCESS, filing
from bench.harness import Bench, BenchError, Progress, say
from bench.insured import insure
from bench.stats import Figure, latency_summary_ms
from ybj_dev import infra
from ybj_kernel.adapters.eventstore import PostgresAcceptanceNumbers, eventstore_env
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.engine import Actor
from ybj_kernel.entrypoints.service_main import bootstrap
from ybj_kernel.metrics import GROUP_COMMIT_SIZE
from ybj_kernel.settings import Settings
from ybj_treatment.application import TreatmentApplication

TARGET_RATIO = 0.5
EVENT_TOPIC = "ybj_kernel.domain.case.Case.Registered"  # same length; pgbench reads ":name" as a variable
RAW_TABLE = "bench_raw.events"
ACTOR = Actor(user_id="bench-reg-inproc", roles=("registrar",), admdvs="520100")


def _prepare_raw_table(bench: Bench) -> int:
    """A table shaped like an eventsourcing events table; return the mean size of a stored event's state."""
    with bench.db() as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS bench_raw")
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {RAW_TABLE} (originator_id uuid NOT NULL, originator_version bigint NOT NULL,"
            " topic text, state bytea, notification_id bigserial NOT NULL,"
            " PRIMARY KEY (originator_id, originator_version))"
        )
        conn.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS raw_events_notification ON {RAW_TABLE} (notification_id)")
        row = conn.execute("SELECT avg(length(state)) FROM treatment.treatment_events").fetchone()
    return int(row[0]) if row and row[0] is not None else 600


def _script(state_size: int, *, lock: bool = False, notify: bool = False, one_trip: bool = False) -> str:
    """One INSERT per transaction; optionally with eventsourcing's LOCK TABLE and NOTIFY around it."""
    payload = "\\x" + ("ab" * state_size)
    insert = (
        f"INSERT INTO {RAW_TABLE} (originator_id, originator_version, topic, state) "
        f"VALUES (gen_random_uuid(), 1, '{EVENT_TOPIC}', '{payload}'::bytea);"
    )
    if not lock and not notify:
        return insert + "\n"
    # Like eventsourcing's save: one pipeline up to the INSERT, then COMMIT (two round trips under the lock).
    lines = ["\\startpipeline", "BEGIN;"]
    if lock:
        lines += ["SET LOCAL lock_timeout = '10s';", f"LOCK TABLE {RAW_TABLE} IN EXCLUSIVE MODE;"]
    if notify:
        lines.append("NOTIFY bench_raw_events;")
    if one_trip:  # the COMMIT in the same pipeline: the lock is held only while the server works
        return "\n".join([*lines, insert, "COMMIT;", "\\endpipeline"]) + "\n"
    return "\n".join([*lines, insert, "\\endpipeline", "COMMIT;"]) + "\n"


def pgbench(bench: Bench, script: str, clients: int, seconds: float) -> dict[str, Any]:
    """Run pgbench with a custom script against the bench database; return tps and mean latency."""
    info = conninfo_to_dict(bench.dsn)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        handle.write(script)
        path = Path(handle.name)
    path.chmod(0o644)
    argv = [
        str(infra.pg_bin() / "pgbench"),
        "-n",
        "-M",
        "prepared",
        "-c",
        str(clients),
        "-j",
        str(clients),  # one client per thread: in pipeline mode a thread waits on one client at a time
        "-T",
        str(max(int(seconds), 1)),
        "-f",
        str(path),
        "-h",
        str(info.get("host", "127.0.0.1")),
        "-p",
        str(info.get("port", "5432")),
        "-U",
        str(info.get("user", "postgres")),
        str(info.get("dbname", bench.database)),
    ]
    env = {**os.environ, "PGPASSWORD": str(info.get("password", ""))}
    try:
        result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=seconds + 60, check=False)
    finally:
        path.unlink(missing_ok=True)
    tps = re.search(r"tps = ([\d.]+)", result.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", result.stdout)
    if result.returncode != 0 or tps is None:
        raise BenchError(f"pgbench failed (exit {result.returncode}): {result.stdout[-800:]} {result.stderr[-800:]}")
    return {
        "clients": clients,
        "seconds": int(seconds),
        "tps": round(float(tps.group(1)), 1),
        "latency_avg_ms": float(latency.group(1)) if latency else None,
    }


def app_for(bench: Bench) -> CaseApplication:
    """The treatment service's application wired to the bench database, in this process."""
    return bootstrap(TreatmentApplication, Settings(pg_dsn=bench.dsn, topic_prefix=bench.platform.topic_prefix))


def close_app(app: CaseApplication) -> None:
    """Close the application's connection pools."""
    with contextlib.suppress(Exception):
        app.close()
    closer = getattr(app._acceptance_numbers, "close", None)
    if closer is not None:
        with contextlib.suppress(Exception):
            closer()


def appends(
    app: CaseApplication, threads: int, count: int, limit_s: float, first: int, label: str = "appends"
) -> dict[str, Any]:
    """Create `count` P044 cases in-process from `threads` threads (one event each); return the rate."""
    numbers = itertools.count(first)
    last = first + count
    done: list[float] = []
    errors: list[str] = []
    deadline = time.monotonic() + limit_s
    progress = Progress(label, count)
    lock = threading.Lock()

    def work() -> None:
        for i in numbers:
            if i >= last or time.monotonic() > deadline or len(errors) > 10:
                return
            t0 = time.perf_counter()
            try:
                app.create_case(PROCESS, filing(i), ACTOR)
            except Exception as exc:
                errors.append(repr(exc))
                continue
            with lock:
                done.append(time.perf_counter() - t0)
                progress.advance()

    started = time.perf_counter()
    workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=limit_s + 30)
    elapsed = time.perf_counter() - started
    progress.close()
    if errors and not done:
        raise BenchError(f"in-process appends failed: {errors[0]}")
    return {
        "threads": threads,
        "events": len(done),
        "seconds": round(elapsed, 2),
        "events_per_s": round(len(done) / elapsed, 1),
        "latency": latency_summary_ms(done),
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "timed_out": len(done) < count,
    }


@contextlib.contextmanager
def _timed(app: CaseApplication, spent: dict[str, float]) -> Iterator[None]:
    """Time the acceptance-number draw and the save of every command (bench-only instrumentation)."""
    numbers: Callable[..., str] = app._acceptance_numbers
    save: Callable[..., Any] = app._writes.write

    def timed_numbers(*args: Any) -> str:
        t0 = time.perf_counter()
        try:
            return numbers(*args)
        finally:
            spent["acceptance_no_nextval"] += time.perf_counter() - t0

    def timed_save(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return save(*args, **kwargs)
        finally:
            spent["save_lock_insert_commit"] += time.perf_counter() - t0

    app._acceptance_numbers = timed_numbers
    app._writes.write = timed_save  # every save goes through the group commit's writer
    try:
        yield
    finally:
        app._acceptance_numbers = numbers
        app._writes.write = save


@contextlib.contextmanager
def counted_statements() -> Iterator[Counter[str]]:
    """Count the SQL statements psycopg sends from this process, by their first words (bench-only)."""
    seen: Counter[str] = Counter()
    execute = psycopg.Cursor.execute
    executemany = psycopg.Cursor.executemany

    def label(query: Any) -> str:
        try:
            text = query if isinstance(query, str) else query.as_string(None)
        except Exception:
            text = str(query)
        words = " ".join(str(text).split()[:4])
        return words or "(empty query: pool pre-ping)"

    def counting_execute(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        seen[label(query)] += 1
        return execute(self, query, *args, **kwargs)

    def counting_executemany(self: Any, query: Any, params_seq: Any, *args: Any, **kwargs: Any) -> Any:
        params = list(params_seq)
        seen[label(query)] += len(params)
        return executemany(self, query, params, *args, **kwargs)

    setattr(psycopg.Cursor, "execute", counting_execute)  # noqa: B010
    setattr(psycopg.Cursor, "executemany", counting_executemany)  # noqa: B010
    try:
        yield seen
    finally:
        setattr(psycopg.Cursor, "execute", execute)  # noqa: B010
        setattr(psycopg.Cursor, "executemany", executemany)  # noqa: B010


def phases(app: CaseApplication, count: int, first: int) -> dict[str, Any]:
    """One thread: where the time of an in-process create goes, and the statements it sends."""
    spent = {"acceptance_no_nextval": 0.0, "save_lock_insert_commit": 0.0}
    started = time.perf_counter()
    with _timed(app, spent), counted_statements() as seen:
        for i in range(first, first + count):
            app.create_case(PROCESS, filing(i), ACTOR)
    total = time.perf_counter() - started
    out = {k: round(1000 * v / count, 3) for k, v in spent.items()}
    out["decide_and_build_event"] = round(1000 * total / count - sum(out.values()), 3)
    return {
        "commands": count,
        "mean_ms_per_create": round(1000 * total / count, 3),
        "mean_ms_by_phase": out,
        "events_per_s_one_thread": round(count / total, 1),
        "statements_per_create": {k: round(v / count, 2) for k, v in seen.most_common()},
        "note": "each save also sends COMMIT; the LOCK/NOTIFY/INSERT of a save go in one psycopg pipeline",
    }


class LocalAcceptanceNumbers:
    """受理号 from a counter in this process: what a create costs without the nextval round trip."""

    def __init__(self) -> None:
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def __call__(self, service_code: str, admdvs: str, day: date) -> str:
        """Next number."""
        with self._lock:
            n = next(self._numbers)
        return f"{service_code}{admdvs}{day:%Y%m%d}{n:08d}"


VARIANTS: dict[str, dict[str, str]] = {
    "as_configured": {},
    "pre_ping_off": {"POSTGRES_PRE_PING": "n"},
    "local_acceptance_numbers": {},
    # eventsourcing's stored insert function is no variant any more: the chained recorder computes each event's
    # digest in the inserting transaction and refuses POSTGRES_ENABLE_DB_FUNCTIONS (adapters/chained_recorder.py).
    "both": {"POSTGRES_PRE_PING": "n"},
}


def variants(bench: Bench, threads: int, count: int) -> dict[str, Any]:
    """The same appends with one setting changed at a time, each on a fresh schema of the bench database."""
    out: dict[str, Any] = {}
    for n, (name, overrides) in enumerate(VARIANTS.items()):
        schema = f"bench_v{n}"
        with bench.db() as conn:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        local = name in ("local_acceptance_numbers", "both")
        numbers: Any = LocalAcceptanceNumbers() if local else PostgresAcceptanceNumbers(bench.dsn, f"{schema}.seq")
        app = TreatmentApplication(
            TreatmentApplication.default_definitions(), numbers, env={**eventstore_env(bench.dsn, schema), **overrides}
        )
        try:
            insure(app, 5_000_000 + n * 100_000, count + 1)
            app.create_case(PROCESS, filing(5_000_000 + n * 100_000), ACTOR)
            run = appends(app, threads, count, 120.0, 5_000_001 + n * 100_000, label=name)
        finally:
            close_app(app)
        out[name] = {"events_per_s": run["events_per_s"], "latency": run["latency"], "errors": run["errors"]}
    return out


def _group_commits(app: CaseApplication) -> tuple[float, float]:
    """The group commit histogram's (sum, count) so far: commands written, and transactions they took."""
    values = {
        s.name: s.value for m in GROUP_COMMIT_SIZE.collect() for s in m.samples if s.labels == {"service": app.service}
    }
    return values.get("ybj_group_commit_commands_sum", 0.0), values.get("ybj_group_commit_commands_count", 0.0)


def _mean_batch(app: CaseApplication, before: tuple[float, float]) -> float:
    after = _group_commits(app)
    transactions = after[1] - before[1]
    return round((after[0] - before[0]) / transactions, 2) if transactions else float("nan")


def figure_store(bench: Bench, clients: int, count: int, pg_seconds: float, app: CaseApplication) -> Figure:
    """Figure 2 (the treatment relay must be stopped: the appended events are figure 3's backlog)."""
    state_size = _prepare_raw_table(bench)
    say(f"figure 2: pgbench, one INSERT (~{state_size} B state) per transaction, {clients} clients, {pg_seconds:.0f} s")
    raw = pgbench(bench, _script(state_size), clients, pg_seconds)
    say(f"  pgbench {raw['tps']:,.0f} tps; now {count:,} CaseApplication creates in {clients} threads")
    insure(app, 3_000_000, count + 1)
    insure(app, 3_500_001, count)
    insure(app, 3_900_000, 300 if count >= 1000 else 100)
    app.create_case(PROCESS, filing(3_000_000), ACTOR)  # warm the pools
    sampler = bench.sampler()
    cpu0 = sampler.snapshot()
    commits = bench.xact_commits()
    batches = _group_commits(app)
    run = appends(app, clients, count, max(60.0, count / 100), 3_000_001)
    run["postgres_transactions_per_create"] = round((bench.xact_commits() - commits) / max(run["events"], 1), 2)
    run["cpu_during_run"] = sampler.share(cpu0, sampler.snapshot())
    run["commands_per_group_commit"] = _mean_batch(app, batches)
    say(f"  {run['events_per_s']:,.0f} appends/s; diagnostics: more threads, phases, settings, table lock, one client")
    batches = _group_commits(app)
    more = appends(app, 4 * clients, count, max(60.0, count / 100), 3_500_001, label=f"{4 * clients} threads")
    more["commands_per_group_commit"] = _mean_batch(app, batches)
    one = phases(app, 300 if count >= 1000 else 100, 3_900_000)
    settings = variants(bench, clients, max(count // 15, 1000))
    locked = pgbench(bench, _script(state_size, lock=True), clients, pg_seconds)
    locked_notify = pgbench(bench, _script(state_size, lock=True, notify=True), clients, pg_seconds)
    locked_one_trip = pgbench(bench, _script(state_size, lock=True, notify=True, one_trip=True), clients, pg_seconds)
    single = pgbench(bench, _script(state_size), 1, pg_seconds)
    ratio = run["events_per_s"] / raw["tps"]
    detail = {
        "appends": run,
        f"appends_{4 * clients}_threads": more,
        "pgbench_raw": raw,
        "pgbench_with_lock_table": locked,
        "pgbench_with_lock_table_and_notify": locked_notify,
        "pgbench_with_lock_table_and_notify_commit_in_pipeline": locked_one_trip,
        "appends_by_setting": settings,
        "pgbench_raw_single_client": single,
        "one_thread_phases": one,
        "state_size_bytes": state_size,
    }
    return Figure(
        "2",
        f"event-store appends/s ({clients} threads, in-process)",
        run["events_per_s"],
        "events/s",
        f"{run['events_per_s']:,.0f}/s",
        f"ratio ≥ {TARGET_RATIO}",
        ratio >= TARGET_RATIO,
        limit=raw["tps"],
        limit_name=f"pgbench insert+commit, {clients} clients",
        ratio=round(ratio, 3),
        detail=detail,
    )
