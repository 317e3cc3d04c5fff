"""Receiving a batch of settlement records (records.py): checked whole, then recorded in one transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ybj_kernel.application import CaseApplication
from ybj_settlement.records import MONTH, RECORD, changes, validated


def ingest(app: CaseApplication, rows: Sequence[Mapping[str, Any]], batch_id: str) -> dict[str, int]:
    """Record a batch (the entries it changes read together, saved together); the same batch again changes nothing.

    `batch_id` (at most 36 characters) is the cause each change records, like a case id: the request that sent it.
    """
    records = validated(rows)
    keys = {r.setl_id for r in records} | {r.reverses for r in records if r.reverses}
    existing = app.entries_of(RECORD, sorted(keys))
    months = app.entries_of(MONTH, sorted({f"{r.fixmedins_code}:{r.setl_time:%Y%m}" for r in records}))
    entries, new = changes(records, existing, months, batch_id)
    pending = [e for e in entries if e.pending_events]
    if pending:
        app.save_together(*pending)
    return {"received": len(records), "recorded": new, "unchanged": len(records) - new}
