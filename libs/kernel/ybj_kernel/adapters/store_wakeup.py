"""Waking a follower of the event store when something is appended: LISTEN on the channel every append NOTIFYs.

Every insert into an events table sends `NOTIFY <channel>` in its transaction (eventsourcing's recorder and ours), and
PostgreSQL delivers it at commit. A follower with nothing left to read (the relay) waits for that instead of looking
again every few milliseconds: an idle relay used to read its notification log twenty times a second, in each of the
five services, for nothing. It still looks again after `idle_seconds` without a notification, so a notification
missed for any reason costs at most that long.

The listening connection is the follower's own, with the lease connection's keepalives and TCP user timeout (a cut
network is noticed within seconds, not at the next write). Any trouble with it (PostgreSQL restarting, a network cut)
falls back to waiting `fallback_seconds` between looks, the old polling, until a new connection works (tried again
after `retry_seconds`): the follower never depends on the notifications to make progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

import psycopg
from psycopg import sql

from ybj_kernel.adapters.backoff import sleep_or_stop
from ybj_kernel.adapters.leader_lease import connection_options

log = logging.getLogger(__name__)
IDLE_SECONDS = 1.0  # with no notification, look again after this long anyway
FALLBACK_SECONDS = 0.05  # without a listening connection: poll this often (as the relay did before)
RETRY_SECONDS = 5.0  # a lost listening connection is made again after this long


class StoreWakeup:
    """Waits until an events table's channel is notified (or a timeout); polls at a fixed pace when it cannot listen."""

    def __init__(
        self,
        dsn: str,
        channel: str | None,
        *,
        name: str = "ybj store wakeup",
        idle_seconds: float = IDLE_SECONDS,
        fallback_seconds: float = FALLBACK_SECONDS,
        retry_seconds: float = RETRY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.dsn = dsn
        self.channel = channel
        self.name = name  # the session's application_name
        self.idle_seconds = idle_seconds
        self.fallback_seconds = fallback_seconds
        self.retry_seconds = retry_seconds
        self._clock = clock
        self._conn: psycopg.AsyncConnection | None = None
        self._retry_at = 0.0
        self._failing = False  # the last try to listen failed (logged once an outage)

    @property
    def listening(self) -> bool:
        """Whether a notification would wake the next wait now."""
        return self._conn is not None and not self._conn.closed

    async def start(self) -> bool:
        """Listen before the first look at the store, so that nothing appended after that look goes unnoticed; whether
        a new listening connection was made just now."""
        if self.channel is None or self.listening or self._clock() < self._retry_at:
            return False
        conn = None
        try:
            conn = await psycopg.AsyncConnection.connect(self.dsn, **connection_options(self.name))
            await conn.execute(sql.SQL("LISTEN {0}").format(sql.Identifier(self.channel)))
        except psycopg.Error as exc:
            if conn is not None:
                with contextlib.suppress(psycopg.Error):
                    await conn.close()
            self._retry_at = self._clock() + self.retry_seconds
            if not self._failing:
                log.warning("cannot listen on %s (%s); polling every %ss", self.channel, exc, self.fallback_seconds)
            self._failing = True
            return False
        if self._failing:
            log.info("listening on %s again", self.channel)
        self._failing = False
        self._conn = conn
        return True

    async def wait(self, stop: asyncio.Event) -> None:
        """Return when the channel was notified (an append committed since the last wait), after `idle_seconds`
        without one, or as soon as `stop` is set. Notifications that arrived meanwhile are consumed with it: the
        caller looks at the store next, and that look sees everything they announced."""
        if await self.start():
            return  # listening only from now: the caller looks again first, so an append just before is not missed
        if self._conn is None:
            await sleep_or_stop(stop, self.fallback_seconds)
            return
        stopping = asyncio.ensure_future(stop.wait())
        notified = asyncio.ensure_future(self._notified(self._conn))
        try:
            await asyncio.wait({stopping, notified}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (stopping, notified):
                task.cancel()
            await asyncio.gather(stopping, notified, return_exceptions=True)
        failed = None if notified.cancelled() else notified.exception()
        if failed is not None:  # the connection broke (PostgreSQL restarting): poll until a new one works
            await self._lost(failed)

    async def close(self) -> None:
        """Stop listening (the follower stops or lost its lease)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                await conn.close()

    async def _notified(self, conn: psycopg.AsyncConnection) -> None:
        async with contextlib.aclosing(conn.notifies(timeout=self.idle_seconds, stop_after=1)) as first:
            async for _ in first:
                pass
        # The others already received (a burst of commits) would each wake the next wait for nothing.
        async with contextlib.aclosing(conn.notifies(timeout=0)) as rest:
            async for _ in rest:
                pass

    async def _lost(self, exc: BaseException | None) -> None:
        log.warning("stopped listening on %s (%s); polling every %ss", self.channel, exc, self.fallback_seconds)
        await self.close()
        self._retry_at = self._clock() + self.retry_seconds
