"""Every treatment, settlement and supervision process, in every variant, from creation to its final stage through the
public API, on real Kafka and PostgreSQL, on the stages' own examples (the ones GET /api/v1/processes/{id} shows and
the templates carry).

The treatment examples' persons are enrolled first through enrollment (P001-P003, P019), and treatment learns of them
from enrollment's events; each walk first walks what its example needs (the area's `EXAMPLE_PREREQUISITES`: an
institution admitted, a physician in a pool), then is cancelled, with what it needed, newest first: every change to
the registries is reverted by a new event, and the platform is left as this test found it (the demo data, seeded
later, walks the same examples).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import pytest

from tests.integration.conftest import Api
from tests.integration.enrollment_steps import in_treatments_view, read_until
from ybj_dev.demo import Seeder, Staff
from ybj_dev.platform import Platform
from ybj_kernel.application import CaseApplication
from ybj_settlement.application import SettlementApplication
from ybj_settlement.areas import EXAMPLE_PREREQUISITES as SETTLEMENT_PREREQUISITES
from ybj_supervision.application import SupervisionApplication
from ybj_supervision.areas import EXAMPLE_PREREQUISITES as SUPERVISION_PREREQUISITES
from ybj_treatment.application import TreatmentApplication
from ybj_treatment.areas import EXAMPLE_PREREQUISITES as TREATMENT_PREREQUISITES

pytestmark = pytest.mark.integration

# The enrollment examples that enrol the persons the treatment examples name (tests/unit/insured_persons.py).
PERSONS = {"P001": None, "P002": "520102199003070022", "P003": "520102198804150036", "P019": "52011519850312002X"}
DONE = "测试走查完毕，撤消"

Walk = tuple[str, str | None]  # (process, variant)


def _walks(app_class: type[CaseApplication]) -> list[Walk]:
    definitions = app_class.default_definitions()
    return [(p.id, v) for p in sorted(definitions.values(), key=lambda p: p.id) for v in p.variant_keys()]


def _cancel(seeder: Seeder, ack: dict[str, Any], why: str) -> None:
    """撤消 by a registrar, or, where the process names others (P073-P077: the auditor), by one of those."""
    described = seeder.client.get(f"/api/v1/processes/{ack['process_id']}").json()["actions"]
    roles = next(a["roles"] for a in described if a["name"] == "cancel" and a["from_stage"] == ack["stage"])
    role = "registrar" if "registrar" in roles else roles[0]
    token = seeder.staff.token(f"gy-{role.replace('_', '-')}-09", role)
    body = {"action": "cancel", "expected_version": ack["version"], "data": {}, "comment": why}
    response = seeder.client.post(
        f"/api/v1/cases/{ack['case_id']}/actions", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, f"cancel {ack['acceptance_no']}: {response.text}"


def _walk_every(
    seeder: Seeder, app_class: type[CaseApplication], prerequisites: Mapping[str, tuple[str, ...]], tag: str
) -> dict[Walk, str]:
    """Walk every process and variant of a service on its examples, each after what it needs, and cancel each walk
    with what it needed, newest first, before the next; the stage each walk reached, by (process, variant)."""
    reached: dict[Walk, str] = {}
    for n, (process, variant) in enumerate(_walks(app_class), 1):
        needed = prerequisites.get(f"{process}:{variant}", prerequisites.get(process, ()))
        walked = []
        for need in needed:
            need_id, _, need_variant = need.partition(":")
            ack = seeder.walk_example(need_id, need_variant or None, key=f"walks-{tag}-{n}-{need.lower()}")
            assert ack["stage"] == "completed", f"{process}:{variant} needs {need}: {ack}"
            walked.append(ack)
        try:
            ack = seeder.walk_example(process, variant, key=f"walks-{tag}-{n}-{process.lower()}-{variant}")
        except RuntimeError as failed:
            pytest.fail(f"{process} ({variant}) did not walk: {failed}")
        reached[(process, variant)] = ack["stage"]
        for undo in [ack, *reversed(walked)]:
            _cancel(seeder, undo, DONE)
    return reached


def _assert_all_completed(reached: dict[Walk, str], app_class: type[CaseApplication]) -> None:
    unfinished = {k: v for k, v in reached.items() if v != "completed"}
    assert not unfinished, unfinished
    assert {p for p, _ in reached} == set(app_class.default_definitions())
    assert list(reached) == _walks(app_class)


def test_every_treatment_process_and_variant_walks_to_its_end(api: Api, platform: Platform) -> None:
    with httpx.Client(base_url=platform.url(), timeout=30) as client:
        seeder = Seeder(client, Staff(platform.run_dir / "keys"))
        enrolled = [seeder.walk_example(p, key=f"walks-{p.lower()}") for p in PERSONS]
        assert all(a["stage"] == "completed" for a in enrolled), enrolled
        for certno in filter(None, PERSONS.values()):
            in_treatments_view(api, certno, lambda e: e["in_effect"])

        reached = _walk_every(seeder, TreatmentApplication, TREATMENT_PREREQUISITES, "treatment")

        for ack in reversed(enrolled):
            _cancel(seeder, ack, DONE)

    _assert_all_completed(reached, TreatmentApplication)
    # Everything was cancelled: 王芳's enrollment is reverted, and treatment's view has followed enrollment's event.
    in_treatments_view(api, str(PERSONS["P019"]), lambda e: not e["state"].get("relations"))


def test_every_settlement_process_and_variant_walks_to_its_end(platform: Platform) -> None:
    with httpx.Client(base_url=platform.url(), timeout=30) as client:
        seeder = Seeder(client, Staff(platform.run_dir / "keys"))
        reached = _walk_every(seeder, SettlementApplication, SETTLEMENT_PREREQUISITES, "settlement")
    _assert_all_completed(reached, SettlementApplication)


def test_every_supervision_process_and_variant_walks_to_its_end(platform: Platform) -> None:
    with httpx.Client(base_url=platform.url(), timeout=30) as client:
        seeder = Seeder(client, Staff(platform.run_dir / "keys"))
        reached = _walk_every(seeder, SupervisionApplication, SUPERVISION_PREREQUISITES, "supervision")
    _assert_all_completed(reached, SupervisionApplication)


def test_p063_parameters_step_back_stage_by_stage_to_the_first(api: Api, platform: Platform) -> None:
    """「以上所有操作均支持反向逐级回退」: a completed parameter change goes back one stage at a time, each undone in turn."""
    described = api.client.get("/api/v1/processes/P063").json()
    path = [s["key"] for s in described["stages"] if "parameters" in s["variants"]]
    back_roles = {
        a["from_stage"]: a["roles"][0]
        for a in described["actions"]
        if a["name"] == "step_back" and a["variant"] == "parameters"
    }
    with httpx.Client(base_url=platform.url(), timeout=30) as client:
        seeder = Seeder(client, Staff(platform.run_dir / "keys"))
        hospital = seeder.walk_example("P065", key="walks-stepback-p065")
        ack = seeder.walk_example("P063", "parameters", key="walks-stepback-p063")
        assert ack["stage"] == "completed"
        visited = []
        for _ in path:
            role = back_roles.get(ack["stage"], "registrar")
            back = api.act(ack, (f"gy-{role}-09", role, "520000"), "step_back", comment="逐级回退核对")
            if back.status_code != 200:
                assert back.json()["code"] == "NOTHING_TO_STEP_BACK", back.text
                break
            ack = back.json()
            visited.append(ack["stage"])
        # Back through every stage after the first (服务停止 opened the case: only 撤消 undoes it).
        assert visited == list(reversed(path[1:])), visited
        # The institution is as admitted again: the parameter version this case added is gone.
        read_until(api, "/api/v1/institutions/H52010200001", lambda e: len(e["state"]["parameters"]) == 1)
        _cancel(seeder, ack, DONE)
        _cancel(seeder, hospital, DONE)
