"""The checkpointer: signs a checkpoint of every domain service's store at a fixed interval and publishes it.

Run by `ybj audit checkpointer`; a service whose store has not moved since its last checkpoint is skipped.
Checkpoints go to `<prefix>.audit.checkpoints`, keyed by service; PostgreSQL or Kafka being away is waited out.

Replicas share a leader lease (adapters/leader_lease.py, ("audit", "checkpointer")): two checkpointers at once would
each sign and store a checkpoint of the same stores at the same notification, twice the signing work and a doubled
record for auditors to explain. The holder stores the checkpoints of stores on the lease's database through the lease's
connection, so one that lost the lease stores none there; of a store on another database (YBJ_PG_DSN_<SERVICE>), right
after confirming the lease, so a takeover in that moment can sign one checkpoint twice (the same root: harmless). A
holder that dies between storing and publishing leaves those checkpoints unpublished: they are in the store, where
`ybj audit verify` reads them, and the next one is published.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

import orjson
import psycopg
from aiokafka.errors import KafkaError

from ybj_kernel.adapters.backoff import Backoff
from ybj_kernel.adapters.kafka import ensure_topics, idempotent_producer
from ybj_kernel.adapters.leader_lease import LeaderLease, LeaseLost
from ybj_kernel.audit.checkpoint import Checkpoint, latest_checkpoint, noted, take_checkpoint
from ybj_kernel.audit.store import events_table
from ybj_kernel.sm2 import SM2Key

log = logging.getLogger(__name__)
LEASE_SERVICE, LEASE_ROLE = "audit", "checkpointer"  # one lease for all replicas of the checkpointer
# An example interval, not a policy: how often the stores are sealed is the bureau's to set (--interval).
DEFAULT_INTERVAL_SECONDS = 60.0


def checkpoint_topic(prefix: str) -> str:
    """The topic checkpoints are published to."""
    return f"{prefix}.audit.checkpoints"


def checkpoint_services(dsn: str, services: Sequence[str], key: SM2Key, *, force: bool = False) -> list[Checkpoint]:
    """Sign and store a checkpoint for each service whose store moved since its last one (all with `force`)."""
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
        return checkpoint_on(conn, services, key, force=force)


def checkpoint_on(
    conn: psycopg.Connection[Any], services: Sequence[str], key: SM2Key, *, force: bool = False
) -> list[Checkpoint]:
    """`checkpoint_services` on a connection given (the checkpointer's lease connection: only the holder stores)."""
    made = []
    for schema in services:
        table = events_table(conn, schema)
        if table is None:
            continue
        if not force and not _moved(conn, schema, table):
            continue
        made.append(take_checkpoint(conn, schema, table, key))
    return made


def _moved(conn: psycopg.Connection[Any], schema: str, table: str) -> bool:
    last = noted(latest_checkpoint(conn, schema))  # the metric tells the newest seal's age, whoever signed it
    row = conn.execute(f"SELECT COALESCE(MAX(notification_id), 0) FROM {schema}.{table}").fetchone()
    newest = int(row[0]) if row else 0
    return newest > 0 and (last is None or newest > last.notification_id)


async def publish(bootstrap: str, topic: str, checkpoints: Sequence[Checkpoint]) -> None:
    """Publish checkpoints (acks=all, idempotent)."""
    if not checkpoints:
        return
    producer = idempotent_producer(bootstrap)
    await producer.start()
    try:
        for cp in checkpoints:
            await producer.send_and_wait(topic, orjson.dumps(cp.to_json()), key=cp.service.encode())
    finally:
        await producer.stop()


async def run_checkpointer(
    dsn: str,
    bootstrap: str,
    prefix: str,
    services: Sequence[str],
    key: SM2Key,
    interval: float,
    stop: asyncio.Event,
    lease: LeaderLease | None = None,
    dsn_for: Callable[[str], str] | None = None,
) -> None:
    """Checkpoint and publish every `interval` seconds until `stop` is set, while this replica holds the lease.

    `dsn_for(service)` names the database of each service's store (default: every one on `dsn`, the lease's).
    """
    lease = lease or LeaderLease(dsn, LEASE_SERVICE, LEASE_ROLE)
    stores = _Stores(dsn, services, key, dsn_for)
    try:
        while await lease.acquire(stop):
            try:
                await _checkpoint_while_leading(lease, bootstrap, prefix, stores, interval, stop)
            except LeaseLost:
                log.warning("checkpointer: lease lost; waiting to take it again")
    finally:
        lease.release()


class _Stores:
    """The services' stores to checkpoint, grouped by database."""

    def __init__(self, dsn: str, services: Sequence[str], key: SM2Key, dsn_for: Callable[[str], str] | None) -> None:
        self.key = key
        self.own = [s for s in services if dsn_for is None or dsn_for(s) == dsn]  # on the lease's database
        self.elsewhere: dict[str, list[str]] = {}
        for service in services:
            if dsn_for is not None and service not in self.own:
                self.elsewhere.setdefault(dsn_for(service), []).append(service)

    async def sign(self, lease: LeaderLease) -> list[Checkpoint]:
        """Sign and store the checkpoints due: on the lease's database through its connection (only the holder stores
        one), on the others each right after the lease is confirmed."""
        made = await lease.run(lambda conn: checkpoint_on(conn, self.own, self.key)) if self.own else []
        for dsn, services in self.elsewhere.items():
            await lease.confirm()
            made += await asyncio.to_thread(checkpoint_services, dsn, services, self.key)
        return made


async def _checkpoint_while_leading(
    lease: LeaderLease, bootstrap: str, prefix: str, stores: _Stores, interval: float, stop: asyncio.Event
) -> None:
    topic = checkpoint_topic(prefix)
    backoff = Backoff()
    pending: list[Checkpoint] = []
    topic_ready = False  # checked once per leadership, not at every checkpoint
    while not stop.is_set():
        try:
            if not pending:
                pending = await stores.sign(lease)
            if pending:
                if not topic_ready:
                    await ensure_topics(bootstrap, [topic])
                    topic_ready = True
                await publish(bootstrap, topic, pending)
                log.info("checkpointed %s", ", ".join(f"{c.service}@{c.notification_id}" for c in pending))
                pending = []
        except (psycopg.Error, KafkaError, OSError) as exc:
            delay = backoff.next()
            log.warning("checkpointer: %s: %s; retrying in %.1fs", type(exc).__name__, exc, delay)
            await lease.hold_for(stop, delay)
            continue
        backoff.reset()
        await lease.hold_for(stop, interval)
