"""Figures 1 and 5: commands through the public HTTP entry point, and command → query API lag."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import orjson
import psycopg

from bench import sysmon
from bench.harness import READER, Bench, BenchError, Progress, metric, say
from bench.http import Client, HttpError
from bench.stats import Figure, latency_summary_ms, percentile
from ybj_kernel.domain.engine import Actor, Command
from ybj_kernel.domain.identity import certno_check_digit

PROCESS = "P044"
REGISTRAR = ("bench-reg", "registrar")
REVIEWER = ("bench-fr", "first_reviewer")
ERROR_BUDGET = 0.01  # abort a run when more than 1% of its commands fail
TARGET_RATE = 1000.0
TARGET_P99_MS = 50.0
TARGET_LAG_P99_MS = 250.0


def filing(i: int) -> dict[str, Any]:
    """The data of the i-th bench case: a P044 filing of a distinct retiree."""
    born = date(1950, 1, 1) + timedelta(days=(i // 1000) % 3650)
    first17 = f"520102{born:%Y%m%d}{i % 1000:03d}"
    return {
        "certno": first17 + certno_check_digit(first17),
        "psn_name": f"压测{i}",
        "admdvs": "520102",
        "resettle_admdvs": "440300",
        "begndate": date.today().isoformat(),
        "tel": "13800000000",
    }


APPROVE = {"action": "approve", "expected_version": 1, "data": {}, "comment": None}


@dataclass
class Flow:
    """What the clients saw during one run."""

    create: list[float] = field(default_factory=list)
    approve: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    first_error: str = ""
    attempted: int = 0

    def fail(self, what: str, status: int | None, text: str) -> None:
        """Count a failed command."""
        key = f"{what} {status or 'connection'}"
        self.errors[key] += 1
        if not self.first_error:
            self.first_error = f"{key}: {text[:300]}"
        failures = sum(self.errors.values())
        if failures > 20 and failures > ERROR_BUDGET * self.attempted:
            raise BenchError(f"{failures} of {self.attempted} commands failed, first: {self.first_error}")

    @property
    def commands(self) -> int:
        """Commands that succeeded."""
        return len(self.create) + len(self.approve)


async def one_case(
    client: Client, bench: Bench, i: int, flow: Flow, on_ack: Callable[[str, int, float], None] | None = None
) -> None:
    """Create and approve one case; tell `on_ack` (case id, version, when) after each accepted command."""
    flow.attempted += 1
    t0 = time.perf_counter()
    try:
        status, body = await client.post(
            "/api/v1/cases", {"process": PROCESS, "data": filing(i)}, bench.auth(*REGISTRAR)
        )
    except HttpError as exc:
        flow.fail("create", None, str(exc))
        return
    t1 = time.perf_counter()
    if status != 201:
        flow.fail("create", status, body.decode(errors="replace"))
        return
    flow.create.append(t1 - t0)
    case_id = str(orjson.loads(body)["case_id"])
    if on_ack is not None:
        on_ack(case_id, 1, t1)
    flow.attempted += 1
    try:
        status, body = await client.post(f"/api/v1/cases/{case_id}/actions", APPROVE, bench.auth(*REVIEWER))
    except HttpError as exc:
        flow.fail("approve", None, str(exc))
        return
    t2 = time.perf_counter()
    if status != 200:
        flow.fail("approve", status, body.decode(errors="replace"))
        return
    flow.approve.append(t2 - t1)
    if on_ack is not None:
        on_ack(case_id, 2, t2)


async def closed_loop(
    bench: Bench, base_url: str, cases: int, concurrency: int, first: int, label: str
) -> tuple[Flow, float]:
    """`concurrency` clients each creating and approving cases back to back (their persons insured already, see
    `insure_over`); return the flow and seconds."""
    flow = Flow()
    numbers = itertools.count(first)
    last = first + cases
    progress = Progress(label, cases)
    async with Client(base_url) as client:

        async def worker() -> None:
            for i in numbers:
                if i >= last:
                    return
                await one_case(client, bench, i, flow)
                progress.advance()

        started = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(concurrency))), timeout=60 + cases * 0.2)
        elapsed = time.perf_counter() - started
    progress.close()
    return flow, elapsed


def figure_commands(bench: Bench, cases: int, concurrency: int, direct_cases: int) -> list[Figure]:
    """Figure 1: create + approve of P044 through the public entry point, `concurrency` clients."""
    treatment_metrics = f"{bench.platform.url('treatment')}/metrics"
    enrollment_metrics = f"{bench.platform.url('enrollment')}/metrics"
    say(f"figure 1: {cases:,} P044 cases (create + approve) through {bench.platform.url()}, {concurrency} clients")
    before_t, before_e = bench.scrape(treatment_metrics), bench.scrape(enrollment_metrics)
    insure_over(bench, 0, cases)  # before the CPU is sampled: not part of the commands' cost
    commits_before = bench.xact_commits()
    sampler = bench.sampler()
    cpu0 = sampler.snapshot()
    flow, elapsed = asyncio.run(closed_loop(bench, bench.platform.url(), cases, concurrency, 0, "commands"))
    cpu = sampler.share(cpu0, sampler.snapshot())
    commits = bench.xact_commits() - commits_before
    after_t, after_e = bench.scrape(treatment_metrics), bench.scrape(enrollment_metrics)
    rate = flow.commands / elapsed
    all_lat = flow.create + flow.approve
    summary = latency_summary_ms(all_lat)
    in_app: dict[str, float] = {}
    for action in ("create", "approve"):
        total = metric(after_t, "ybj_command_seconds_sum", service="treatment", action=action) - metric(
            before_t, "ybj_command_seconds_sum", service="treatment", action=action
        )
        count = metric(after_t, "ybj_command_seconds_count", service="treatment", action=action) - metric(
            before_t, "ybj_command_seconds_count", service="treatment", action=action
        )
        in_app[f"{action}_mean_ms_inside_application"] = round(1000 * total / count, 2) if count else float("nan")
    wasted = metric(after_e, "ybj_commands_total", service="enrollment", action="approve") - metric(
        before_e, "ybj_commands_total", service="enrollment", action="approve"
    )
    say(f"  {rate:,.0f} commands/s, p50 {summary['p50_ms']} ms, p99 {summary['p99_ms']} ms; diagnostic runs next")
    direct = _direct(bench, bench.platform.url("treatment"), direct_cases, concurrency, 2_000_000)
    in_process = in_process_cpu(bench, 300)
    # The same two paths with the asynchronous pipeline (relays, projector) stopped: the command path alone.
    pipeline = [p for p in bench.process_names() if p.endswith("-relay") or p == "query-projector"]
    for process in pipeline:
        bench.stop(process)
    try:
        alone_gateway = _direct(bench, bench.platform.url(), direct_cases, concurrency, 2_200_000)
        alone_direct = _direct(bench, bench.platform.url("treatment"), direct_cases, concurrency, 2_400_000)
    finally:
        for process in pipeline:
            bench.start(process)
    detail: dict[str, Any] = {
        "process": PROCESS,
        "cases": cases,
        "concurrency": concurrency,
        "seconds": round(elapsed, 2),
        "commands": flow.commands,
        "errors": dict(flow.errors),
        "first_error": flow.first_error,
        "latency_all": summary,
        "latency_create": latency_summary_ms(flow.create),
        "latency_approve": latency_summary_ms(flow.approve),
        **in_app,
        "approves_first_sent_to_enrollment_404": int(wasted),
        "approves_total": len(flow.approve),
        "postgres_commits_per_command": round(commits / max(flow.commands, 1), 2),
        "cpu_during_run": cpu,
        "cpu_ms_per_command": sysmon.cpu_ms_per_unit(cpu, rate),
        "direct_to_treatment_service": direct,
        "in_process_one_thread": in_process,
        "relays_and_projector_stopped": {"through_entry_point": alone_gateway, "direct_to_treatment": alone_direct},
    }
    met_rate = rate >= TARGET_RATE
    met_p99 = summary["p99_ms"] < TARGET_P99_MS
    return [
        Figure(
            "1a",
            f"HTTP commands/s ({cases:,} cases, {concurrency} clients)",
            round(rate, 1),
            "commands/s",
            f"{rate:,.0f}/s",
            f"≥ {TARGET_RATE:,.0f}/s",
            met_rate,
            detail=detail,
        ),
        Figure(
            "1b",
            "HTTP command latency",
            summary["p99_ms"],
            "ms p99",
            f"p50 {summary['p50_ms']:.1f} / p95 {summary['p95_ms']:.1f} / p99 {summary['p99_ms']:.1f} ms",
            f"p99 < {TARGET_P99_MS:.0f} ms",
            met_p99,
            detail={"see": "1a"},
        ),
    ]


def _direct(bench: Bench, url: str, cases: int, concurrency: int, first: int) -> dict[str, Any]:
    """A shorter closed-loop run against one URL (a diagnostic beside figure 1)."""
    if cases <= 0:
        return {}
    insure_over(bench, first, cases)
    sampler = bench.sampler()
    cpu0 = sampler.snapshot()
    flow, elapsed = asyncio.run(closed_loop(bench, url, cases, concurrency, first, "diagnostic"))
    cpu = sampler.share(cpu0, sampler.snapshot())
    rate = flow.commands / elapsed
    return {
        "url": url,
        "cases": cases,
        "commands_per_s": round(rate, 1),
        "cpu_ms_per_command": sysmon.cpu_ms_per_unit(cpu, rate),
        "latency_all": latency_summary_ms(flow.create + flow.approve),
        "errors": dict(flow.errors),
        "cpu_during_run": cpu,
    }


def in_process_cpu(bench: Bench, cases: int) -> dict[str, Any]:
    """The treatment application's own CPU per command (create + approve), in this process, one thread."""
    from bench.insured import insure
    from bench.store import ACTOR, app_for, close_app

    app = app_for(bench)
    reviewer = Actor(user_id="bench-fr-inproc", roles=("first_reviewer",), admdvs="520100")
    try:
        insure(app, 2_600_000, cases + 1)
        app.create_case(PROCESS, filing(2_600_000), ACTOR)
        cpu0, wall0 = time.thread_time(), time.perf_counter()
        for i in range(2_600_001, 2_600_001 + cases):
            ack = app.create_case(PROCESS, filing(i), ACTOR)
            app.act(UUID(ack.case_id), reviewer, Command("approve", ack.version, None, {}))
        cpu, wall = time.thread_time() - cpu0, time.perf_counter() - wall0
    finally:
        close_app(app)
    return {
        "commands": 2 * cases,
        "cpu_ms_per_command": round(1000 * cpu / (2 * cases), 3),
        "wall_ms_per_command": round(1000 * wall / (2 * cases), 3),
        "what": "CaseApplication.create_case + act(approve) called directly: no HTTP, no FastAPI, no JWT",
    }


# ---------------------------------------------------------------- figure 5


@dataclass
class Steady:
    """One open-loop run at a fixed offered rate."""

    offered: float
    achieved: float
    steady: bool
    flow: Flow
    lags: dict[int, list[float]]
    invisible: int
    max_in_flight: int
    seconds: float
    cpu: dict[str, float]


class OpenLoop:
    """Starts cases at rate/2 per second (each a create then an approve) and watches them become visible.

    Every command is watched in the read model (one query every 10 ms for all of them); a sample of cases is
    also polled through the query API, which is what the figure reports.
    """

    def __init__(self, bench: Bench, rate: float, sample_every: int, poll: float, warmup: float) -> None:
        self.bench = bench
        self.per_second = rate / 2
        self.cap = max(int(self.per_second * 2), 50)  # over two seconds of cases in flight: not keeping up
        self.sample_every = sample_every
        self.poll = poll
        self.warmup = warmup
        self.flow = Flow()
        self.lags: dict[int, list[float]] = {1: [], 2: []}
        self.db_lags: list[float] = []
        self.pending: dict[tuple[str, int], float] = {}
        self.invisible = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.overloaded = False
        self.started = 0.0
        self.pollers: set[asyncio.Task[None]] = set()
        self.reader = bench.auth(*READER)

    async def visible(self, client: Client, case_id: str, version: int, accepted: float) -> None:
        """Poll GET /api/v1/cases/{id} until it shows `version`; record the lag after the warm-up."""
        while True:
            try:
                status, body = await client.get(f"/api/v1/cases/{case_id}", self.reader)
            except HttpError:
                status, body = 0, b""
            now = time.perf_counter()
            if status == 200 and int(orjson.loads(body)["version"]) >= version:
                if accepted - self.started >= self.warmup:
                    self.lags[version].append(now - accepted)
                return
            if now - accepted > 30:
                self.invisible += 1
                return
            await asyncio.sleep(self.poll)

    async def watch(self, done: asyncio.Event) -> None:
        """Every 10 ms, look up every command not yet visible in the read model (one query)."""
        async with await psycopg.AsyncConnection.connect(self.bench.dsn, autocommit=True) as conn:
            while not (done.is_set() and not self.pending):
                await asyncio.sleep(0.01)
                if not self.pending:
                    continue
                ids = list({case_id for case_id, _ in self.pending})
                cursor = await conn.execute(
                    "SELECT case_id, version FROM query.rm_cases WHERE case_id = ANY(%s)", (ids,)
                )
                now = time.perf_counter()
                seen = {str(case_id): int(version) for case_id, version in await cursor.fetchall()}
                for key, accepted in list(self.pending.items()):
                    if seen.get(key[0], 0) >= key[1]:
                        del self.pending[key]
                        self.db_lags.append(now - accepted)
                    elif now - accepted > 30:
                        del self.pending[key]

    async def run(self, seconds: float, first: int) -> float:
        """Offer the rate for `seconds`; return the seconds until the last command was answered."""
        total = max(int(self.per_second * seconds), 1)
        progress = Progress(f"{self.per_second * 2:.0f} cmd/s", total)
        done = asyncio.Event()
        watcher = asyncio.create_task(self.watch(done))
        async with Client(self.bench.platform.url()) as client:

            async def case(k: int) -> None:
                def acked(case_id: str, version: int, accepted: float) -> None:
                    if accepted - self.started >= self.warmup:
                        self.pending[(case_id, version)] = accepted
                    if k % self.sample_every == 0:
                        task = asyncio.create_task(self.visible(client, case_id, version, accepted))
                        self.pollers.add(task)
                        task.add_done_callback(self.pollers.discard)

                try:
                    await one_case(client, self.bench, first + k, self.flow, acked)
                finally:
                    self.in_flight -= 1
                    progress.advance()

            tasks: set[asyncio.Task[None]] = set()
            self.started = time.perf_counter()
            for k in range(total):
                delay = self.started + k / self.per_second - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                if self.in_flight >= self.cap:
                    self.overloaded = True
                    break
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
                task = asyncio.create_task(case(k))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            if tasks:
                await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
            elapsed = time.perf_counter() - self.started
            if self.pollers:
                await asyncio.wait_for(asyncio.gather(*self.pollers), timeout=60)
        done.set()
        await asyncio.wait_for(watcher, timeout=60)
        progress.close()
        return elapsed


def run_steady(
    bench: Bench, rate: float, seconds: float, sample_every: int, poll: float, warmup: float, first: int
) -> tuple[Steady, list[float]]:
    """One open-loop run, with the CPU shares during it; also the lags seen in the read model for every command."""
    insure_over(bench, first, max(int(rate / 2 * seconds), 1))  # rate/2 cases a second, each two commands
    sampler = bench.sampler()
    cpu0 = sampler.snapshot()
    loop = OpenLoop(bench, rate, sample_every, poll, warmup)
    elapsed = asyncio.run(loop.run(seconds, first))
    cpu = sampler.share(cpu0, sampler.snapshot())
    achieved = loop.flow.commands / elapsed
    steady = not loop.overloaded and achieved >= 0.9 * rate and not loop.flow.errors
    run = Steady(rate, achieved, steady, loop.flow, loop.lags, loop.invisible, loop.max_in_flight, elapsed, cpu)
    return run, loop.db_lags


def figure_lag(
    bench: Bench, rate: float, seconds: float, polled_per_s: float, poll: float, fallback: float | None
) -> Figure:
    """Figure 5: command accepted → visible in the query API, at a steady offered rate (lowered if not steady)."""
    attempts: list[dict[str, Any]] = []
    chosen: Steady | None = None
    chosen_db: list[float] = []
    first = 1_000_000
    for attempt in range(3):
        bench.wait_quiet()
        sample_every = max(1, round(rate / 2 / polled_per_s))
        say(f"figure 5: open loop at {rate:.0f} commands/s for {seconds:.0f} s, every {sample_every}th case polled")
        run, db_lags = run_steady(
            bench, rate, seconds, sample_every, poll, min(2.0, seconds / 5), first + attempt * 100_000
        )
        all_lags = run.lags[1] + run.lags[2]
        attempts.append(
            {
                "offered_per_s": rate,
                "achieved_per_s": round(run.achieved, 1),
                "steady": run.steady,
                "max_cases_in_flight": run.max_in_flight,
                "lag_all": latency_summary_ms(all_lags),
                "lag_in_read_model_every_command": latency_summary_ms(db_lags),
                "command_latency": latency_summary_ms(run.flow.create + run.flow.approve),
                "errors": dict(run.flow.errors),
                "cpu_during_run": run.cpu,
            }
        )
        say(
            f"  achieved {run.achieved:,.0f}/s ({'steady' if run.steady else 'NOT steady'}), "
            f"lag p50 {percentile(all_lags, 50) * 1000:.0f} ms p99 {percentile(all_lags, 99) * 1000:.0f} ms"
        )
        chosen, chosen_db = run, db_lags
        if run.steady:
            break
        ceiling = min(run.achieved, fallback) if fallback else run.achieved
        rate = max(20.0, round(0.85 * ceiling / 10) * 10)
    assert chosen is not None
    lags = chosen.lags[1] + chosen.lags[2]
    summary = latency_summary_ms(lags)
    detail = {
        "offered_per_s": chosen.offered,
        "achieved_per_s": round(chosen.achieved, 1),
        "steady": chosen.steady,
        "seconds": round(chosen.seconds, 1),
        "sample_every_nth_case": max(1, round(chosen.offered / 2 / polled_per_s)),
        "poll_interval_ms": poll * 1000,
        "lag_all": summary,
        "lag_create": latency_summary_ms(chosen.lags[1]),
        "lag_approve": latency_summary_ms(chosen.lags[2]),
        "lag_in_read_model_every_command": latency_summary_ms(chosen_db),
        "lag_in_read_model_note": "every command, seen by one SELECT on query.rm_cases every 10 ms (no API hop)",
        "not_visible_within_30s": chosen.invisible,
        "command_latency": latency_summary_ms(chosen.flow.create + chosen.flow.approve),
        "cpu_during_run": chosen.cpu,
        "attempts": attempts,
    }
    state = "steady" if chosen.steady else "not steady"
    return Figure(
        "5",
        f"E2E lag command → query API at {chosen.offered:.0f} cmd/s ({state})",
        summary["p99_ms"],
        "ms p99",
        f"p50 {summary['p50_ms']:.0f} / p99 {summary['p99_ms']:.0f} ms (n={summary['count']})",
        f"p99 < {TARGET_LAG_P99_MS:.0f} ms at 500/s",
        summary["p99_ms"] < TARGET_LAG_P99_MS and chosen.steady and chosen.offered >= 500,
        detail=detail,
    )


def insure_over(bench: Bench, first: int, count: int) -> None:
    """Make the persons of the bench cases a run will send insured, in the treatment service's store."""
    from bench.insured import insure
    from bench.store import app_for, close_app

    app = app_for(bench)
    try:
        insure(app, first, count)
    finally:
        close_app(app)
