"""The published contract of a domain service as an AsyncAPI 3.0 document, generated from its process definitions.

Each message is one declared event of one process (`ProcessDefinition.events()`), so the document lists exactly
what the relay can publish; the envelope schema is the one `envelope.py` writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.envelope import event_type

_STRING = {"type": "string"}
_NULLABLE_STRING = {"type": ["string", "null"]}


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


def asyncapi_document(service: str, topic: str, definitions: Iterable[ProcessDefinition]) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of one service's topic: one message per process and declared event."""
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
    return {
        "asyncapi": "3.0.0",
        "info": {"title": f"ybj {service} events", "version": "1"},
        "channels": {
            "events": {
                "address": topic,
                "description": "Every case event of the service, keyed by case id, as a CloudEvents 1.0 envelope.",
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
        "components": {"messages": messages},
    }
