"""Nonces and rate counters in PostgreSQL, shared by every gateway process (pipeline.ReplayGuard).

`gateway.nonces(app_id, nonce, seen_at)` has the pair as its key: `INSERT … ON CONFLICT DO NOTHING` records a nonce
and tells whether it was new in one statement, atomically, whichever replica the request reached. `gateway.rate_counts`
keeps one row per channel and minute, incremented by an upsert that returns the minute's count. Old rows are purged
about once a minute by whichever process gets there (nonces after `retention`, counters after an hour).
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

from psycopg_pool import ConnectionPool

PURGE_EVERY_SECONDS = 60.0
COUNTERS_KEPT = timedelta(hours=1)


class PostgresReplayGuard:
    """pipeline.ReplayGuard on PostgreSQL."""

    def __init__(self, pool: ConnectionPool, retention: timedelta) -> None:
        self._pool = pool
        self._retention = retention
        self._purged_at = 0.0
        self._lock = threading.Lock()

    def first_use(self, app_id: str, nonce: str, now: datetime) -> bool:
        """Record the nonce; True when no gateway process had seen it for this channel."""
        self._purge_now_and_then(now)
        with self._pool.connection() as conn:
            row = conn.execute(
                "INSERT INTO gateway.nonces (app_id, nonce, seen_at) VALUES (%s, %s, %s) "
                "ON CONFLICT (app_id, nonce) DO NOTHING RETURNING 1",
                (app_id, nonce.lower(), now),
            ).fetchone()
        return row is not None

    def count(self, app_id: str, now: datetime) -> int:
        """Count one request in the channel's minute; the minute's requests so far, this one included."""
        minute = now.replace(second=0, microsecond=0)
        with self._pool.connection() as conn:
            row = conn.execute(
                "INSERT INTO gateway.rate_counts (app_id, minute, requests) VALUES (%s, %s, 1) "
                "ON CONFLICT (app_id, minute) DO UPDATE SET requests = gateway.rate_counts.requests + 1 "
                "RETURNING requests",
                (app_id, minute),
            ).fetchone()
        return int(row[0]) if row is not None else 1

    def purge(self, now: datetime) -> None:
        """Delete nonces older than the retention and counters older than an hour."""
        with self._pool.connection() as conn:
            conn.execute("DELETE FROM gateway.nonces WHERE seen_at < %s", (now - self._retention,))
            conn.execute("DELETE FROM gateway.rate_counts WHERE minute < %s", (now - COUNTERS_KEPT,))

    def _purge_now_and_then(self, now: datetime) -> None:
        with self._lock:
            due = time.monotonic() - self._purged_at >= PURGE_EVERY_SECONDS
            if due:
                self._purged_at = time.monotonic()
        if due:
            self.purge(now)
