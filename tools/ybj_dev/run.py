"""`make run`: Kafka, PostgreSQL and every service in the foreground, seeded with demo cases."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from types import FrameType

import httpx

from ybj_dev import demo, infra, processes, sandbox
from ybj_dev.demo_channel import APP_ID, demo_channel
from ybj_dev.platform import DOMAIN_SERVICES, REACTING_SERVICES, Platform
from ybj_gateway.sandbox import ROSTER
from ybj_kernel.ops.locate import PLATFORM_FILE, write_settings_file

# The fault tests kill and restart the shared Kafka broker; a platform beside them waits it out.
KAFKA_RESTART_GRACE_SECONDS = 60.0
# What only a developer's platform does: the gateway is the test environment's (it answers about the sandbox's
# synthetic people only), and the console offers the demo staff's sign-in (ybj_query/dev_sign_in.py).
LOCAL_ENV = {"YBJ_GATEWAY_SANDBOX_ONLY": "true", "YBJ_DEV_SIGN_IN": "true"}


def banner(p: Platform, seeded: int, channel_keys: Path, facts: sandbox.SandboxFacts) -> str:
    """What to look at once everything is up."""
    token = ".venv/bin/ybj token --user gy-fr-01 --role first_reviewer --admdvs 520100"
    person, hospital, pharmacy = (
        facts.people["person"],
        facts.institutions["institution"],
        facts.institutions["pharmacy"],
    )
    return f"""
ybj is running ({seeded} demo cases seeded, 医保区划 520100 贵阳).

  Console (经办工作台)   {p.url()}/console/  (sign in as a demo user, e.g. gy-reg-01 经办 or gy-fr-01 初审)
  H5 pages (便民服务)    {p.url()}/h5/
  Public API (HTTP)      {p.url()}
  OpenAPI docs           {p.url()}/docs
  Health                 {p.url()}/healthz
  Processes              {p.url()}/api/v1/processes
  gRPC (queries)         127.0.0.1:{p.grpc_port("query")}
  Domain command APIs    enrollment {p.url("enrollment")}, treatment {p.url("treatment")},
                         settlement {p.url("settlement")}, supervision {p.url("supervision")}
  Channel gateway        {p.url("gateway")}/channel/v1 (test environment; the platform's key at
                         /channel/v1/platform-key); a demo channel {APP_ID}, its keys in {channel_keys}
  Sandbox                {len(ROSTER)} synthetic people for channels ({ROSTER[0].psn_name} … {ROSTER[-1].psn_name}, 身份证号 520199…), e.g.
                         {person["psn_name"]} {person["certno"]} (人员编号 {person["psn_no"]});
                         {hospital["fixmedins_code"]} {hospital["fixmedins_name"]}, {pharmacy["fixmedins_code"]} \
{pharmacy["fixmedins_name"]};
                         the roster in services/gateway/ybj_gateway/sandbox.py
  Metrics                <each API>/metrics; relays, projector, checkpointer and reactors on
                         :{p.metrics_base_port}-{p.metrics_base_port + len(DOMAIN_SERVICES) + 1 + len(REACTING_SERVICES)}
  Kafka                  {p.kafka_bootstrap} (topics {p.topic_prefix}.<service>.events)
  PostgreSQL             {p.pg_dsn}
  Logs                   {p.run_dir / "logs"}

Try:
  TOKEN=$({token})
  curl -s -H "Authorization: Bearer $TOKEN" '{p.url()}/api/v1/cases?process=P079&stage=first_review'
  curl -s '{p.url()}/api/v1/progress/<acceptance_no>'
  .venv/bin/python -m ybj_channel.example --base-url {p.url("gateway")} --app-id {APP_ID} \\
      --key-file {channel_keys} --item 68 \\
      --business '{{"psn_cert_type": "01", "certno": "{person["certno"]}", "psn_name": "{person["psn_name"]}"}}'

Ctrl-C here, or `make stop` elsewhere, stops all of it (Kafka and PostgreSQL included).
"""


def write_platform_settings(p: Platform) -> Path:
    """Write where this platform is to <run>/platform.env: `ybj` commands run from anywhere read it (ops/locate.py)."""
    values = {"YBJ_PG_DSN": p.pg_dsn, "YBJ_KAFKA_BOOTSTRAP": p.kafka_bootstrap, "YBJ_TOPIC_PREFIX": p.topic_prefix}
    return write_settings_file(p.run_dir / PLATFORM_FILE, values, "the platform `make run` runs; removed when it stops")


def main(run_dir: Path) -> int:
    """Start everything, seed demo data, print where to look, and wait for Ctrl-C."""
    env = infra.infra_up(run_dir)
    platform = Platform(run_dir, env["YBJ_PG_DSN"], env["YBJ_KAFKA_BOOTSTRAP"], extra_env=LOCAL_ENV)

    def _stop(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt(signum)

    # Explicit handlers: a shell may start us with SIGINT ignored, and then Ctrl-C would not reach Python.
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        platform.start()
        write_platform_settings(platform)
        created = demo.seed(platform.url(), run_dir / "keys")
        staff = demo.Staff(run_dir / "keys")
        with httpx.Client(base_url=platform.url(), timeout=30) as client:
            channel_keys = demo_channel(demo.Seeder(client, staff), run_dir / "keys")
        facts = sandbox.seed(platform.url(), staff.token)
        print(banner(platform, len(created), channel_keys, facts), flush=True)
        while kafka_back_within(run_dir, KAFKA_RESTART_GRACE_SECONDS):
            time.sleep(1)
        print(f"Kafka stopped and did not come back within {KAFKA_RESTART_GRACE_SECONDS:.0f} s", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping ybj …", flush=True)
        (run_dir / PLATFORM_FILE).unlink(missing_ok=True)
        platform.stop()
        others = sorted(n for n in processes.running_processes(run_dir) if n not in infra.MANAGED_NAMES)
        if others:  # e.g. an integration test session sharing Kafka and PostgreSQL: leave them to it
            print(f"Kafka and PostgreSQL keep running for {', '.join(others)} (`make stop` stops all)", flush=True)
        else:
            infra.infra_down(run_dir)
        print("stopped.", flush=True)
    return 0


def kafka_back_within(run_dir: Path, seconds: float) -> bool:
    """True while Kafka runs; when it is gone, wait up to `seconds` for someone to start it again."""
    deadline = time.monotonic() + seconds
    while infra.kafka_pid(run_dir) is None:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True
