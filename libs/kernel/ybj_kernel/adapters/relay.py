"""The outbox relay: follows the event store's notification log and publishes each case event and each registry
entry event to Kafka.

The position is recorded only after Kafka acknowledged the batch, so a relay killed at any moment
loses nothing and re-sends at most one batch; consumers drop the repeats by (case id, version).
While Kafka or PostgreSQL is away the relay waits and retries; it does not exit.
"""

from __future__ import annotations

import asyncio
import contextlib
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
    """The last notification id Kafka acknowledged, one row per service."""

    def __init__(self, dsn: str, service: str) -> None:
        self._dsn = dsn
        self._service = service
        with self._connect() as conn:
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {service}.relay_positions "
                "(service text PRIMARY KEY, notification_id bigint NOT NULL)"
            )
            conn.execute(
                f"INSERT INTO {service}.relay_positions VALUES (%s, 0) ON CONFLICT DO NOTHING",
                (service,),
            )

    def _connect(self) -> psycopg.Connection[Any]:
        return _connect(self._dsn)

    def load(self) -> int:
        """Read the recorded position."""
        with self._connect() as conn:
            row = conn.execute(
                f"SELECT notification_id FROM {self._service}.relay_positions WHERE service = %s",
                (self._service,),
            ).fetchone()
        return int(row[0]) if row else 0

    def save(self, conn: psycopg.Connection[Any], notification_id: int) -> None:
        """Record a new position (called only after Kafka acknowledged up to it)."""
        conn.execute(
            f"UPDATE {self._service}.relay_positions SET notification_id = %s WHERE service = %s",
            (notification_id, self._service),
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


async def run_relay(
    app: CaseApplication, dsn: str, bootstrap: str, topic_prefix: str, stop: asyncio.Event, batch_size: int = 200
) -> None:
    """Publish every stored case and registry entry event, in order, until `stop` is set; outages are waited out.

    A batch that Kafka did not acknowledge in full is sent again, whole and in order, with a new producer; the
    position never moves past an event Kafka has not acknowledged.
    """
    topic = topic_for(topic_prefix, app.service)
    await ensure_topics(bootstrap, [topic])
    relay = _Relay(app, dsn, bootstrap, topic, batch_size)
    backoff = Backoff()
    try:
        while not stop.is_set():
            try:
                await relay.step()
            except KAFKA_UNAVAILABLE as exc:
                delay = backoff.next()
                log.warning(
                    "relay %s: Kafka did not acknowledge (%s: %s); sending again after notification %s in %.1fs",
                    app.service,
                    type(exc).__name__,
                    exc,
                    relay.acknowledged,
                    delay,
                )
                await relay.drop_producer()
                await sleep_or_stop(stop, delay)
                continue
            except STORE_UNAVAILABLE as exc:
                delay = backoff.next()
                log.warning(
                    "relay %s: PostgreSQL unavailable (%s: %s); retrying in %.1fs",
                    app.service,
                    type(exc).__name__,
                    str(exc).strip(),
                    delay,
                )
                relay.drop_connection()
                await sleep_or_stop(stop, delay)
                continue
            if backoff.failures:
                log.info("relay %s: publishing again after notification %s", app.service, relay.acknowledged)
            backoff.reset()
            if relay.idle():
                await sleep_or_stop(stop, relay.idle())
    finally:
        await relay.drop_producer()
        relay.drop_connection()


class _Relay:
    """One relay's connections and progress; each step publishes at most one batch."""

    def __init__(self, app: CaseApplication, dsn: str, bootstrap: str, topic: str, batch_size: int) -> None:
        self.app = app
        self.envelopes = Envelopes(app)
        self.dsn = dsn
        self.bootstrap = bootstrap
        self.topic = topic
        self.batch_size = batch_size
        self.acknowledged: int | None = None  # the last notification Kafka acknowledged
        self._saved: int | None = None  # the last one recorded in PostgreSQL
        self._position: RelayPosition | None = None
        self._conn: psycopg.Connection[Any] | None = None
        self._producer: AIOKafkaProducer | None = None
        self._idle = 0.0
        self._lag_measured = 0.0

    async def step(self) -> None:
        """Publish the next batch, if there is one; `idle()` then says how long to wait before the next."""
        service = self.app.service
        if self._position is None:
            self._position = await asyncio.to_thread(RelayPosition, self.dsn, service)
        if self.acknowledged is None:
            self.acknowledged = self._saved = await asyncio.to_thread(self._position.load)
            log.info("relay %s starting after notification %d", service, self.acknowledged)
        if self._saved != self.acknowledged:  # acknowledged, but PostgreSQL was away when it was to be recorded
            await asyncio.to_thread(self._save, self.acknowledged)
        notes = await asyncio.to_thread(
            self.app.recorder.select_notifications, self.acknowledged, self.batch_size, inclusive_of_start=False
        )
        if not notes:
            RELAY_LAG.labels(service).set(0)
            self._idle = min(self._idle + 0.005, 0.05)
            return
        # A full batch means a backlog: read on at once. A partial one: let a few milliseconds of events gather, so
        # that each batch (a read, a produce request, a position write) carries more than one or two events.
        self._idle = 0.0 if len(notes) >= self.batch_size else LINGER_SECONDS
        if self.envelopes.unnamed(notes):  # entries whose registry and key it does not hold: read off the event loop
            await asyncio.to_thread(self.envelopes.learn, notes)
        producer = await self._started_producer()
        await _publish(self.envelopes, producer, self.topic, notes)
        self.acknowledged = notes[-1].id
        RELAY_PUBLISHED.labels(service).inc(len(notes))
        await asyncio.to_thread(self._save, self.acknowledged)
        now = time.monotonic()
        if now - self._lag_measured >= LAG_INTERVAL_SECONDS:  # a gauge: once a second is enough
            self._lag_measured = now
            max_id = await asyncio.to_thread(self.app.recorder.max_notification_id)
            RELAY_LAG.labels(service).set(max(0, (max_id or 0) - self.acknowledged))

    def idle(self) -> float:
        """How long to wait before looking for new events again."""
        return self._idle

    def _save(self, notification_id: int) -> None:
        assert self._position is not None
        if self._conn is None or self._conn.closed:
            self._conn = _connect(self.dsn)
        self._position.save(self._conn, notification_id)
        self._saved = notification_id

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

    def drop_connection(self) -> None:
        """Forget the position connection; the next save opens a new one."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()


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


def _connect(dsn: str) -> psycopg.Connection[Any]:
    return psycopg.connect(dsn, autocommit=True, connect_timeout=5)
