"""Folds published case envelopes into the read models; a repeated event changes nothing.

Registry entry envelopes (ybj_query/registry_projection.py) travel on the same topics; `check_envelope`, `project`
and `project_batch` hand them over there.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ybj_kernel.envelope import EVENT_TYPE
from ybj_kernel.settings import DOMAIN_SERVICES
from ybj_query import bulk
from ybj_query.models import cases, history
from ybj_query.registry_projection import (
    MARK,
    PoisonRegistryMessage,
    check_registry_envelope,
    is_registry_envelope,
    project_registry,
    project_registry_batch,
)

log = logging.getLogger(__name__)
SUPPORTED_SCHEMA_VERSIONS = frozenset({"1"})
DATA_MODES = frozenset({"merge", "amend", "revert", "none"})
REQUIRED = (
    "id",
    "type",
    "caseid",
    "caseversion",
    "processid",
    "action",
    "eventname",
    "stagefrom",
    "stageto",
    "actor",
    "actorrole",
    "admdvs",
    "acceptanceno",
    "time",
    "datamode",
    "source",
)


class PoisonMessage(Exception):
    """A message that can never be projected; it goes to the dead-letter topic with this reason."""


def check_envelope(envelope: Any) -> dict[str, Any]:
    """Return the envelope if it is one this projection understands, else raise PoisonMessage."""
    if not isinstance(envelope, dict):
        raise PoisonMessage("not a JSON object")
    if envelope.get("specversion") != "1.0" or str(envelope.get("schemaversion")) not in SUPPORTED_SCHEMA_VERSIONS:
        raise PoisonMessage(f"unsupported schema version {envelope.get('schemaversion')!r}")
    if is_registry_envelope(envelope):  # a registry entry's event, on the same topic
        try:
            return check_registry_envelope(envelope)
        except PoisonRegistryMessage as exc:
            raise PoisonMessage(str(exc)) from None
    missing = [k for k in REQUIRED if k not in envelope]
    if missing:
        raise PoisonMessage(f"missing attributes {missing}")
    kind = EVENT_TYPE.match(str(envelope["type"]))
    if (
        kind is None
        or kind["service"] not in DOMAIN_SERVICES
        or kind["version"] != str(envelope["schemaversion"])
        or kind["event"] != envelope["eventname"]
        or envelope["source"] != f"/ybj/{kind['service']}"
    ):
        raise PoisonMessage(f"unknown event type {envelope['type']!r}")
    _check_attributes(envelope)
    return envelope


def _check_attributes(envelope: dict[str, Any]) -> None:
    not_text = [k for k in REQUIRED if k != "caseversion" and not isinstance(envelope[k], str)]
    if not_text:
        raise PoisonMessage(f"attributes {not_text} are not strings")
    version = envelope["caseversion"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise PoisonMessage(f"caseversion {version!r} is not a version")
    if (envelope["action"] == "create") != (version == 1):
        raise PoisonMessage(f"a case opens with `create` at version 1, not {envelope['action']!r} at {version}")
    if envelope["datamode"] not in DATA_MODES:
        raise PoisonMessage(f"unknown datamode {envelope['datamode']!r}")
    if not isinstance(envelope.get("data") or {}, dict):
        raise PoisonMessage("data is not a JSON object")
    try:
        datetime.fromisoformat(envelope["time"])
    except ValueError:
        raise PoisonMessage(f"time {envelope['time']!r} is not an ISO 8601 timestamp") from None


def project(conn: Connection, envelope: dict[str, Any]) -> bool:
    """Apply one event; return False when it changes nothing.

    Events of a case apply in version order, each once: a re-sent event (its version already applied)
    changes nothing, and so does one that arrives before its predecessor. That happens only when the relay
    lost an acknowledgement half-way through a batch and sends the whole batch again, so the early one comes
    again after its predecessor; applying it now would leave a gap in the history.
    """
    if is_registry_envelope(envelope):
        return project_registry(conn, envelope)
    when = datetime.fromisoformat(envelope["time"])
    data = envelope.get("data") or {}
    current = None
    if envelope["action"] != "create":
        current = conn.execute(
            select(cases.c.version, cases.c.layers, cases.c.due_on).where(cases.c.case_id == envelope["caseid"])
        ).first()
        if current is None or envelope["caseversion"] != current.version + 1:
            if current is None or envelope["caseversion"] > current.version + 1:
                log.warning(
                    "case %s: version %s arrived before version %s; waiting for it to be sent again in order",
                    envelope["caseid"],
                    envelope["caseversion"],
                    1 if current is None else current.version + 1,
                )
            return False
    # RETURNING tells a new row from a repeat; rowcount is -1 for this statement with psycopg 3.
    inserted = conn.execute(
        pg_insert(history)
        .values(_history_row(envelope, when, data))
        .on_conflict_do_nothing()
        .returning(history.c.version)
    ).first()
    if inserted is None:
        return False
    if envelope["action"] == "create":
        conn.execute(insert(cases).values(_new_case(envelope, when, data)))
        return True
    assert current is not None
    layers = fold_layers(list(current.layers), envelope["datamode"], data)
    conn.execute(
        update(cases)
        .where(cases.c.case_id == envelope["caseid"])
        .values(
            stage=envelope["stageto"],
            due_on=due_after(envelope, current.due_on),
            version=envelope["caseversion"],
            layers=layers,
            data=merged(layers),
            last_actor=envelope["actor"],
            updated_at=when,
        )
    )
    return True


def due_after(envelope: dict[str, Any], before: date | None) -> date | None:
    """A move to another stage brings that stage's 时限 (or none); an action that stays keeps the current one."""
    return _date(envelope.get("dueon")) if envelope["stagefrom"] != envelope["stageto"] else before


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def fold_layers(layers: list[dict[str, Any]], mode: str, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Apply an event's `datamode` to the case's data layers (see the envelope contract)."""
    if mode in ("merge", "amend"):
        return [*layers, {"mode": mode, "data": data}]
    if mode == "revert":
        last = max(i for i, layer in enumerate(layers) if layer["mode"] == "merge")
        return layers[:last] + layers[last + 1 :]
    return layers


def merged(layers: list[dict[str, Any]]) -> dict[str, Any]:
    """The case's data as it stands: later layers win."""
    out: dict[str, Any] = {}
    for layer in layers:
        out.update(layer["data"])
    return out


def project_batch(conn: Connection, envelopes: list[dict[str, Any]]) -> list[bool]:
    """Apply many events, case and registry events alike, with a few statements; per event, whether it applied."""
    at = [i for i, e in enumerate(envelopes) if MARK in e]  # inlined `is_registry_envelope`: once per event
    if not at:
        return _project_cases(conn, envelopes)
    entry_events = [envelopes[i] for i in at]
    case_events = [e for e in envelopes if MARK not in e]
    applied_cases = iter(_project_cases(conn, case_events) if case_events else [])
    applied_entries = dict(zip(at, project_registry_batch(conn, entry_events), strict=True))
    return [applied_entries[i] if i in applied_entries else next(applied_cases) for i in range(len(envelopes))]


def _project_cases(conn: Connection, envelopes: list[dict[str, Any]]) -> list[bool]:
    """Apply many case events with a few statements in all; the result says, per event, whether it applied.

    The rules are those of `project`: per case, versions apply in order and each once. The cases the batch
    touches are read once and folded in memory; then history rows and new cases are copied in, and the cases
    that moved on are updated with one statement (`bulk`). A row that exists all the same raises IntegrityError.
    """
    known = bulk.read_cases(conn, list({e["caseid"] for e in envelopes}))
    state: dict[str, dict[str, Any]] = {}
    applied: list[bool] = []
    rows: list[dict[str, Any]] = []
    for envelope in envelopes:
        case_id = envelope["caseid"]
        current = state.get(case_id)
        if current is None and case_id in known:
            version, layers, due = known[case_id]
            current = state[case_id] = {
                "case_id": case_id,
                "read_version": version,
                "version": version,
                "layers": layers,
                "due_on": due,
            }
        expected = 1 if current is None else current["version"] + 1
        if envelope["caseversion"] != expected or (envelope["action"] == "create") != (current is None):
            applied.append(False)
            continue
        when = datetime.fromisoformat(envelope["time"])
        data = envelope.get("data") or {}
        rows.append(_history_row(envelope, when, data))
        if current is None:
            state[case_id] = {**_new_case(envelope, when, data), "read_version": None}
        else:
            current.update(
                stage=envelope["stageto"],
                due_on=due_after(envelope, current["due_on"]),
                version=envelope["caseversion"],
                layers=fold_layers(list(current["layers"]), envelope["datamode"], data),
                last_actor=envelope["actor"],
                updated_at=when,
            )
        applied.append(True)
    opened = [c for c in state.values() if c["read_version"] is None]
    moved = [c for c in state.values() if c["read_version"] is not None and c["version"] != c["read_version"]]
    for case in opened + moved:
        case["data"] = merged(case["layers"])
    bulk.write(conn, rows, opened, moved)
    return applied


def _history_row(envelope: dict[str, Any], when: datetime, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "case_id": envelope["caseid"],
        "version": envelope["caseversion"],
        "event_id": envelope["id"],
        "event_type": envelope["type"],
        "event_name": envelope["eventname"],
        "action": envelope["action"],
        "stage_from": envelope["stagefrom"],
        "stage_to": envelope["stageto"],
        "actor": envelope["actor"],
        "actor_role": envelope["actorrole"],
        "admdvs": envelope["admdvs"],
        "time": when,
        "comment": envelope.get("comment"),
        "data": data,
        "correlation_id": envelope.get("correlationid") or "",
        "causation_id": envelope.get("causationid") or "",
    }


def _new_case(envelope: dict[str, Any], when: datetime, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "case_id": envelope["caseid"],
        "service": envelope["source"].rsplit("/", 1)[-1],
        "process_id": envelope["processid"],
        "acceptance_no": envelope["acceptanceno"],
        "admdvs": envelope["admdvs"],
        "stage": envelope["stageto"],
        "variant": envelope.get("variant"),
        "due_on": _date(envelope.get("dueon")),
        "version": envelope["caseversion"],
        "data": data,
        "layers": [{"mode": "merge", "data": data}],
        "created_by": envelope["actor"],
        "last_actor": envelope["actor"],
        "created_at": when,
        "updated_at": when,
    }
