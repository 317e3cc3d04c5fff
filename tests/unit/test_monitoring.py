"""deploy/k8s/monitoring and deploy/k8s/runbooks hold together: the Grafana dashboard is a valid dashboard model, every
PromQL expression parses and reads series the code exposes, every alert has a runbook with its four sections and
every runbook an alert, and the prometheus-operator resources are valid against the operator's CRD schemas
(deploy/k8s/schemas/prometheus-operator-v0.93.0, through ybj_dev.k8s_validation).

The checks are in monitoring_checks.py; `test_each_check_fails_on_a_broken_copy` breaks a copy of the real data one
way at a time and shows that the check meant to catch it does.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from grafana_foundation_sdk.models.dashboard import Dashboard
from prometheus_client import REGISTRY
from sqlalchemy import create_engine

from tests.unit import monitoring_checks as checks
from ybj_dev.k8s_validation import ManifestValidator
from ybj_gateway import channel_service
from ybj_kernel import metrics
from ybj_kernel.adapters import reactor
from ybj_query.overdue import OverdueCases

# The modules that define the platform's metrics (the shared ones, ybj_reactions_total, the gateway's), imported so that
# the process registry holds them all.
METRIC_MODULES = (metrics, reactor, channel_service)

ROOT = checks.ROOT
OPERATOR_SCHEMAS = "prometheus-operator-v0.93.0"
VALIDATOR = ManifestValidator()
# The current dashboard schema: the version Grafana's typed model (grafana-foundation-sdk) writes.
CURRENT_SCHEMA = Dashboard().schema_version


def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as stream:
        return yaml.safe_load(stream)


DASHBOARD: dict[str, Any] = json.loads(checks.DASHBOARD_FILE.read_text(encoding="utf-8"))
RULES: dict[str, Any] = load_yaml(checks.RULES_FILE)
KUSTOMIZATION: dict[str, Any] = load_yaml(checks.MONITORING / "kustomization.yaml")
RESOURCES: list[dict[str, Any]] = [load_yaml(checks.MONITORING / entry) for entry in KUSTOMIZATION["resources"]]


def exposed() -> dict[str, frozenset[str]]:
    """The series the code exposes: the process registry with every metric module imported, and the overdue gauge the
    query API computes at scrape time (its collector, asked with no database: it reports an empty family)."""
    labels: dict[str, tuple[str, ...]] = {}
    for collector in list(REGISTRY._collector_to_names):
        names: tuple[str, ...] | None = getattr(collector, "_labelnames", None)
        describe = getattr(collector, "describe", None)
        if names is not None and describe is not None:
            labels.update({family.name: names for family in describe()})
    overdue = list(OverdueCases(create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")).collect())
    labels.update({family.name: family._labelnames for family in overdue})
    return checks.exposed_series(iter([*REGISTRY.collect(), *overdue]), labels)


EXPOSED = exposed()


# ------------------------------------------------------------------------------------------ the real data


def test_the_dashboard_is_a_valid_grafana_dashboard_model() -> None:
    assert checks.dashboard_model_problems(DASHBOARD) == []


def test_the_dashboard_layout_is_what_grafana_needs() -> None:
    assert checks.dashboard_layout_problems(DASHBOARD, CURRENT_SCHEMA) == []
    assert DASHBOARD["uid"] == "ybj-platform"


def test_every_promql_expression_parses() -> None:
    panels, rules = checks.dashboard_expressions(DASHBOARD), checks.rule_expressions(RULES)
    assert len(panels) > 25
    assert len(rules) >= 8
    assert checks.promql_problems(panels, checks.dashboard_variables(DASHBOARD)) == []
    assert checks.promql_problems(rules, None) == []


def test_every_ybj_series_an_expression_reads_is_exposed_by_the_code() -> None:
    panels, rules = checks.dashboard_expressions(DASHBOARD), checks.rule_expressions(RULES)
    assert checks.metric_problems(panels, checks.dashboard_variables(DASHBOARD), EXPOSED) == []
    assert checks.metric_problems(rules, None, EXPOSED) == []


def test_the_dashboard_shows_what_the_sres_asked_for() -> None:
    read = {name for expr in checks.dashboard_expressions(DASHBOARD).values() for name in _names(expr)}
    wanted = {
        "ybj_commands_total",  # command rate per process, outcomes
        "ybj_command_seconds_bucket",  # p95/p99 per process
        "ybj_relay_lag_events",
        "ybj_leader",
        "ybj_consumer_lag_messages",
        "ybj_projected_events_total",
        "ybj_dead_letters_total",
        "ybj_dead_letters_waiting",
        "ybj_projection_errors_total",
        "ybj_cases_overdue",
        "ybj_gateway_requests_total",
        "ybj_checkpoint_last_signed_timestamp_seconds",
        "ybj_calendar_last_year",
    }
    assert wanted <= read, wanted - read


def _names(expr: str) -> set[str]:
    text, _ = checks.substituted(expr, checks.dashboard_variables(DASHBOARD))
    return {name for name, _ in checks.selectors(text)}


def test_every_alert_has_its_runbook_and_every_runbook_an_alert() -> None:
    assert checks.alert_problems(RULES, ROOT) == []
    assert checks.index_problems(ROOT) == []
    names = {rule["alert"] for rule in checks.alerts(RULES)}
    asked = {
        "YbjRelayLagHigh",
        "YbjConsumerLagHigh",
        "YbjDeadLetters",
        "YbjProjectionErrors",
        "YbjApiNoReadyReplica",
        "YbjCheckpointsNotSigned",
        "YbjRelayNoLeader",
        "YbjCalendarYearEnding",
    }
    assert asked <= names, asked - names


@pytest.mark.parametrize("doc", RESOURCES, ids=[f"{d['kind']}/{d['metadata']['name']}" for d in RESOURCES])
def test_operator_resources_validate_against_the_crd_schemas(doc: dict[str, Any]) -> None:
    assert VALIDATOR.schema_of(doc) == OPERATOR_SCHEMAS
    assert VALIDATOR.errors(doc) == []
    assert doc["metadata"]["namespace"] == "ybj"
    assert doc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "ybj"


def test_the_scrape_targets_match_the_platforms_workloads() -> None:
    (service_monitor,) = [d for d in RESOURCES if d["kind"] == "ServiceMonitor"]
    (pod_monitor,) = [d for d in RESOURCES if d["kind"] == "PodMonitor"]
    apis = [load_yaml_all(p) for p in sorted((ROOT / "deploy/k8s/base").glob("*-api.yaml"))]
    services = [d for docs in apis for d in docs if d["kind"] == "Service"]
    assert services, "the base has API Services"
    selector = service_monitor["spec"]["selector"]["matchLabels"]
    for service in services:
        assert selector.items() <= service["metadata"]["labels"].items(), service["metadata"]["name"]
        assert "http" in {port["name"] for port in service["spec"]["ports"]}
    assert [(e["port"], e["path"]) for e in service_monitor["spec"]["endpoints"]] == [("http", "/metrics")]
    workers = pod_monitor["spec"]["selector"]["matchExpressions"][0]["values"]
    assert {"relay", "projector", "reactor"} <= set(workers)
    for path in (ROOT / "deploy/k8s/base").glob("*.yaml"):
        for doc in load_yaml_all(path):
            if doc.get("kind") != "Deployment":
                continue
            template = doc["spec"]["template"]
            if template["metadata"]["labels"]["app.kubernetes.io/component"] in workers:
                ports = {p["name"] for c in template["spec"]["containers"] for p in c.get("ports", [])}
                assert "metrics" in ports, doc["metadata"]["name"]
    assert [(e["port"], e["path"]) for e in pod_monitor["spec"]["podMetricsEndpoints"]] == [("metrics", "/metrics")]


def load_yaml_all(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc]


def test_the_dashboard_ships_to_grafanas_sidecar() -> None:
    assert KUSTOMIZATION["namespace"] == "ybj"
    (generator,) = KUSTOMIZATION["configMapGenerator"]
    assert generator["options"]["labels"]["grafana_dashboard"] == "1"
    assert generator["options"]["disableNameSuffixHash"] is True
    assert [checks.MONITORING / f for f in generator["files"]] == [checks.DASHBOARD_FILE]


# -------------------------------------------------------------------------- each check can fail


def _panel(dashboard: dict[str, Any], index: int = 1) -> dict[str, Any]:
    panel: dict[str, Any] = dashboard["panels"][index]
    return panel


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        node: Any = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def _drop(path: list[Any]) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        node: Any = doc
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return change


DASHBOARD_BREAKAGES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "unknown key": (_set(["panels", 1, "titel"], "x"), "model"),
    "value outside an enum": (_set(["graphTooltip"], 7), "model"),
    "wrong type": (_set(["panels", 1, "gridPos", "w"], "wide"), "model"),
    "bad option value": (_set(["panels", 10, "options", "graphMode"], "bogus"), "model"),
    "unknown panel type": (_set(["panels", 1, "type"], "graphx"), "model"),
    "duplicate panel id": (_set(["panels", 2, "id"], 2), "layout"),
    "past 24 columns": (_set(["panels", 2, "gridPos", "x"], 16), "layout"),
    "overlapping panels": (_set(["panels", 2, "gridPos", "x"], 6), "layout"),
    "target without expr": (_drop(["panels", 1, "targets", 0, "expr"]), "layout"),
    "target without refId": (_drop(["panels", 1, "targets", 0, "refId"]), "layout"),
    "fixed data source": (_set(["panels", 1, "datasource", "uid"], "prometheus-prod"), "layout"),
    "old schema": (_set(["schemaVersion"], 27), "layout"),
    "no uid": (_drop(["uid"]), "layout"),
    "PromQL syntax": (_set(["panels", 1, "targets", 0, "expr"], "sum(rate(ybj_commands_total[5m])"), "promql"),
    "PromQL types": (_set(["panels", 1, "targets", 0, "expr"], "rate(ybj_commands_total)"), "promql"),
    "undefined variable": (_set(["panels", 1, "targets", 0, "expr"], 'ybj_leader{service="$nosuch"}'), "promql"),
    "unknown ybj metric": (_set(["panels", 1, "targets", 0, "expr"], "ybj_no_such_metric"), "metrics"),
    "counter without _total": (_set(["panels", 1, "targets", 0, "expr"], "rate(ybj_commands[5m])"), "metrics"),
    "unknown label": (_set(["panels", 1, "targets", 0, "expr"], 'ybj_leader{rol="relay"}'), "metrics"),
    "unknown outside series": (_set(["panels", 1, "targets", 0, "expr"], "kube_pod_madeup"), "metrics"),
}


def _dashboard_check(kind: str, dashboard: dict[str, Any]) -> list[str]:
    found = checks.dashboard_expressions(dashboard)
    variables = checks.dashboard_variables(dashboard)
    if kind == "model":
        return checks.dashboard_model_problems(dashboard)
    if kind == "layout":
        return checks.dashboard_layout_problems(dashboard, CURRENT_SCHEMA)
    if kind == "promql":
        return checks.promql_problems(found, variables)
    return checks.metric_problems(found, variables, EXPOSED)


@pytest.mark.parametrize("breakage", sorted(DASHBOARD_BREAKAGES))
def test_each_dashboard_check_fails_on_a_broken_copy(breakage: str) -> None:
    change, kind = DASHBOARD_BREAKAGES[breakage]
    assert _dashboard_check(kind, DASHBOARD) == [], "the real dashboard passes"
    broken = copy.deepcopy(DASHBOARD)
    change(broken)
    assert _dashboard_check(kind, broken), f"{kind} check missed: {breakage}"


RULE_BREAKAGES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "no runbook_url": (_drop(["spec", "groups", 0, "rules", 0, "annotations", "runbook_url"]), "alerts"),
    "runbook of another alert": (
        _set(["spec", "groups", 0, "rules", 0, "annotations", "runbook_url"], "deploy/k8s/runbooks/YbjDeadLetters.md"),
        "alerts",
    ),
    "no summary": (_drop(["spec", "groups", 0, "rules", 0, "annotations", "summary"]), "alerts"),
    "no severity": (_drop(["spec", "groups", 0, "rules", 0, "labels", "severity"]), "alerts"),
    "PromQL syntax": (
        _set(["spec", "groups", 0, "rules", 0, "expr"], "max by (service (ybj_relay_lag_events)"),
        "promql",
    ),
    "unknown metric": (_set(["spec", "groups", 0, "rules", 0, "expr"], "ybj_relay_lag > 1"), "metrics"),
    "unknown field": (_set(["spec", "groups", 0, "rules", 0, "forr"], "10m"), "schema"),
    "bad duration": (_set(["spec", "groups", 0, "rules", 0, "for"], "ten minutes"), "schema"),
}


def _rule_check(kind: str, rules: dict[str, Any], root: Path) -> list[str]:
    found = checks.rule_expressions(rules)
    if kind == "alerts":
        return checks.alert_problems(rules, root)
    if kind == "promql":
        return checks.promql_problems(found, None)
    if kind == "metrics":
        return checks.metric_problems(found, None, EXPOSED)
    return VALIDATOR.errors(rules)


@pytest.mark.parametrize("breakage", sorted(RULE_BREAKAGES))
def test_each_rule_check_fails_on_a_broken_copy(breakage: str) -> None:
    change, kind = RULE_BREAKAGES[breakage]
    assert _rule_check(kind, RULES, ROOT) == [], "the real rules pass"
    broken = copy.deepcopy(RULES)
    change(broken)
    assert _rule_check(kind, broken, ROOT), f"{kind} check missed: {breakage}"


@pytest.fixture
def runbooks_copy(tmp_path: Path) -> Path:
    """A copy of the repository's runbooks under tmp_path (the same layout), to break."""
    shutil.copytree(checks.RUNBOOKS, tmp_path / "deploy" / "k8s" / "runbooks")
    assert checks.alert_problems(RULES, tmp_path) == []
    return tmp_path / "deploy" / "k8s" / "runbooks"


def test_a_runbook_without_a_section_fails(runbooks_copy: Path) -> None:
    page = runbooks_copy / "YbjRelayLagHigh.md"
    page.write_text(page.read_text(encoding="utf-8").replace("## How to replay", "## Afterwards"), encoding="utf-8")
    assert checks.alert_problems(RULES, runbooks_copy.parents[2]) == [
        "deploy/k8s/runbooks/YbjRelayLagHigh.md: no section '## How to replay'"
    ]


def test_a_missing_runbook_fails(runbooks_copy: Path) -> None:
    (runbooks_copy / "YbjDeadLetters.md").unlink()
    assert checks.alert_problems(RULES, runbooks_copy.parents[2]) == [
        "YbjDeadLetters: its runbook deploy/k8s/runbooks/YbjDeadLetters.md does not exist"
    ]


def test_an_orphan_runbook_fails(runbooks_copy: Path) -> None:
    (runbooks_copy / "YbjForgotten.md").write_text("# YbjForgotten\n", encoding="utf-8")
    root = runbooks_copy.parents[2]
    assert checks.alert_problems(RULES, root) == ["YbjForgotten.md: no alert links this runbook"]
    assert checks.index_problems(root) == ["README.md does not link YbjForgotten.md"]


def test_a_broken_scrape_target_fails_the_schema() -> None:
    (service_monitor,) = [copy.deepcopy(d) for d in RESOURCES if d["kind"] == "ServiceMonitor"]
    assert VALIDATOR.errors(service_monitor) == []
    service_monitor["spec"]["endpoints"][0]["relabelings"][0]["action"] = "drop-the-label"
    assert VALIDATOR.errors(service_monitor)
