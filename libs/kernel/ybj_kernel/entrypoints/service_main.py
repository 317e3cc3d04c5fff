"""The composition root and command line of a domain service: `serve` (HTTP + gRPC) or `relay`."""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import signal
from collections.abc import Callable, Mapping, Sequence

import psycopg
import uvicorn
from fastapi import APIRouter
from prometheus_client import start_http_server
from psycopg_pool import ConnectionPool

from ybj_kernel.adapters.calendar_file import install_schedules
from ybj_kernel.adapters.eventstore import (
    RECONNECT_TIMEOUT_SECONDS,
    PostgresAcceptanceNumbers,
    eventstore_env,
    tune_event_store_pool,
)
from ybj_kernel.adapters.leader_lease import LeaderLease
from ybj_kernel.adapters.reactor import run_reactor
from ybj_kernel.adapters.relay import ROLE as RELAY_ROLE
from ybj_kernel.adapters.relay import run_relay
from ybj_kernel.application import CaseApplication
from ybj_kernel.auth import TokenVerifier, ensure_dev_keys, platform_sm2_key
from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.entrypoints.command_api import create_command_api
from ybj_kernel.metrics import CALENDAR_LAST_YEAR
from ybj_kernel.settings import Settings


def bootstrap(
    app_class: type[CaseApplication], settings: Settings, definitions: Mapping[str, ProcessDefinition] | None = None
) -> CaseApplication:
    """Wire a service's application to PostgreSQL as the settings say."""
    # Each service keeps its event store in a schema of its own; the API and the relay start
    # together, and eventsourcing's CREATE TABLE/FUNCTION statements must not race.
    schema = app_class.service
    with psycopg.connect(settings.pg_dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext('ybj-schema'))")
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        acceptance = PostgresAcceptanceNumbers(settings.pg_dsn, f"{schema}.acceptance_seq")
        app = app_class(
            definitions or app_class.default_definitions(), acceptance, env=eventstore_env(settings.pg_dsn, schema)
        )
    tune_event_store_pool(app)
    years = install_schedules(settings.calendar_file)
    CALENDAR_LAST_YEAR.labels(schema).set(years[-1])
    return app


# A service's own HTTP routes beside the generic ones (settlement's record upload …), built on its application.
RouterFactory = Callable[[CaseApplication], APIRouter]


def main(
    app_class: type[CaseApplication], argv: list[str] | None = None, routers: Sequence[RouterFactory] = ()
) -> None:
    """Run one process of a domain service."""
    parser = argparse.ArgumentParser(prog=f"python -m ybj_{app_class.service}")
    parser.add_argument(
        "command",
        choices=["serve", "relay", "react"],
        help="serve: HTTP and gRPC API; relay: event store → Kafka; react: other services' events → reactions",
    )
    args = parser.parse_args(argv)
    settings = Settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if args.command == "serve":
        serve(app_class, settings, routers)
    elif args.command == "react":
        react(app_class, settings)
    else:
        relay(app_class, settings)


def serve(app_class: type[CaseApplication], settings: Settings, routers: Sequence[RouterFactory] = ()) -> None:
    """Serve the command API over HTTP (and gRPC where the service offers it)."""
    if settings.jwt_public_key_file is None:  # local development: make the key pair once
        ensure_dev_keys(settings.private_key_path(), settings.public_key_path())
    app = bootstrap(app_class, settings)
    verifier = TokenVerifier(settings.public_key_path().read_bytes(), settings.jwt_issuer)
    pool = ConnectionPool(
        settings.pg_dsn,
        min_size=1,
        max_size=2,
        kwargs={"autocommit": True, "connect_timeout": 2},
        check=ConnectionPool.check_connection,
        reconnect_timeout=RECONNECT_TIMEOUT_SECONDS,
        open=True,
    )

    def healthy() -> dict[str, str]:
        try:
            with pool.connection(timeout=2) as conn:
                conn.execute("SELECT 1")
            return {"postgresql": "ok"}
        except Exception as exc:
            return {"postgresql": f"down: {type(exc).__name__}"}

    api = create_command_api(
        app,
        verifier,
        healthy,
        settings.topic_prefix,
        audit_dsn=settings.pg_dsn,
        audit_key=functools.partial(platform_sm2_key, settings.run_dir),
    )
    for router in routers:
        api.include_router(router(app))
    grpc_server = None
    try:
        from ybj_kernel.entrypoints.grpc_commands import start_grpc_server
    except ImportError:  # generated stubs missing: run `make proto`
        logging.getLogger(__name__).warning("gRPC stubs not generated; serving HTTP only")
    else:
        grpc_server = start_grpc_server(app, verifier, settings.grpc_port_for(app.service), settings.http_host)
    try:
        uvicorn.run(
            api,
            host=settings.http_host,
            port=settings.http_port_for(app.service),
            log_level=settings.log_level.lower(),
            access_log=False,
        )
    finally:
        if grpc_server is not None:
            grpc_server.stop(grace=2)


def relay(app_class: type[CaseApplication], settings: Settings) -> None:
    """Publish the event store's log to Kafka until SIGTERM/SIGINT, while this replica holds the relay's lease."""
    app = bootstrap(app_class, settings)
    start_http_server(settings.metrics_port_for(app.service), addr=settings.http_host)
    # One lease per service's relay, on the service's own database: of its replicas, one publishes.
    lease = LeaderLease(settings.pg_dsn, app.service, RELAY_ROLE)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run_relay(
            app,
            settings.pg_dsn,
            settings.kafka_bootstrap,
            settings.topic_prefix,
            stop,
            settings.relay_batch_size,
            lease=lease,
        )

    asyncio.run(run())


def react(app_class: type[CaseApplication], settings: Settings) -> None:
    """Apply this service's reactions to other services' events until SIGTERM/SIGINT."""
    app = bootstrap(app_class, settings)
    start_http_server(settings.metrics_port_for(app.service), addr=settings.http_host)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run_reactor(app, settings.kafka_bootstrap, settings.topic_prefix, stop)

    asyncio.run(run())
