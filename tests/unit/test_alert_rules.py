"""The alerts fire when the thing happens and stay quiet when it does not: Prometheus' own rule unit tests
(`promtool test rules`) over synthetic series, for every alert of deploy/k8s/monitoring/prometheusrule.yaml.

promtool is Prometheus' (github.com/prometheus/prometheus/cmd/promtool); these tests run where it is on PATH, named by
YBJ_PROMTOOL, or built into the checkout's .tools/ (`GOBIN=$PWD/.tools/promtool-v0.316.0 go install
github.com/prometheus/prometheus/cmd/promtool@v0.316.0`, about 13 minutes on 2 cores the first time), and are skipped
elsewhere. The annotations are left out of the rules under test: what is tested is when each alert fires, with which
labels.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.unit.monitoring_checks import ROOT, RULES_FILE

Case = dict[str, Any]


def promtool() -> Path | None:
    """The promtool to run, or None."""
    named = os.environ.get("YBJ_PROMTOOL") or shutil.which("promtool")
    if named:
        return Path(named)
    built = sorted((ROOT / ".tools").glob("promtool-*/promtool"))
    return built[-1] if built else None


PROMTOOL = promtool()
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool not found (see this module's docstring)")


def series(name: str, values: str, **labels: str) -> dict[str, str]:
    """One input series of namespace ybj."""
    rendered = ",".join(f'{k}="{v}"' for k, v in {"namespace": "ybj", **labels}.items())
    return {"series": f"{name}{{{rendered}}}", "values": values}


def fires(alert: str, at: str, **labels: str) -> dict[str, Any]:
    return {"eval_time": at, "alertname": alert, "exp_alerts": [{"exp_labels": labels}]}


def quiet(alert: str, at: str) -> dict[str, Any]:
    return {"eval_time": at, "alertname": alert, "exp_alerts": []}


KSM = {"job": "kube-state-metrics"}
EVERY_MINUTE: dict[str, Case] = {
    "relay lag high for 10 minutes": {
        "input_series": [series("ybj_relay_lag_events", "20000x30", service="enrollment", pod="enrollment-relay-a")],
        "alert_rule_test": [
            quiet("YbjRelayLagHigh", "5m"),
            fires("YbjRelayLagHigh", "15m", severity="warning", namespace="ybj", service="enrollment"),
        ],
    },
    "relay lag working off a backlog": {
        "input_series": [series("ybj_relay_lag_events", "9000x30", service="enrollment", pod="enrollment-relay-a")],
        "alert_rule_test": [quiet("YbjRelayLagHigh", "20m")],
    },
    "no replica holds the lease": {
        "input_series": [
            series("ybj_leader", "0x10", service="treatment", role="relay", pod="treatment-relay-a"),
            series("ybj_leader", "0x10", service="treatment", role="relay", pod="treatment-relay-b"),
            series("ybj_leader", "1x10", service="enrollment", role="relay", pod="enrollment-relay-a"),
            series("ybj_leader", "0x10", service="enrollment", role="relay", pod="enrollment-relay-b"),
        ],
        "alert_rule_test": [
            fires("YbjRelayNoLeader", "3m", severity="critical", namespace="ybj", service="treatment"),
        ],
    },
    "no relay replica runs at all": {
        "input_series": [
            series("kube_deployment_status_replicas_available", "0x10", deployment="settlement-relay", **KSM),
            series("kube_deployment_status_replicas_available", "2x10", deployment="enrollment-relay", **KSM),
        ],
        "alert_rule_test": [
            fires("YbjRelayNoLeader", "3m", severity="critical", namespace="ybj", service="settlement"),
        ],
    },
    "consumer lag summed over a topic's partitions": {
        "input_series": [
            series(
                "ybj_consumer_lag_messages",
                "6000x30",
                consumer="query-projector",
                topic="ybj.enrollment.events",
                partition="0",
            ),
            series(
                "ybj_consumer_lag_messages",
                "6000x30",
                consumer="query-projector",
                topic="ybj.enrollment.events",
                partition="1",
            ),
            series(
                "ybj_consumer_lag_messages",
                "6000x30",
                consumer="treatment-reactor",
                topic="ybj.enrollment.events",
                partition="0",
            ),
        ],
        "alert_rule_test": [
            quiet("YbjConsumerLagHigh", "5m"),
            fires(
                "YbjConsumerLagHigh",
                "15m",
                severity="warning",
                namespace="ybj",
                consumer="query-projector",
                topic="ybj.enrollment.events",
            ),
        ],
    },
    "the projector stops at minute 10 while events go on": {
        "input_series": [
            series("ybj_relay_published_total", "0+100x50", service="enrollment", pod="enrollment-relay-a"),
            series(
                "ybj_projected_events_total", "0+100x10 1000x40", topic="ybj.enrollment.events", pod="query-projector-a"
            ),
        ],
        "alert_rule_test": [
            quiet(
                "YbjProjectorStalled", "22m"
            ),  # the 10-minute rate still sees projection until minute 20, then for: 5m
            fires("YbjProjectorStalled", "27m", severity="critical", namespace="ybj"),
        ],
    },
    "events published, no projector at all": {
        "input_series": [
            series("ybj_relay_published_total", "0+100x40", service="enrollment", pod="enrollment-relay-a")
        ],
        "alert_rule_test": [fires("YbjProjectorStalled", "20m", severity="critical", namespace="ybj")],
    },
    "events published and projected": {
        "input_series": [
            series("ybj_relay_published_total", "0+100x40", service="enrollment", pod="enrollment-relay-a"),
            series("ybj_projected_events_total", "0+100x40", topic="ybj.enrollment.events", pod="query-projector-a"),
        ],
        "alert_rule_test": [quiet("YbjProjectorStalled", "30m")],
    },
    "dead letters wait until retried": {
        "input_series": [series("ybj_dead_letters_waiting", "3x15 0x15", pod="query-projector-a")],
        "alert_rule_test": [
            quiet("YbjDeadLetters", "3m"),
            fires("YbjDeadLetters", "10m", severity="warning", namespace="ybj"),
            quiet("YbjDeadLetters", "25m"),
        ],
    },
    "a steady share of messages fails to project": {
        "input_series": [
            series("ybj_projected_events_total", "0+1000x20", topic="ybj.treatment.events", pod="query-projector-a"),
            series("ybj_projection_errors_total", "0+50x20", reason="PoisonMessage", pod="query-projector-a"),
        ],
        "alert_rule_test": [fires("YbjProjectionErrors", "15m", severity="critical", namespace="ybj")],
    },
    "one bad message is not a projection fault": {
        "input_series": [
            series("ybj_projected_events_total", "0+1000x20", topic="ybj.treatment.events", pod="query-projector-a"),
            series("ybj_projection_errors_total", "0x10 1x10", reason="DataError", pod="query-projector-a"),
        ],
        "alert_rule_test": [quiet("YbjProjectionErrors", "15m")],
    },
    "a worker or an API without replicas": {
        "input_series": [
            series("kube_deployment_status_replicas_available", "0x10", deployment="treatment-reactor", **KSM),
            series("kube_deployment_status_replicas_available", "0x10", deployment="query-api", **KSM),
            series("kube_deployment_status_replicas_available", "2x10", deployment="query-projector", **KSM),
        ],
        "alert_rule_test": [
            fires(
                "YbjWorkerNoReplica",
                "6m",
                severity="critical",
                namespace="ybj",
                deployment="treatment-reactor",
                job="kube-state-metrics",
            ),
            fires(
                "YbjApiNoReadyReplica",
                "3m",
                severity="critical",
                namespace="ybj",
                deployment="query-api",
                job="kube-state-metrics",
            ),
        ],
    },
    "a store that moved and was not sealed": {
        "input_series": [
            series("ybj_relay_published_total", "0+10x60", service="settlement", pod="settlement-relay-a"),
            series(
                "ybj_checkpoint_last_signed_timestamp_seconds", "0x60", service="settlement", pod="audit-checkpointer-a"
            ),
            series("ybj_relay_published_total", "0+10x60", service="treatment", pod="treatment-relay-a"),
            series(
                "ybj_checkpoint_last_signed_timestamp_seconds",
                "0+60x60",
                service="treatment",
                pod="audit-checkpointer-a",
            ),
            series("ybj_relay_published_total", "0+10x60", service="gateway", pod="gateway-relay-a"),
        ],
        "alert_rule_test": [
            # gateway: no checkpoint at all while its store moves (the checkpointer never ran): after for: 5m.
            {
                "eval_time": "25m",
                "alertname": "YbjCheckpointsNotSigned",
                "exp_alerts": [{"exp_labels": {"severity": "warning", "namespace": "ybj", "service": "gateway"}}],
            },
            # settlement: last signed at minute 0, 30 minutes old at 30m, then for: 5m; treatment signs every minute.
            {
                "eval_time": "45m",
                "alertname": "YbjCheckpointsNotSigned",
                "exp_alerts": [
                    {"exp_labels": {"severity": "warning", "namespace": "ybj", "service": "settlement"}},
                    {"exp_labels": {"severity": "warning", "namespace": "ybj", "service": "gateway"}},
                ],
            },
        ],
    },
    "an idle store needs no new checkpoint": {
        "input_series": [
            series("ybj_relay_published_total", "500x60", service="supervision", pod="supervision-relay-a"),
            series(
                "ybj_checkpoint_last_signed_timestamp_seconds",
                "0x60",
                service="supervision",
                pod="audit-checkpointer-a",
            ),
        ],
        "alert_rule_test": [quiet("YbjCheckpointsNotSigned", "50m")],
    },
}
# promtool's clock starts at the Unix epoch: day 330 of 1970 is 27 November, and 45 days on is 1971.
EVERY_HOUR: dict[str, Case] = {
    "the calendar's last year ends within 45 days": {
        "input_series": [series("ybj_calendar_last_year", "1970x8000", service="enrollment", pod="enrollment-api-a")],
        "alert_rule_test": [
            quiet("YbjCalendarYearEnding", "300d"),
            fires("YbjCalendarYearEnding", "330d", severity="warning", namespace="ybj"),
        ],
    },
    "next year's holidays are loaded": {
        "input_series": [series("ybj_calendar_last_year", "1971x8000", service="enrollment", pod="enrollment-api-a")],
        "alert_rule_test": [quiet("YbjCalendarYearEnding", "330d")],
    },
}


def rules_without_annotations() -> dict[str, Any]:
    """The PrometheusRule's groups as a Prometheus rule file, annotations left out."""
    spec = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))["spec"]
    for group in spec["groups"]:
        for rule in group["rules"]:
            rule.pop("annotations", None)
    return dict(spec)


def run_promtool(tmp_path: Path, cases: dict[str, Case], interval: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rules_without_annotations(), sort_keys=False))
    tests = [{"name": name, "interval": interval, **case} for name, case in cases.items()]
    plan = {"rule_files": ["rules.yaml"], "evaluation_interval": interval, "tests": tests}
    (tmp_path / "tests.yaml").write_text(yaml.safe_dump(plan, sort_keys=False))
    assert PROMTOOL is not None
    return subprocess.run(
        [str(PROMTOOL), "test", "rules", "tests.yaml"],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )


@needs_promtool
def test_the_rules_are_valid_prometheus_rules(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rules_without_annotations(), sort_keys=False))
    assert PROMTOOL is not None
    done = subprocess.run(
        [str(PROMTOOL), "check", "rules", "rules.yaml"],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@needs_promtool
@pytest.mark.parametrize(("cases", "interval"), [(EVERY_MINUTE, "1m"), (EVERY_HOUR, "1h")], ids=["minutes", "days"])
def test_each_alert_fires_when_its_thing_happens(tmp_path: Path, cases: dict[str, Case], interval: str) -> None:
    done = run_promtool(tmp_path, cases, interval)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_is_tested() -> None:
    names = {rule["alert"] for group in rules_without_annotations()["groups"] for rule in group["rules"]}
    tested = {
        step["alertname"]
        for case in [*EVERY_MINUTE.values(), *EVERY_HOUR.values()]
        for step in case["alert_rule_test"]
        if step["exp_alerts"]
    }
    assert tested == names


@needs_promtool
def test_a_wrong_expectation_fails(tmp_path: Path) -> None:
    wrong = {"relay lag": {**EVERY_MINUTE["relay lag working off a backlog"]}}
    wrong["relay lag"]["alert_rule_test"] = [fires("YbjRelayLagHigh", "20m", severity="warning", service="enrollment")]
    done = run_promtool(tmp_path, wrong, "1m")
    assert done.returncode != 0
    assert "YbjRelayLagHigh" in done.stdout + done.stderr
