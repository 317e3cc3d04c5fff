"""The gateway's ports in memory, for the unit tests and a single process: the replay guard, the access log and the H5
sessions.

Every gateway process must share one replay guard (adapters/replays.py on PostgreSQL): these keep their state in one
process only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ybj_gateway.access_log import AccessRecord
from ybj_gateway.h5_sessions import H5Session


class MemoryReplayGuard:
    """pipeline.ReplayGuard in memory."""

    def __init__(self) -> None:
        self.nonces: set[tuple[str, str]] = set()
        self.counts: dict[tuple[str, datetime], int] = {}

    def first_use(self, app_id: str, nonce: str, now: datetime) -> bool:
        """Record the nonce; True when it is new for the channel."""
        key = (app_id, nonce.lower())
        new = key not in self.nonces
        self.nonces.add(key)
        return new

    def count(self, app_id: str, now: datetime) -> int:
        """Count one request in the channel's minute; the minute's requests, this one included."""
        minute = (app_id, now.replace(second=0, microsecond=0))
        self.counts[minute] = self.counts.get(minute, 0) + 1
        return self.counts[minute]


class MemoryAccessLog:
    """access_log.AccessLog in memory."""

    def __init__(self) -> None:
        self.records: list[AccessRecord] = []

    def record(self, entry: AccessRecord) -> None:
        """Keep the record."""
        self.records.append(entry)

    def recent(
        self, *, app_id: str | None, outcome: str | None, since: datetime | None, limit: int
    ) -> list[dict[str, Any]]:
        """The latest records, newest first."""
        found = [
            r
            for r in reversed(self.records)
            if (app_id is None or r.app_id == app_id)
            and (outcome is None or r.outcome == outcome)
            and (since is None or r.at >= since)
        ]
        return [r.describe() for r in found[:limit]]


class MemoryH5Sessions:
    """h5_sessions.H5Sessions in memory."""

    def __init__(self) -> None:
        self.sessions: dict[str, H5Session] = {}

    def add(self, session: H5Session) -> None:
        """Keep the session under its token's digest."""
        self.sessions[session.token_hash] = session

    def find(self, token_hash: str, now: datetime) -> H5Session | None:
        """The session of this digest, or None."""
        return self.sessions.get(token_hash)
