"""Connects a CaseApplication to PostgreSQL: eventsourcing's environment and the 受理号 sequence."""

from __future__ import annotations

import os
import select
import threading
from collections import deque
from datetime import date
from typing import Any

import psycopg
from eventsourcing.application import Application
from eventsourcing.persistence import InterfaceError, OperationalError
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool

# How long a command waits for a pooled connection while PostgreSQL is away. eventsourcing tries each read
# and write of the event store 10 times, 0.2 s apart, so a command fails (503, retry later) after about
# 12 s; with eventsourcing's default of 30 s it would hang for five minutes.
EVENT_STORE_POOL_WAIT_SECONDS = 1
# The 受理号 sequence is drawn once per create, without retries.
SEQUENCE_POOL_WAIT_SECONDS = 5
# 受理号 reserved per round trip to the sequence.
RESERVE_BLOCK = 50
# A pool gives up reconnecting in the background this soon; the next command then connects at once. Left
# at psycopg_pool's five minutes, the pauses between attempts made while the server was down grow so long
# that commands keep failing for as long again after it is back.
RECONNECT_TIMEOUT_SECONDS = 2
CHAINED_RECORDER_TOPIC = "ybj_kernel.adapters.chained_recorder:ChainedPostgresApplicationRecorder"


def eventstore_env(dsn: str, schema: str = "public") -> dict[str, str]:
    """Translate a PostgreSQL DSN into eventsourcing's POSTGRES_* settings."""
    info = conninfo_to_dict(dsn)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(info.get("dbname", "ybj")),
        "POSTGRES_HOST": str(info.get("host", "127.0.0.1")),
        "POSTGRES_PORT": str(info.get("port", "5432")),
        "POSTGRES_USER": str(info.get("user", "postgres")),
        # A DSN without a password (a Kubernetes pod: the role's Secret is in PGPASSWORD) takes libpq's: eventsourcing
        # passes the password it is given even when empty, and libpq then does not look at PGPASSWORD itself.
        "POSTGRES_PASSWORD": str(info.get("password") or os.environ.get("PGPASSWORD", "")),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_LOCK_TIMEOUT": "10",
        "POSTGRES_POOL_SIZE": "8",
        # Bursts beyond the pool wait briefly instead of opening many more connections.
        "POSTGRES_MAX_OVERFLOW": "2",
        # eventsourcing's wait for a pooled connection (see above).
        "POSTGRES_CONNECT_TIMEOUT": str(EVENT_STORE_POOL_WAIT_SECONDS),
        # Check a pooled connection before use: after a server restart the old ones are dead. tune_event_store_pool
        # makes the check cheap (ping_if_server_spoke) where the pool is reachable.
        "POSTGRES_PRE_PING": "y",
        "CREATE_TABLE": "y",
        # Every stored event carries its SM3 chain digests (adapters/chained_recorder.py).
        "APPLICATION_RECORDER_TOPIC": CHAINED_RECORDER_TOPIC,
    }


def ping_if_server_spoke(conn: psycopg.Connection[Any]) -> None:
    """A pooled connection's check that costs no round trip while the connection is sound.

    An idle connection's socket has nothing to read unless the server spoke first: a restart or a terminated session
    sends its FATAL and closes the socket, which is then readable. Only then is the connection pinged (one round trip,
    which fails on a dead one, and the pool discards it and takes another). psycopg_pool's own check pings every
    checkout: two round trips for each read instead of one. A connection that died without a word (a network cut) is
    found by the statement itself, which eventsourcing retries on a fresh connection.
    """
    if conn.closed or conn.broken:
        raise psycopg.OperationalError("the connection is closed")
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN | select.POLLPRI)
    if poller.poll(0):
        ConnectionPool.check_connection(conn)


def tune_event_store_pool(app: Application[Any]) -> None:
    """Make the event store's connection pool check its connections cheaply and recover from a PostgreSQL restart as
    soon as the server is back.

    eventsourcing exposes neither psycopg_pool's `reconnect_timeout` nor its `check` in its environment; its pool is
    public on the PostgreSQL datastore, and both are read at each use.
    """
    pool = getattr(getattr(app.recorder, "datastore", None), "pool", None)
    if isinstance(pool, ConnectionPool):
        pool.reconnect_timeout = RECONNECT_TIMEOUT_SECONDS
        if pool._check is not None:  # pre-ping asked for: the same safety, without the round trip
            pool._check = ping_if_server_spoke


class PostgresAcceptanceNumbers:
    """Issues 受理号 as <service code><admdvs><yyyymmdd><8-digit sequence>, unique per service.

    When PostgreSQL cannot be reached it raises eventsourcing's OperationalError or InterfaceError, as the
    event store does, so that the application answers both the same way (503, retry later).
    """

    def __init__(self, dsn: str, sequence: str) -> None:
        self._sequence = sequence
        self._pool = ConnectionPool(
            dsn,
            min_size=1,
            max_size=4,
            kwargs={"autocommit": True, "connect_timeout": SEQUENCE_POOL_WAIT_SECONDS},
            timeout=SEQUENCE_POOL_WAIT_SECONDS,
            check=ping_if_server_spoke,  # connections kept across a server restart are dead
            reconnect_timeout=RECONNECT_TIMEOUT_SECONDS,
            open=True,
        )
        with self._pool.connection() as conn:
            conn.execute(f"CREATE SEQUENCE IF NOT EXISTS {self._sequence}")
        self._lock = threading.Lock()
        self._reserved: deque[int] = deque()

    def __call__(self, service_code: str, admdvs: str, day: date) -> str:
        """Take the next number; a gap after a failed command is harmless, a repeat is impossible."""
        with self._lock:
            if not self._reserved:
                self._reserved.extend(self._draw())
            number = self._reserved.popleft()
        return f"{service_code}{admdvs}{day:%Y%m%d}{number % 100_000_000:08d}"

    def _draw(self) -> list[int]:
        # A block at a time: one round trip serves RESERVE_BLOCK creates (numbers left at exit become gaps).
        try:
            with self._pool.connection() as conn:
                rows = conn.execute(
                    f"SELECT nextval('{self._sequence}') FROM generate_series(1, {RESERVE_BLOCK})"
                ).fetchall()
        except psycopg.InterfaceError as exc:
            raise InterfaceError(str(exc)) from exc
        except psycopg.OperationalError as exc:  # also the pool's timeout while the server is down
            raise OperationalError(str(exc)) from exc
        return [int(r[0]) for r in rows]

    def close(self) -> None:
        """Close the connection pool."""
        self._pool.close()
