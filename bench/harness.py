"""The bench platform: infrastructure, a fresh database and topic prefix, its processes, and cleaning up."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from bench import sysmon
from ybj_dev import infra, processes
from ybj_dev.platform import DOMAIN_SERVICES, SERVICES, Platform
from ybj_kernel.adapters.kafka import ensure_topics, partitions_of
from ybj_kernel.auth import ensure_dev_keys, issue_token
from ybj_kernel.envelope import topic_for

BASE_PORT = 28080
GRPC_BASE_PORT = 27051  # below the ephemeral range (32768-60999): no outgoing connection holds it
METRICS_BASE_PORT = 29101
NAME_PREFIX = "bench-"
READER = ("bench-auditor", "auditor", "520000")
START_TIMEOUT = 90.0
# Processes that serve no metrics port: the audit checkpointer signs and sleeps (ybj_kernel/audit/checkpointer.py).
WITHOUT_METRICS = frozenset({"audit-checkpointer"})


class BenchError(RuntimeError):
    """A step of the bench could not be carried out."""


def say(message: str) -> None:
    """Progress on the terminal."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass
class Bench:
    """One bench platform on its own database, topic prefix and ports."""

    run_dir: Path
    admin_dsn: str
    kafka: str
    database: str
    dsn: str
    platform: Platform
    infra_was_running: bool
    peak_rss_kb: dict[str, int] = field(default_factory=dict)
    _tokens: dict[tuple[str, str, str], str] = field(default_factory=dict)

    # ------------------------------------------------------------ identities

    def token(self, user: str, role: str, admdvs: str = "520100") -> str:
        """A bearer token signed with the development key the bench services trust."""
        if (user, role, admdvs) not in self._tokens:
            private = (self.run_dir / "keys" / "jwt-private.pem").read_bytes()
            self._tokens[(user, role, admdvs)] = issue_token(private, user, [role], admdvs)
        return self._tokens[(user, role, admdvs)]

    def auth(self, user: str, role: str, admdvs: str = "520100") -> dict[str, str]:
        """Authorization header of one staff member."""
        return {"Authorization": f"Bearer {self.token(user, role, admdvs)}"}

    # ------------------------------------------------------------ processes

    def topics(self) -> list[str]:
        """The four domain topics of the bench platform."""
        return [topic_for(self.platform.topic_prefix, s) for s in DOMAIN_SERVICES]

    def process_names(self) -> list[str]:
        """Every platform process name without prefix, e.g. `treatment-relay`."""
        return [name.removeprefix(NAME_PREFIX) for name, _, _ in self.platform.process_table()]

    def pid(self, process: str) -> int | None:
        """The pid of a live platform process."""
        pid = processes.read_pid(processes.pid_file(self.platform.name(process), self.run_dir))
        return pid if pid is not None and processes.pid_alive(pid) else None

    def note_peak(self, process: str) -> None:
        """Remember a process's VmHWM (its peak RSS) before it stops."""
        pid = self.pid(process)
        if pid is None:
            return
        hwm = sysmon.vm_hwm_kb(pid)
        if hwm is not None:
            self.peak_rss_kb[process] = max(self.peak_rss_kb.get(process, 0), hwm)

    def stop(self, process: str) -> None:
        """Stop one platform process, keeping its peak RSS."""
        self.note_peak(process)
        processes.stop_process(self.platform.name(process), self.run_dir)

    def start(self, process: str, timeout: float = START_TIMEOUT) -> int:
        """Start one platform process and wait until it answers (HTTP health or metrics port)."""
        pid = self.platform.start_one(process)
        log = processes.log_file(self.platform.name(process), self.run_dir)
        if process in SERVICES:
            processes.wait_http(f"{self.platform.url(process)}/healthz", timeout, log=log, pid=pid)
        elif process in WITHOUT_METRICS:
            if not processes.pid_alive(pid):
                raise RuntimeError(f"{process} exited at start: see {log}")
        else:
            port = self.metrics_port(process)
            processes.wait_http(f"http://127.0.0.1:{port}/metrics", timeout, log=log, pid=pid)
        return pid

    def metrics_port(self, process: str) -> int:
        """Metrics port of a relay or the projector."""
        for name, _, env in self.platform.process_table():
            if name == self.platform.name(process):
                return int(env["YBJ_METRICS_PORT"])
        raise KeyError(process)

    def cpu_groups(self) -> dict[str, list[int]]:
        """Processes whose CPU time the sampler reads: each platform process, PostgreSQL, Kafka, the bench."""
        groups: dict[str, list[int]] = {}
        for process in self.process_names():
            pid = self.pid(process)
            groups[process] = [pid] if pid is not None else []
        groups["postgres"] = sysmon.pids_named("postgres")
        kafka = infra.kafka_pid(self.run_dir)
        groups["kafka"] = [kafka] if kafka is not None else []
        groups["bench"] = [os.getpid()]
        return groups

    def sampler(self) -> sysmon.CpuSampler:
        """A CPU sampler over this platform's processes."""
        return sysmon.CpuSampler(self.cpu_groups)

    # ------------------------------------------------------------ database

    @contextlib.contextmanager
    def db(self) -> Iterator[psycopg.Connection[Any]]:
        """An autocommit connection to the bench database."""
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            yield conn

    def relay_position(self, service: str) -> int:
        """The last notification id a relay recorded as acknowledged by Kafka."""
        with self.db() as conn:
            row = conn.execute(
                f"SELECT notification_id FROM {service}.relay_positions WHERE service = %s", (service,)
            ).fetchone()
        return int(row[0]) if row else 0

    def max_notification_id(self, service: str) -> int:
        """The highest notification id in a service's event store."""
        with self.db() as conn:
            row = conn.execute(f"SELECT max(notification_id) FROM {service}.{service}_events").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def projector_positions(self) -> int:
        """Sum over every partition of the projector's next offsets."""
        with self.db() as conn:
            row = conn.execute(
                "SELECT coalesce(sum(next_offset), 0) FROM query.rm_positions WHERE topic = ANY(%s)", (self.topics(),)
            ).fetchone()
        return int(row[0]) if row else 0

    def connections(self) -> dict[str, int]:
        """PostgreSQL connections: to the bench database, to the whole server, and the server's maximum."""
        with self.db() as conn:
            row = conn.execute(
                "SELECT count(*) FILTER (WHERE datname = %s), count(*) FILTER (WHERE backend_type = 'client backend'),"
                " current_setting('max_connections')::int FROM pg_stat_activity",
                (self.database,),
            ).fetchone()
        assert row is not None
        return {"bench_database": int(row[0]), "server_total": int(row[1]), "max_connections": int(row[2])}

    def xact_commits(self) -> int:
        """Transactions committed in the bench database so far (pg_stat_database)."""
        with self.db() as conn:
            row = conn.execute(
                "SELECT xact_commit FROM pg_stat_database WHERE datname = %s", (self.database,)
            ).fetchone()
        return int(row[0]) if row else 0

    # ------------------------------------------------------------ Kafka

    def end_offsets(self, topics: list[str] | None = None) -> int:
        """Sum of the end offsets of every partition of the topics (default: the domain topics)."""
        return asyncio.run(_end_offsets(self.kafka, topics or self.topics()))

    # ------------------------------------------------------------ waiting

    def wait_relays_caught_up(self, timeout: float) -> None:
        """Wait until every running relay has published everything in its event store."""
        deadline = time.monotonic() + timeout
        for service in DOMAIN_SERVICES:
            if self.pid(f"{service}-relay") is None:
                continue
            wait_until(functools.partial(self.relay_done, service), deadline, f"{service} relay")

    def relay_done(self, service: str) -> bool:
        """Whether a relay has published everything in its event store."""
        return self.relay_position(service) >= self.max_notification_id(service)

    def wait_projector_caught_up(self, timeout: float) -> None:
        """Wait until the projector has applied everything in the domain topics."""
        deadline = time.monotonic() + timeout
        end = self.end_offsets()
        wait_until(lambda: self.projector_positions() >= end, deadline, "projector")

    def wait_quiet(self, timeout: float = 120.0) -> None:
        """Wait until relays and projector have nothing left to do."""
        deadline = time.monotonic() + timeout
        self.wait_relays_caught_up(max(deadline - time.monotonic(), 1))
        if self.pid("query-projector") is not None:
            self.wait_projector_caught_up(max(deadline - time.monotonic(), 1))

    # ------------------------------------------------------------ metrics

    def scrape(self, url: str) -> dict[str, float]:
        """Prometheus samples of one /metrics endpoint, keyed by `name{labels}`."""
        text = httpx.get(url, timeout=5).text
        out: dict[str, float] = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                key, _, value = line.rpartition(" ")
                with contextlib.suppress(ValueError):
                    out[key] = float(value)
        return out


def metric(samples: Mapping[str, float], name: str, **labels: str) -> float:
    """Sum of the samples of a metric whose labels include the given ones."""
    total = 0.0
    for key, value in samples.items():
        base, _, rest = key.partition("{")
        if base != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        if all(found.get(k) == v for k, v in labels.items()):
            total += value
    return total


def wait_until(check: Callable[[], bool], deadline: float, what: str, interval: float = 0.05) -> None:
    """Poll `check` until it holds, raising BenchError at the deadline."""
    while not check():
        if time.monotonic() > deadline:
            raise BenchError(f"timed out waiting for {what}")
        time.sleep(interval)


async def _end_offsets(bootstrap: str, topics: list[str]) -> int:
    tps = await partitions_of(bootstrap, topics)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        ends: dict[TopicPartition, int] = await consumer.end_offsets(tps)
    finally:
        await consumer.stop()
    return sum(ends.values())


async def _delete_topics(bootstrap: str, prefix: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        names = [t for t in await admin.list_topics() if t.startswith(f"{prefix}.")]
        if names:
            await admin.delete_topics(names)
        return names
    finally:
        await admin.close()


def _port_free(port: int) -> bool:
    return not infra.port_open("127.0.0.1", port, timeout=0.2)


def open_bench() -> Bench:
    """Start Kafka and PostgreSQL if needed and make a fresh database and topic prefix (no process started)."""
    run_dir = infra.default_run_dir()
    status = infra.status(run_dir)
    was_running = not status["kafka"].startswith("stopped") and not status["postgres"].startswith("stopped")
    say(f"infrastructure before the bench: kafka {status['kafka']}; postgres {status['postgres']}")
    try:
        env = infra.infra_up(run_dir)
        suffix = uuid.uuid4().hex[:8]
        database = f"ybj_bench_{suffix}"
        prefix = f"ybjbench{suffix}"
        probe = _bench_platform(run_dir, "", env["YBJ_KAFKA_BOOTSTRAP"], prefix)
        # A bench killed before its cleanup may have left its own processes: stop them by their pid files.
        for name, _, _ in probe.process_table():
            processes.stop_process(name, run_dir)
        busy = [p for p in _ports(probe) if not _port_free(p)]
        if busy:
            raise BenchError(f"ports {busy} are taken; the bench needs them free")
        dsn = infra.create_database(env["YBJ_PG_DSN"], database)
    except BaseException:
        if not was_running:
            infra.infra_down(run_dir)
        raise
    platform = _bench_platform(run_dir, dsn, env["YBJ_KAFKA_BOOTSTRAP"], prefix)
    ensure_dev_keys(run_dir / "keys" / "jwt-private.pem", run_dir / "keys" / "jwt-public.pem")
    say(f"database {database}, topic prefix {prefix}, public entry point {platform.url()}")
    return Bench(run_dir, env["YBJ_PG_DSN"], env["YBJ_KAFKA_BOOTSTRAP"], database, dsn, platform, was_running)


def start_platform(bench: Bench) -> None:
    """Create the topics, start every process of the bench platform and wait until each answers.

    The topics are made first: a projector that joins its group before they exist is assigned no partition
    and stays idle until its metadata refresh (metadata_max_age_ms, five minutes).
    """
    topics = [*bench.topics(), f"{bench.platform.topic_prefix}.query.dead-letter"]
    asyncio.run(ensure_topics(bench.kafka, topics))
    bench.platform.start(timeout=START_TIMEOUT)
    for process in bench.process_names():
        if process not in SERVICES and process not in WITHOUT_METRICS:
            bench.start(process)  # already running: waits for its metrics port


def _bench_platform(run_dir: Path, dsn: str, kafka: str, prefix: str) -> Platform:
    return Platform(
        run_dir,
        dsn,
        kafka,
        topic_prefix=prefix,
        base_port=BASE_PORT,
        grpc_base_port=GRPC_BASE_PORT,
        metrics_base_port=METRICS_BASE_PORT,
        name_prefix=NAME_PREFIX,
    )


def _ports(platform: Platform) -> list[int]:
    ports = []
    for service in SERVICES:
        ports += [platform.http_port(service), platform.grpc_port(service)]
    ports += [METRICS_BASE_PORT + i for i in range(len(DOMAIN_SERVICES) + 1)]
    return ports


def close_bench(bench: Bench, *, keep: bool = False) -> None:
    """Stop the bench processes, drop its database and topics, and stop the infrastructure if we started it."""
    for process in bench.process_names():
        bench.note_peak(process)
    if keep:
        say(f"--keep: leaving {bench.database} and the bench processes running")
        return
    errors: list[str] = []
    try:
        bench.platform.stop()
    except Exception as exc:
        errors.append(f"stopping processes: {exc!r}")
    try:
        infra.drop_database(bench.admin_dsn, bench.database)
    except Exception as exc:
        errors.append(f"dropping {bench.database}: {exc!r}")
    try:
        deleted = asyncio.run(asyncio.wait_for(_delete_topics(bench.kafka, bench.platform.topic_prefix), 60))
        say(f"deleted {len(deleted)} bench topics")
    except Exception as exc:
        errors.append(f"deleting topics: {exc!r}")
    if not bench.infra_was_running:
        try:
            infra.infra_down(bench.run_dir)
            say("stopped Kafka and PostgreSQL (they were not running before the bench)")
        except Exception as exc:
            errors.append(f"stopping the infrastructure: {exc!r}")
    for error in errors:
        say(f"cleanup problem: {error}")


class Progress:
    """A one-line progress bar on a terminal; silent when the output is not a terminal."""

    def __init__(self, label: str, total: int) -> None:
        self.label = label
        self.total = max(total, 1)
        self.done = 0
        self._shown = 0.0
        self._tty = os.isatty(1)

    def advance(self, n: int = 1) -> None:
        """Count n more done and redraw at most ten times a second."""
        self.done += n
        self.show()

    def show(self, done: int | None = None) -> None:
        """Redraw (optionally setting the count)."""
        if done is not None:
            self.done = done
        now = time.monotonic()
        if not self._tty or now - self._shown < 0.1:
            return
        self._shown = now
        part = min(self.done / self.total, 1.0)
        bar = "#" * int(part * 30)
        print(f"\r  {self.label} [{bar:<30}] {self.done:,}/{self.total:,}", end="", flush=True)

    def close(self) -> None:
        """End the line."""
        if self._tty:
            self._shown = 0.0
            self.show()
            print(flush=True)
