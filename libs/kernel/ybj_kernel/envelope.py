"""The published contract: stored case and registry entry events mapped to versioned CloudEvents 1.0 envelopes.

Other services and outside systems depend on this shape only, never on the stored event classes.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

ENVELOPE_VERSION = "1"
_EVENT_NS = uuid5(NAMESPACE_URL, "urn:ybj:event")
# `type` of every published case event: cn.ybj.<service>.case.<event name>.v<schema version>
EVENT_TYPE = re.compile(r"^cn\.ybj\.(?P<service>[a-z]+)\.case\.(?P<event>[A-Za-z][A-Za-z0-9]*)\.v(?P<version>[0-9]+)$")
# `type` of every published registry entry event: cn.ybj.<service>.<registry>.<event name>.v<schema version>
REGISTRY_EVENT_TYPE = re.compile(
    r"^cn\.ybj\.(?P<service>[a-z]+)\.(?!case\.)(?P<registry>[a-z][a-z0-9_]*)"
    r"\.(?P<event>[A-Za-z][A-Za-z0-9]*)\.v(?P<version>[0-9]+)$"
)


def event_type(service: str, event_name: str) -> str:
    """Return the CloudEvents `type` of a service's case event (see EVENT_TYPE)."""
    return f"cn.ybj.{service}.case.{event_name}.v{ENVELOPE_VERSION}"


def registry_event_type(service: str, registry: str, event_name: str) -> str:
    """Return the CloudEvents `type` of a registry entry's event (see REGISTRY_EVENT_TYPE)."""
    if registry == "case":
        raise ValueError("a registry may not be named `case`: its events would read as case events")
    return f"cn.ybj.{service}.{registry}.{event_name}.v{ENVELOPE_VERSION}"


def event_id(case_id: UUID | str, version: int) -> str:
    """Return the stable id of a case's event at `version` (the same on every re-send)."""
    return str(uuid5(_EVENT_NS, f"{case_id}:{version}"))


def topic_for(prefix: str, service: str) -> str:
    """Return the Kafka topic a service publishes to: `<prefix>.<service>.events`."""
    return f"{prefix}.{service}.events"


def data_mode(stored: dict[str, Any]) -> str:
    """How a consumer folds `data` into the case's data.

    merge: the step's data is added (it is withdrawn again by a later `revert`);
    amend: a change that stays even when stages are stepped back;
    revert: the data added by the last `merge` still in effect is withdrawn (回退);
    none: the case's data is unchanged.
    """
    if stored.get("pop_layer"):
        return "revert"
    layer = stored.get("layer", "stage" if stored.get("action") == "create" else None)
    return {"stage": "merge", "amend": "amend"}.get(layer or "", "none")


def to_envelope(
    service: str, stored: dict[str, Any], process_id: str, prev_digest: bytes = b"", digest: bytes = b""
) -> dict[str, Any]:
    """Map one decoded case event (as a dict of its attributes) to a CloudEvents envelope.

    `prevdigest` and `digest` are the stored event's SM3 chain digests in hex (ybj_kernel/audit/chain.py): a
    consumer can check that a case's events link up; they are empty for events stored before the chain.
    """
    case_id = str(stored["originator_id"])
    version = int(stored["originator_version"])
    actor = stored["actor"]
    timestamp: datetime = stored["timestamp"]
    return {
        "specversion": "1.0",
        "id": event_id(case_id, version),
        "source": f"/ybj/{service}",
        "type": event_type(service, stored["event_name"]),
        "subject": case_id,
        "time": timestamp.isoformat(),
        "datacontenttype": "application/json",
        "schemaversion": ENVELOPE_VERSION,
        "caseid": case_id,
        "caseversion": version,
        "processid": process_id,
        "action": stored["action"],
        "eventname": stored["event_name"],
        "stagefrom": stored["stage_from"],
        "stageto": stored["stage_to"],
        "actor": actor["user_id"],
        "actorrole": actor["role"],
        "admdvs": stored["admdvs"],
        "acceptanceno": stored["acceptance_no"],
        "correlationid": stored["correlation_id"],
        "causationid": stored["causation_id"],
        "comment": stored.get("comment"),
        "datamode": data_mode(stored),
        "variant": stored.get("variant"),  # on the opening event: the sub-flow the case runs
        "dueon": stored.get("due_on"),  # the 时限 of the stage the case is now at (ISO date), if it has one
        "data": stored.get("data", {}),
        "prevdigest": prev_digest.hex(),
        "digest": digest.hex(),
    }


def to_registry_envelope(
    service: str,
    change: dict[str, Any],
    prev_digest: bytes = b"",
    digest: bytes = b"",
) -> dict[str, Any]:
    """Map one registry entry event to a CloudEvents envelope, with the JSON Patch it applies to the entry's state.

    `change` holds the entry's id, `registry`, `key`, `version`, `timestamp`, `event_name` (the operation's fact, or
    ChangeReverted), `op`, `case_id` (the case whose completion, step back or cancellation made it), `args` (None
    for a revert), `patch` (RFC 6902) and `in_effect` after the event. A consumer keeps the entry by applying each next
    version's patch, in order, to the state it holds (`{}` before version 1, whose patch puts the opening state in
    place; a revert that leaves the entry not in effect empties it, and a later change re-opens it from `{}`); it
    never re-runs the registry's operations. An envelope is O(change) however long the entry's history (an account's
    收支 entries, a person's 缴费记录): the whole state after every event would put O(n²) bytes on topics kept
    forever. Published on the service's topic keyed by the entry's id, so that one entry's events stay in order.
    """
    entry_id = str(change["entry_id"])
    version = int(change["version"])
    timestamp: datetime = change["timestamp"]
    return {
        "specversion": "1.0",
        "id": event_id(entry_id, version),
        "source": f"/ybj/{service}",
        "type": registry_event_type(service, change["registry"], change["event_name"]),
        "subject": change["key"],
        "time": timestamp.isoformat(),
        "datacontenttype": "application/json",
        "schemaversion": ENVELOPE_VERSION,
        "registry": change["registry"],
        "entryid": entry_id,
        "entryversion": version,
        "eventname": change["event_name"],
        "op": change["op"],
        "bycaseid": change["case_id"],  # not `caseid`: the stream is the entry's, the case only caused the change
        "ineffect": change["in_effect"],
        "data": {"args": change["args"], "patch": change["patch"]},
        "prevdigest": prev_digest.hex(),
        "digest": digest.hex(),
    }
