"""What the hash chain costs a command: SM3 per event, and in-process appends with and without the chain.

`python -m bench.chain_cost [--events N] [--rounds R]` starts PostgreSQL (and Kafka) if needed, makes a scratch
database, and alternates rounds of the event-store figure (figure 2: P044 creates from 8 threads, in-process)
with eventsourcing's plain recorder and with the chained one; it prints the rates, the CPU per command of this
process, and the SM3 cost of one event digest. The figures go to bench/README.md by hand.
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from bench.store import appends, close_app
from ybj_dev import infra
from ybj_kernel.adapters import eventstore
from ybj_kernel.audit.chain import GENESIS, event_digest
from ybj_kernel.entrypoints import service_main
from ybj_kernel.entrypoints.service_main import bootstrap
from ybj_kernel.settings import Settings
from ybj_treatment.application import TreatmentApplication

THREADS = 8


def sm3_per_event_us(state_size: int, count: int = 20_000) -> float:
    """Microseconds of CPU for one event digest over a state of `state_size` bytes."""
    state = b"x" * state_size
    stream = str(uuid.uuid4())
    started = time.process_time()
    for v in range(count):
        event_digest(stream, v + 1, "ybj_kernel.domain.case:Case.Transitioned", state, GENESIS)
    return (time.process_time() - started) / count * 1e6


@contextmanager
def plain_recorder() -> Iterator[None]:
    """Bootstrap with eventsourcing's own recorder (no chain)."""
    original = eventstore.eventstore_env

    def env(dsn: str, schema: str = "public") -> dict[str, str]:
        out = original(dsn, schema)
        out.pop("APPLICATION_RECORDER_TOPIC", None)
        return out

    with mock.patch.object(service_main, "eventstore_env", env):
        yield


def round_of(dsn: str, chained: bool, events: int, first: int) -> dict[str, Any]:
    """One round of appends on a fresh database: rate and CPU per command of this process."""
    with plain_recorder() if not chained else _nothing():
        app = bootstrap(TreatmentApplication, Settings(pg_dsn=dsn))
    try:
        cpu = time.process_time()
        result = appends(app, THREADS, events, 300, first, "chained" if chained else "plain")
        result["cpu_ms_per_command"] = round((time.process_time() - cpu) / max(1, result["events"]) * 1000, 3)
    finally:
        close_app(app)
    return result


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def main(argv: list[str] | None = None) -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(prog="python -m bench.chain_cost", description=__doc__)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    for size in (600, 2000):
        print(f"SM3 event digest, {size}-byte state: {sm3_per_event_us(size):.1f} µs CPU")
    env = infra.infra_up(infra.default_run_dir())
    results: dict[str, list[dict[str, Any]]] = {"plain": [], "chained": []}
    for r in range(args.rounds):
        for chained in (False, True):
            name = f"ybj_chaincost_{uuid.uuid4().hex[:8]}"
            dsn = infra.create_database(env["YBJ_PG_DSN"], name)
            try:
                key = "chained" if chained else "plain"
                results[key].append(round_of(dsn, chained, args.events, r * 1_000_000))
            finally:
                infra.drop_database(env["YBJ_PG_DSN"], name)
    for key, rounds in results.items():
        rates = ", ".join(f"{x['events_per_s']:.0f}/s" for x in rounds)
        cpu = ", ".join(f"{x['cpu_ms_per_command']:.3f} ms" for x in rounds)
        p99 = ", ".join(f"{x['latency']['p99_ms']:.1f}" for x in rounds)
        print(f"{key:8} appends: {rates}; CPU per command (this process): {cpu}; p99 ms: {p99}")


if __name__ == "__main__":
    main()
