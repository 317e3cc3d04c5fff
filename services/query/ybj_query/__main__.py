"""Run the query service: `python -m ybj_query serve|project|rebuild`."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import signal
import sys
import time

import httpx
import uvicorn
from prometheus_client import start_http_server
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import OperationalError

from ybj_kernel.adapters.kafka import PARTITIONS, partitions_of
from ybj_kernel.auth import TokenVerifier, ensure_dev_keys
from ybj_kernel.envelope import topic_for
from ybj_kernel.settings import DOMAIN_SERVICES, Settings
from ybj_query.consumer import Projector, create_schema, dead_letter_topic, reset
from ybj_query.dead_letters_waiting import report_waiting
from ybj_query.ops import waiting_dead_letters
from ybj_query.progress import Progress

log = logging.getLogger("ybj_query")


# Rebuild consumers: the i-th reads partition i of every topic. A case's events are all in one partition (keyed
# by case id) of its service's topic, so no two consumers ever write the same case.
REBUILD_CONSUMERS = PARTITIONS


def engine_for(settings: Settings, *, synchronous_commit: bool = True) -> Engine:
    """SQLAlchemy engine on the settings' PostgreSQL (psycopg 3 driver)."""
    url = settings.pg_dsn.replace("postgresql://", "postgresql+psycopg://", 1)
    args = {} if synchronous_commit else {"options": "-c synchronous_commit=off"}
    return create_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True, connect_args=args)


def collect_less_often() -> None:
    """Projecting makes and drops many small objects per batch: fewer young-generation collections, ~10 % less CPU."""
    gc.freeze()  # what start-up made stays; it is never garbage
    gc.set_threshold(50_000, 20, 100)


def topics(settings: Settings) -> list[str]:
    """The domain topics the read models are built from."""
    return [topic_for(settings.topic_prefix, s) for s in DOMAIN_SERVICES]


def projector_for(settings: Settings, engine: Engine) -> Projector:
    """The projector of this deployment's topics (its consumer group is named after the topic prefix)."""
    return Projector(
        engine,
        settings.kafka_bootstrap,
        topics(settings),
        dead_letter_topic(settings.topic_prefix),
        group_id=f"{settings.topic_prefix}.query",
    )


def serve(settings: Settings) -> None:
    """Serve the public HTTP API (and gRPC queries when the stubs are generated)."""
    # Imported here: the projector and rebuild processes need not carry the HTTP stack (~16 MB of RSS).
    from ybj_query.api import create_query_api

    if settings.jwt_public_key_file is None:  # local development: make the key pair once
        ensure_dev_keys(settings.private_key_path(), settings.public_key_path())
    engine = engine_for(settings)
    schema_when_reachable(engine)
    verifier = TokenVerifier(settings.public_key_path().read_bytes(), settings.jwt_issuer)
    client = httpx.Client(limits=httpx.Limits(max_connections=64, max_keepalive_connections=32))
    urls = {s: settings.service_url(s) for s in DOMAIN_SERVICES}
    api = create_query_api(engine, verifier, client, urls, settings.kafka_bootstrap)
    grpc_server = None
    try:
        from ybj_query.grpc_queries import start_grpc_server
    except ImportError:
        log.warning("gRPC stubs not generated (make proto); serving HTTP only")
    else:
        grpc_server = start_grpc_server(engine, verifier, settings.grpc_port_for("query"), settings.http_host)
    try:
        uvicorn.run(
            api,
            host=settings.http_host,
            port=settings.http_port_for("query"),
            log_level=settings.log_level.lower(),
            access_log=False,
        )
    finally:
        if grpc_server is not None:
            grpc_server.stop(grace=2)


def schema_when_reachable(engine: Engine, patience_seconds: float = 120.0) -> None:
    """Create the read-model schema, waiting for PostgreSQL while it is away (a process restarted while the database
    restarts too waits for it, as the running ones do, instead of exiting)."""
    deadline = time.monotonic() + patience_seconds
    while True:
        try:
            create_schema(engine)
            return
        except OperationalError as exc:
            if time.monotonic() > deadline:
                raise
            log.warning("PostgreSQL is not reachable yet (%s); retrying", type(exc.orig).__name__)
            time.sleep(1.0)


def project(settings: Settings) -> None:
    """Consume the domain topics into the read models until SIGTERM/SIGINT."""
    engine = engine_for(settings)
    schema_when_reachable(engine)
    start_http_server(settings.metrics_port_for("query"), addr=settings.http_host)
    collect_less_often()

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        projector = projector_for(settings, engine)
        # ybj_dead_letters_waiting, counted on Kafka once a minute beside the projection (dead_letters_waiting.py).
        waiting = asyncio.create_task(report_waiting(lambda: waiting_dead_letters(settings), stop))
        await projector.start()
        try:
            await projector.run(stop)
        finally:
            stop.set()
            await projector.stop()
            await waiting

    asyncio.run(run())


def rebuild(settings: Settings) -> None:
    """Empty the read models and rebuild them from the beginning of the topics, showing progress on stderr.

    Asynchronous commit is safe here: each batch's rows and positions still commit in one transaction, so a
    crash can lose only whole trailing batches, never rows without their positions or the other way round.
    The live projector then re-applies from the positions that persisted, and a rebuild starts over anyway.
    """
    engine = engine_for(settings, synchronous_commit=False)
    create_schema(engine)
    reset(engine, topics(settings))
    collect_less_often()

    async def run() -> int:
        tps = await partitions_of(settings.kafka_bootstrap, topics(settings))
        groups = [[tp for tp in tps if tp.partition % REBUILD_CONSUMERS == i] for i in range(REBUILD_CONSUMERS)]
        projectors = [projector_for(settings, engine) for group in groups if group]
        try:
            for projector, group in zip(projectors, [g for g in groups if g], strict=True):
                await projector.start(group=False, partitions=group)
            progress = Progress(sum([await p.backlog() for p in projectors]), sys.stderr)
            try:
                applied = await asyncio.gather(*(p.catch_up(progress.advance) for p in projectors))
            finally:
                progress.close()
            return sum(applied)
        finally:
            for projector in projectors:
                await projector.stop()

    applied = asyncio.run(run())
    print(f"rebuilt read models from {applied} events")


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run one process of the query service."""
    parser = argparse.ArgumentParser(prog="python -m ybj_query")
    parser.add_argument("command", choices=["serve", "project", "rebuild"])
    args = parser.parse_args(argv)
    settings = Settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    {"serve": serve, "project": project, "rebuild": rebuild}[args.command](settings)


if __name__ == "__main__":
    main()
