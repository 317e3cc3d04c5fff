"""The gateway's access log: every decision, allowed or refused (channel, item, outcome, status, latency, request id,
source address), for the bureau to query; written by whichever gateway process answered, in one shared table."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class AccessRecord:
    """One answered channel request."""

    request_id: str
    at: datetime
    app_id: str  # as the request claimed it ("" when it claimed none)
    item: str  # the item number, or "list"
    outcome: str  # OK, or the refusal code
    status: int  # the HTTP status answered
    latency_ms: float
    source_ip: str

    def describe(self) -> dict[str, Any]:
        """As JSON."""
        return {**asdict(self), "at": self.at.isoformat()}


class AccessLog(Protocol):
    """Where access records go."""

    def record(self, entry: AccessRecord) -> None:
        """Keep one record (a failure to log must not fail the request: the adapter logs it and goes on)."""
