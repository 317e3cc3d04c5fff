"""What the relay publishes is what the definitions declare: every envelope's event is listed, and validates against its AsyncAPI message."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from tests.unit.gwt import SERVICE_APPS, Scenario, given, staff
from ybj_kernel.adapters.relay import envelope_of
from ybj_kernel.asyncapi import asyncapi_document
from ybj_kernel.domain.documents import available_documents, document_content, issued_event_data
from ybj_kernel.domain.process import COMPLETED, ExtraAction, ProcessDefinition
from ybj_kernel.domain.roles import counts_for_duties
from ybj_kernel.entrypoints.documents_api import case_view

DEFINITIONS = [p for cls in SERVICE_APPS for p in cls.default_definitions().values()]


def _envelopes(case: Scenario) -> list[dict[str, Any]]:
    notes = case.app.recorder.select_notifications(start=None, limit=10_000)
    return [e for n in notes if (e := envelope_of(case.app, n)) is not None]


def _every_kind_of_event(p: ProcessDefinition) -> list[Scenario]:
    """Cases that between them emit each declared event: the happy path, each reject and skip, step back, cancel, extras."""
    variant = p.variant_key(None)
    path = p.path(variant)
    cases = [given(p.id, at=COMPLETED, variant=variant)]
    last = path[-1]
    cases[0].when(staff("x-0", last.roles[0]), "step_back", comment="退回").then(events=["SteppedBack"], stage=last.key)
    for v in p.variants[1:]:
        cases.append(given(p.id, at=COMPLETED, variant=v.key))
    for s in p.stages:
        variant = p.variant_key(sorted(s.variants)[0] if s.variants else None)
        if s.key == p.opening(variant).key:
            continue
        if s.review:
            case = given(p.id, at=s.key, variant=variant)
            case.when(staff("x-1", s.roles[0]), "reject", comment="不符").then(
                events=[s.reject_event], stage="rejected"
            )
            case.when(staff("x-1", s.roles[0]), "step_back", comment="误操作").then(events=["SteppedBack"], stage=s.key)
            cases.append(case)
        if s.optional:
            case = given(p.id, at=s.key, variant=variant)
            case.when(staff("x-2", s.roles[0]), "skip").then(events=[s.skip_event], stage=p.next_stage(s.key, variant))
            cases.append(case)
    for n, extra in enumerate(p.extra_actions):
        origin = sorted(extra.from_stages)[0]
        variant = next((v for v in p.variant_keys() if origin in {s.key for s in p.path(v)}), p.variant_key(None))
        case = given(p.id, at=origin, variant=variant)
        outcome = case.when(staff("x-3", extra.roles[0]), extra.name, _extra_data(p, extra, variant), comment="原因")
        if outcome.error is not None:  # e.g. 恢复 needs a 暂停 first: the actions declared before it, then it
            case = given(p.id, at=origin, variant=variant)
            for before in p.extra_actions[:n]:
                if origin in before.from_stages:
                    case.when(
                        staff("x-3", before.roles[0]), before.name, _extra_data(p, before, variant), comment="原因"
                    )
            outcome = case.when(
                staff("x-3", extra.roles[0]), extra.name, _extra_data(p, extra, variant), comment="原因"
            )
        outcome.then(events=[extra.event], stage=extra.to_stage or case.stage or "")
        cases.append(case)
    path = p.path(None)
    cancelled = given(p.id, at=path[1].key if len(path) > 1 else COMPLETED)
    cancelled.when(staff("x-4", p.opening().roles[0]), "cancel", comment="撤回").then(
        events=["Cancelled"], stage="cancelled"
    )
    if p.materials:
        supplemented = given(p.id, at=path[1].key) if len(path) > 1 else given(p.id, at=COMPLETED)
        if len(path) == 1:
            supplemented.when(staff("x-6", path[0].roles[0]), "step_back", comment="重新录入").then(
                events=["SteppedBack"], stage=path[0].key
            )
        names = [p.materials[0].name_zh]
        supplemented.when(staff("x-5", p.opening().roles[0]), "supplement_materials", {"materials": names}).then(
            events=["MaterialsSupplemented"], stage=path[1].key if len(path) > 1 else path[0].key
        )
        cases.append(supplemented)
    cases += _printed(p)
    return [*cases, cancelled]


def _printed(p: ProcessDefinition) -> list[Scenario]:
    """A completed case of each variant with a form to print, printed once (DocumentIssued)."""
    printed = []
    for variant in p.variant_keys():
        case = given(p.id, at=COMPLETED, variant=variant)
        assert case.case_id is not None
        view = case_view(case.app, case.case_id, "x-7")
        specs = available_documents(p.documents, view)
        if not specs:
            continue
        content = document_content(specs[0], view)
        # Staff print (an institution that opened the case does not): the opening's staff role, or a canceller's.
        role = next(r for r in (*p.opening(variant).roles, *p.cancel_roles) if counts_for_duties(r))
        printer = staff("x-7", role)
        case.app.record_document(case.case_id, printer, issued_event_data(content, "0" * 64), view.version)
        printed.append(case)
    return printed


def _extra_data(p: ProcessDefinition, extra: ExtraAction, variant: str | None) -> dict[str, Any]:
    """An extra action's own example, or the fields its input takes from the registration example."""
    data = dict(p.opening(variant).example) if extra.input is not None else {}
    return dict(extra.example) or _changed(data, extra.input)


def _changed(data: dict[str, Any], model: Any) -> dict[str, Any]:
    """The fields an extra action's input takes, from the registration example (with a new phone number)."""
    if model is None:
        return {}
    fields = set(model.model_fields)
    return {"tel": "0851-12345678"} if "tel" in fields else {k: v for k, v in data.items() if k in fields}


@pytest.mark.parametrize("p", DEFINITIONS, ids=lambda p: p.id)
def test_every_published_event_is_declared_and_matches_the_asyncapi_message(p: ProcessDefinition) -> None:
    document = asyncapi_document(p.service, f"ybj.{p.service}.events", [p])
    messages = document["components"]["messages"]
    seen: set[str] = set()
    for case in _every_kind_of_event(p):
        for envelope in (e for e in _envelopes(case) if e["processid"] == p.id):
            name = envelope["eventname"]
            assert f"{p.id}.{name}" in messages, f"{p.id} published {name}, which it does not declare"
            jsonschema.validate(envelope, messages[f"{p.id}.{name}"]["payload"])
            seen.add(name)
    assert seen == {e.name for e in p.events()}, "every declared event can actually be emitted"
