"""Each process definition reads the same as its catalogue entry: id, slug, service, stages, events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ybj_enrollment.processes import PROCESSES as ENROLLMENT
from ybj_gateway.areas import PROCESSES as GATEWAY
from ybj_kernel.domain.process import ProcessDefinition
from ybj_settlement.areas import PROCESSES as SETTLEMENT
from ybj_supervision.areas import PROCESSES as SUPERVISION
from ybj_treatment.areas import PROCESSES as TREATMENT

CATALOGUE = Path(__file__).resolve().parents[3] / "shared" / "catalogue" / "processes.yaml"
EVERY_DEFINITION: list[ProcessDefinition] = [
    *ENROLLMENT.values(),
    *TREATMENT.values(),
    *SETTLEMENT.values(),
    *SUPERVISION.values(),
    *GATEWAY.values(),
]
# The catalogue's processes (P001–P092); the project's own S processes back service items the seed gives no guide.
DEFINITIONS = [d for d in EVERY_DEFINITION if d.id.startswith("P")]
ITEM_PROCESSES = [d for d in EVERY_DEFINITION if d.id.startswith("S")]
SERVICE_ITEMS = CATALOGUE.with_name("service_items.yaml")
# Stages the engine needs that the catalogue leaves implicit, with the reason.
ENGINE_ONLY_STAGES = {("P072", "register")}  # a case opens when the rules engine flags a visit


@pytest.fixture(scope="module")
def catalogue() -> dict[str, dict[str, Any]]:
    if not CATALOGUE.exists():
        pytest.fail(f"the catalogue is missing at {CATALOGUE}: ../shared must sit beside the repository")
    return {p["id"]: p for p in yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))["processes"]}


# Services whose processes carry every variant, batch stage and material of their catalogue entries; the others
# (whose issues are still open) are checked against their first variant only.
FULLY_MODELLED = {"enrollment", "treatment", "settlement", "supervision", "gateway"}


def _first_variant_stages(entry: dict[str, Any]) -> list[dict[str, Any]]:
    first = entry["variants"][0] if entry.get("variants") else None
    stages = [s for s in entry["stages"] if first is None or first in s.get("variants", [first])]
    return [{**s, "variants": [], "batch": False} for s in stages]


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.id)
def test_definition_matches_catalogue(definition: ProcessDefinition, catalogue: dict[str, dict[str, Any]]) -> None:
    entry = catalogue[definition.id]
    assert (definition.slug, definition.service) == (entry["slug"], entry["service"])
    if definition.service not in FULLY_MODELLED:
        entry = {**entry, "variants": [], "stages": _first_variant_stages(entry)}
    assert [v.name_zh for v in definition.variants] == entry.get("variants", [])
    names = {v.key: v.name_zh for v in definition.variants}
    ours = [s for s in definition.stages if (definition.id, s.key) not in ENGINE_ONLY_STAGES]
    theirs = entry["stages"]
    assert [s.key for s in ours] == [s["key"] for s in theirs]
    assert [s.event for s in ours] == [s["event"] for s in theirs]
    assert [s.optional for s in ours] == [bool(s.get("optional")) for s in theirs]
    assert [s.batch for s in ours] == [bool(s.get("batch")) for s in theirs]
    for stage, listed in zip(ours, theirs, strict=True):
        assert listed["actor"] in stage.roles, f"{definition.id}.{stage.key} must admit the catalogue's actor"
        assert sorted(names[v] for v in stage.variants) == sorted(listed.get("variants", [])), stage.key
    assert {m.name_zh for m in definition.materials} <= set(entry.get("materials", [])) or not definition.materials


def test_each_service_runs_only_its_own_processes() -> None:
    for service, processes in [
        ("enrollment", ENROLLMENT),
        ("treatment", TREATMENT),
        ("settlement", SETTLEMENT),
        ("supervision", SUPERVISION),
        ("gateway", GATEWAY),
    ]:
        assert {p.service for p in processes.values()} == {service}


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.id)
def test_described_process_has_schemas_and_generic_actions(definition: ProcessDefinition) -> None:
    described = definition.describe()
    assert described["input_schema"]["type"] == "object"
    names = {a["name"] for a in described["actions"]}
    assert {"create", "cancel", "step_back"} <= names
    if any(s.review for s in definition.stages):
        assert {"approve", "reject"} <= names


@pytest.mark.parametrize("definition", ITEM_PROCESSES, ids=lambda d: d.id)
def test_a_process_of_the_projects_own_backs_a_service_item_without_a_guide(definition: ProcessDefinition) -> None:
    items = {i["no"]: i for i in yaml.safe_load(SERVICE_ITEMS.read_text(encoding="utf-8"))["service_items"]}
    item = items.get(int(definition.id[1:]))
    assert item is not None, f"{definition.id} names no service item"
    assert not item.get("process_ids"), f"item {item['no']} has a guided process: use it, not {definition.id}"
