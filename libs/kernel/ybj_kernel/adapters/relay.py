"""The outbox relay: follows the event store's notification log and publishes each case event and each registry
entry event to Kafka.

The position is recorded only after Kafka acknowledged the batch, so a relay killed at any moment
loses nothing and re-sends at most one batch; consumers drop the repeats by (case id, version).
While Kafka or PostgreSQL is away the relay waits and retries; it does not exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
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
# Registry entries whose latest state the relay keeps in memory, as JSON (least recently published first out), at
# most this many and this many bytes: an entry's events follow one another closely (one transaction, or a later case
# on the same person), so a few thousand are plenty, and an account with years of 收支 cannot crowd the relay's memory.
# One the relay no longer holds is rebuilt from the store once.
ENTRIES_REMEMBERED = 5000
ENTRY_BYTES_REMEMBERED = 16 * 1024 * 1024


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

    Registry entry events need the entry's state before them: `Envelopes` maps them (and case events too).
    """
    if not notification.topic.startswith(_CASE_EVENT_PREFIX):
        return None
    event = app.mapper.to_domain_event(notification)
    attrs = dict(event.__dict__)
    # The chained recorder hands out each event's digests (adapters/chained_recorder.py); others have none.
    prev_digest, digest = getattr(notification, "prev_digest", b""), getattr(notification, "digest", b"")
    return to_envelope(app.service, attrs, attrs["process_id"], prev_digest, digest)


@dataclass(frozen=True)
class _EntryState:
    """A registry entry as of one version: what the next event's envelope starts from (its state as JSON)."""

    registry: str
    key: str
    version: int
    in_effect: bool
    state: bytes


class Envelopes:
    """Maps notifications to published envelopes: every case event, and every registry entry event with the entry's
    whole state after it (uniqueness claims and batch records stay unpublished).

    A stored entry event holds only the JSON Patch it made (domain/registry.py), so the mapper follows each entry: the
    opening event carries the state, every later one is applied to the state before it, held in memory for the
    entries published last (`ENTRIES_REMEMBERED`, `ENTRY_BYTES_REMEMBERED`). An entry it does not hold (first seen since the relay started,
    forgotten, or a batch sent again) is rebuilt from the store at the version before: `load` does that off the event
    loop for a whole batch; mapping one notification alone does it on the spot.
    """

    def __init__(
        self, app: CaseApplication, remembered: int = ENTRIES_REMEMBERED, memory: int = ENTRY_BYTES_REMEMBERED
    ) -> None:
        self.app = app
        self._remembered = remembered
        self._memory = memory
        self._held_bytes = 0
        self._entries: OrderedDict[UUID | str, _EntryState] = OrderedDict()

    def __call__(self, notification: Notification) -> dict[str, Any] | None:
        """The notification's envelope, or None when its aggregate is not published."""
        topic = notification.topic
        if topic.startswith(_CASE_EVENT_PREFIX):
            return envelope_of(self.app, notification)
        if not topic.startswith(_ENTRY_EVENT_PREFIX):
            return None
        return self._entry_envelope(notification)

    def unseen(self, notes: Sequence[Notification]) -> list[tuple[UUID | str, int]]:
        """The (entry, version) states the registry events of `notes` start from that this mapper does not hold."""
        known: dict[UUID | str, int] = {}
        wanted: list[tuple[UUID | str, int]] = []
        for note in notes:
            if not note.topic.startswith(_ENTRY_EVENT_PREFIX):
                continue
            entry_id, version = note.originator_id, note.originator_version
            if version > 1:
                held = known.get(entry_id)
                if held is None and (cached := self._entries.get(entry_id)) is not None:
                    held = cached.version
                if held != version - 1:
                    wanted.append((entry_id, version - 1))
            known[entry_id] = version
        return wanted

    def load(self, notes: Sequence[Notification]) -> None:
        """Rebuild from the store the entry states the registry events of `notes` start from (blocking)."""
        for entry_id, version in self.unseen(notes):
            self._load(entry_id, version)

    def _load(self, entry_id: UUID | str, version: int) -> _EntryState:
        entry: Entry = self.app.repository.get(
            entry_id if isinstance(entry_id, UUID) else UUID(entry_id), version=version
        )
        held = _EntryState(entry.registry, entry.key, version, entry.in_effect, orjson.dumps(entry.state))
        return self._remember(entry_id, held)

    def _remember(self, entry_id: UUID | str, state: _EntryState) -> _EntryState:
        replaced = self._entries.pop(entry_id, None)
        if replaced is not None:
            self._held_bytes -= len(replaced.state)
        self._entries[entry_id] = state
        self._held_bytes += len(state.state)
        while len(self._entries) > 1 and (len(self._entries) > self._remembered or self._held_bytes > self._memory):
            _, forgotten = self._entries.popitem(last=False)
            self._held_bytes -= len(forgotten.state)
        return state

    def _entry_envelope(self, notification: Notification) -> dict[str, Any]:
        event = self.app.mapper.to_domain_event(notification)
        entry_id, version = notification.originator_id, notification.originator_version
        attrs = event.__dict__
        if notification.topic == _ENTRY_OPENED:
            registry, key, in_effect = attrs["registry"], attrs["key"], True
            state, args = attrs["state"], attrs["args"]
        else:
            before = self._entries.get(entry_id)
            if before is None or before.version != version - 1:
                before = self._load(entry_id, version - 1)
            registry, key = before.registry, before.key
            # A new document each time: an envelope already handed out never changes (orjson: ~20x faster than a
            # deepcopy, and the JSON held is a third of the Python objects' memory).
            state = orjson.loads(before.state)
            if notification.topic == _ENTRY_REVERTED:  # as Entry.reverted: undo the change, or leave nothing
                args, patch = None, attrs["patch"]
                in_effect = patch is not None
                state = patched(state, patch) if patch is not None else {}
            else:  # as Entry.changed: a change to an entry not in effect re-opens it from nothing
                args, in_effect = attrs["args"], True
                state = patched(state if before.in_effect else {}, attrs["patch"])
        self._remember(entry_id, _EntryState(registry, key, version, in_effect, orjson.dumps(state)))
        change = {
            "entry_id": entry_id,
            "registry": registry,
            "key": key,
            "version": version,
            "timestamp": attrs["timestamp"],
            "event_name": attrs["event_name"],
            "op": attrs["op"],
            "case_id": attrs["case_id"],
            "args": args,
            "state": state,
            "in_effect": in_effect,
        }
        prev_digest, digest = getattr(notification, "prev_digest", b""), getattr(notification, "digest", b"")
        return to_registry_envelope(self.app.service, change, prev_digest, digest)


def patched(doc: Any, patch: Sequence[dict[str, Any]]) -> Any:
    """Apply a JSON Patch (RFC 6902) to `doc` in place and return the result (a new one only for a root `path`).

    The patches are the registry's own (`jsonpatch.make_patch` in domain/registry.py) and apply as that library applies
    them; this does it in a fraction of its time (it builds and validates every operation twice), which is most of
    mapping a registry event. Applying a patch that does not fit raises, as the library would.
    """
    for op in patch:
        kind, path = op["op"], op["path"]
        if kind == "add":
            doc = _put(doc, path, op["value"], insert=True)
        elif kind == "replace":
            doc = _put(doc, path, op["value"], insert=False)
        elif kind == "remove":
            _take(doc, path)
        elif kind == "move":
            doc = _put(doc, path, _take(doc, op["from"]), insert=True)
        elif kind == "copy":
            doc = _put(doc, path, copy.deepcopy(_at(doc, op["from"])), insert=True)
        elif kind == "test":
            if _at(doc, path) != op["value"]:
                raise ValueError(f"JSON Patch test failed at {path!r}")
        else:
            raise ValueError(f"unknown JSON Patch operation {kind!r}")
    return doc


def _tokens(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON Pointer: {pointer!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _step(container: Any, token: str) -> Any:
    return container[int(token)] if isinstance(container, list) else container[token]


def _at(doc: Any, pointer: str) -> Any:
    for token in _tokens(pointer):
        doc = _step(doc, token)
    return doc


def _parent(doc: Any, pointer: str) -> tuple[Any, str]:
    tokens = _tokens(pointer)
    container = doc
    for token in tokens[:-1]:
        container = _step(container, token)
    return container, tokens[-1]


def _put(doc: Any, pointer: str, value: Any, *, insert: bool) -> Any:
    if pointer == "":
        return value
    container, last = _parent(doc, pointer)
    if isinstance(container, list):
        if last == "-" and insert:
            container.append(value)
        elif insert:
            index = int(last)
            if not 0 <= index <= len(container):
                raise IndexError(f"JSON Patch index {index} out of range")
            container.insert(index, value)
        else:
            container[int(last)] = value
    elif isinstance(container, dict):
        if not insert and last not in container:
            raise KeyError(f"JSON Patch replaces a missing member {last!r}")
        container[last] = value
    else:
        raise TypeError(f"JSON Patch path {pointer!r} does not lead into an object or array")
    return doc


def _take(doc: Any, pointer: str) -> Any:
    container, last = _parent(doc, pointer)
    if isinstance(container, list):
        return container.pop(int(last))
    if isinstance(container, dict):
        return container.pop(last)
    raise TypeError(f"JSON Patch path {pointer!r} does not lead into an object or array")


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
        if self.envelopes.unseen(notes):  # registry entries not held in memory: rebuilt off the event loop
            await asyncio.to_thread(self.envelopes.load, notes)
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
