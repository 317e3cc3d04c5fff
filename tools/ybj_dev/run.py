"""`make run`: Kafka, PostgreSQL and every service in the foreground, seeded with demo cases."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from types import FrameType

from ybj_dev import demo, infra, processes
from ybj_dev.platform import Platform


def banner(p: Platform, seeded: int) -> str:
    """What to look at once everything is up."""
    token = ".venv/bin/ybj token --user gy-fr-01 --role first_reviewer --admdvs 520100"
    return f"""
ybj is running ({seeded} demo cases seeded, 医保区划 520100 贵阳).

  Public API (HTTP)      {p.url()}
  OpenAPI docs           {p.url()}/docs
  Health                 {p.url()}/healthz
  Processes              {p.url()}/api/v1/processes
  gRPC (queries)         127.0.0.1:{p.grpc_port("query")}
  Domain command APIs    enrollment {p.url("enrollment")}, treatment {p.url("treatment")},
                         settlement {p.url("settlement")}, supervision {p.url("supervision")}
  Metrics                <each API>/metrics; relays and projector on :{p.metrics_base_port}-{p.metrics_base_port + 4}
  Kafka                  {p.kafka_bootstrap} (topics {p.topic_prefix}.<service>.events)
  PostgreSQL             {p.pg_dsn}
  Logs                   {p.run_dir / "logs"}

Try:
  TOKEN=$({token})
  curl -s -H "Authorization: Bearer $TOKEN" '{p.url()}/api/v1/cases?process=P079&stage=first_review'
  curl -s '{p.url()}/api/v1/progress/<acceptance_no>'

Ctrl-C here, or `make stop` elsewhere, stops all of it (Kafka and PostgreSQL included).
"""


def main(run_dir: Path) -> int:
    """Start everything, seed demo data, print where to look, and wait for Ctrl-C."""
    env = infra.infra_up(run_dir)
    platform = Platform(run_dir, env["YBJ_PG_DSN"], env["YBJ_KAFKA_BOOTSTRAP"])

    def _stop(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt(signum)

    # Explicit handlers: a shell may start us with SIGINT ignored, and then Ctrl-C would not reach Python.
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        platform.start()
        created = demo.seed(platform.url(), run_dir / "keys")
        print(banner(platform, len(created)), flush=True)
        while infra.kafka_pid(run_dir) is not None:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping ybj …", flush=True)
        processes.stop_all(run_dir)
        print("stopped.", flush=True)
    return 0
