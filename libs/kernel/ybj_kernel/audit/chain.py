"""The hash chain of a stream: each stored event's SM3 digest covers its content and the digest before it.

digest = SM3("ybj-event-v1" || field || field …), each field preceded by its length as 4 bytes big-endian, the
fields being the originator id (text), the version (decimal text), the topic (text, UTF-8), the state (bytes as
stored) and prev_digest (32 bytes; 32 zero bytes for a stream's first event). Anyone can recompute it from the
stored row alone; the audit package's README repeats this.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ybj_kernel.sm3 import sm3_digest

GENESIS = bytes(32)
_DOMAIN = b"ybj-event-v1"


def event_digest(originator_id: str, version: int, topic: str, state: bytes, prev_digest: bytes) -> bytes:
    """The SM3 digest of one stored event chained to `prev_digest`."""
    parts = (_DOMAIN, str(originator_id).encode(), str(version).encode(), topic.encode(), state, prev_digest)
    return sm3_digest(b"".join(len(p).to_bytes(4, "big") + p for p in parts))


@dataclass(frozen=True)
class StoredRow:
    """One stored event as it is in the table (digests may be missing on rows written before the chain)."""

    originator_id: str
    version: int
    topic: str
    state: bytes
    prev_digest: bytes | None
    digest: bytes | None
    notification_id: int | None = None


@dataclass(frozen=True)
class BrokenLink:
    """The first place a chain does not hold."""

    originator_id: str
    version: int
    notification_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"stream {self.originator_id} version {self.version}"
        if self.notification_id is not None:
            where += f" (notification {self.notification_id})"
        return f"{where}: {self.problem}"


class StreamChecker:
    """Checks rows of one stream or many, given in (stream, version) order; remembers each stream's last digest."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[int, bytes]] = {}
        self.checked = 0

    def check(self, row: StoredRow) -> BrokenLink | None:
        """Check the next row; return what is wrong with it, if anything."""
        self.checked += 1
        stream = str(row.originator_id)
        version, prev = self._last.get(stream, (0, GENESIS))
        if row.version != version + 1:
            problem = (
                f"version {version + 1} is missing (the stream goes from {version} to {row.version})"
                if row.version > version + 1
                else f"version {row.version} comes after version {version}"
            )
            return BrokenLink(stream, row.version, row.notification_id, problem)
        if row.digest is None or row.prev_digest is None:
            return BrokenLink(stream, row.version, row.notification_id, "the row has no digest")
        if row.prev_digest != prev:
            return BrokenLink(
                stream, row.version, row.notification_id, "prev_digest is not the digest of the event before it"
            )
        computed = event_digest(stream, row.version, row.topic, row.state, row.prev_digest)
        if computed != row.digest:
            return BrokenLink(
                stream, row.version, row.notification_id, "the content does not match its digest (the row was changed)"
            )
        self._last[stream] = (row.version, row.digest)
        return None

    def heads(self) -> dict[str, tuple[int, bytes]]:
        """Each stream's last checked version and digest."""
        return dict(self._last)


def first_broken(rows: Iterable[StoredRow]) -> BrokenLink | None:
    """The first broken link of rows in (stream, version) order, or None when every chain holds."""
    checker = StreamChecker()
    for row in rows:
        if (broken := checker.check(row)) is not None:
            return broken
    return None
