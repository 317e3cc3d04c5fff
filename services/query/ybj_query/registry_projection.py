"""Folds published registry entry envelopes into the read models: each entry as it stands, and one history row per
event. A repeated event changes nothing.

An envelope carries the JSON Patch its event applies to the entry's state (ybj_kernel/envelope.py
`to_registry_envelope`), so the projection never re-runs a registry's operations: it applies each next version's patch
to the state it keeps (`ybj_kernel.domain.registry.patched`, as the registry itself does), with the columns a search needs read off it (`searchable`), and keeps
each event's arguments and patch in the history. Per entry, versions apply in order and each once, like a case's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ybj_kernel.domain.registry import patched
from ybj_kernel.envelope import REGISTRY_EVENT_TYPE
from ybj_kernel.settings import DOMAIN_SERVICES
from ybj_query import bulk
from ybj_query.models import registry_entries, registry_history

log = logging.getLogger(__name__)
SUPPORTED_SCHEMA_VERSIONS = frozenset({"1"})
# What marks an envelope as a registry entry's (a case's never has it).
MARK = "entryid"
REQUIRED = (
    "id",
    "type",
    "source",
    "subject",
    "time",
    "registry",
    "entryid",
    "entryversion",
    "eventname",
    "op",
    "bycaseid",
    "ineffect",
    "data",
)
_TEXT = ("id", "type", "source", "subject", "time", "registry", "entryid", "eventname", "op", "bycaseid")
# The state fields a search reads, by column (the national interface names the registries' states use).
SEARCHED = ("emp_name", "uscc", "certno", "psn_name", "admdvs")


class PoisonRegistryMessage(ValueError):
    """A registry envelope that can never be projected (the consumer dead-letters it with this reason)."""


def is_registry_envelope(envelope: dict[str, Any]) -> bool:
    """Whether an envelope is a registry entry's event."""
    return MARK in envelope


def check_registry_envelope(envelope: dict[str, Any]) -> dict[str, Any]:
    """Return the envelope if it is a registry event this projection understands, else raise PoisonRegistryMessage.

    Any registry of any domain service is understood: the read model keeps each entry's state as published, whatever
    its registry; only a malformed envelope is refused.
    """
    missing = [k for k in REQUIRED if k not in envelope]
    if missing:
        raise PoisonRegistryMessage(f"missing attributes {missing}")
    not_text = [k for k in _TEXT if not isinstance(envelope[k], str)]
    if not_text:
        raise PoisonRegistryMessage(f"attributes {not_text} are not strings")
    kind = REGISTRY_EVENT_TYPE.match(envelope["type"])
    if (
        kind is None
        or kind["service"] not in DOMAIN_SERVICES
        or kind["version"] != str(envelope.get("schemaversion"))
        or kind["registry"] != envelope["registry"]
        or kind["event"] != envelope["eventname"]
        or envelope["source"] != f"/ybj/{kind['service']}"
    ):
        raise PoisonRegistryMessage(f"unknown event type {envelope['type']!r}")
    version = envelope["entryversion"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise PoisonRegistryMessage(f"entryversion {version!r} is not a version")
    if not isinstance(envelope["ineffect"], bool):
        raise PoisonRegistryMessage("ineffect is not a boolean")
    data = envelope["data"]
    patch = data.get("patch") if isinstance(data, dict) else None
    if not isinstance(patch, list) or not all(
        isinstance(op, dict) and isinstance(op.get("op"), str) and isinstance(op.get("path"), str) for op in patch
    ):
        raise PoisonRegistryMessage("data.patch is not a JSON Patch")
    if not isinstance(data.get("args"), dict | None):
        raise PoisonRegistryMessage("data.args is neither a JSON object nor null")
    try:
        UUID(envelope["entryid"])
        datetime.fromisoformat(envelope["time"])
    except ValueError as exc:
        raise PoisonRegistryMessage(f"entryid or time malformed: {exc}") from None
    return envelope


def searchable(state: dict[str, Any]) -> dict[str, Any]:
    """The columns a search reads, off an entry's state: names, codes, and the units it belongs to.

    An employer belongs to its own unit (`emp_no`); a person to the units of their 参保关系 not ended (no `enddate`).
    """
    found: dict[str, Any] = {c: v if isinstance(v := state.get(c), str) else None for c in SEARCHED}
    units: set[str] = set()
    if isinstance(own := state.get("emp_no"), str):
        units.add(own)
    relations = state.get("relations")
    if isinstance(relations, dict):
        for relation in relations.values():
            unit = relation.get("emp_no") if isinstance(relation, dict) else None
            if isinstance(unit, str) and not relation.get("enddate"):
                units.add(unit)
    found["emp_nos"] = sorted(units)
    return found


def after(envelope: dict[str, Any], state: dict[str, Any] | None, in_effect: bool) -> dict[str, Any]:
    """The entry's state after this event, from its state before; a patch that does not fit it is poison. A change to an entry not in effect starts from nothing, as the owning service's does."""
    try:
        new = patched(state if state is not None and in_effect else {}, envelope["data"]["patch"])
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise PoisonRegistryMessage(
            f"the patch of {envelope['registry']} {envelope['subject']} version {envelope['entryversion']} does not"
            f" apply to the version before: {type(exc).__name__}: {exc}"
        ) from None
    if not isinstance(new, dict):
        raise PoisonRegistryMessage(f"the patch of {envelope['registry']} {envelope['subject']} leaves no JSON object")
    return new


def entry_row(envelope: dict[str, Any], state: dict[str, Any], when: datetime) -> dict[str, Any]:
    """The entry's read-model row after this event, with its state after it."""
    return {
        "registry": envelope["registry"],
        "key": envelope["subject"],
        "entry_id": envelope["entryid"],
        "service": envelope["source"].rsplit("/", 1)[-1],
        "version": envelope["entryversion"],
        "in_effect": envelope["ineffect"],
        "state": state,
        "case_id": envelope["bycaseid"],
        "updated_at": when,
        **searchable(state),
    }


def history_row(envelope: dict[str, Any], when: datetime) -> dict[str, Any]:
    """The event's row in the entry's history."""
    return {
        "registry": envelope["registry"],
        "key": envelope["subject"],
        "version": envelope["entryversion"],
        "event_id": envelope["id"],
        "event_type": envelope["type"],
        "event_name": envelope["eventname"],
        "op": envelope["op"],
        "case_id": envelope["bycaseid"],
        "time": when,
        "args": envelope["data"].get("args"),
        "patch": envelope["data"]["patch"],
        "in_effect": envelope["ineffect"],
    }


@dataclass
class Folded:
    """What a batch of registry events does, worked out in memory before it is written."""

    applied: list[bool] = field(default_factory=list)  # per envelope, in order
    history: list[dict[str, Any]] = field(default_factory=list)
    opened: list[dict[str, Any]] = field(default_factory=list)  # entries new to the read model
    moved: list[dict[str, Any]] = field(default_factory=list)  # entries it held, at a later version now


def fold(known: dict[tuple[str, str], bulk.StoredEntry], envelopes: Iterable[dict[str, Any]]) -> Folded:
    """Apply envelopes to entries as the read model holds them (`known`: (registry, key) -> version, in effect, state),
    in memory.

    Per entry, version N applies only right after N-1 (1 to an entry not yet known): a re-sent event changes nothing,
    and so does one that arrives before its predecessor (the relay sends that batch again, in order).
    """
    out = Folded()
    entries: dict[tuple[str, str], dict[str, Any]] = {}
    for envelope in envelopes:
        k = (envelope["registry"], envelope["subject"])
        current = entries.get(k)
        if current is None and k in known:
            version, in_effect, state = known[k]
            current = entries[k] = {"read_version": version, "version": version, "in_effect": in_effect}
            current["state"] = state
        expected = 1 if current is None else current["version"] + 1
        if envelope["entryversion"] != expected:
            if envelope["entryversion"] > expected:
                log.warning(
                    "%s %s: version %s arrived before version %s; waiting for it to be sent again in order",
                    envelope["registry"],
                    envelope["subject"],
                    envelope["entryversion"],
                    expected,
                )
            out.applied.append(False)
            continue
        when = datetime.fromisoformat(envelope["time"])
        if current is None:
            state = after(envelope, None, False)
        else:  # its state was read: the batch has a later version of it (`project_registry_batch`)
            state = after(envelope, current["state"], current["in_effect"])
        out.history.append(history_row(envelope, when))
        row = entry_row(envelope, state, when)
        if current is None:
            entries[k] = {**row, "read_version": None}
        else:
            current.update(row)
        out.applied.append(True)
    for entry in entries.values():
        if entry["read_version"] is None:
            out.opened.append(entry)
        elif entry["version"] != entry["read_version"]:
            out.moved.append(entry)
    return out


def project_registry_batch(conn: Connection, envelopes: list[dict[str, Any]]) -> list[bool]:
    """Apply many registry events with a few statements; the result says, per event, whether it applied.

    The entries the batch touches are read once (`bulk.read_entries`: their states only where the batch has a later
    version), folded in memory, then history rows and new entries are copied in and moved entries updated with one
    statement. A row that exists all the same (another projector got there first) raises IntegrityError, and the
    caller applies the batch one event at a time.
    """
    if not envelopes:
        return []
    latest: dict[tuple[str, str], int] = {}
    for e in envelopes:
        k = (e["registry"], e["subject"])
        latest[k] = max(latest.get(k, 0), e["entryversion"])
    folded = fold(bulk.read_entries(conn, latest), envelopes)
    bulk.write_entries(conn, folded.history, folded.opened, folded.moved)
    return folded.applied


def project_registry(conn: Connection, envelope: dict[str, Any]) -> bool:
    """Apply one registry event (the one-by-one path); return False when it changes nothing."""
    k = (envelope["registry"], envelope["subject"])
    e = registry_entries.c
    where = (e.registry == k[0]) & (e.key == k[1])
    current = conn.execute(select(e.version, e.in_effect).where(where)).first()
    if envelope["entryversion"] != (1 if current is None else current.version + 1):
        return False
    before = None if current is None or not current.in_effect else conn.execute(select(e.state).where(where)).scalar()
    state = after(envelope, before, current is not None and current.in_effect)
    when = datetime.fromisoformat(envelope["time"])
    inserted = conn.execute(
        pg_insert(registry_history)
        .values(history_row(envelope, when))
        .on_conflict_do_nothing()
        .returning(registry_history.c.version)
    ).first()
    if inserted is None:
        return False
    row = entry_row(envelope, state, when)
    if current is None:
        conn.execute(insert(registry_entries).values(row))
    else:
        conn.execute(update(registry_entries).where(where & (e.version == current.version)).values(row))
    return True
