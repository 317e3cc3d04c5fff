"""Starts and stops one whole platform: four domain services and the channel gateway with their relays, the reactors,
the query API and projector, and the audit checkpointer (signs the event stores' Merkle roots)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ybj_dev import processes

DOMAIN_SERVICES = ("enrollment", "treatment", "settlement", "supervision", "gateway")
SERVICES = (*DOMAIN_SERVICES, "query")
# Services with reactions to other services' events (their application's `reactions`), each run by a reactor.
REACTING_SERVICES = ("treatment", "settlement", "supervision")
# The worker index (metrics port offset) of a one-off command beside a running platform (a rebuild, an audit run):
# above every long-running worker's (relays, projector, checkpointer, reactors).
ONE_OFF_WORKER = 20


@dataclass(frozen=True)
class Platform:
    """Where one platform instance listens; `base_port` + offsets keep a test instance apart from `make run`."""

    run_dir: Path
    pg_dsn: str
    kafka_bootstrap: str
    topic_prefix: str = "ybj"
    base_port: int = 8080
    grpc_base_port: int = 50051
    metrics_base_port: int = 9101
    name_prefix: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)
    # Seconds between the checkpointer's checkpoints (an example; YBJ_CHECKPOINT_INTERVAL overrides it).
    checkpoint_interval: str = field(default_factory=lambda: os.environ.get("YBJ_CHECKPOINT_INTERVAL", "60"))

    def http_port(self, service: str) -> int:
        """HTTP port of a service: query on the base port, domain services after it."""
        return self.base_port + SERVICES.index(service) + 1 if service != "query" else self.base_port

    def grpc_port(self, service: str) -> int:
        """gRPC port of a service."""
        return self.grpc_base_port + (SERVICES.index(service) + 10 if service != "query" else 0)

    def url(self, service: str = "query") -> str:
        """Base URL of a service's HTTP API."""
        return f"http://127.0.0.1:{self.http_port(service)}"

    def env(self, service: str, worker_index: int = 0) -> dict[str, str]:
        """The YBJ_* environment of one process."""
        return {
            "YBJ_PG_DSN": self.pg_dsn,
            "YBJ_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            "YBJ_TOPIC_PREFIX": self.topic_prefix,
            "YBJ_RUN_DIR": str(self.run_dir),
            "YBJ_HTTP_PORT": str(self.http_port(service)),
            "YBJ_GRPC_PORT": str(self.grpc_port(service)),
            "YBJ_METRICS_PORT": str(self.metrics_base_port + worker_index),
            **{f"YBJ_{s.upper()}_URL": self.url(s) for s in DOMAIN_SERVICES},
            # glibc gives each thread its own malloc arena (up to 8 per core): a service answering from a thread pool
            # keeps the memory of every arena's high-water mark. Two arenas hold RSS down at no measurable cost.
            "MALLOC_ARENA_MAX": "2",
            # The gateway's query items read through the public entry point (it talks to others only by their APIs).
            "YBJ_GATEWAY_QUERY_URL": self.url("query"),
            **self.extra_env,
        }

    def process_table(self) -> list[tuple[str, list[str], dict[str, str]]]:
        """(name, argv, env) of every process of the platform."""
        python = sys.executable
        table: list[tuple[str, list[str], dict[str, str]]] = []
        for i, service in enumerate(DOMAIN_SERVICES):
            table.append((self.name(service), [python, "-m", f"ybj_{service}", "serve"], self.env(service)))
            table.append(
                (self.name(f"{service}-relay"), [python, "-m", f"ybj_{service}", "relay"], self.env(service, i))
            )
        # Services that react to others' events (domain/reactions.py) run a reactor too.
        for service in REACTING_SERVICES:
            table.append(
                (
                    self.name(f"{service}-react"),
                    [python, "-m", f"ybj_{service}", "react"],
                    self.env(service, len(DOMAIN_SERVICES) + 2 + REACTING_SERVICES.index(service)),
                )
            )
        table.append((self.name("query"), [python, "-m", "ybj_query", "serve"], self.env("query")))
        table.append(
            (
                self.name("query-projector"),
                [python, "-m", "ybj_query", "project"],
                self.env("query", len(DOMAIN_SERVICES)),
            )
        )
        table.append(
            (
                self.name("audit-checkpointer"),
                [python, "-m", "ybj_kernel.audit", "checkpointer", "--interval", self.checkpoint_interval],
                self.env("query", len(DOMAIN_SERVICES) + 1),
            )
        )
        return table

    def name(self, process: str) -> str:
        """The supervisor name (pid and log file) of a process."""
        return f"{self.name_prefix}{process}"

    def start(self, timeout: float = 60) -> None:
        """Start every process and wait until the public entry point reports all services healthy."""
        for name, argv, env in self.process_table():
            processes.start_process(name, argv, env, self.run_dir)
        for service in SERVICES:
            log = processes.log_file(self.name(service), self.run_dir)
            processes.wait_http(f"{self.url(service)}/healthz", timeout, log=log)

    def start_one(self, process: str) -> int:
        """(Re)start one process by its name without prefix, e.g. `settlement-relay`."""
        for name, argv, env in self.process_table():
            if name == self.name(process):
                return processes.start_process(name, argv, env, self.run_dir)
        raise KeyError(process)

    def pid(self, process: str) -> int | None:
        """The pid of one running process by its name without prefix, or None."""
        pid = processes.read_pid(processes.pid_file(self.name(process), self.run_dir))
        return pid if pid is not None and processes.pid_alive(pid) else None

    def kill_one(self, process: str) -> bool:
        """Crash one process (SIGKILL, no clean-up) by its name without prefix; return whether it ran."""
        return processes.kill_process(self.name(process), self.run_dir)

    def stop(self) -> None:
        """Stop every process of this platform (not Kafka or PostgreSQL)."""
        for name, _, _ in reversed(self.process_table()):
            processes.stop_process(name, self.run_dir)
