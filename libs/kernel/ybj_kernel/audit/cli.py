"""`ybj audit …`: the auditors' command line (`ybj readmodels verify` is in ybj_kernel/ops/commands.py)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from ybj_kernel.ops.commands import NOT_DONE, find_platform
from ybj_kernel.settings import DOMAIN_SERVICES, Settings


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `audit` to the `ybj` command line."""
    audit = sub.add_parser("audit", help="tamper-evident history: verify stores, build and check audit packages")
    cmds = audit.add_subparsers(dest="audit_command", required=True)
    verify = cmds.add_parser("verify", help="check every hash chain (and the newest checkpoint) of the event stores")
    verify.add_argument("--service", choices=DOMAIN_SERVICES, help="one service only")
    verify.add_argument("--case", help="one case (or any stream) only")
    package = cmds.add_parser("package", help="write a case's audit package (zip)")
    package.add_argument("case_id")
    package.add_argument("-o", "--output", type=Path, help="file to write (default audit-<case id>.zip)")
    check = cmds.add_parser("verify-package", help="check an audit package offline (no database, no network)")
    check.add_argument("file", type=Path)
    check.add_argument("--public-key", type=Path, help="the SM2 public key you trust (hex file)")
    check.add_argument("--document", type=Path, action="append", default=[], help="a printed form to check (PDF)")
    cp = cmds.add_parser("checkpoint", help="sign a checkpoint of every service's store now")
    cp.add_argument("--service", choices=DOMAIN_SERVICES)
    loop = cmds.add_parser("checkpointer", help="run the checkpointer (sign and publish at an interval)")
    loop.add_argument("--interval", type=float, help="seconds between checkpoints (example default: 60)")


def run(args: argparse.Namespace) -> int:
    """Run an `audit` command; return the exit status."""
    if args.audit_command == "verify-package":
        return _verify_package(args)  # before anything that reads settings or connects
    located = find_platform(f"audit {args.audit_command}", sys.stderr)
    if located is None:
        return NOT_DONE
    settings = located.settings
    services = [args.service] if getattr(args, "service", None) else list(DOMAIN_SERVICES)
    if args.audit_command == "verify":
        return _verify(settings, services, args.case)
    if args.audit_command == "package":
        return _package(settings, args.case_id, args.output)
    if args.audit_command == "checkpoint":
        return _checkpoint(settings, services)
    return _checkpointer(settings, args.interval)


def _verify_package(args: argparse.Namespace) -> int:
    from ybj_kernel.audit.package import verify_package
    from ybj_kernel.sm2 import read_public_key

    pinned = read_public_key(args.public_key).public_hex if args.public_key else None
    docs = [(str(p), p.read_bytes()) for p in args.document]
    ok = True
    for check in verify_package(args.file.read_bytes(), public_key=pinned, documents=docs):
        print(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
        ok = ok and check.ok
    print("the package verifies" if ok else "the package does NOT verify")
    return 0 if ok else 1


def _verify(settings: Settings, services: list[str], case: str | None) -> int:
    """Each service's store on its own database (`pg_dsn_for`), then the access log of every database that has one."""
    import psycopg

    from ybj_kernel.audit.store import verify_service

    ok = True
    for schema in services:
        with psycopg.connect(settings.pg_dsn_for(schema), autocommit=True) as conn:
            report = verify_service(conn, schema, [case] if case else None)
        if report.broken is not None:
            print(f"FAIL {schema}: first broken link after {report.checked} events: {report.broken}")
            ok = False
            continue
        failed = report.checkpoint.startswith("FAILED")
        print(f"{'FAIL' if failed else 'ok  '} {schema}: {report.checked} events chained; {report.checkpoint}")
        ok = ok and not failed
    if case is None:
        # The query service and each domain service keep their readers' access log in their own database.
        for dsn in dict.fromkeys(settings.pg_dsn_for(s) for s in ("query", *services)):
            with psycopg.connect(dsn, autocommit=True) as conn:
                ok = _verify_access_log(conn) and ok
    return 0 if ok else 1


def _verify_access_log(conn: Any) -> bool:
    from ybj_kernel.audit import access_log
    from ybj_kernel.audit.chain import StreamChecker

    found = conn.execute("SELECT to_regclass(%s)", (access_log.TABLE,)).fetchone()
    if found is None or found[0] is None:
        return True  # this database keeps no access log
    checker = StreamChecker()
    for row in access_log.rows(conn):
        if (broken := checker.check(row)) is not None:
            print(f"FAIL access log: first broken link after {checker.checked} entries: {broken}")
            return False
    print(f"ok   access log: {checker.checked} entries chained")
    return True


def _package(settings: Settings, case_id: str, output: Path | None) -> int:
    import psycopg

    from ybj_kernel.audit.packaging import audit_package
    from ybj_kernel.audit.store import find_stream
    from ybj_kernel.auth import platform_sm2_key
    from ybj_kernel.errors import NotFound, YbjError

    key = platform_sm2_key(settings.run_dir)
    target = output or Path(f"audit-{case_id}.zip")
    try:
        # The case lives in one service's store, on that service's database (`pg_dsn_for`): the first that holds it.
        for service in DOMAIN_SERVICES:
            with psycopg.connect(settings.pg_dsn_for(service), autocommit=True) as conn:
                if find_stream(conn, case_id, [service]) is not None:
                    target.write_bytes(audit_package(conn, case_id, [service], key))
                    break
        else:
            raise NotFound("CASE_NOT_FOUND", "案件不存在", "no such case", "case_id")
    except YbjError as exc:
        print(f"{exc.code}: {exc.message_en}", file=sys.stderr)
        return 1
    print(f"wrote {target}")
    return 0


def _checkpoint(settings: Settings, services: list[str]) -> int:
    from ybj_kernel.adapters.kafka import ensure_topics
    from ybj_kernel.audit.checkpointer import checkpoint_services, checkpoint_topic, publish
    from ybj_kernel.auth import platform_sm2_key

    key = platform_sm2_key(settings.run_dir)
    # Each service's store on its own database (`pg_dsn_for`).
    made = [cp for s in services for cp in checkpoint_services(settings.pg_dsn_for(s), [s], key, force=True)]
    for cp in made:
        print(f"{cp.service}: root {cp.root} over {cp.count} streams up to notification {cp.notification_id}")

    async def published() -> None:
        topic = checkpoint_topic(settings.topic_prefix)
        await ensure_topics(settings.kafka_bootstrap, [topic])
        await publish(settings.kafka_bootstrap, topic, made)

    asyncio.run(published())
    return 0


def _checkpointer(settings: Settings, interval: float | None) -> int:
    from ybj_kernel.audit.checkpointer import DEFAULT_INTERVAL_SECONDS, run_checkpointer
    from ybj_kernel.auth import platform_sm2_key

    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    key = platform_sm2_key(settings.run_dir)
    if settings.metrics_port is not None:  # a pod (YBJ_METRICS_PORT): its liveness probe and PodMonitor read it
        from prometheus_client import start_http_server

        start_http_server(settings.metrics_port, addr=settings.http_host)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run_checkpointer(
            settings.pg_dsn,
            settings.kafka_bootstrap,
            settings.topic_prefix,
            DOMAIN_SERVICES,
            key,
            interval or DEFAULT_INTERVAL_SECONDS,
            stop,
            dsn_for=settings.pg_dsn_for,
        )

    asyncio.run(main())
    return 0
