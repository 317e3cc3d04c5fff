"""Static checks of the Kubernetes manifests under deploy/k8s (no cluster needed).

* every resource document (base, overlays, jobs, example Secrets) validates against the bundled
  Kubernetes 1.30 JSON schemas in strict mode (unknown fields are errors);
* kustomization.yaml files are not resources: instead every file they reference must exist, and the
  base must list every manifest in its directory (the rebuild Job and the Secrets must stay out of it);
* the production overlay is rendered (a small emulation of the kustomize features it uses, cross-checked
  against ``kubectl kustomize`` when kubectl is installed) and validated too;
* the platform's operational invariants hold in the base and in the rendered overlay: single-writer
  relays/projector, hardened containers, commands, probes, metrics annotations, Services/PDBs/HPAs that
  match existing Deployments, ConfigMap keys, placeholder-only Secrets.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from ybj_dev.platform import DOMAIN_SERVICES, REACTING_SERVICES

K8S_DIR = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
BASE_DIR = K8S_DIR / "base"
PRODUCTION_DIR = K8S_DIR / "overlays" / "production"
REBUILD_JOB_FILE = K8S_DIR / "jobs" / "rebuild-read-models.yaml"
EXAMPLE_SECRETS_FILE = K8S_DIR / "secrets" / "secrets.example.yaml"
KUSTOMIZATION_NAMES = frozenset({"kustomization.yaml", "kustomization.yml"})

KUBERNETES_VERSION = "1.30"
NAMESPACE = "ybj"
IMAGE_NAME = "ybj/platform"
BASE_IMAGE = "ybj/platform:0.1.0"
SERVICES = (*DOMAIN_SERVICES, "query")
API_DEPLOYMENTS = frozenset(f"{svc}-api" for svc in SERVICES)
SINGLE_WRITERS = frozenset({f"{svc}-relay" for svc in DOMAIN_SERVICES} | {"query-projector"})
# Consumer groups applying reactions to other services' events, one per service that has some.
REACTORS = frozenset(f"{svc}-reactor" for svc in REACTING_SERVICES)
EXPECTED_DEPLOYMENTS = API_DEPLOYMENTS | SINGLE_WRITERS | REACTORS
VERB_BY_COMPONENT = {"api": "serve", "relay": "relay", "projector": "project", "reactor": "react"}
HTTP_PORT, GRPC_PORT, METRICS_PORT = 8080, 50051, 9100
JWT_KEY_FILE = "/etc/ybj/jwt/public.pem"
REQUIRED_LABELS = ("app.kubernetes.io/name", "app.kubernetes.io/part-of", "app.kubernetes.io/component")
CONFIG_KEYS = frozenset(
    {
        "YBJ_KAFKA_BOOTSTRAP",
        "YBJ_TOPIC_PREFIX",
        "YBJ_ENROLLMENT_URL",
        "YBJ_TREATMENT_URL",
        "YBJ_SETTLEMENT_URL",
        "YBJ_SUPERVISION_URL",
        "YBJ_GATEWAY_URL",
        "YBJ_LOG_LEVEL",
        "YBJ_HTTP_HOST",
        "MALLOC_ARENA_MAX",  # glibc, read by every Python process (see the ConfigMap)
    }
)
PLACEHOLDER_MARKER = "CHANGE_ME"

Manifest = dict[str, Any]


# --------------------------------------------------------------------------------------------- loading


def load_documents(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc is not None]


def load_kustomization(directory: Path) -> Manifest:
    found = [directory / name for name in KUSTOMIZATION_NAMES if (directory / name).is_file()]
    assert len(found) == 1, f"{directory}: expected exactly one kustomization file, found {found}"
    (kustomization,) = load_documents(found[0])
    assert isinstance(kustomization, dict), f"{found[0]}: not a mapping"
    return kustomization


def yaml_files() -> list[Path]:
    return sorted(p for p in K8S_DIR.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file())


def kustomization_dirs() -> list[Path]:
    return sorted({p.parent for p in yaml_files() if p.name in KUSTOMIZATION_NAMES})


def references(kustomization: Manifest) -> Iterator[tuple[str, str]]:
    """(field, entry) for every file or directory a kustomization refers to."""
    for field in ("resources", "components", "patchesStrategicMerge"):
        for entry in kustomization.get(field) or []:
            yield field, entry
    for field in ("patches", "patchesJson6902"):
        for entry in kustomization.get(field) or []:
            if "path" in entry:
                yield field, entry["path"]


def patch_files() -> frozenset[Path]:
    return frozenset(
        (directory / entry).resolve()
        for directory in kustomization_dirs()
        for field, entry in references(load_kustomization(directory))
        if field.startswith("patches")
    )


@dataclass(frozen=True)
class Doc:
    path: Path
    index: int
    body: Manifest

    @property
    def ident(self) -> str:
        kind = self.body.get("kind", "?")
        name = (self.body.get("metadata") or {}).get("name", "?")
        return f"{self.path.relative_to(K8S_DIR)}#{self.index}:{kind}/{name}"


def resource_documents() -> list[Doc]:
    """Every document of every YAML file that is neither a kustomization nor a kustomize patch."""
    patches = patch_files()
    docs: list[Doc] = []
    for path in yaml_files():
        if path.name in KUSTOMIZATION_NAMES or path.resolve() in patches:
            continue
        docs.extend(Doc(path, index, body) for index, body in enumerate(load_documents(path)))
    return docs


RESOURCE_DOCS = resource_documents()


# ------------------------------------------------------------------- minimal kustomize emulation


SUPPORTED_KUSTOMIZATION_FIELDS = frozenset({"apiVersion", "kind", "namespace", "resources", "images", "patches"})


def _pointer(path: str) -> list[str]:
    assert path.startswith("/"), f"bad JSON pointer {path!r}"
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _step(node: Any, key: str) -> Any:
    if isinstance(node, list):
        return node[int(key)]
    return node[key]


def apply_json_patch(doc: Manifest, operations: list[Manifest]) -> None:
    """RFC 6902 add/replace/remove/test; replace/remove/test fail on a missing path, as in kustomize."""
    for operation in operations:
        try:
            _apply_operation(doc, operation)
        except (KeyError, IndexError, ValueError, TypeError) as error:
            name = f"{doc['kind']}/{doc['metadata']['name']}"
            raise AssertionError(f"{name}: JSON patch {operation} does not apply ({error!r})") from error


def _apply_operation(doc: Manifest, operation: Manifest) -> None:
    *parents, last = _pointer(operation["path"])
    node: Any = doc
    for key in parents:
        node = _step(node, key)
    op = operation["op"]
    if op == "add":
        if isinstance(node, list):
            node.insert(len(node) if last == "-" else int(last), operation["value"])
        else:
            node[last] = operation["value"]
    elif op in {"replace", "remove", "test"}:
        current = _step(node, last)  # raises KeyError/IndexError when the path does not exist
        index: int | str = int(last) if isinstance(node, list) else last
        if op == "replace":
            node[index] = operation["value"]
        elif op == "remove":
            del node[index]
        else:
            assert current == operation["value"], f"JSON patch test failed at {operation['path']}"
    else:
        raise AssertionError(f"unsupported JSON patch op {op!r}")


def _matches(doc: Manifest, target: Manifest) -> bool:
    unsupported = set(target) - {"kind", "name", "labelSelector"}
    assert not unsupported, f"patch target fields {sorted(unsupported)} are not emulated; extend _matches"
    labels = doc["metadata"].get("labels") or {}
    selector = dict(term.split("=", 1) for term in target.get("labelSelector", "").split(",") if term)
    return (
        doc["kind"] == target.get("kind", doc["kind"])
        and doc["metadata"]["name"] == target.get("name", doc["metadata"]["name"])
        and all(labels.get(key) == value for key, value in selector.items())
    )


def _set_image(container: Manifest, image: Manifest) -> None:
    name, _, tag = container["image"].partition("@")[0].rpartition(":")
    if "/" in tag or not name:  # no tag at all (the colon belonged to a registry port)
        name, tag = container["image"], ""
    if name != image["name"]:
        return
    new = image.get("newName", name)
    if "digest" in image:
        container["image"] = f"{new}@{image['digest']}"
    else:
        new_tag = image.get("newTag", tag)
        container["image"] = f"{new}:{new_tag}" if new_tag else new


def render(directory: Path) -> list[Manifest]:
    kustomization = load_kustomization(directory)
    unsupported = set(kustomization) - SUPPORTED_KUSTOMIZATION_FIELDS
    assert not unsupported, f"{directory}: fields {sorted(unsupported)} are not emulated; extend render()"
    docs: list[Manifest] = []
    for entry in kustomization.get("resources") or []:
        target = directory / entry
        docs.extend(render(target) if target.is_dir() else load_documents(target))
    for patch in kustomization.get("patches") or []:
        operations = load_documents(directory / patch["path"])
        assert len(operations) == 1, f"{patch['path']}: one JSON 6902 patch document expected"
        assert isinstance(operations[0], list), f"{patch['path']}: only JSON 6902 patches are emulated"
        matched = [doc for doc in docs if _matches(doc, patch["target"])]
        assert matched, f"{directory}: patch {patch['path']} matches no resource"
        for doc in matched:
            apply_json_patch(doc, operations[0])
    for image in kustomization.get("images") or []:
        for doc in docs:
            for container in containers(doc):
                _set_image(container, image)
    if "namespace" in kustomization:
        for doc in docs:
            if doc["kind"] != "Namespace":
                doc["metadata"]["namespace"] = kustomization["namespace"]
    return docs


# ------------------------------------------------------------------------------------------- helpers


def pod_spec(doc: Manifest) -> Manifest | None:
    if doc.get("kind") in {"Deployment", "Job", "StatefulSet", "DaemonSet"}:
        spec: Manifest = doc["spec"]["template"]["spec"]
        return spec
    return None


def containers(doc: Manifest) -> list[Manifest]:
    spec = pod_spec(doc)
    if spec is None:
        return []
    return [*spec.get("initContainers", []), *spec["containers"]]


def of_kind(docs: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def env_value(container: Manifest, name: str) -> str | None:
    for variable in container.get("env", []):
        if variable["name"] == name:
            value: str | None = variable.get("value")
            return value
    return None


def container_port(container: Manifest, port: int | str) -> int | None:
    for declared in container.get("ports", []):
        if port in (declared["containerPort"], declared.get("name")):
            number: int = declared["containerPort"]
            return number
    return None


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def selected_deployments(selector: dict[str, str], docs: list[Manifest]) -> list[str]:
    return [
        name
        for name, deployment in of_kind(docs, "Deployment").items()
        if selects(selector, deployment["spec"]["template"]["metadata"]["labels"])
    ]


CPU_UNITS = {"m": 0.001, "": 1.0}
MEMORY_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 1e3, "M": 1e6, "G": 1e9, "": 1}


def quantity(value: str | int | float, units: dict[str, float]) -> float:
    match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(value))
    assert match, f"unparseable quantity {value!r}"
    assert match.group(2) in units, f"unknown unit in quantity {value!r}"
    return float(match.group(1)) * units[match.group(2)]


BASE_DOCS = [doc.body for doc in RESOURCE_DOCS if doc.path.parent == BASE_DIR]


@pytest.fixture(scope="module")
def production() -> list[Manifest]:
    return render(PRODUCTION_DIR)


@pytest.fixture(scope="module", params=["base", "production"])
def rendered(request: pytest.FixtureRequest) -> list[Manifest]:
    """The base (with its kustomization applied) and the rendered production overlay."""
    if request.param == "base":
        return render(BASE_DIR)
    docs: list[Manifest] = request.getfixturevalue("production")
    return docs


# ------------------------------------------------------------------------------ files and schemas


def test_bundled_schemas_include_the_target_version() -> None:
    # validate() silently falls back to the newest bundled version not above the requested one
    assert f"{KUBERNETES_VERSION}.0" in kubernetes_validate.utils.all_versions()


def test_layout_exists() -> None:
    for path in (BASE_DIR, PRODUCTION_DIR, REBUILD_JOB_FILE, EXAMPLE_SECRETS_FILE, K8S_DIR / "README.md"):
        assert path.exists(), f"missing {path.relative_to(K8S_DIR)}"
    kustomized = {p.relative_to(K8S_DIR).as_posix() for p in kustomization_dirs()}
    assert kustomized == {"base", "overlays/production"}


@pytest.mark.parametrize("doc", RESOURCE_DOCS, ids=[doc.ident for doc in RESOURCE_DOCS])
def test_resource_validates_against_kubernetes_schema(doc: Doc) -> None:
    assert isinstance(doc.body, dict), f"{doc.ident}: not a mapping"
    for field in ("apiVersion", "kind", "metadata"):
        assert field in doc.body, f"{doc.ident}: no {field}"
    try:
        validated = kubernetes_validate.validate(doc.body, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        location = ".".join(str(part) for part in error.path)
        pytest.fail(f"{doc.ident}: {location}: {error.message}")
    except kubernetes_validate.SchemaNotFoundError as error:
        pytest.fail(f"{doc.ident}: {error.message}")
    assert validated == KUBERNETES_VERSION


def test_rendered_production_validates_against_kubernetes_schema(production: list[Manifest]) -> None:
    for doc in production:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_every_file_a_kustomization_references_exists() -> None:
    for directory in kustomization_dirs():
        kustomization = load_kustomization(directory)
        assert kustomization.get("kind", "Kustomization") == "Kustomization"
        assert kustomization.get("namespace") == NAMESPACE, f"{directory}: namespace must be {NAMESPACE}"
        for field, entry in references(kustomization):
            assert "://" not in entry, f"{directory}: remote {field} {entry} (keep the layout self-contained)"
            path = directory / entry
            assert path.exists(), f"{directory}: {field} entry {entry} does not exist"
            if path.is_dir():
                load_kustomization(path)


def test_base_lists_every_base_manifest_and_nothing_else() -> None:
    listed = {(BASE_DIR / entry).resolve() for entry in load_kustomization(BASE_DIR)["resources"]}
    on_disk = {p.resolve() for p in BASE_DIR.glob("*.y*ml") if p.name not in KUSTOMIZATION_NAMES}
    assert listed == on_disk
    assert REBUILD_JOB_FILE.resolve() not in listed
    assert not [doc for doc in BASE_DOCS if doc["kind"] in {"Secret", "Job"}], (
        "Secrets and the rebuild Job must not be applied by `kubectl apply -k`"
    )


def test_production_overlay_adds_no_secrets(production: list[Manifest]) -> None:
    assert not of_kind(production, "Secret")


def test_raw_manifests_carry_namespace_and_labels() -> None:
    for doc in RESOURCE_DOCS:
        metadata = doc.body["metadata"]
        if doc.body["kind"] != "Namespace":
            assert metadata.get("namespace") == NAMESPACE, f"{doc.ident}: namespace must be {NAMESPACE}"
        labels = metadata.get("labels") or {}
        for label in REQUIRED_LABELS:
            assert label in labels, f"{doc.ident}: missing label {label}"
        assert labels["app.kubernetes.io/part-of"] == "ybj", doc.ident
        assert all(container["image"] == BASE_IMAGE for container in containers(doc.body)), doc.ident


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
@pytest.mark.parametrize("directory", [BASE_DIR, PRODUCTION_DIR], ids=["base", "production"])
def test_emulated_render_matches_kubectl_kustomize(directory: Path) -> None:
    built = subprocess.run(
        ["kubectl", "kustomize", str(directory)], check=True, capture_output=True, text=True, timeout=120
    )
    by_kubectl = [doc for doc in yaml.safe_load_all(built.stdout) if doc is not None]

    def key(doc: Manifest) -> tuple[str, str]:
        return doc["kind"], doc["metadata"]["name"]

    assert sorted(by_kubectl, key=key) == sorted(render(directory), key=key)


# --------------------------------------------------------------------------------------- workloads


def test_expected_deployments_exist(rendered: list[Manifest]) -> None:
    assert set(of_kind(rendered, "Deployment")) == EXPECTED_DEPLOYMENTS


def test_deployment_commands(rendered: list[Manifest]) -> None:
    allowed = {
        ("python", "-m", f"ybj_{svc}", verb) for svc in SERVICES for verb in ("serve", "relay", "project", "react")
    }
    for name, deployment in of_kind(rendered, "Deployment").items():
        svc, _, role = name.rpartition("-")
        (container,) = containers(deployment)
        command = tuple(container["command"])
        assert command in allowed, f"{name}: unexpected command {command}"
        assert command == ("python", "-m", f"ybj_{svc}", VERB_BY_COMPONENT[role]), name
        assert "args" not in container, f"{name}: pass everything through command"


def test_single_writers_have_one_replica_and_recreate(rendered: list[Manifest]) -> None:
    deployments = of_kind(rendered, "Deployment")
    for name in SINGLE_WRITERS:
        spec = deployments[name]["spec"]
        assert spec["replicas"] == 1, f"{name}: single writer must run exactly 1 replica"
        assert spec["strategy"] == {"type": "Recreate"}, f"{name}: single writer must use Recreate"
    hpas = of_kind(rendered, "HorizontalPodAutoscaler").values()
    autoscaled = {hpa["spec"]["scaleTargetRef"]["name"] for hpa in hpas}
    assert not autoscaled & SINGLE_WRITERS, "single writers must not be autoscaled"


def test_apis_are_replicated_and_roll(rendered: list[Manifest]) -> None:
    deployments = of_kind(rendered, "Deployment")
    hpas = of_kind(rendered, "HorizontalPodAutoscaler")
    for name in API_DEPLOYMENTS:
        spec = deployments[name]["spec"]
        assert spec["replicas"] >= 2, name
        assert spec["replicas"] == hpas[name]["spec"]["minReplicas"], f"{name}: replicas != HPA minReplicas"
        assert spec["strategy"]["type"] == "RollingUpdate", name
        assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0, name


def test_deployment_labels_and_selectors(rendered: list[Manifest]) -> None:
    for name, deployment in of_kind(rendered, "Deployment").items():
        svc, _, role = name.rpartition("-")
        template_labels = deployment["spec"]["template"]["metadata"]["labels"]
        expected = {"app.kubernetes.io/name": svc, "app.kubernetes.io/component": role}
        assert template_labels == {**expected, "app.kubernetes.io/part-of": "ybj"}, name
        assert deployment["metadata"]["labels"] == template_labels, name
        assert deployment["spec"]["selector"] == {"matchLabels": expected}, name


def test_containers_are_hardened_and_bounded(rendered: list[Manifest]) -> None:
    job = load_documents(REBUILD_JOB_FILE)
    for doc in [*rendered, *job]:
        spec = pod_spec(doc)
        if spec is None:
            continue
        name = doc["metadata"]["name"]
        assert spec["automountServiceAccountToken"] is False, name
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        volumes = {volume["name"]: volume for volume in spec["volumes"]}
        for container in containers(doc):
            where = f"{name}/{container['name']}"
            assert container["image"].partition(":")[0] == IMAGE_NAME, where
            assert not container["image"].endswith(":latest"), where
            resources = container["resources"]
            for bound in ("requests", "limits"):
                assert set(resources[bound]) >= {"cpu", "memory"}, f"{where}: {bound} need cpu and memory"
            for resource, units in (("cpu", CPU_UNITS), ("memory", MEMORY_UNITS)):
                request = quantity(resources["requests"][resource], units)
                assert request <= quantity(resources["limits"][resource], units), f"{where}: {resource}"
            security = container["securityContext"]
            assert security["runAsNonRoot"] is True, where
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"] == {"drop": ["ALL"]}, where
            assert security.get("privileged") is not True, where
            mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
            assert "emptyDir" in volumes[mounts["/tmp"]], f"{where}: /tmp must be a writable emptyDir"
            env_from = {next(iter(ref.values()))["name"] for ref in container["envFrom"]}
            assert env_from == {"ybj-config", "ybj-secrets"}, where
            key_file = env_value(container, "YBJ_JWT_PUBLIC_KEY_FILE")
            assert key_file == JWT_KEY_FILE, where
            jwt_volume = volumes[mounts[str(Path(key_file).parent)]]
            assert jwt_volume["secret"]["secretName"] == "ybj-jwt", where
            assert Path(key_file).name in {item["path"] for item in jwt_volume["secret"]["items"]}, where


def test_ports_probes_and_metrics(rendered: list[Manifest]) -> None:
    for name, deployment in of_kind(rendered, "Deployment").items():
        (container,) = containers(deployment)
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true", name
        assert annotations["prometheus.io/path"] == "/metrics", name
        metrics_port = int(annotations["prometheus.io/port"])
        assert container_port(container, metrics_port) == metrics_port, f"{name}: metrics port not declared"
        liveness = container["livenessProbe"]["httpGet"]
        if name in API_DEPLOYMENTS:
            assert env_value(container, "YBJ_HTTP_PORT") == str(HTTP_PORT), name
            assert env_value(container, "YBJ_GRPC_PORT") == str(GRPC_PORT), name
            assert container_port(container, "http") == HTTP_PORT, name
            assert container_port(container, "grpc") == GRPC_PORT, name
            assert metrics_port == HTTP_PORT, name
            readiness = container["readinessProbe"]["httpGet"]
            for probe in (readiness, liveness):
                assert probe["path"] == "/healthz", name
                assert container_port(container, probe["port"]) == HTTP_PORT, name
        else:
            assert env_value(container, "YBJ_METRICS_PORT") == str(METRICS_PORT), name
            assert metrics_port == METRICS_PORT, name
            assert liveness["path"] == "/metrics", name
            assert container_port(container, liveness["port"]) == METRICS_PORT, name


# ---------------------------------------------------------------------- services, PDBs, HPAs, config


def test_services_select_existing_deployments(rendered: list[Manifest]) -> None:
    deployments = of_kind(rendered, "Deployment")
    services = of_kind(rendered, "Service")
    assert set(services) == set(SERVICES)
    for name, service in services.items():
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP", name
        selector = service["spec"]["selector"]
        selected = selected_deployments(selector, rendered)
        assert selected == [f"{name}-api"], f"Service {name} selects {selected}"
        (container,) = containers(deployments[f"{name}-api"])
        ports = {port["name"]: port for port in service["spec"]["ports"]}
        assert set(ports) == {"http", "grpc"}, name
        for port_name, number in (("http", HTTP_PORT), ("grpc", GRPC_PORT)):
            assert ports[port_name]["port"] == number, name
            assert container_port(container, ports[port_name]["targetPort"]) == number, name


def test_api_pod_disruption_budgets(rendered: list[Manifest]) -> None:
    budgets = of_kind(rendered, "PodDisruptionBudget")
    assert set(budgets) == API_DEPLOYMENTS
    for name, budget in budgets.items():
        assert budget["spec"]["minAvailable"] == 1, name
        selector = budget["spec"]["selector"]["matchLabels"]
        selected = selected_deployments(selector, rendered)
        assert selected == [name], f"PDB {name} selects {selected}"


def test_api_autoscalers(rendered: list[Manifest]) -> None:
    hpas = of_kind(rendered, "HorizontalPodAutoscaler")
    assert set(hpas) == API_DEPLOYMENTS
    for name, hpa in hpas.items():
        assert hpa["apiVersion"] == "autoscaling/v2", name
        spec = hpa["spec"]
        assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert 2 <= spec["minReplicas"] <= spec["maxReplicas"], name
        assert spec["metrics"] == [
            {
                "type": "Resource",
                "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
            }
        ], name


def test_config_map(rendered: list[Manifest]) -> None:
    config = of_kind(rendered, "ConfigMap")["ybj-config"]["data"]
    assert set(config) == CONFIG_KEYS
    assert config["YBJ_TOPIC_PREFIX"] == "ybj"
    assert config["YBJ_LOG_LEVEL"] == "INFO"
    assert config["YBJ_HTTP_HOST"] == "0.0.0.0"  # in a pod, probes and Services connect from outside loopback
    assert config["MALLOC_ARENA_MAX"] == "2"  # the same as `make run` and the bench measure
    services = of_kind(rendered, "Service")
    for svc in DOMAIN_SERVICES:
        assert config[f"YBJ_{svc.upper()}_URL"] == f"http://{svc}:{HTTP_PORT}"
        assert svc in services
    namespaces = of_kind(rendered, "Namespace")
    assert set(namespaces) == {NAMESPACE}
    assert namespaces[NAMESPACE]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_example_secrets_hold_placeholders_only() -> None:
    secrets = {doc["metadata"]["name"]: doc for doc in load_documents(EXAMPLE_SECRETS_FILE)}
    assert set(secrets) == {"ybj-secrets", "ybj-jwt"}
    assert set(secrets["ybj-secrets"]["stringData"]) == {"YBJ_PG_DSN"}
    assert set(secrets["ybj-jwt"]["stringData"]) == {"public.pem"}
    for name, secret in secrets.items():
        assert "data" not in secret, f"{name}: use stringData with visible placeholders, never base64 data"
        for key, value in secret["stringData"].items():
            assert PLACEHOLDER_MARKER in value, f"{name}/{key} does not look like a placeholder"


def test_rebuild_job() -> None:
    (job,) = load_documents(REBUILD_JOB_FILE)
    assert job["kind"] == "Job"
    assert job["metadata"]["name"] == "query-rebuild"
    (container,) = containers(job)
    assert container["command"] == ["python", "-m", "ybj_query", "rebuild"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_production_raises_api_capacity(production: list[Manifest]) -> None:
    base_deployments = of_kind(render(BASE_DIR), "Deployment")
    for name, deployment in of_kind(production, "Deployment").items():
        base = base_deployments[name]
        (container,) = containers(deployment)
        (base_container,) = containers(base)
        if name in API_DEPLOYMENTS:
            assert deployment["spec"]["replicas"] > base["spec"]["replicas"], name
        for bound in ("requests", "limits"):
            for resource, units in (("cpu", CPU_UNITS), ("memory", MEMORY_UNITS)):
                raised = quantity(container["resources"][bound][resource], units)
                assert raised >= quantity(base_container["resources"][bound][resource], units), name
    images = load_kustomization(PRODUCTION_DIR)["images"]
    assert [image["name"] for image in images] == [IMAGE_NAME]
    assert images[0].get("newTag") or images[0].get("digest"), "pin the production image"
