"""A leader lease on a PostgreSQL session advisory lock: of the replicas of one (service, role), one works, the others
wait to take over.

The holder is whoever holds `pg_try_advisory_lock(lease_key(service, role))` on its own dedicated connection. A
session lock lasts as long as that connection, and nothing but `release` unlocks it, so "the lock connection
answers" means "the lease is held": the holder confirms it with `SELECT 1` before each unit of work and at least
every `CHECK_SECONDS` while idle, and writes what fences its work (the relay's position) through that same
connection, so that a lost connection is a lost lease and a failed write. A waiting replica tries the lock every
`RETRY_SECONDS`; one that has just lost it waits `RETRIES_SKIPPED_AFTER_LOSS` tries first, leaving it to a standby.

How fast the lock comes free:
- a process that dies (kill -9, OOM, pod deleted) closes its socket: the server ends its session and frees the lock
  at once, and the standby holds it at its next try (within `RETRY_SECONDS`);
- a holder that goes silent (its node died, a network cut) is dropped by the server's TCP keepalives, set for this
  session to `SERVER_KEEPALIVE` (about 8 s), or by `SERVER_USER_TIMEOUT_MS` when a reply to it stays unacknowledged;
- a holder cut off from the server notices sooner than that (its next check gets no acknowledgement within
  `CLIENT_USER_TIMEOUT_MS`) and stops working before the server gives its lock to another.

The lock must be taken on a direct connection to PostgreSQL or through a pooler in session mode: a
transaction-mode pooler (PgBouncer's default) would hand the session, and its lock, to other clients.
`ybj_leader{service,role}` is 1 while this process holds the lease, 0 while it waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
import time
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg

from ybj_kernel.adapters.backoff import sleep_or_stop
from ybj_kernel.metrics import LEADER

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRY_SECONDS = 1.0  # a waiting replica tries the lock this often
# A replica that has just lost the lease (likely the unhealthy one) waits this many tries' time before trying again,
# so that a standby, trying every RETRY_SECONDS, takes it first rather than the two taking turns.
RETRIES_SKIPPED_AFTER_LOSS = 2
CHECK_SECONDS = 1.0  # an idle holder confirms its lock connection this often
CONNECT_TIMEOUT_SECONDS = 5
# The server's TCP keepalives for the lock session: (idle s, interval s, count): a silent peer is dropped after
# about idle + count * interval seconds, and its lock freed.
SERVER_KEEPALIVE = (5, 1, 3)
SERVER_USER_TIMEOUT_MS = 8000  # a reply unacknowledged this long (the peer vanished mid-exchange) ends the session too
# The client's side: keepalives alike, and a check unacknowledged this long fails, so a holder cut off from the server
# stops before the server frees its lock (SERVER_KEEPALIVE's ~8 s).
CLIENT_KEEPALIVE = (5, 1, 3)
CLIENT_USER_TIMEOUT_MS = 3000
APPLICATION_NAME_LIMIT = 63  # PostgreSQL keeps this much of application_name (NAMEDATALEN - 1)
# The connection failed (not a statement refused on a live one): the lease is gone with it.
CONNECTION_ERRORS: tuple[type[Exception], ...] = (psycopg.OperationalError, psycopg.InterfaceError)


class LeaseLost(Exception):
    """This process no longer holds the lease: stop the work it guards and wait to take it again."""


def lease_key(service: str, role: str) -> int:
    """The advisory lock key of a (service, role): a signed 64-bit number, the same in every replica."""
    digest = hashlib.sha256(f"ybj-lease:{service}:{role}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_ids(key: int) -> tuple[int, int]:
    """(classid, objid) of a bigint advisory lock as `pg_locks` shows it (objsubid 1): its high and low 32 bits."""
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    return unsigned >> 32, unsigned & 0xFFFF_FFFF


def application_name(service: str, role: str, host: str, pid: int) -> str:
    """What `pg_stat_activity` shows for a lease connection: which process of which pod holds or wants the lease."""
    return f"ybj {service} {role} {host} {pid}"[:APPLICATION_NAME_LIMIT]


def connection_options(name: str) -> dict[str, Any]:
    """libpq options of a lease connection: autocommit, a named session, client-side keepalives and user timeout."""
    idle, interval, count = CLIENT_KEEPALIVE
    return {
        "autocommit": True,
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "application_name": name,
        "keepalives": 1,
        "keepalives_idle": idle,
        "keepalives_interval": interval,
        "keepalives_count": count,
        "tcp_user_timeout": CLIENT_USER_TIMEOUT_MS,
    }


def session_settings() -> list[tuple[str, int]]:
    """The server-side settings of a lease session (ignored on a Unix socket, where a dead peer is seen at once)."""
    idle, interval, count = SERVER_KEEPALIVE
    return [
        ("tcp_keepalives_idle", idle),
        ("tcp_keepalives_interval", interval),
        ("tcp_keepalives_count", count),
        ("tcp_user_timeout", SERVER_USER_TIMEOUT_MS),
    ]


Connect = Callable[[], "psycopg.Connection[Any]"]


class LeaderLease:
    """The lease of one (service, role) for this process: wait for it, confirm it, do fenced writes through it."""

    def __init__(
        self,
        dsn: str,
        service: str,
        role: str,
        *,
        retry_seconds: float = RETRY_SECONDS,
        check_seconds: float = CHECK_SECONDS,
        connect: Connect | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.service = service
        self.role = role
        self.key = lease_key(service, role)
        self.name = application_name(service, role, socket.gethostname(), os.getpid())
        self.retry_seconds = retry_seconds
        self.check_seconds = check_seconds
        self._connect = connect or (lambda: psycopg.connect(dsn, **connection_options(self.name)))
        self._clock = clock
        self._conn: psycopg.Connection[Any] | None = None
        self._held = False
        self._lost = False  # lost since it last tried
        self._confirmed = 0.0  # when the lock connection last answered
        self._gauge = LEADER.labels(service, role)
        self._gauge.set(0)

    @property
    def held(self) -> bool:
        """Whether this process holds the lease (as of the last exchange on its lock connection)."""
        return self._held

    def __str__(self) -> str:
        return f"{self.service} {self.role}"

    async def acquire(
        self, stop: asyncio.Event, while_waiting: Callable[[psycopg.Connection[Any]], None] | None = None
    ) -> bool:
        """Wait until this process holds the lease (True) or `stop` is set (False).

        `while_waiting(connection)` runs after each failed try, on the waiting connection (a standby reporting the
        lag it would take over, say); its errors are logged, never raised.
        """
        if stop.is_set():
            return False
        if self._held:
            return True
        if self._lost:
            self._lost = False
            await sleep_or_stop(stop, self.retry_seconds * RETRIES_SKIPPED_AFTER_LOSS)
        refused: float | None = None  # when a try last failed: another session held the lease then
        told: str | None = None  # what the last "waiting" line said, to log once per change
        outage = False
        while not stop.is_set():
            try:
                if await asyncio.to_thread(self._try_lock):
                    self._took(None if refused is None else (told, self._clock() - refused))
                    return True
                refused = self._clock()
                holder = await asyncio.to_thread(self._holder) or "another session"
                if holder != told or outage:
                    log.info("%s: waiting for the lease, held by %s", self, holder)
                told, outage = holder, False
                if while_waiting is not None:
                    await asyncio.to_thread(self._quietly, while_waiting)
            except CONNECTION_ERRORS as exc:
                if not outage:
                    log.warning("%s: cannot try the lease (%s: %s); retrying", self, type(exc).__name__, exc)
                outage = True
                self._drop()
            await sleep_or_stop(stop, self.retry_seconds)
        return False

    async def confirm(self) -> None:
        """Make sure the lease is still held (one round trip on the lock connection); raise LeaseLost if not."""
        await self.run(_ping)

    async def heartbeat(self) -> None:
        """Confirm the lease if the lock connection has not answered for `check_seconds`; raise LeaseLost if lost."""
        if self._clock() - self._confirmed >= self.check_seconds:
            await self.confirm()

    async def hold_for(self, stop: asyncio.Event, seconds: float) -> None:
        """Wait `seconds` (or until `stop`) while confirming the lease every `check_seconds`; raise LeaseLost if lost."""
        deadline = self._clock() + seconds
        while not stop.is_set() and (left := deadline - self._clock()) > 0:
            await self.heartbeat()
            await sleep_or_stop(stop, min(left, self.check_seconds))

    async def run(self, work: Callable[[psycopg.Connection[Any]], T]) -> T:
        """Run blocking `work` on the lock connection (in a thread), so that it can only happen while the lease is held.

        A broken connection is a lost lease: LeaseLost. Any other error (a statement refused) is raised as it is.
        """
        conn = self._conn
        if not self._held or conn is None:
            raise LeaseLost(f"{self}: the lease is not held")
        try:
            result = await asyncio.to_thread(work, conn)
        except CONNECTION_ERRORS as exc:
            if conn.closed or conn.broken:
                self._lose(f"{type(exc).__name__}: {str(exc).strip()}")
                raise LeaseLost(f"{self}: the lock connection failed") from exc
            raise
        self._confirmed = self._clock()
        return result

    def release(self) -> None:
        """Give the lease up (stopping): unlock and close, so that a standby takes over at its next try."""
        conn, self._conn = self._conn, None
        was_held, self._held = self._held, False
        self._gauge.set(0)
        if conn is None:
            return
        with contextlib.suppress(Exception):
            if was_held and not conn.broken:
                conn.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
        with contextlib.suppress(Exception):
            conn.close()
        if was_held:
            log.info("%s: released the lease", self)

    def _try_lock(self) -> bool:
        if self._conn is None or self._conn.closed:
            conn = self._connect()
            try:
                for setting, value in session_settings():
                    conn.execute(f"SET {setting} = {int(value)}")
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        return bool(row and row[0])

    def _holder(self) -> str | None:
        """Who holds the lock now, as `pg_stat_activity` names the session (best effort: None if not visible)."""
        assert self._conn is not None
        classid, objid = lock_ids(self.key)
        row = self._conn.execute(
            "SELECT a.application_name, a.client_addr::text, a.backend_start FROM pg_locks l"
            " JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted"
            " AND l.classid = %s AND l.objid = %s AND l.objsubid = 1 AND l.database ="
            " (SELECT oid FROM pg_database WHERE datname = current_database())",
            (classid, objid),
        ).fetchone()
        if row is None:
            return None
        name, address, since = row
        return f"{name or 'a session'} ({address or 'local'}, connected {since:%Y-%m-%d %H:%M:%S})"

    def _quietly(self, work: Callable[[psycopg.Connection[Any]], None]) -> None:
        assert self._conn is not None
        try:
            work(self._conn)
        except CONNECTION_ERRORS:
            raise
        except Exception as exc:  # a standby's side work must not stop it from waiting
            log.debug("%s: work while waiting failed: %s", self, exc)

    def _took(self, takeover: tuple[str | None, float] | None) -> None:
        """Hold the lease; `takeover`: (the holder last seen, how long ago a try was refused) when another had it."""
        self._held = True
        self._confirmed = self._clock()
        self._gauge.set(1)
        if takeover is None:
            log.info("%s: holds the lease (%s)", self, self.name)
            return
        holder, ago = takeover
        # Loud on purpose: a takeover is what an SRE looks for after a pod died.
        log.warning(
            "%s: TOOK OVER the lease from %s (still held %.1f s before); now held by %s",
            self,
            holder or "another session",
            ago,
            self.name,
        )

    def _lose(self, reason: str) -> None:
        log.warning("%s: LOST the lease (%s); stopping and waiting to take it again", self, reason)
        self._held = False
        self._lost = True
        self._gauge.set(0)
        self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()


def _ping(conn: psycopg.Connection[Any]) -> None:
    conn.execute("SELECT 1")
