"""A batch import (批量导入): what one uploaded file did, recorded once with its per-row report."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

_BATCH_NS = uuid5(NAMESPACE_URL, "urn:ybj:batch")


def batch_id_for(service: str, user_id: str, process_id: str, variant: str | None, fingerprint: str) -> UUID:
    """The same file uploaded again by the same user for the same process (and variant) is the same batch."""
    return uuid5(_BATCH_NS, f"{service}:{user_id}:{process_id}:{variant}:{fingerprint}")


class BatchImport(Aggregate):
    """One uploaded file: its rows, which became cases, and every bad row with its field and reason."""

    @event("BatchImported")
    def __init__(
        self,
        id: UUID,
        process_id: str,
        variant: str | None,
        mode: str,
        fingerprint: str,
        file_name: str,
        actor: dict[str, Any],
        total: int,
        errors: list[dict[str, Any]],
        case_ids: list[str],
        rows: list[dict[str, Any]],
    ) -> None:
        self.process_id = process_id
        self.variant = variant
        self.mode = mode
        self.fingerprint = fingerprint
        self.file_name = file_name
        self.actor = actor
        self.total = total
        self.errors = errors
        self.case_ids = case_ids
        self.rows = rows  # the uploaded rows as read (row number and values), for the report

    def describe(self, service: str) -> dict[str, Any]:
        """The batch's answer: counts, errors and the cases opened."""
        bad_rows = {e["row"] for e in self.errors}
        return {
            "batch_id": f"{service}-{self.id}",
            "process": self.process_id,
            "variant": self.variant,
            "mode": self.mode,
            "file_name": self.file_name,
            "total": self.total,
            "accepted": len(self.case_ids),
            "rejected": len(bad_rows),
            "errors": self.errors,
            "case_ids": self.case_ids,
        }
