"""Measure the platform beside the physical limits of its infrastructure: `python -m bench.run [--quick]`.

Starts what it needs (Kafka and PostgreSQL if they are not running, and a whole platform on its own database,
topic prefix and ports), runs every figure (or those `--only` names), prints a table, writes
bench/results/latest.{json,md}, and cleans up.
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from bench import sysmon
from bench.commands import figure_commands, figure_lag
from bench.gateway import figure_gateway
from bench.harness import Bench, close_bench, open_bench, say, start_platform
from bench.ingestion import figure_ingestion
from bench.projection import figure_projection, figure_rebuild
from bench.relaybench import figure_relay
from bench.stats import Figure, failed, markdown_table, rows, text_table
from bench.store import app_for, close_app, figure_store
from ybj_dev import infra, processes
from ybj_kernel.application import CaseApplication

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_RSS_MB = 200.0
FIGURES = ("1", "2", "3", "4", "5", "6", "7", "8", "9")


class BenchTimeout(Exception):
    """The whole bench ran past --max-minutes."""


@dataclass(frozen=True)
class Sizes:
    """How much work each figure does."""

    mode: str
    cases: int
    concurrency: int
    direct_cases: int
    store_clients: int
    append_events: int
    pgbench_seconds: float
    perf_records: int
    projection_events: int
    lag_rate: float
    lag_seconds: float
    lag_polled_per_s: float
    lag_poll: float
    ingest_records: int
    ingest_batch: int
    ingest_clients: int
    ingest_in_process: int
    gateway_requests: int
    gateway_clients: int
    only: tuple[str, ...] = FIGURES


def parse(argv: list[str] | None) -> tuple[argparse.Namespace, Sizes]:
    """Command line: sizes default to the full run, or to ~1,000 cases with --quick."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="about 1,000 cases and 10,000 projected events")
    parser.add_argument("--cases", type=int, help="cases (create + approve) through HTTP; default 10,000")
    parser.add_argument("--concurrency", type=int, default=12, help="concurrent HTTP clients (default 12)")
    parser.add_argument("--direct-cases", type=int, help="cases sent straight to the treatment service")
    parser.add_argument("--store-clients", type=int, default=8, help="threads / pgbench clients (default 8)")
    parser.add_argument("--append-events", type=int, help="in-process appends (the relay backlog)")
    parser.add_argument("--pgbench-seconds", type=float, help="duration of each pgbench run")
    parser.add_argument("--perf-records", type=int, help="records sent by Kafka's ProducerPerformance")
    parser.add_argument("--projection-events", type=int, help="synthetic backlog for the projector; default 100,000")
    parser.add_argument("--lag-rate", type=float, default=500.0, help="offered commands/s for the lag figure")
    parser.add_argument("--lag-seconds", type=float, help="duration of the open-loop lag run")
    parser.add_argument(
        "--lag-polled-per-s", type=float, default=4.0, help="cases a second polled through the query API (figure 5)"
    )
    parser.add_argument("--lag-poll-ms", type=float, default=20.0, help="query API poll interval")
    parser.add_argument("--ingest-records", type=int, help="settlement records through HTTP (figure 8); default 50,000")
    parser.add_argument("--ingest-batch", type=int, default=1000, help="settlement records a request (default 1,000)")
    parser.add_argument(
        "--ingest-clients", type=int, default=4, help="institutions sending at once (figure 8, default 4)"
    )
    parser.add_argument("--ingest-in-process", type=int, help="records through ingest() in-process (figure 8)")
    parser.add_argument(
        "--gateway-requests", type=int, help="item 68 calls on each path, gateway and direct (figure 9); default 2,000"
    )
    parser.add_argument(
        "--gateway-clients", type=int, default=8, help="concurrent channel clients (figure 9, default 8)"
    )
    parser.add_argument(
        "--only",
        help="comma-separated figures to run, e.g. 8 or 1,5 (default all); figures 3 and 4 build on 2's appends",
    )
    parser.add_argument("--max-minutes", type=float, default=40.0, help="abort (and clean up) after this long")
    parser.add_argument(
        "--wait-others", type=float, default=300.0, help="seconds to wait for another running platform to stop"
    )
    parser.add_argument("--keep", action="store_true", help="leave the bench platform and database (debugging)")
    args = parser.parse_args(argv)
    quick = bool(args.quick)
    only = tuple(k.strip() for k in args.only.split(",") if k.strip()) if args.only else FIGURES
    unknown = sorted(set(only) - set(FIGURES))
    if unknown or not only:
        parser.error(f"--only: unknown figures {unknown}; choose among {', '.join(FIGURES)}")
    ingest_records = args.ingest_records or (5_000 if quick else 50_000)
    cases = args.cases or (1_000 if quick else 10_000)
    sizes = Sizes(
        mode="quick" if quick else "full",
        cases=cases,
        concurrency=args.concurrency,
        direct_cases=args.direct_cases if args.direct_cases is not None else max(cases // 10, 200),
        store_clients=args.store_clients,
        append_events=args.append_events or (10_000 if quick else 30_000),
        pgbench_seconds=args.pgbench_seconds or (5.0 if quick else 10.0),
        perf_records=args.perf_records or 200_000,
        projection_events=args.projection_events or (10_000 if quick else 100_000),
        lag_rate=args.lag_rate,
        lag_seconds=args.lag_seconds or (10.0 if quick else 30.0),
        lag_polled_per_s=max(args.lag_polled_per_s, 0.1),
        lag_poll=args.lag_poll_ms / 1000,
        ingest_records=ingest_records,
        ingest_batch=max(args.ingest_batch, 1),
        ingest_clients=max(args.ingest_clients, 1),
        ingest_in_process=args.ingest_in_process or max(ingest_records // 5, 5 * args.ingest_batch),
        gateway_requests=args.gateway_requests or (400 if quick else 2_000),
        gateway_clients=max(args.gateway_clients, 1),
        only=tuple(k for k in FIGURES if k in only),
    )
    return args, sizes


def figure_rss(bench: Bench) -> Figure:
    """Figure 7: peak RSS (VmHWM) of every platform process, the highest over its restarts."""
    for process in bench.process_names():
        bench.note_peak(process)
    peaks = {p: round(kb * 1024 / 1e6, 1) for p, kb in sorted(bench.peak_rss_kb.items())}
    missing = [p for p in bench.process_names() if p not in peaks]
    worst = max(peaks, key=lambda p: peaks[p])
    met = not missing and all(mb < TARGET_RSS_MB for mb in peaks.values())
    return Figure(
        "7",
        f"peak RSS per process (max of {len(peaks)})",
        peaks[worst],
        "MB",
        f"{peaks[worst]:.0f} MB ({worst})",
        f"< {TARGET_RSS_MB:.0f} MB each",
        met,
        detail={"peak_rss_mb": peaks, "not_measured": missing},
    )


def others_running() -> list[str]:
    """Other platforms' processes on this machine (they share the CPUs and PostgreSQL's connections)."""
    running = processes.running_processes(infra.default_run_dir())
    return sorted(n for n in running if not n.startswith("bench-") and n not in infra.MANAGED_NAMES)


def wait_for_others(seconds: float) -> None:
    """Give another platform (make run, an integration test session) up to `seconds` to go away."""
    deadline = time.monotonic() + seconds
    others = others_running()
    if others:
        say(f"other platform processes are running ({', '.join(others)}); waiting up to {seconds:.0f} s for them")
    while others and time.monotonic() < deadline:
        time.sleep(2)
        others = others_running()


class Runner:
    """Runs the figures in order; a failed figure is recorded and the run goes on where it can."""

    def __init__(self, only: tuple[str, ...] = FIGURES) -> None:
        self.only = only
        self.figures: list[Figure] = []
        self.timings: dict[str, float] = {}
        self.others_seen: dict[str, list[str]] = {}

    def step(self, key: str, name: str, target: str, measure: Callable[[], list[Figure]]) -> bool:
        """Measure one figure (or several lines), recording a failure instead of raising; skip one not selected."""
        if key not in self.only:
            return False
        started = time.monotonic()
        try:
            self.figures += measure()
            return True
        except (KeyboardInterrupt, BenchTimeout):
            raise
        except Exception as exc:
            say(f"figure {key} failed: {type(exc).__name__}: {exc}")
            self.figures.append(failed(key, name, target, exc))
            return False
        finally:
            self.timings[key] = round(time.monotonic() - started, 1)
            others = others_running()
            if others:
                self.others_seen[key] = others
                say(f"warning: other platform processes ran during figure {key}: {', '.join(others)}")


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise BenchTimeout("the bench ran past --max-minutes")


def _terminate(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(sizes: Sizes, max_minutes: float, keep: bool, wait_others: float) -> dict[str, Any]:
    """Start, measure, clean up; return everything the results files hold."""
    wait_for_others(wait_others)
    started = time.monotonic()
    machine = sysmon.machine()
    signal.signal(signal.SIGALRM, _alarm)
    signal.signal(signal.SIGTERM, _terminate)
    signal.alarm(max(int(max_minutes * 60), 60))
    runner = Runner(sizes.only)
    aborted: str | None = None
    others: list[str] = []
    connections: dict[str, dict[str, int]] = {}
    trace = ""
    bench = open_bench()
    app: CaseApplication | None = None
    try:
        others = others_running()
        if others:
            say(f"warning: other platform processes still run and share the CPUs: {', '.join(others)}")
        connections["before"] = bench.connections()
        start_platform(bench)
        connections["after_start"] = bench.connections()
        say(f"PostgreSQL connections: {connections['after_start']}")
        one = runner.step(
            "1",
            "HTTP commands",
            "≥ 1,000/s, p99 < 50 ms",
            lambda: figure_commands(bench, sizes.cases, sizes.concurrency, sizes.direct_cases),
        )
        capacity = runner.figures[0].measured if one else None
        runner.step(
            "5",
            "E2E lag",
            "p99 < 250 ms",
            lambda: [
                figure_lag(bench, sizes.lag_rate, sizes.lag_seconds, sizes.lag_polled_per_s, sizes.lag_poll, capacity)
            ],
        )
        # Before figures 2-4 stop the relays and the projector: the sandbox it seeds must reach the read side.
        runner.step(
            "9",
            "gateway item vs direct read",
            "none (ratio to the read without the envelope)",
            lambda: figure_gateway(bench, sizes.gateway_requests, sizes.gateway_clients),
        )
        if {"2", "3", "4"} & set(sizes.only):
            bench.wait_quiet()
            bench.stop("treatment-relay")  # figure 2's appends become figure 3's backlog
            bench.stop("query-projector")  # figure 3's relay runs alone; figures 3 and 4 make the projector's backlog
            app = app_for(bench)

        runner.step(
            "2",
            "event-store appends/s",
            "ratio ≥ 0.5",
            lambda: [figure_store(bench, sizes.store_clients, sizes.append_events, sizes.pgbench_seconds, _app(app))],
        )
        runner.step("3", "relay publish/s", "ratio ≥ 0.3", lambda: [figure_relay(bench, _app(app), sizes.perf_records)])
        runner.step(
            "4",
            "projection catch-up",
            "≥ 10,000/s",
            lambda: [figure_projection(bench, _app(app), sizes.projection_events)],
        )
        runner.step("6", "full read-model rebuild", "< 20 s", lambda: [figure_rebuild(bench)])
        # Last: its records would add to figure 6's rebuild. It starts the settlement relay and the projector if they
        # are stopped, and leaves them and the reactors stopped.
        runner.step(
            "8",
            "settlement-record ingestion",
            "none (ratio to COPY)",
            lambda: figure_ingestion(
                bench, sizes.ingest_records, sizes.ingest_batch, sizes.ingest_clients, sizes.ingest_in_process
            ),
        )
    except (KeyboardInterrupt, BenchTimeout, Exception) as exc:
        aborted = f"{type(exc).__name__}: {exc}"
        trace = traceback.format_exc()
        say(f"aborted ({aborted}); cleaning up")
    finally:
        signal.alarm(0)
        if app is not None:
            close_app(app)
        close_bench(bench, keep=keep)
    if bench.peak_rss_kb:
        runner.step("7", "peak RSS per process", "< 200 MB each", lambda: [figure_rss(bench)])
    order = {
        **{"1": 0, "1a": 0, "1b": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7, "8": 8, "8a": 8, "8b": 9},
        **{"9": 10, "9a": 10, "9b": 11},
    }
    figures = sorted(runner.figures, key=lambda f: order.get(f.key, 12))
    return {
        "mode": sizes.mode,
        "only": list(sizes.only) if sizes.only != FIGURES else None,
        "sizes": sizes.__dict__,
        "machine": machine,
        "other_platform_processes_running": others,
        "other_platform_processes_seen_after_steps": runner.others_seen,
        "postgres_connections": connections,
        "aborted": aborted,
        "aborted_traceback": trace,
        "runtime_s": round(time.monotonic() - started, 1),
        "step_seconds": runner.timings,
        "figures": [f.as_dict() for f in figures],
        "table": rows(figures),
    }


def _app(app: CaseApplication | None) -> CaseApplication:
    assert app is not None
    return app


def _clean(value: Any) -> Any:
    """JSON has no NaN: write null instead."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def markdown(result: dict[str, Any]) -> str:
    """The results as a Markdown page: machine, table, peak RSS per process."""
    m = result["machine"]
    chosen = result.get("only") or []
    only = f" (figure{'s' if len(chosen) > 1 else ''} {', '.join(chosen)} only)" if chosen else ""
    lines = [
        f"# ybj bench, {result['mode']} run{only}, {m['date']}",
        "",
        f"Machine: {m['cores']} cores ({m['cpu_model']}), {m['ram_gib']} GiB RAM, Linux {m['kernel']}, "
        f"Python {m['python']}. Bench runtime {result['runtime_s']:.0f} s.",
        "",
        markdown_table(result["table"]),
    ]
    for figure in result["figures"]:
        if figure["key"] == "7":
            lines += ["", "Peak RSS (VmHWM) per process, MB:", ""]
            lines += [f"- {p}: {mb}" for p, mb in figure["detail"]["peak_rss_mb"].items()]
        if figure["key"] == "8a" and not figure["error"]:
            lines += ["", f"CPU per settlement record during 8a, ms: {_ingestion_cpu(figure)}"]
        if figure["key"] == "9a" and not figure["error"]:
            lines += ["", f"CPU per item 68 request, ms: {_gateway_cpu(figure)}"]
    if result["aborted"]:
        lines += ["", f"**Aborted**: {result['aborted']}"]
    if result["other_platform_processes_seen_after_steps"]:
        seen = result["other_platform_processes_seen_after_steps"]
        lines += ["", f"**Warning**: other platforms ran during figures {', '.join(seen)}; those figures are skewed."]
    return "\n".join(lines) + "\n"


def _ingestion_cpu(figure: dict[str, Any]) -> str:
    """Figure 8a's CPU per record by process, largest first (those over 0.01 ms)."""
    cpu = figure["detail"]["through_entry_point"]["cpu_ms_per_record"]
    parts = sorted(((v, k) for k, v in cpu.items() if k != "total" and v >= 0.01), reverse=True)
    return ", ".join(f"{k} {v}" for v, k in parts) + f"; total {cpu.get('total')}"


def _gateway_cpu(figure: dict[str, Any]) -> str:
    """Figure 9a's CPU per request by process on each path (those over 0.05 ms), and the load the others added."""
    parts = []
    for path, label in (("through_gateway", "through the gateway"), ("direct_to_query_service", "direct")):
        cpu = figure["detail"][path]["cpu_ms_per_request"]
        shown = sorted(
            ((v, k) for k, v in cpu.items() if k not in ("total", "unaccounted") and v >= 0.05), reverse=True
        )
        others = cpu.get("unaccounted", 0.0)  # CPU of other processes on the machine (other people's tests)
        platform = round(cpu.get("total", 0.0) - others, 3)
        parts.append(f"{label}: " + ", ".join(f"{k} {v}" for v, k in shown) + f"; {platform} in all (others {others})")
    return " · ".join(parts)


def write(result: dict[str, Any]) -> list[Path]:
    """bench/results/latest.{json,md}, and a copy per mode ({quick,full}.{json,md}) unless the run aborted.

    A run of some figures only (--only) keeps its copy apart, e.g. quick-only-8.{json,md}.
    """
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(_clean(result), indent=2, ensure_ascii=False) + "\n"
    page = markdown(result)
    written = []
    # The per-mode copy ({quick,full}.*) keeps the last run that went through; latest.* is always this run.
    mode = f"{result['mode']}-only-{'-'.join(result['only'])}" if result.get("only") else result["mode"]
    stems = ["latest"] if result["aborted"] else ["latest", mode]
    for stem in stems:
        (RESULTS / f"{stem}.json").write_text(text)
        (RESULTS / f"{stem}.md").write_text(page)
        written += [RESULTS / f"{stem}.json", RESULTS / f"{stem}.md"]
    return written


def main(argv: list[str] | None = None) -> int:
    """Run the bench and print the table; exit 1 if it aborted or a figure failed to measure."""
    args, sizes = parse(argv)
    result = run(sizes, args.max_minutes, args.keep, args.wait_others)
    written = write(result)
    print()
    print(text_table(result["table"]))
    for figure in result["figures"]:
        if figure["key"] == "7":
            print("peak RSS (MB): " + ", ".join(f"{p} {mb}" for p, mb in figure["detail"]["peak_rss_mb"].items()))
        if figure["key"] == "8a" and not figure["error"]:
            print(f"CPU per settlement record during 8a (ms): {_ingestion_cpu(figure)}")
        if figure["key"] == "9a" and not figure["error"]:
            print(f"CPU per item 68 request (ms): {_gateway_cpu(figure)}")
        if figure["error"]:
            print(f"figure {figure['key']} failed: {figure['error']}")
    if result["other_platform_processes_seen_after_steps"]:
        print(
            "warning: other platforms ran during the bench; figures are skewed:",
            result["other_platform_processes_seen_after_steps"],
        )
    print(f"runtime {result['runtime_s']:.0f} s; written {', '.join(str(p) for p in written)}")
    broken = result["aborted"] or any(f["error"] for f in result["figures"])
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
