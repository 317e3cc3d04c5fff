"""Folds published case envelopes into the read models; a repeated event changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ybj_query.models import cases, history

SUPPORTED_SCHEMA_VERSIONS = frozenset({"1"})
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
    missing = [k for k in REQUIRED if k not in envelope]
    if missing:
        raise PoisonMessage(f"missing attributes {missing}")
    if not str(envelope["type"]).startswith("cn.ybj."):
        raise PoisonMessage(f"unknown event type {envelope['type']!r}")
    return envelope


def project(conn: Connection, envelope: dict[str, Any]) -> bool:
    """Apply one event; return False when it was already applied (a re-send)."""
    when = datetime.fromisoformat(envelope["time"])
    data = envelope.get("data") or {}
    # RETURNING tells a new row from a repeat; rowcount is -1 for this statement with psycopg 3.
    inserted = conn.execute(
        pg_insert(history)
        .values(
            case_id=envelope["caseid"],
            version=envelope["caseversion"],
            event_id=envelope["id"],
            event_type=envelope["type"],
            event_name=envelope["eventname"],
            action=envelope["action"],
            stage_from=envelope["stagefrom"],
            stage_to=envelope["stageto"],
            actor=envelope["actor"],
            actor_role=envelope["actorrole"],
            admdvs=envelope["admdvs"],
            time=when,
            comment=envelope.get("comment"),
            data=data,
            correlation_id=envelope.get("correlationid") or "",
            causation_id=envelope.get("causationid") or "",
        )
        .on_conflict_do_nothing()
        .returning(history.c.version)
    ).first()
    if inserted is None:
        return False
    if envelope["action"] == "create":
        conn.execute(
            insert(cases).values(
                case_id=envelope["caseid"],
                service=envelope["source"].rsplit("/", 1)[-1],
                process_id=envelope["processid"],
                acceptance_no=envelope["acceptanceno"],
                admdvs=envelope["admdvs"],
                stage=envelope["stageto"],
                version=envelope["caseversion"],
                data=data,
                layers=[{"mode": "merge", "data": data}],
                created_by=envelope["actor"],
                last_actor=envelope["actor"],
                created_at=when,
                updated_at=when,
            )
        )
        return True
    row = conn.execute(select(cases.c.layers).where(cases.c.case_id == envelope["caseid"])).one()
    layers = fold_layers(list(row.layers), envelope["datamode"], data)
    conn.execute(
        update(cases)
        .where(cases.c.case_id == envelope["caseid"])
        .values(
            stage=envelope["stageto"],
            version=envelope["caseversion"],
            layers=layers,
            data=merged(layers),
            last_actor=envelope["actor"],
            updated_at=when,
        )
    )
    return True


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
