"""The published contract of a domain service as an AsyncAPI 3.0 document, generated from its process definitions
and its registries.

Each message is one declared event of one process (`ProcessDefinition.events()`) or one event of one registry (each
operation's fact, and ChangeReverted), so the document lists exactly what the relay can publish; the envelope schemas
are the ones `envelope.py` writes, and a registry event's `data.args` refers to its operation's argument schema and
its `data.patch` to `JsonPatch`.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.reactions import Reaction
from ybj_kernel.domain.registry import REVERTED, Registry
from ybj_kernel.envelope import event_type, registry_event_type

_STRING = {"type": "string"}
_NULLABLE_STRING = {"type": ["string", "null"]}
# `data.patch` of a registry event: the RFC 6902 JSON Patch it applies to the entry's state (components/schemas).
JSON_PATCH = "JsonPatch"
JSON_PATCH_SCHEMA: dict[str, Any] = {
    "type": "array",
    "description": "RFC 6902 JSON Patch the event applies to the entry's state as of the version before (`{}` before"
    " version 1): apply each next version's, in order. The opening event's replaces the whole state (path \"\"); a"
    " revert's undoes the case's change, or empties the state when the entry is no longer in effect.",
    "items": {
        "type": "object",
        "required": ["op", "path"],
        "properties": {
            "op": {"enum": ["add", "remove", "replace", "move", "copy", "test"]},
            "path": {"type": "string", "description": 'JSON Pointer (RFC 6901); "" is the whole state'},
            "from": {"type": "string"},
            "value": {},
        },
        "oneOf": [
            {"properties": {"op": {"enum": ["add", "replace", "test"]}}, "required": ["value"]},
            {"properties": {"op": {"const": "remove"}}},
            {"properties": {"op": {"enum": ["move", "copy"]}}, "required": ["from"]},
        ],
    },
}


def envelope_schema(process: ProcessDefinition, events: Iterable[str]) -> dict[str, Any]:
    """JSON Schema of the envelope of a process's events (CloudEvents 1.0 with ybj's extension attributes)."""
    names = sorted(set(events))
    return {
        "type": "object",
        "required": [
            "specversion",
            "id",
            "source",
            "type",
            "subject",
            "time",
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
            "datamode",
            "data",
        ],
        "properties": {
            "specversion": {"const": "1.0"},
            "id": _STRING,
            "source": {"const": f"/ybj/{process.service}"},
            "type": {"enum": [event_type(process.service, n) for n in names]},
            "subject": _STRING,
            "time": {"type": "string", "format": "date-time"},
            "datacontenttype": {"const": "application/json"},
            "schemaversion": _STRING,
            "caseid": _STRING,
            "caseversion": {"type": "integer", "minimum": 1},
            "processid": {"const": process.id},
            "action": _STRING,
            "eventname": {"enum": names},
            "stagefrom": _STRING,
            "stageto": _STRING,
            "actor": _STRING,
            "actorrole": _STRING,
            "admdvs": {"type": "string", "pattern": r"^\d{6}$"},
            "acceptanceno": _STRING,
            "correlationid": _STRING,
            "causationid": _STRING,
            "comment": _NULLABLE_STRING,
            "datamode": {"enum": ["merge", "amend", "revert", "none"]},
            "data": {"type": "object"},
        },
    }


def registry_envelope_schema(service: str, registry: Registry, event: str, args: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema of the envelope of one registry event (`args`: the schema of its operation's arguments)."""
    return {
        "type": "object",
        "required": [
            "specversion",
            "id",
            "source",
            "type",
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
        ],
        "properties": {
            "specversion": {"const": "1.0"},
            "id": _STRING,
            "source": {"const": f"/ybj/{service}"},
            "type": {"const": registry_event_type(service, registry.name, event)},
            "subject": {**_STRING, "description": "the entry's key (emp_no, psn_no …)"},
            "time": {"type": "string", "format": "date-time"},
            "datacontenttype": {"const": "application/json"},
            "schemaversion": _STRING,
            "registry": {"const": registry.name},
            "entryid": _STRING,
            "entryversion": {"type": "integer", "minimum": 1},
            "eventname": {"const": event},
            "op": {"enum": sorted(registry.ops)},
            "bycaseid": {**_STRING, "description": "the case whose completion, step back or cancellation made it"},
            "ineffect": {"type": "boolean"},
            "data": {
                "type": "object",
                "required": ["args", "patch"],
                "properties": {"args": args, "patch": {"$ref": f"#/components/schemas/{JSON_PATCH}"}},
            },
            "prevdigest": _STRING,
            "digest": _STRING,
        },
    }


def _registry_messages(service: str, registries: Iterable[Registry]) -> tuple[dict[str, Any], dict[str, Any]]:
    """One message per registry and event, and the argument schemas they refer to (components/schemas)."""
    registries = [r for r in registries if r.published]
    models: list[type[BaseModel]] = sorted(
        {op.args for r in registries for op in r.ops.values() if op.args is not None}, key=lambda m: m.__qualname__
    )
    refs, defs = models_json_schema([(m, "serialization") for m in models], ref_template="#/components/schemas/{model}")
    messages: dict[str, Any] = {}
    for r in registries:
        by_event: dict[str, list[str]] = {}
        for key, op in r.ops.items():
            by_event.setdefault(op.event, []).append(key)
        for event, keys in by_event.items():
            arg_models = {r.ops[k].args for k in keys}
            only = next(iter(arg_models)) if len(arg_models) == 1 else None
            args = refs[(only, "serialization")] if only is not None else {"type": "object"}
            payload = registry_envelope_schema(service, r, event, args)
            payload["properties"]["op"] = {"enum": sorted(keys)}
            messages[f"{r.name}.{event}"] = {
                "name": registry_event_type(service, r.name, event),
                "title": f"{r.name_zh} {r.name}: {event}",
                "summary": "、".join(r.ops[k].name_zh for k in keys),
                "contentType": "application/json",
                "payload": payload,
            }
        reverted = registry_envelope_schema(service, r, REVERTED, {"type": "null"})
        messages[f"{r.name}.{REVERTED}"] = {
            "name": registry_event_type(service, r.name, REVERTED),
            "title": f"{r.name_zh} {r.name}: {REVERTED}",
            "summary": "a case stepped back or cancelled: its change undone (`op` names it); the patch restores the"
            " state as it was before it",
            "contentType": "application/json",
            "payload": reverted,
        }
    return messages, {**defs.get("$defs", {}), **({JSON_PATCH: JSON_PATCH_SCHEMA} if registries else {})}


def asyncapi_document(
    service: str, topic: str, definitions: Iterable[ProcessDefinition], registries: Iterable[Registry] = ()
) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of one service's topic: one message per process and declared event, and one per
    registry and event."""
    messages: dict[str, Any] = {}
    for p in definitions:
        events = [e.name for e in p.events()]
        payload = envelope_schema(p, events)
        for spec in p.events():
            messages[f"{p.id}.{spec.name}"] = {
                "name": event_type(service, spec.name),
                "title": f"{p.id} {p.name_zh}: {spec.name}",
                "summary": f"action {spec.action}" + (f" at stage {spec.stage}" if spec.stage else ""),
                "contentType": "application/json",
                "payload": {**payload, "properties": {**payload["properties"], "eventname": {"const": spec.name}}},
            }
    entry_messages, schemas = _registry_messages(service, registries)
    messages.update(entry_messages)
    return {
        "asyncapi": "3.0.0",
        "info": {"title": f"ybj {service} events", "version": "1"},
        "channels": {
            "events": {
                "address": topic,
                "description": "Every case event of the service, keyed by case id, and every event of its registries'"
                " entries, keyed by entry id, as CloudEvents 1.0 envelopes.",
                "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in messages},
            }
        },
        "operations": {
            "publishEvents": {
                "action": "send",
                "channel": {"$ref": "#/channels/events"},
                "messages": [{"$ref": f"#/channels/events/messages/{name}"} for name in messages],
            }
        },
        "components": {"messages": messages, **({"schemas": schemas} if schemas else {})},
    }


def with_receptions(
    document: dict[str, Any], reactions: Iterable[Reaction], publishers: Mapping[str, dict[str, Any]]
) -> dict[str, Any]:
    """The document with what the service reads from others: per reaction, the publisher's channel and the messages
    of it the reaction listens to (from the publisher's own document), and a `receive` operation describing it.

    A received registry message keeps its envelope but not its arguments' schema (`data.args` is the publisher's): a
    reaction reads the envelope and its `data.patch`, which is described here.
    """
    doc = copy.deepcopy(document)
    for reaction in reactions:
        publisher = publishers[reaction.service]
        channel = f"{reaction.service}Events"
        received = {
            f"{reaction.service}.{name}": _received(message)
            for name, message in publisher["components"]["messages"].items()
            if str(message["name"]).startswith(reaction.type_prefix)
        }
        doc["components"]["messages"].update(received)
        doc["channels"][channel] = {
            "address": publisher["channels"]["events"]["address"],
            "description": f"The {reaction.service} service's events, read by this service's reactions.",
            "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in received},
        }
        doc["operations"][f"react_{reaction.name}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{channel}"},
            "summary": f"reaction {reaction.name}: events of type {reaction.type_prefix}*",
            "description": inspect.getdoc(reaction.react) or "",
            "messages": [{"$ref": f"#/channels/{channel}/messages/{name}"} for name in received],
        }
    return doc


def _received(message: dict[str, Any]) -> dict[str, Any]:
    payload = copy.deepcopy(message["payload"])
    data = payload["properties"]["data"]
    if "args" in data.get("properties", {}):  # a registry event's (a case event's data is the step's, kept whole)
        data["properties"]["args"] = {"type": ["object", "null"], "description": "the publisher's operation arguments"}
    return {**message, "payload": payload}
