"""H5 sessions in PostgreSQL (`gateway.h5_sessions`), shared by every gateway process (h5_sessions.H5Sessions).

A row holds the token's SM3 digest (the token itself is given to the channel once and never stored), the channel and
the person. Expired rows are purged about once a minute by whichever process gets there, a day after their expiry
(kept that long so that a late request is told EXPIRED rather than UNKNOWN).
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

from psycopg_pool import ConnectionPool

from ybj_gateway.h5_sessions import H5Session

PURGE_EVERY_SECONDS = 60.0
EXPIRED_KEPT = timedelta(days=1)
COLUMNS = ("token_hash", "app_id", "psn_cert_type", "certno", "psn_name", "created_at", "expires_at")


class PostgresH5Sessions:
    """h5_sessions.H5Sessions on PostgreSQL."""

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool
        self._purged_at = 0.0
        self._lock = threading.Lock()

    def add(self, session: H5Session) -> None:
        """Insert the session."""
        with self._pool.connection() as conn:
            conn.execute(
                f"INSERT INTO gateway.h5_sessions ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})",
                tuple(getattr(session, c) for c in COLUMNS),
            )

    def find(self, token_hash: str, now: datetime) -> H5Session | None:
        """The session of this digest, or None."""
        self._purge_now_and_then(now)
        with self._pool.connection() as conn:
            row = conn.execute(
                f"SELECT {', '.join(COLUMNS)} FROM gateway.h5_sessions WHERE token_hash = %s", (token_hash,)
            ).fetchone()
        return H5Session(*row) if row is not None else None

    def purge(self, now: datetime) -> None:
        """Delete the sessions expired more than a day ago."""
        with self._pool.connection() as conn:
            conn.execute("DELETE FROM gateway.h5_sessions WHERE expires_at < %s", (now - EXPIRED_KEPT,))

    def _purge_now_and_then(self, now: datetime) -> None:
        with self._lock:
            due = time.monotonic() - self._purged_at >= PURGE_EVERY_SECONDS
            if due:
                self._purged_at = time.monotonic()
        if due:
            self.purge(now)
