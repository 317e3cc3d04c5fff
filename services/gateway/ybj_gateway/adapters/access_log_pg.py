"""The access log in PostgreSQL (`gateway.access_log`), written by every gateway process, read by the bureau."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from psycopg_pool import ConnectionPool

from ybj_gateway.access_log import AccessRecord

log = logging.getLogger(__name__)
COLUMNS = ("request_id", "at", "app_id", "item", "outcome", "status", "latency_ms", "source_ip")


class PostgresAccessLog:
    """access_log.AccessLog on PostgreSQL."""

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool

    def record(self, entry: AccessRecord) -> None:
        """Insert the record; a failure is logged, never raised (the channel's answer does not depend on it)."""
        try:
            with self._pool.connection() as conn:
                conn.execute(
                    f"INSERT INTO gateway.access_log ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})",
                    tuple(getattr(entry, c) for c in COLUMNS),
                )
        except Exception:
            log.exception("access log: could not record request %s", entry.request_id)

    def recent(
        self, *, app_id: str | None, outcome: str | None, since: datetime | None, limit: int
    ) -> list[dict[str, Any]]:
        """The latest records, newest first, of one channel and/or outcome when given."""
        where: list[str] = ["TRUE"]
        args: list[object] = []
        for column, value in (("app_id", app_id), ("outcome", outcome)):
            if value is not None:
                where.append(f"{column} = %s")
                args.append(value)
        if since is not None:
            where.append("at >= %s")
            args.append(since)
        with self._pool.connection() as conn:
            rows = conn.execute(
                f"SELECT {', '.join(COLUMNS)} FROM gateway.access_log WHERE {' AND '.join(where)} "
                "ORDER BY at DESC LIMIT %s",
                (*args, limit),
            ).fetchall()
        return [AccessRecord(*row).describe() for row in rows]
