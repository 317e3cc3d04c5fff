"""Applying single messages to the read models beside the projector (`ybj replay`, `ybj deadletters retry`), with the
projection's own code and its own rules, saying what each message did.

Per case (and per registry entry) the projection applies versions in order, each once (projection.py `project`): a
version the read model holds already changes nothing, and one whose predecessor is missing is passed over (the
projector then moves on without it). So re-applying is always safe, and it can only fill in what is missing, in order.
A message whose version the read model holds counts as applied only if the history holds that very event (ids are made
of the case or entry and the version); another event at that version is reported as a failure, never passed over.

These writes and the projector's must not interleave on a case: each transaction here first locks the projector's
stored position of the message's partition (`lock_position`, the row the projector itself locks before a batch of that
partition), so the projector's batches of that partition wait for it and then read the cases as it left them.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson
from aiokafka import TopicPartition
from sqlalchemy import Connection, select

from ybj_query.consumer import UNDECODABLE, UNPROJECTABLE, reason
from ybj_query.models import cases, history, positions, registry_entries, registry_history
from ybj_query.projection import check_envelope, project
from ybj_query.registry_projection import is_registry_envelope


class Result(StrEnum):
    """What applying one message did."""

    APPLIED = "applied"
    ALREADY = "already applied"  # the read model holds this event (and maybe later versions)
    WAITING = "waiting"  # an earlier version of its case or entry is not in the read model: nothing done
    FAILED = "failed"  # the projection refuses it (the reason says why)


@dataclass(frozen=True)
class Applied:
    """One message's outcome: what it is about (`case <id>` or `<registry> <key>`), its version and why."""

    result: Result
    subject: str = "-"
    version: int | None = None
    detail: str = ""


def subject_of(envelope: dict[str, Any]) -> tuple[str, int]:
    """What a checked envelope is about and its version."""
    if is_registry_envelope(envelope):
        return f"{envelope['registry']} {envelope['subject']}", int(envelope["entryversion"])
    return f"case {envelope['caseid']}", int(envelope["caseversion"])


def standing(conn: Connection, envelope: dict[str, Any]) -> int:
    """The version of the envelope's case or entry in the read model (0: not there)."""
    if is_registry_envelope(envelope):
        e = registry_entries.c
        where = (e.registry == envelope["registry"]) & (e.key == envelope["subject"])
        found = conn.execute(select(e.version).where(where)).scalar()
    else:
        found = conn.execute(select(cases.c.version).where(cases.c.case_id == envelope["caseid"])).scalar()
    return int(found) if found is not None else 0


def hint(value: bytes | None, key: bytes | None) -> tuple[str, int | None]:
    """What a message the projection refuses seems to be about, for people: its case or entry and version if it is a
    JSON object naming one, else its Kafka key, else `-`."""
    try:
        found = orjson.loads(value or b"")
    except orjson.JSONDecodeError:
        found = None
    if isinstance(found, dict):
        with contextlib.suppress(KeyError, TypeError, ValueError):
            subject, version = subject_of(found)
            return subject, version
    return (key.decode("utf-8", "replace") if key else "-"), None


def held_event(conn: Connection, envelope: dict[str, Any]) -> str | None:
    """The id of the event the read model's history holds at the envelope's version (None: no row)."""
    if is_registry_envelope(envelope):
        h = registry_history.c
        where = (h.registry == envelope["registry"]) & (h.key == envelope["subject"])
        found = conn.execute(select(h.event_id).where(where & (h.version == envelope["entryversion"]))).scalar()
    else:
        c = history.c
        where = (c.case_id == envelope["caseid"]) & (c.version == envelope["caseversion"])
        found = conn.execute(select(c.event_id).where(where)).scalar()
    return None if found is None else str(found)


def apply_message(conn: Connection, value: bytes | None, key: bytes | None = None) -> Applied:
    """Apply one message in a savepoint of `conn`'s transaction; a refusal rolls back only this message."""
    try:
        envelope = check_envelope(orjson.loads(value or b""))
    except UNDECODABLE as error:
        subject, version = hint(value, key)
        return Applied(Result.FAILED, subject, version, reason(error))
    subject, version = subject_of(envelope)
    held = standing(conn, envelope)
    if version <= held:
        other = held_event(conn, envelope)
        if other is not None and other != envelope["id"]:  # ids are made of (case or entry, version): never two
            return Applied(
                Result.FAILED, subject, version, f"the read model holds another event ({other}) as version {version}"
            )
        return Applied(Result.ALREADY, subject, version, f"the read model holds version {held}")
    if version > held + 1:
        return Applied(Result.WAITING, subject, version, f"the read model holds version {held}, not {version - 1}")
    try:
        with conn.begin_nested():
            applied = project(conn, envelope)
    except UNPROJECTABLE as error:
        return Applied(Result.FAILED, subject, version, reason(error))
    return Applied(Result.APPLIED if applied else Result.ALREADY, subject, version)


def lock_position(conn: Connection, tp: TopicPartition) -> int | None:
    """Lock the projector's stored position of `tp` for this transaction and return it (None: it never read `tp`)."""
    p = positions.c
    found = conn.execute(
        select(p.next_offset).where((p.topic == tp.topic) & (p.partition == tp.partition)).with_for_update()
    ).scalar()
    return int(found) if found is not None else None


def stored_position(conn: Connection, tp: TopicPartition) -> int | None:
    """The projector's stored position of `tp`, without a lock (None: it never read `tp`)."""
    p = positions.c
    found = conn.execute(select(p.next_offset).where((p.topic == tp.topic) & (p.partition == tp.partition))).scalar()
    return int(found) if found is not None else None
