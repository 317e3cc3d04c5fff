"""The checks tests/unit/test_monitoring.py runs on deploy/k8s/monitoring and deploy/k8s/runbooks, each a pure function
from the data to the problems it finds (an empty list: none), so that a test can break a copy and see each one fail.

- the Grafana dashboard: decoded by Grafana's own typed models (grafana-foundation-sdk: nothing of the JSON may be lost
  on the way, every value of its declared type), and the layout Grafana needs (ids, a 24-column grid, queries);
- PromQL: every expression parses (promql-parser, Prometheus' grammar and type checks), with Grafana's variables put in;
- metrics: every `ybj_*` series an expression reads is exposed by the code's Prometheus registry, with the labels it
  filters on;
- alerts and runbooks: each alert's annotations, severity and runbook, each runbook's sections, no runbook unlinked.

The prometheus-operator resources are validated with the platform's manifest validator (ybj_dev.k8s_validation, the
CRD schemas vendored in deploy/k8s/schemas).
"""

from __future__ import annotations

import copy
import enum
import json
import re
import types
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import promql_parser
from grafana_foundation_sdk.cog import runtime as cogruntime
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.cog.plugins import register_default_plugins
from grafana_foundation_sdk.models.dashboard import Dashboard, RowPanel
from grafana_foundation_sdk.models.prometheus import Dataquery as PrometheusQuery

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "deploy" / "k8s" / "monitoring"
RUNBOOKS = ROOT / "deploy" / "k8s" / "runbooks"
DASHBOARD_FILE = MONITORING / "dashboards" / "ybj-platform.json"
RULES_FILE = MONITORING / "prometheusrule.yaml"
GRID_COLUMNS = 24
# What Grafana puts in for its own variables when it runs a query (a sample of each; any duration parses alike).
GRAFANA_VARIABLES = {"__rate_interval": "5m", "__interval": "1m", "__range": "1h"}
# Series from outside the platform that the expressions may read (kube-state-metrics).
EXTERNAL_METRICS = frozenset({"kube_deployment_status_replicas_available"})
# Labels Prometheus adds to every scraped series (target labels), beside those the code gives a metric.
TARGET_LABELS = frozenset({"namespace", "pod", "container", "job", "instance", "endpoint"})
RUNBOOK_SECTIONS = ("What it means", "How to look", "How to fix", "How to replay")
SEVERITIES = frozenset({"critical", "warning"})

register_default_plugins()  # the panel and data-query models of Grafana's core plugins


# ------------------------------------------------------------------------------------------------ dashboard


def dashboard_model_problems(dashboard: dict[str, Any]) -> list[str]:
    """What Grafana's typed dashboard model does not accept: keys it does not know (lost in a round trip through it),
    values not of their declared type, panel types and data queries it has no model of."""
    try:
        model = Dashboard.from_json(copy.deepcopy(dashboard))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return [f"the dashboard does not decode: {type(exc).__name__}: {exc}"]
    problems = [f"{path}: not in Grafana's dashboard model" for path in _lost(dashboard, _encoded(model))]
    problems += _typed("dashboard", model)
    for panel in model.panels or []:
        if not isinstance(panel, RowPanel) and cogruntime.panelcfg_config(panel.type_val) is None:
            problems.append(f"panel {panel.id_val}: unknown panel type {panel.type_val!r}")
        for query in getattr(panel, "targets", None) or []:
            if not isinstance(query, PrometheusQuery):
                problems.append(f"panel {panel.id_val}: a target that is not a Prometheus query")
    return problems


def _encoded(model: Dashboard) -> Any:
    return json.loads(json.dumps(model, cls=JSONEncoder))


def _lost(original: Any, decoded: Any, path: str = "$") -> Iterator[str]:
    """Paths of `original` that did not come back from the model (unknown keys, or values changed on the way)."""
    if isinstance(original, dict):
        for key, value in original.items():
            if not isinstance(decoded, dict) or key not in decoded:
                yield f"{path}.{key}"
            else:
                yield from _lost(value, decoded[key], f"{path}.{key}")
    elif isinstance(original, list):
        if not isinstance(decoded, list) or len(decoded) != len(original):
            yield path
        else:
            for i, (item, back) in enumerate(zip(original, decoded, strict=True)):
                yield from _lost(item, back, f"{path}[{i}]")
    elif original != decoded:
        yield path


def _typed(path: str, model: Any) -> list[str]:
    """Problems of a decoded model object: each attribute checked against its annotation, recursively."""
    hints = typing.get_type_hints(type(model))
    problems: list[str] = []
    for name, hint in hints.items():
        problems += _conforms(f"{path}.{name}", getattr(model, name, None), hint)
    return problems


def _conforms(path: str, value: Any, hint: Any) -> list[str]:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint in (Any, object):
        return _typed(path, value) if _is_model(value) else []
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return []
        tried = [_conforms(path, value, arg) for arg in args if arg is not type(None)]
        return [] if any(not found for found in tried) else min(tried, key=len)
    if origin is typing.Literal:
        return [] if value in args else [f"{path}: {value!r} is not one of {args}"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {value!r}"]
        return [p for i, item in enumerate(value) for p in _conforms(f"{path}[{i}]", item, args[0])]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {value!r}"]
        return [p for k, item in value.items() for p in _conforms(f"{path}.{k}", item, args[1])]
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        allowed = {member.value for member in hint}
        return [] if value in allowed else [f"{path}: {value!r} is not one of {sorted(map(str, allowed))}"]
    if hint is float:
        return [] if isinstance(value, int | float) and not isinstance(value, bool) else [f"{path}: not a number"]
    if hint in (int, str, bool):
        ok = isinstance(value, hint) and (hint is bool or not isinstance(value, bool))
        return [] if ok else [f"{path}: expected {hint.__name__}, got {value!r}"]
    if isinstance(hint, type):
        if isinstance(value, dict) and hasattr(hint, "from_json"):
            # A part the SDK leaves undecoded (a panel's transformations, links): decode it with its own model.
            decoded = hint.from_json(copy.deepcopy(value))
            lost = [f"{path}{p[1:]}: not in Grafana's model" for p in _lost(value, _encoded(decoded))]
            return lost + _typed(path, decoded)
        if not isinstance(value, hint):
            return [f"{path}: expected {hint.__name__}, got {type(value).__name__}"]
        return _typed(path, value) if _is_model(value) else []
    return []


def _is_model(value: Any) -> bool:
    return type(value).__module__.startswith("grafana_foundation_sdk.models") or isinstance(
        value, cogvariants.Dataquery
    )


def dashboard_layout_problems(dashboard: dict[str, Any], current_schema: int) -> list[str]:
    """What Grafana needs beyond the model: unique panel ids, the 24-column grid without overlaps, a query and refId in
    every target, the data source as the `${datasource}` variable, a fixed uid and the current schema version."""
    problems: list[str] = []
    if dashboard.get("schemaVersion") != current_schema:
        problems.append(f"schemaVersion {dashboard.get('schemaVersion')} is not the current {current_schema}")
    if not re.fullmatch(r"[a-zA-Z0-9_-]{1,40}", str(dashboard.get("uid", ""))):
        problems.append("no fixed uid (1-40 letters, digits, - or _)")
    variables = {v.get("name"): v for v in (dashboard.get("templating") or {}).get("list", [])}
    source = variables.get("datasource", {})
    if (source.get("type"), source.get("query")) != ("datasource", "prometheus"):
        problems.append("no `datasource` template variable of type datasource for prometheus")
    panels = dashboard.get("panels") or []
    ids = [p.get("id") for p in panels]
    problems += [f"panel id {i} is used more than once" for i in sorted({i for i in ids if ids.count(i) > 1})]
    cells: dict[tuple[int, int], Any] = {}
    for panel in panels:
        where = f"panel {panel.get('id')} ({panel.get('title')})"
        grid = panel.get("gridPos") or {}
        numbers = [grid.get(k) for k in ("x", "y", "w", "h")]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in numbers):
            problems.append(f"{where}: gridPos {grid} is not four whole numbers")
            continue
        x, y, w, h = (int(v or 0) for v in numbers)
        if x < 0 or y < 0 or w < 1 or h < 1:
            problems.append(f"{where}: gridPos {grid} has a negative place or an empty size")
            continue
        if x + w > GRID_COLUMNS:
            problems.append(f"{where}: gridPos reaches column {x + w}, past {GRID_COLUMNS}")
        for cell in ((cx, cy) for cx in range(x, x + w) for cy in range(y, y + h)):
            if cell in cells:
                problems.append(f"{where}: overlaps panel {cells[cell]} at {cell}")
                break
            cells[cell] = panel.get("id")
        if panel.get("type") == "row":
            continue
        problems += _datasource_problems(where, panel.get("datasource"))
        targets = panel.get("targets") or []
        if not targets:
            problems.append(f"{where}: no query")
        refs = [t.get("refId") for t in targets]
        if len(set(refs)) != len(refs) or not all(refs):
            problems.append(f"{where}: every target needs its own refId")
        for target in targets:
            if not str(target.get("expr", "")).strip():
                problems.append(f"{where}: a target without expr")
            problems += _datasource_problems(where, target.get("datasource", panel.get("datasource")))
    return problems


def _datasource_problems(where: str, source: Any) -> list[str]:
    if source != {"type": "prometheus", "uid": "${datasource}"}:
        return [f"{where}: data source {source!r} is not the `${{datasource}}` variable"]
    return []


def dashboard_expressions(dashboard: dict[str, Any]) -> dict[str, str]:
    """Every PromQL expression of the dashboard (panel targets and query variables), by where it is."""
    found: dict[str, str] = {}
    for panel in dashboard.get("panels") or []:
        for target in panel.get("targets") or []:
            found[f"panel {panel.get('id')} ({panel.get('title')}) {target.get('refId')}"] = str(target.get("expr", ""))
    for variable in (dashboard.get("templating") or {}).get("list", []):
        query = variable.get("query")
        if variable.get("type") == "query" and isinstance(query, str):
            # label_values(selector, label) is Grafana's, not PromQL: its selector is.
            selector = re.fullmatch(r"label_values\((.*),\s*\w+\)", query)
            found[f"variable {variable.get('name')}"] = selector.group(1) if selector else query
    return found


def substituted(expr: str, variables: Mapping[str, str] | None) -> tuple[str, list[str]]:
    """The expression as Grafana would run it (its variables and the dashboard's put in), and variables not defined;
    with `variables` None (a Prometheus rule, which has no variables) the expression as it is."""
    undefined: list[str] = []
    if variables is None:
        return expr, undefined

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name in GRAFANA_VARIABLES:
            return GRAFANA_VARIABLES[name]
        if name not in variables:
            undefined.append(name)
        return variables.get(name, "x")

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, expr), undefined


def dashboard_variables(dashboard: dict[str, Any]) -> dict[str, str]:
    """A sample value of each template variable (what a query sees when one is chosen; `.*` for All)."""
    samples: dict[str, str] = {}
    for variable in (dashboard.get("templating") or {}).get("list", []):
        current = (variable.get("current") or {}).get("value")
        samples[variable["name"]] = ".*" if current in (None, "$__all") else str(current)
    return samples


# ---------------------------------------------------------------------------------------------------- PromQL


def promql_problems(expressions: Mapping[str, str], variables: Mapping[str, str] | None) -> list[str]:
    """Expressions that do not parse as PromQL, or use a variable the dashboard does not define."""
    problems: list[str] = []
    for where, expr in expressions.items():
        text, undefined = substituted(expr, variables)
        problems += [f"{where}: ${name} is no template variable" for name in undefined]
        try:
            promql_parser.parse(text)
        except ValueError as exc:
            problems.append(f"{where}: {exc}: {text}")
    return problems


def selectors(expr: str) -> list[tuple[str, set[str]]]:
    """(metric name, labels it is filtered on) of every series selector in an expression that parses."""
    found: list[tuple[str, set[str]]] = []

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            found.append((node.name, {m.name for m in node.matchers.matchers}))

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found


def metric_problems(
    expressions: Mapping[str, str], variables: Mapping[str, str] | None, exposed: Mapping[str, frozenset[str]]
) -> list[str]:
    """`ybj_*` series no code exposes (`exposed`: sample name -> its labels), and labels a selector filters on that the
    series does not have; names from outside the platform must be in EXTERNAL_METRICS."""
    problems: list[str] = []
    for where, expr in expressions.items():
        text, _ = substituted(expr, variables)
        try:
            used = selectors(text)
        except ValueError:
            continue  # promql_problems reports it
        for name, labels in used:
            if not name.startswith("ybj_"):
                if name not in EXTERNAL_METRICS:
                    problems.append(f"{where}: {name} is neither the platform's nor a known external series")
                continue
            if name not in exposed:
                problems.append(f"{where}: no code exposes {name}")
                continue
            unknown = labels - exposed[name] - TARGET_LABELS
            problems += [f"{where}: {name} has no label {label!r}" for label in sorted(unknown)]
    return problems


def exposed_series(families: Iterator[Any], label_names: Mapping[str, tuple[str, ...]]) -> dict[str, frozenset[str]]:
    """Sample names a registry exposes, with their labels (`label_names`: by metric family name), from the families'
    types: a counter `x` is read as x_total, a histogram as x_bucket (with `le`), x_sum and x_count."""
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count")}
    series: dict[str, frozenset[str]] = {}
    for family in families:
        labels = frozenset(label_names.get(family.name, ()))
        for suffix in suffixes.get(family.type, ("",)):
            series[family.name + suffix] = labels | ({"le"} if suffix == "_bucket" else set())
    return series


# ------------------------------------------------------------------------------------------ alerts, runbooks


def alerts(rules: dict[str, Any]) -> list[dict[str, Any]]:
    """Every alerting rule of a PrometheusRule."""
    return [rule for group in rules["spec"]["groups"] for rule in group["rules"] if "alert" in rule]


def rule_expressions(rules: dict[str, Any]) -> dict[str, str]:
    """Every rule's expression, by its alert (or record) name."""
    return {
        f"rule {rule.get('alert') or rule.get('record')}": str(rule["expr"])
        for group in rules["spec"]["groups"]
        for rule in group["rules"]
    }


def alert_problems(rules: dict[str, Any], root: Path) -> list[str]:
    """Alerts without summary, description, severity or a runbook (deploy/k8s/runbooks/<alert>.md under `root`, with
    the four sections), and runbooks no alert links."""
    problems: list[str] = []
    linked: set[Path] = set()
    for rule in alerts(rules):
        name = rule["alert"]
        annotations, labels = rule.get("annotations") or {}, rule.get("labels") or {}
        problems += [f"{name}: no {key}" for key in ("summary", "description") if not annotations.get(key)]
        if labels.get("severity") not in SEVERITIES:
            problems.append(f"{name}: severity {labels.get('severity')!r} is not one of {sorted(SEVERITIES)}")
        url = annotations.get("runbook_url", "")
        if url != f"deploy/k8s/runbooks/{name}.md":
            problems.append(f"{name}: runbook_url {url!r} is not deploy/k8s/runbooks/{name}.md")
            continue
        runbook = root / url
        linked.add(runbook.resolve())
        if not runbook.is_file():
            problems.append(f"{name}: its runbook {url} does not exist")
            continue
        headings = {h.strip().lower() for h in re.findall(r"^##\s+(.+)$", runbook.read_text(encoding="utf-8"), re.M)}
        problems += [f"{url}: no section '## {s}'" for s in RUNBOOK_SECTIONS if s.lower() not in headings]
    for runbook in sorted((root / "deploy" / "k8s" / "runbooks").glob("*.md")):
        if runbook.name != "README.md" and runbook.resolve() not in linked:
            problems.append(f"{runbook.name}: no alert links this runbook")
    return problems


def index_problems(root: Path) -> list[str]:
    """Runbooks the index (runbooks/README.md) does not link."""
    directory = root / "deploy" / "k8s" / "runbooks"
    index = (directory / "README.md").read_text(encoding="utf-8")
    return [
        f"README.md does not link {page.name}"
        for page in sorted(directory.glob("*.md"))
        if page.name != "README.md" and f"]({page.name})" not in index
    ]
