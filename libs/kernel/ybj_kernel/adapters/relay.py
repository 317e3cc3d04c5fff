"""The outbox relay: follows the event store's notification log and publishes each case event and each registry
entry event to Kafka.

The position is recorded only after Kafka acknowledged the batch, so a relay killed at any moment
loses nothing and re-sends at most one batch; consumers drop the repeats by (case id, version), and registry entry
events by (entry, version). While Kafka or PostgreSQL is away the relay waits and retries; it does not exit.

Replicas of a service's relay share a leader lease (adapters/leader_lease.py): one publishes, the others wait. The
holder reads its starting position and records every new one through the lease's own connection, and confirms the
lease before each batch, so a relay that lost the lease records nothing more and stops publishing. What a takeover
can repeat: the batch the old holder was publishing when it died or was cut off (published, perhaps in part, but not
recorded), which the new holder sends again from the last recorded position, whole and in order; at most one batch
(`YBJ_RELAY_BATCH_SIZE` events), the same as a restart. Nothing is lost: the position never moves past an event
Kafka has not acknowledged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import orjson
import psycopg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from eventsourcing.persistence import InterfaceError, Notification, OperationalError

from ybj_kernel.adapters.backoff import Backoff, sleep_or_stop
from ybj_kernel.adapters.kafka import ensure_topics, idempotent_producer
from ybj_kernel.adapters.leader_lease import LeaderLease, LeaseLost
from ybj_kernel.adapters.store_wakeup import StoreWakeup
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.case import Case
from ybj_kernel.domain.registry import REVERTED, Entry
from ybj_kernel.envelope import to_envelope, to_registry_envelope, topic_for
from ybj_kernel.metrics import RELAY_LAG, RELAY_PUBLISHED

log = logging.getLogger(__name__)
_CASE_EVENT_PREFIX = f"{Case.__module__}:{Case.__qualname__}."
_ENTRY_EVENT_PREFIX = f"{Entry.__module__}:{Entry.__qualname__}."
_ENTRY_OPENED = f"{_ENTRY_EVENT_PREFIX}Opened"
_ENTRY_REVERTED = f"{_ENTRY_EVENT_PREFIX}{REVERTED}"
# The registry and key of this many entries, the last published (their later events do not repeat them).
NAMES_REMEMBERED = 10_000


class RelayPosition:
    """The last notification id Kafka acknowledged, one row per service; read and written on the connection given
    (the relay's lease connection: only the lease holder records a position)."""

    def __init__(self, service: str) -> None:
        self._service = service
        self._table = f"{service}.relay_positions"

    def start(self, conn: psycopg.Connection[Any]) -> int:
        """Make the table and row if missing, and read the recorded position."""
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {self._table} (service text PRIMARY KEY, notification_id bigint NOT NULL)"
        )
        conn.execute(f"INSERT INTO {self._table} VALUES (%s, 0) ON CONFLICT DO NOTHING", (self._service,))
        return self.load(conn)

    def load(self, conn: psycopg.Connection[Any]) -> int:
        """Read the recorded position."""
        row = conn.execute(f"SELECT notification_id FROM {self._table} WHERE service = %s", (self._service,)).fetchone()
        return int(row[0]) if row else 0

    def save(self, conn: psycopg.Connection[Any], notification_id: int) -> None:
        """Record a new position (called only after Kafka acknowledged up to it)."""
        conn.execute(
            f"UPDATE {self._table} SET notification_id = %s WHERE service = %s", (notification_id, self._service)
        )


def envelope_of(app: CaseApplication, notification: Notification) -> dict[str, Any] | None:
    """Map a case event's notification to its published envelope; None for events of other aggregates.

    Registry entry events need the entry's registry and key from its opening event: `Envelopes` maps them (and case
    events too).
    """
    if not notification.topic.startswith(_CASE_EVENT_PREFIX):
        return None
    event = app.mapper.to_domain_event(notification)
    attrs = dict(event.__dict__)
    # The chained recorder hands out each event's digests (adapters/chained_recorder.py); others have none.
    prev_digest, digest = getattr(notification, "prev_digest", b""), getattr(notification, "digest", b"")
    return to_envelope(app.service, attrs, attrs["process_id"], prev_digest, digest)


class Envelopes:
    """Maps notifications to published envelopes: every case event, and every registry entry event with the JSON Patch
    it applies to the entry's state (uniqueness claims and batch records stay unpublished).

    A stored entry event already holds its patch (domain/registry.py), so an envelope costs O(change), whatever the
    entry's size. Only the entry's registry and key are not on its later events: they are read off its opening event,
    and the last `NAMES_REMEMBERED` are kept (a few hundred bytes each; an entry's events follow one another closely).
    `learn` reads the missing ones for a whole batch off the event loop; mapping one notification alone reads on the spot.
    """

    def __init__(self, app: CaseApplication, remembered: int = NAMES_REMEMBERED) -> None:
        self.app = app
        self._remembered = remembered
        self._names: OrderedDict[UUID | str, tuple[str, str]] = OrderedDict()

    def __call__(self, notification: Notification) -> dict[str, Any] | None:
        """The notification's envelope, or None when its aggregate is not published."""
        topic = notification.topic
        if topic.startswith(_CASE_EVENT_PREFIX):
            return envelope_of(self.app, notification)
        if not topic.startswith(_ENTRY_EVENT_PREFIX):
            return None
        return self._entry_envelope(notification)

    def unnamed(self, notes: Sequence[Notification]) -> list[UUID | str]:
        """The entries of the registry events in `notes` whose registry and key this mapper would have to read."""
        opened: set[UUID | str] = set()
        missing: dict[UUID | str, None] = {}  # in order, each once
        for note in notes:
            if not note.topic.startswith(_ENTRY_EVENT_PREFIX):
                continue
            entry_id = note.originator_id
            if note.topic == _ENTRY_OPENED:
                opened.add(entry_id)
            elif entry_id not in opened and entry_id not in self._names:
                missing[entry_id] = None
        return list(missing)

    def learn(self, notes: Sequence[Notification]) -> None:
        """Read from the store the registry and key of the entries `unnamed` lists (blocking)."""
        for entry_id in self.unnamed(notes):
            self._name(entry_id)

    def _name(self, entry_id: UUID | str) -> tuple[str, str]:
        name = self._names.get(entry_id)
        if name is None:
            stored = self.app.recorder.select_events(UUID(str(entry_id)), lte=1, limit=1)
            opened = vars(self.app.mapper.to_domain_event(stored[0]))
            name = (opened["registry"], opened["key"])
        return self._remember(entry_id, name)

    def _remember(self, entry_id: UUID | str, name: tuple[str, str]) -> tuple[str, str]:
        self._names[entry_id] = name
        self._names.move_to_end(entry_id)
        if len(self._names) > self._remembered:
            self._names.popitem(last=False)
        return name

    def _published(self, registry: str) -> bool:
        found = self.app.registries.get(registry)
        return found is None or found.published

    def _entry_envelope(self, notification: Notification) -> dict[str, Any] | None:
        """The envelope of a registry entry event, or None for a registry that is not published (known before the
        event is decoded, except for an entry's opening, which names it)."""
        entry_id = notification.originator_id
        if notification.topic != _ENTRY_OPENED:
            registry, key = self._name(entry_id)
            if not self._published(registry):
                return None
        attrs = self.app.mapper.to_domain_event(notification).__dict__
        args: dict[str, Any] | None
        if notification.topic == _ENTRY_OPENED:  # the patch from nothing: the opening state
            registry, key = self._remember(entry_id, (attrs["registry"], attrs["key"]))
            if not self._published(registry):
                return None
            args, patch, in_effect = attrs["args"], [{"op": "replace", "path": "", "value": attrs["state"]}], True
        elif notification.topic == _ENTRY_REVERTED:  # the stored undo; None: the entry is left with nothing
            args, patch, in_effect = None, attrs["patch"], attrs["patch"] is not None
            if patch is None:
                patch = [{"op": "replace", "path": "", "value": {}}]
        else:  # a change; to an entry not in effect its patch is from nothing, as its state then is
            args, patch, in_effect = attrs["args"], attrs["patch"], True
        change = {
            "entry_id": entry_id,
            "registry": registry,
            "key": key,
            "version": notification.originator_version,
            "timestamp": attrs["timestamp"],
            "event_name": attrs["event_name"],
            "op": attrs["op"],
            "case_id": attrs["case_id"],
            "args": args,
            "patch": patch,
            "in_effect": in_effect,
        }
        prev_digest, digest = getattr(notification, "prev_digest", b""), getattr(notification, "digest", b"")
        return to_registry_envelope(self.app.service, change, prev_digest, digest)


# Kafka or PostgreSQL is away (broker restarting, connection lost, no acknowledgement in time): wait and retry.
KAFKA_UNAVAILABLE: tuple[type[Exception], ...] = (KafkaError,)
STORE_UNAVAILABLE: tuple[type[Exception], ...] = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    OperationalError,
    InterfaceError,
)
PRODUCER_STOP_TIMEOUT = 30.0
LAG_INTERVAL_SECONDS = 1.0
LINGER_SECONDS = 0.01
ROLE = "relay"  # the lease's role: one lease per service's relay


async def run_relay(
    app: CaseApplication,
    dsn: str,
    bootstrap: str,
    topic_prefix: str,
    stop: asyncio.Event,
    batch_size: int = 200,
    lease: LeaderLease | None = None,
    wakeup: StoreWakeup | None = None,
) -> None:
    """Publish every stored case and registry entry event, in order, until `stop` is set; outages are waited out.

    Only while this process holds the relay's lease (`lease`, by default the service's): it waits for it, publishes,
    and on losing it stops producing, drops the producer and waits again. A batch that Kafka did not acknowledge in
    full is sent again, whole and in order, with a new producer; the position never moves past an event Kafka has not
    acknowledged.
    """
    topic = topic_for(topic_prefix, app.service)
    await ensure_topics(bootstrap, [topic])
    lease = lease or LeaderLease(dsn, app.service, ROLE)
    channel = getattr(app.recorder, "channel_name", None)
    wakeup = wakeup or StoreWakeup(dsn, channel, name=f"ybj {app.service} relay wakeup")  # woken by appends
    relay = _Relay(app, lease, bootstrap, topic, batch_size, wakeup)
    try:
        while await lease.acquire(stop, while_waiting=relay.measure_lag):
            try:
                await _publish_while_leading(relay, stop)
            except LeaseLost:
                log.warning(
                    "relay %s: stopped publishing after notification %s (lease lost); waiting to take it again",
                    app.service,
                    relay.acknowledged,
                )
            await relay.step_down()
    finally:
        await relay.drop_producer()
        await relay.wakeup.close()
        lease.release()


async def _publish_while_leading(relay: _Relay, stop: asyncio.Event) -> None:
    """Publish batch after batch until `stop` is set; raise LeaseLost as soon as the lease is found lost."""
    service = relay.app.service
    backoff = Backoff()
    while not stop.is_set():
        try:
            await relay.step()
        except KAFKA_UNAVAILABLE as exc:
            delay = backoff.next()
            log.warning(
                "relay %s: Kafka did not acknowledge (%s: %s); sending again after notification %s in %.1fs",
                service,
                type(exc).__name__,
                exc,
                relay.acknowledged,
                delay,
            )
            await relay.drop_producer()
            await relay.lease.hold_for(stop, delay)
            continue
        except STORE_UNAVAILABLE as exc:
            delay = backoff.next()
            log.warning(
                "relay %s: PostgreSQL unavailable (%s: %s); retrying in %.1fs",
                service,
                type(exc).__name__,
                str(exc).strip(),
                delay,
            )
            await sleep_or_stop(stop, delay)
            continue
        if backoff.failures:
            log.info("relay %s: publishing again after notification %s", service, relay.acknowledged)
        backoff.reset()
        if relay.caught_up:  # nothing new: until the next append commits (or a second has passed)
            await relay.wakeup.wait(stop)
        elif relay.idle():
            await sleep_or_stop(stop, relay.idle())


class _Relay:
    """One relay's producer and progress while it holds the lease; each step publishes at most one batch."""

    def __init__(
        self, app: CaseApplication, lease: LeaderLease, bootstrap: str, topic: str, batch_size: int, wakeup: StoreWakeup
    ) -> None:
        self.app = app
        self.lease = lease
        self.wakeup = wakeup
        self.caught_up = False  # the last step found nothing to publish
        self.envelopes = Envelopes(app)
        self.bootstrap = bootstrap
        self.topic = topic
        self.batch_size = batch_size
        self.acknowledged: int | None = None  # the last notification Kafka acknowledged
        self._saved: int | None = None  # the last one recorded in PostgreSQL
        self._position = RelayPosition(app.service)
        self._producer: AIOKafkaProducer | None = None
        self._idle = 0.0
        self._lag_measured = 0.0

    async def step(self) -> None:
        """Publish the next batch, if there is one; then `caught_up` (nothing was new) or `idle()` say what to wait for.

        Raises LeaseLost when the lease turns out lost: before a batch is published, or when its position is to be
        recorded (through the lease connection, so a lost lease records nothing).
        """
        service = self.app.service
        if self.acknowledged is None:  # just took the lease: on from what the last holder recorded
            self.acknowledged = self._saved = await self.lease.run(self._position.start)
            log.info("relay %s starting after notification %d", service, self.acknowledged)
        if self._saved != self.acknowledged:  # acknowledged, but PostgreSQL was away when it was to be recorded
            await self._save(self.acknowledged)
        await self.wakeup.start()  # listening before looking: an append committed after the look wakes the wait
        notes = await asyncio.to_thread(
            self.app.recorder.select_notifications, self.acknowledged, self.batch_size, inclusive_of_start=False
        )
        self.caught_up = not notes
        if not notes:
            RELAY_LAG.labels(service).set(0)
            await self.lease.heartbeat()
            return
        # A full batch means a backlog: read on at once. A partial one: let a few milliseconds of events gather, so
        # that each batch (a read, a produce request, a position write) carries more than one or two events.
        self._idle = 0.0 if len(notes) >= self.batch_size else LINGER_SECONDS
        if self.envelopes.unnamed(notes):  # entries whose registry and key it does not hold: read off the event loop
            await asyncio.to_thread(self.envelopes.learn, notes)
        await self.lease.confirm()  # never publish a batch without the lease
        producer = await self._started_producer()
        await _publish(self.envelopes, producer, self.topic, notes)
        self.acknowledged = notes[-1].id
        RELAY_PUBLISHED.labels(service).inc(len(notes))
        await self._save(self.acknowledged)
        now = time.monotonic()
        if now - self._lag_measured >= LAG_INTERVAL_SECONDS:  # a gauge: once a second is enough
            self._lag_measured = now
            max_id = await asyncio.to_thread(self.app.recorder.max_notification_id)
            RELAY_LAG.labels(service).set(max(0, (max_id or 0) - self.acknowledged))

    def idle(self) -> float:
        """After a batch: how long to let the next events gather before looking again (none after a full batch)."""
        return self._idle

    async def _save(self, notification_id: int) -> None:
        await self.lease.run(lambda conn: self._position.save(conn, notification_id))
        self._saved = notification_id

    def measure_lag(self, conn: psycopg.Connection[Any]) -> None:
        """While waiting for the lease: the lag the holder leaves (stored events past the recorded position), so that
        the standby reports it too and a lag alert does not go quiet with a dead holder's metrics."""
        try:
            recorded = self._position.load(conn)
        except psycopg.errors.UndefinedTable:
            return  # no relay has started yet
        max_id = self.app.recorder.max_notification_id()
        RELAY_LAG.labels(self.app.service).set(max(0, (max_id or 0) - recorded))

    async def step_down(self) -> None:
        """The lease is lost: drop the producer and forget the position (the next holder's may be further on)."""
        await self.drop_producer()
        await self.wakeup.close()
        self.acknowledged = self._saved = None

    async def _started_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = idempotent_producer(self.bootstrap)
            try:
                await producer.start()
            except BaseException:
                await _stop_quietly(producer)
                raise
            self._producer = producer
        return self._producer

    async def drop_producer(self) -> None:
        """Close the producer; the next batch goes out on a new one (new producer id, sequences from zero)."""
        producer, self._producer = self._producer, None
        if producer is not None:
            await _stop_quietly(producer)


async def _publish(envelopes: Envelopes, producer: AIOKafkaProducer, topic: str, notes: Sequence[Notification]) -> None:
    futures = []
    try:
        for note in notes:
            envelope = envelopes(note)
            if envelope is None:
                continue
            # Keyed by case id, or by entry id: each case's and each entry's events stay in order in one partition.
            key = envelope["entryid"] if "entryid" in envelope else envelope["caseid"]
            futures.append(await producer.send(topic, orjson.dumps(envelope), key=key.encode()))
    finally:
        # Wait until every send of the batch is settled, acknowledged or failed, before the position may move
        # or the batch is sent again: nothing of this attempt may land after the next one.
        results = await asyncio.gather(*futures, return_exceptions=True)
    failed = next((r for r in results if isinstance(r, BaseException)), None)
    if failed is not None:
        raise failed


async def _stop_quietly(producer: AIOKafkaProducer) -> None:
    try:
        await asyncio.wait_for(producer.stop(), PRODUCER_STOP_TIMEOUT)
    except (KafkaError, TimeoutError) as exc:
        log.warning("Kafka producer did not stop cleanly: %s: %s", type(exc).__name__, exc)
