"""Offline checks of the Kubernetes manifests under deploy/k8s (no cluster needed).

* Each kustomization (base, overlays/dev, overlays/production, and production with the restore cut-over component)
  is rendered by the pinned kustomize (ybj_dev.kustomize), and every rendered document, as well as every manifest
  applied by hand (the Jobs, the example Secrets), validates strictly (unknown fields are errors) against
  Kubernetes' JSON schemas and the operators' vendored CRD schemas (ybj_dev.k8s_validation).
* The Kafka topics and the users' ACLs are derived from the code (topic_for over DOMAIN_SERVICES, the projector's
  topics, dead letters and group, each reactor's subscriptions and group, the checkpoint topic, the ops commands'
  groups): a topic or group in the code without its KafkaTopic or ACL fails.
* The platform's invariants hold in every rendering: which processes run and how many (relays and the projector 2),
  their commands, hardening, probes, each process's database role and Kafka user, the operators' cluster sizes.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from ybj_dev import kustomize
from ybj_dev.k8s_crd_schemas import SOURCES
from ybj_dev.k8s_validation import ManifestValidator
from ybj_kernel.adapters import reactor
from ybj_kernel.adapters.kafka import PARTITIONS
from ybj_kernel.adapters.reactor import reactor_group
from ybj_kernel.audit.checkpointer import checkpoint_topic
from ybj_kernel.envelope import topic_for
from ybj_kernel.ops.services import application_class
from ybj_kernel.settings import DOMAIN_SERVICES, Settings
from ybj_query.__main__ import projector_for
from ybj_query.ops.deadletters import retry_group

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
POSTGRES = K8S / "operators" / "postgres"
RESTORE = POSTGRES / "restore"
OVERLAYS = {"base": K8S / "base", "dev": K8S / "overlays" / "dev", "production": K8S / "overlays" / "production"}
KUSTOMIZATION = "kustomization.yaml"
# The topic prefix the processes are given: the topics and ACLs expected are derived with it.
PREFIX: str = yaml.safe_load((K8S / "base" / "configmap.yaml").read_text(encoding="utf-8"))["data"]["YBJ_TOPIC_PREFIX"]
IMAGE = "ybj/platform"
SERVICES = (*DOMAIN_SERVICES, "query")
REACTING = tuple(s for s in DOMAIN_SERVICES if application_class(s).reactions)
RELAYS = frozenset(f"{s}-relay" for s in DOMAIN_SERVICES)
APIS = frozenset(f"{s}-api" for s in SERVICES)
REACTORS = frozenset(f"{s}-reactor" for s in REACTING)
DEPLOYMENTS = APIS | RELAYS | REACTORS | {"query-projector", "audit-checkpointer", "ops-toolbox"}
VERBS = {"api": "serve", "relay": "relay", "projector": "project", "reactor": "react"}
# Each process's PostgreSQL role (and Secret ybj-pg-<role>) and database; the cross-service tools' own DSN aside.
CROSS_SERVICE = {"audit-checkpointer": ("audit", DOMAIN_SERVICES), "ops-toolbox": ("ops", SERVICES)}
SIGNERS = frozenset({f"{s}-api" for s in DOMAIN_SERVICES} | {"audit-checkpointer", "ops-toolbox"})
PG_ROLES = (*SERVICES, "audit", "ops")
Doc = dict[str, Any]
Acl = tuple[str, str, str, str]  # resource type, name, pattern type, operation


# ------------------------------------------------------------------------------------------------- loading


def load(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc is not None]


def kustomization_dirs() -> list[Path]:
    return sorted(p.parent for p in K8S.rglob(KUSTOMIZATION))


def patch_files() -> set[Path]:
    found: set[Path] = set()
    for directory in kustomization_dirs():
        for patch in load(directory / KUSTOMIZATION)[0].get("patches") or []:
            found.add((directory / patch["path"]).resolve())
    return found


def hand_applied_documents() -> list[tuple[str, Doc]]:
    """Documents of files no kustomization renders: Jobs, example Secrets, the restore manifests."""
    rendered = {
        (directory / entry).resolve()
        for directory in kustomization_dirs()
        for entry in load(directory / KUSTOMIZATION)[0].get("resources") or []
    }
    skip = rendered | patch_files()
    return [
        (f"{path.relative_to(K8S)}#{i}", doc)
        for path in sorted(K8S.rglob("*.yaml"))
        if path.name != KUSTOMIZATION and path.resolve() not in skip
        for i, doc in enumerate(load(path))
    ]


@pytest.fixture(scope="module")
def validator() -> ManifestValidator:
    return ManifestValidator()


@pytest.fixture(scope="module")
def binary() -> Path:
    try:
        return kustomize.install()
    except kustomize.KustomizeUnavailable as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def renders(binary: Path) -> dict[str, list[Doc]]:
    return {name: kustomize.build(path, binary) for name, path in OVERLAYS.items()}


@pytest.fixture(scope="module")
def cutover_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An overlay of production with the restore cut-over component (RESTORE.md), as an SRE would add it."""
    folder = tmp_path_factory.mktemp("cutover")
    up = Path(*[".."] * len(folder.parts[1:]))
    overlay = {
        "resources": [str(up / OVERLAYS["production"].relative_to("/"))],
        "components": [str(up / RESTORE.relative_to("/"))],
    }
    (folder / KUSTOMIZATION).write_text(yaml.safe_dump(overlay))
    return folder


@pytest.fixture(scope="module")
def cutover(binary: Path, cutover_dir: Path) -> list[Doc]:
    return kustomize.build(cutover_dir, binary)


def of_kind(docs: list[Doc], kind: str) -> dict[str, Doc]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def container(deployment: Doc) -> Doc:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    found: Doc = only
    return found


def pod_specs(docs: list[Doc]) -> Iterator[tuple[str, Doc]]:
    for doc in docs:
        if doc["kind"] in {"Deployment", "Job"}:
            yield doc["metadata"]["name"], doc["spec"]["template"]["spec"]


def env_of(workload: Doc, config: dict[str, str]) -> dict[str, str]:
    """The container's environment as the kubelet builds it: the ConfigMap, then `env` with $(VAR) expanded."""
    env = dict(config)
    for variable in container(workload).get("env", []):
        if "value" in variable:
            env[variable["name"]] = re.sub(r"\$\((\w+)\)", lambda m: env.get(m.group(1), m.group(0)), variable["value"])
        else:
            ref = variable["valueFrom"]["secretKeyRef"]
            env[variable["name"]] = f"secret:{ref['name']}/{ref['key']}"
    return env


def volumes(workload: Doc) -> dict[str, Doc]:
    return {v["name"]: v for v in workload["spec"]["template"]["spec"]["volumes"]}


def mounts(workload: Doc) -> dict[str, str]:
    return {m["mountPath"]: m["name"] for m in container(workload)["volumeMounts"]}


# ------------------------------------------------------------------------------------------------- schemas


def test_schemas_are_vendored_per_release() -> None:
    readme = (K8S / "schemas" / "README.md").read_text(encoding="utf-8")
    for source in SOURCES:
        files = sorted((K8S / "schemas" / source.folder).glob("*/*.json"))
        assert files, f"no schema vendored for {source.folder}: python -m ybj_dev.k8s_crd_schemas"
        assert source.version in readme, f"schemas/README.md does not name {source.operator} {source.version}"
        for path in files:
            assert source.version in json.loads(path.read_text(encoding="utf-8"))["$comment"], path


@pytest.mark.parametrize("name", list(OVERLAYS))
def test_every_rendered_document_validates(
    name: str, renders: dict[str, list[Doc]], validator: ManifestValidator
) -> None:
    problems = [
        f"{doc['kind']}/{doc['metadata']['name']}: {error}" for doc in renders[name] for error in validator.errors(doc)
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
def test_kubectl_kustomize_renders_the_same(
    renders: dict[str, list[Doc]], cutover: list[Doc], cutover_dir: Path
) -> None:
    """SREs apply with `kubectl apply -k`, whose built-in kustomize is older than the pinned one."""

    def key(doc: Doc) -> str:
        return json.dumps(doc, sort_keys=True)

    pinned = {**renders, "cutover": cutover}
    for name, path in {**OVERLAYS, "cutover": cutover_dir}.items():
        done = subprocess.run(
            ["kubectl", "kustomize", str(path)], capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, f"kubectl kustomize {name}: {done.stderr[:2000]}"
        by_kubectl = [doc for doc in yaml.safe_load_all(done.stdout) if doc is not None]
        assert sorted(map(key, by_kubectl)) == sorted(map(key, pinned[name])), name


def test_cutover_rendering_validates(cutover: list[Doc], validator: ManifestValidator) -> None:
    assert not [error for doc in cutover for error in validator.errors(doc)]


def test_hand_applied_manifests_validate(validator: ManifestValidator) -> None:
    documents = hand_applied_documents()
    assert {ident.split("#")[0] for ident, _ in documents} >= {
        "jobs/rebuild-read-models.yaml",
        "secrets/secrets.example.yaml",
        "operators/postgres/restore/verify-restore-job.yaml",
    }
    problems = [f"{ident}: {error}" for ident, doc in documents for error in validator.errors(doc)]
    assert not problems, "\n".join(problems)


def test_a_broken_document_is_refused_naming_the_field(
    renders: dict[str, list[Doc]], validator: ManifestValidator
) -> None:
    docs = renders["production"]
    relay = copy.deepcopy(of_kind(docs, "Deployment")["enrollment-relay"])
    relay["spec"]["replicaz"] = 2
    container(relay)["env"][0]["valu"] = "x"
    relay["spec"]["revisionHistoryLimit"] = "five"
    errors = validator.errors(relay)
    assert any("spec" in e and "'replicaz' was unexpected" in e for e in errors), errors
    assert any(e.startswith("spec.template.spec.containers.0.env.0:") and "'valu'" in e for e in errors), errors
    assert any(e.startswith("spec.revisionHistoryLimit:") and "'five' is not of type" in e for e in errors), errors
    topic = copy.deepcopy(next(iter(of_kind(docs, "KafkaTopic").values())))
    topic["spec"]["partitions"] = "3"
    assert validator.errors(topic) == ["spec.partitions: '3' is not of type 'integer'"]
    cluster = copy.deepcopy(of_kind(docs, "Cluster")["ybj-pg"])
    cluster["spec"]["managed"]["roles"][0]["passwordSecrett"] = {"name": "x"}
    assert validator.errors(cluster) == [
        "spec.managed.roles.0: Additional properties are not allowed ('passwordSecrett' was unexpected)"
    ]
    assert validator.errors({"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "x"}})


# ------------------------------------------------------------------------------------- Kafka, from the code


def kafka_names_in_code() -> set[str]:
    """Every Kafka name the code builds from the topic prefix, as a template: f"{prefix}.{service}.events" -> {}.{}.events"""
    pattern = re.compile(r"f\"\{[\w.]*prefix\}[.-][^\"]*\"")
    return {
        re.sub(r"\{[^}]*\}", "{}", match.group(0)[2:-1])
        for folder in (ROOT / "libs", ROOT / "services")
        for path in folder.rglob("*.py")
        if "grpc_gen" not in path.parts
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    }


# What each template is, and so where the manifests cover it (a new one must be added here and in operators/kafka).
KNOWN_KAFKA_NAMES = {
    "{}.{}.events": "topic: topic_for, a domain service's events",
    "{}.query.dead-letter": "topic: the projector's dead letters",
    "{}.audit.checkpoints": "topic: the checkpointer's signed checkpoints",
    "{}.query": "group: the projector's",
    "{}-{}-reactions": "group: a reactor's (adapters/reactor.py, ops/services.py)",
    "{}.query.dead-letter-retry": "group: `ybj deadletters retry`",
}


def test_every_kafka_name_in_the_code_is_known() -> None:
    unknown = kafka_names_in_code() - set(KNOWN_KAFKA_NAMES)
    assert not unknown, (
        f"new topic or group names in the code {unknown}: add their KafkaTopic/ACLs and KNOWN_KAFKA_NAMES"
    )


def projector() -> SimpleNamespace:
    built = projector_for(Settings(topic_prefix=PREFIX), engine=None)  # type: ignore[arg-type]  # not connected
    return SimpleNamespace(topics=list(built.topics), dead_letter=built.dead_letter, group=built.group_id)


def reactor_subscription(service: str) -> tuple[list[str], str]:
    """The topics and group a service's reactor subscribes with, read off run_reactor itself (no Kafka)."""
    seen: dict[str, Any] = {}

    class Recorder:
        def __init__(self, *topics: str, group_id: str, **_: Any) -> None:
            seen.update(topics=sorted(topics), group=group_id)

        async def start(self) -> None:
            raise LookupError("recorded")

    async def no_topics(*_: Any) -> None:
        return None

    app = SimpleNamespace(service=service, reactions=application_class(service).reactions)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reactor, "AIOKafkaConsumer", Recorder)
        patch.setattr(reactor, "ensure_topics", no_topics)
        with pytest.raises(LookupError):
            asyncio.run(reactor.run_reactor(app, "kafka:9093", PREFIX, asyncio.Event()))  # type: ignore[arg-type]
    return seen["topics"], seen["group"]


def topic_acls(topics: list[str], *operations: str) -> set[Acl]:
    return {("topic", t, "literal", op) for t in topics for op in operations}


def expected_acls() -> dict[str, set[Acl]]:
    domain = [topic_for(PREFIX, s) for s in DOMAIN_SERVICES]
    query = projector()
    assert sorted(query.topics) == sorted(domain)
    expected = {f"{s}-relay": topic_acls([topic_for(PREFIX, s)], "Describe", "Write") for s in DOMAIN_SERVICES}
    expected["query-projector"] = (
        topic_acls(query.topics, "Describe", "Read")
        | topic_acls([query.dead_letter], "Describe", "Write")
        | {("group", query.group, "literal", "Read")}
        # ybj_dead_letters_waiting (ybj_query/dead_letters_waiting.py): the retry group's committed offsets
        | {("group", retry_group(PREFIX), "literal", "Describe")}
    )
    for service in REACTING:
        topics, group = reactor_subscription(service)
        assert group == reactor_group(PREFIX, service), "run_reactor joins another group than reactor_group names"
        expected[f"{service}-reactor"] = topic_acls(topics, "Describe", "Read") | {("group", group, "literal", "Read")}
    expected["audit-checkpointer"] = topic_acls([checkpoint_topic(PREFIX)], "Describe", "Write")
    expected["ops"] = (
        topic_acls(domain, "Describe", "Read")
        | topic_acls([query.dead_letter], "Describe", "Read", "Write")
        | {("group", retry_group(PREFIX), "literal", "Read")}
        | {("group", reactor_group(PREFIX, s), "literal", "Describe") for s in REACTING}
        # `ybj audit checkpoint` by hand (runbook YbjCheckpointsNotSigned) publishes what it seals
        | topic_acls([checkpoint_topic(PREFIX)], "Describe", "Write")
    )
    return expected


def test_topics_are_those_of_the_code(renders: dict[str, list[Doc]]) -> None:
    expected = {topic_for(PREFIX, s) for s in DOMAIN_SERVICES} | {projector().dead_letter, checkpoint_topic(PREFIX)}
    for name, replicas in (("dev", 1), ("production", 3)):
        topics = {doc["spec"]["topicName"]: doc for doc in of_kind(renders[name], "KafkaTopic").values()}
        assert set(topics) == expected, name
        for topic, doc in topics.items():
            assert doc["spec"]["partitions"] == PARTITIONS, topic
            assert doc["spec"]["replicas"] == replicas, topic
            assert doc["spec"]["config"]["retention.ms"] == -1, topic
            assert doc["metadata"]["labels"]["strimzi.io/cluster"] == "ybj", topic


def test_kafka_users_have_exactly_the_acls_of_the_code(renders: dict[str, list[Doc]]) -> None:
    users = of_kind(renders["production"], "KafkaUser")
    expected = expected_acls()
    assert set(users) == set(expected)
    for name, user in users.items():
        assert user["spec"]["authentication"] == {"type": "tls"}, name
        assert user["spec"]["authorization"]["type"] == "simple", name
        granted = {
            (acl["resource"]["type"], acl["resource"]["name"], acl["resource"]["patternType"], op)
            for acl in user["spec"]["authorization"]["acls"]
            for op in acl["operations"]
        }
        assert all(acl.get("type", "allow") == "allow" for acl in user["spec"]["authorization"]["acls"]), name
        assert granted == expected[name], (
            f"{name}: extra {granted - expected[name]}, missing {expected[name] - granted}"
        )


def test_kafka_cluster(renders: dict[str, list[Doc]]) -> None:
    for name, controllers, brokers in (("production", 3, 3), ("dev", 1, 1)):
        kafka = of_kind(renders[name], "Kafka")["ybj"]["spec"]["kafka"]
        (listener,) = kafka["listeners"]
        assert listener["tls"] is True, name
        assert listener["authentication"] == {"type": "tls"}, name
        assert kafka["authorization"] == {"type": "simple"}, name
        assert kafka["config"]["auto.create.topics.enable"] is False, name
        pools = of_kind(renders[name], "KafkaNodePool").values()
        roles = [(role, pool["spec"]["replicas"]) for pool in pools for role in pool["spec"]["roles"]]
        assert sorted(roles) == [("broker", brokers), ("controller", controllers)], name
        config = of_kind(renders[name], "ConfigMap")["ybj-config"]["data"]
        assert config["YBJ_KAFKA_BOOTSTRAP"] == f"ybj-kafka-bootstrap:{listener['port']}", name
        assert config["YBJ_KAFKA_SECURITY_PROTOCOL"] == "SSL", name
        assert config["YBJ_TOPIC_PREFIX"] == PREFIX, name


# -------------------------------------------------------------------------------------------- PostgreSQL


def test_postgres_cluster_roles_and_databases(renders: dict[str, list[Doc]]) -> None:
    secrets = {doc["metadata"]["name"]: doc for doc in load(K8S / "secrets" / "secrets.example.yaml")}
    for name, instances in (("production", 3), ("dev", 1)):
        cluster = of_kind(renders[name], "Cluster")["ybj-pg"]["spec"]
        assert cluster["instances"] == instances, name
        roles = {role["name"]: role for role in cluster["managed"]["roles"]}
        assert tuple(roles) == PG_ROLES, name
        for role, spec in roles.items():
            assert spec["login"] is True, role
            assert not spec.get("superuser"), role
            secret = secrets[spec["passwordSecret"]["name"]]
            assert secret["type"] == "kubernetes.io/basic-auth", role
            assert secret["stringData"]["username"] == role, role
        assert set(roles["audit"]["inRoles"]) == set(DOMAIN_SERVICES)
        databases = {doc["spec"]["name"]: doc["spec"] for doc in of_kind(renders[name], "Database").values()}
        assert set(databases) == set(SERVICES), name
        for database, spec in databases.items():
            assert (spec["owner"], spec["cluster"]["name"], spec["databaseReclaimPolicy"]) == (
                database,
                "ybj-pg",
                "retain",
            )


def test_production_backs_up_to_the_object_store(renders: dict[str, list[Doc]]) -> None:
    docs = renders["production"]
    cluster = of_kind(docs, "Cluster")["ybj-pg"]["spec"]
    (plugin,) = cluster["plugins"]
    assert plugin["name"] == "barman-cloud.cloudnative-pg.io"
    assert plugin["isWALArchiver"] is True
    store = of_kind(docs, "ObjectStore")[plugin["parameters"]["barmanObjectName"]]
    assert store["spec"]["configuration"]["destinationPath"].startswith("s3://CHANGE-ME-ybj-backups/")
    (schedule,) = of_kind(docs, "ScheduledBackup").values()
    assert schedule["spec"]["cluster"] == {"name": "ybj-pg"}
    assert (schedule["spec"]["method"], schedule["spec"]["pluginConfiguration"]["name"]) == ("plugin", plugin["name"])
    dev = renders["dev"]
    assert "plugins" not in of_kind(dev, "Cluster")["ybj-pg"]["spec"]
    assert not of_kind(dev, "ObjectStore")
    assert not of_kind(dev, "ScheduledBackup")


def test_restore_procedure(renders: dict[str, list[Doc]], cutover: list[Doc]) -> None:
    steps = (POSTGRES / "RESTORE.md").read_text(encoding="utf-8")
    for needed in ("targetTime", "ybj audit verify", "ybj readmodels verify", "verify-restore-job.yaml", "components"):
        assert needed in steps, f"RESTORE.md does not mention {needed}"
    original = of_kind(renders["production"], "Cluster")["ybj-pg"]["spec"]
    (restored_doc,) = load(RESTORE / "cluster-restore.yaml")
    restored = restored_doc["spec"]
    for field in ("instances", "imageName", "postgresql", "managed", "storage", "walStorage", "resources"):
        assert restored[field] == original[field], f"cluster-restore.yaml's {field} differs from cluster.yaml's"
    source = next(c for c in restored["externalClusters"] if c["name"] == restored["bootstrap"]["recovery"]["source"])
    assert source["plugin"]["parameters"] == {"barmanObjectName": "ybj-backups", "serverName": "ybj-pg"}
    assert restored["plugins"][0]["parameters"]["serverName"] not in {"ybj-pg", None}
    assert "targetTime" in restored["bootstrap"]["recovery"]["recoveryTarget"]
    assert set(of_kind(cutover, "Cluster")) == {"ybj-pg-restore"}, "the cut-over no longer declares ybj-pg"
    assert {d["spec"]["cluster"]["name"] for d in of_kind(cutover, "Database").values()} == {"ybj-pg-restore"}
    assert [s["spec"]["cluster"]["name"] for s in of_kind(cutover, "ScheduledBackup").values()] == ["ybj-pg-restore"]
    config = of_kind(cutover, "ConfigMap")["ybj-config"]["data"]
    assert config["PGHOST"] == "ybj-pg-restore-rw"
    for name, deployment in of_kind(cutover, "Deployment").items():
        assert volumes(deployment)["pg-ca"]["secret"]["secretName"] == "ybj-pg-restore-ca", name


def test_hand_applied_jobs_connect_as_their_process(renders: dict[str, list[Doc]]) -> None:
    config = of_kind(renders["production"], "ConfigMap")["ybj-config"]["data"]
    jobs = {doc["metadata"]["name"]: doc for _, doc in hand_applied_documents() if doc["kind"] == "Job"}
    suffix = f"?sslmode=verify-full&sslrootcert={config['PGSSLROOTCERT']}"
    for name, host, role, user, ca in (
        ("query-rebuild", "ybj-pg-rw", "query", "query-projector", "ybj-pg-ca"),
        ("ybj-pg-restore-verify", "ybj-pg-restore-rw", "ops", "ops", "ybj-pg-restore-ca"),
    ):
        env = env_of(jobs[name], config)
        assert env["YBJ_PG_DSN"] == f"postgresql://{role}@{host}:5432/query{suffix}", name
        assert env["PGPASSWORD"] == f"secret:ybj-pg-{role}/password", name
        assert volumes(jobs[name])["pg-ca"]["secret"]["secretName"] == ca, name
        sources = volumes(jobs[name])["kafka"]["projected"]["sources"]
        assert user in {source["secret"]["name"] for source in sources}, name
    assert container(jobs["ybj-pg-restore-verify"])["command"] == ["ybj", "audit", "verify"]
    assert container(jobs["query-rebuild"])["command"] == ["python", "-m", "ybj_query", "rebuild"]


# -------------------------------------------------------------------------------------- the processes


@pytest.mark.parametrize("name", list(OVERLAYS))
def test_processes_commands_and_labels(name: str, renders: dict[str, list[Doc]]) -> None:
    deployments = of_kind(renders[name], "Deployment")
    assert set(deployments) == DEPLOYMENTS
    for dep_name, deployment in deployments.items():
        svc, _, role = dep_name.rpartition("-")
        if role in VERBS:
            assert container(deployment)["command"] == ["python", "-m", f"ybj_{svc}", VERBS[role]], dep_name
        assert "args" not in container(deployment), dep_name
        labels = {"app.kubernetes.io/name": svc, "app.kubernetes.io/component": role}
        assert deployment["spec"]["template"]["metadata"]["labels"] == {**labels, "app.kubernetes.io/part-of": "ybj"}
        assert deployment["spec"]["selector"] == {"matchLabels": labels}, dep_name
    assert container(deployments["audit-checkpointer"])["command"][:4] == [
        "python",
        "-m",
        "ybj_kernel.audit",
        "checkpointer",
    ]


@pytest.mark.parametrize("name", list(OVERLAYS))
def test_relays_checkpointer_and_projector_run_two_replicas(name: str, renders: dict[str, list[Doc]]) -> None:
    docs = renders[name]
    deployments = of_kind(docs, "Deployment")
    budgets = {
        tuple(sorted(b["spec"]["selector"]["matchLabels"].items())): b
        for b in of_kind(docs, "PodDisruptionBudget").values()
    }
    for dep_name in RELAYS | REACTORS | {"query-projector", "audit-checkpointer"}:
        spec = deployments[dep_name]["spec"]
        assert spec["replicas"] == 2, (
            f"{dep_name}: 2 replicas (one active by the lease, or the group splits partitions)"
        )
        assert spec["strategy"]["type"] == "RollingUpdate", dep_name
        budget = budgets[tuple(sorted(spec["selector"]["matchLabels"].items()))]
        assert budget["spec"] == {"minAvailable": 1, "selector": spec["selector"]}, dep_name
    for dep_name in RELAYS | {"query-projector", "audit-checkpointer"}:
        assert deployments[dep_name]["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0, dep_name
    autoscaled = {hpa["spec"]["scaleTargetRef"]["name"] for hpa in of_kind(docs, "HorizontalPodAutoscaler").values()}
    assert autoscaled == APIS
    assert deployments["ops-toolbox"]["spec"]["replicas"] == 1
    assert deployments["ops-toolbox"]["spec"]["strategy"] == {"type": "Recreate"}


@pytest.mark.parametrize("name", list(OVERLAYS))
def test_apis_scale_and_are_served(name: str, renders: dict[str, list[Doc]]) -> None:
    docs = renders[name]
    deployments, hpas, services = (
        of_kind(docs, "Deployment"),
        of_kind(docs, "HorizontalPodAutoscaler"),
        of_kind(docs, "Service"),
    )
    assert set(services) == set(SERVICES)
    for api in APIS:
        spec = deployments[api]["spec"]
        assert spec["replicas"] == hpas[api]["spec"]["minReplicas"] >= (1 if name == "dev" else 2), api
        assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0, api
        assert hpas[api]["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": api}
        assert of_kind(docs, "PodDisruptionBudget")[api]["spec"]["minAvailable"] == 1, api
        service = services[api.removesuffix("-api")]["spec"]
        assert service["selector"] == spec["selector"]["matchLabels"], api
        assert {(p["name"], p["port"]) for p in service["ports"]} == {("http", 8080), ("grpc", 50051)}, api
        probes = container(deployments[api])
        assert probes["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}, api


@pytest.mark.parametrize("name", list(OVERLAYS))
def test_pods_are_hardened_and_bounded(name: str, renders: dict[str, list[Doc]]) -> None:
    jobs = [doc for _, doc in hand_applied_documents() if doc["kind"] == "Job"]
    for pod_name, spec in pod_specs([*renders[name], *jobs]):
        assert spec["automountServiceAccountToken"] is False, pod_name
        assert spec["securityContext"]["runAsNonRoot"] is True, pod_name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, pod_name
        (only,) = spec["containers"]
        assert only["image"].partition(":")[0] == IMAGE, pod_name
        assert not only["image"].endswith(":latest"), pod_name
        assert only["securityContext"] == {
            "runAsNonRoot": True,
            "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
        }, pod_name
        assert set(only["resources"]["requests"]) == set(only["resources"]["limits"]) == {"cpu", "memory"}, pod_name
        tmp = next(v for v in spec["volumes"] if v["name"] == "tmp")
        assert "emptyDir" in tmp, pod_name
        assert {"name": "tmp", "mountPath": "/tmp"} in only["volumeMounts"], pod_name


@pytest.mark.parametrize("name", list(OVERLAYS))
def test_each_process_uses_its_own_database_role(name: str, renders: dict[str, list[Doc]]) -> None:
    config = of_kind(renders[name], "ConfigMap")["ybj-config"]["data"]
    assert (config["PGHOST"], config["PGPORT"], config["PGSSLMODE"]) == ("ybj-pg-rw", "5432", "verify-full")
    for dep_name, deployment in of_kind(renders[name], "Deployment").items():
        svc = dep_name.rpartition("-")[0]
        role, others = CROSS_SERVICE.get(dep_name, (svc, ()))
        database = {"audit-checkpointer": "postgres", "ops-toolbox": "query"}.get(dep_name, svc)
        env = env_of(deployment, config)
        suffix = f"?sslmode=verify-full&sslrootcert={config['PGSSLROOTCERT']}"
        assert env["YBJ_PG_DSN"] == f"postgresql://{role}@ybj-pg-rw:5432/{database}{suffix}", dep_name
        assert env["PGPASSWORD"] == f"secret:ybj-pg-{role}/password", dep_name
        for other in others:
            assert env[f"YBJ_PG_DSN_{other.upper()}"] == f"postgresql://{role}@ybj-pg-rw:5432/{other}{suffix}", dep_name
        assert "$(" not in "".join(env.values()), f"{dep_name}: a $(VAR) the pod does not define"
        ca = volumes(deployment)[mounts(deployment)[str(Path(config["PGSSLROOTCERT"]).parent)]]["secret"]
        assert (ca["secretName"], ca["items"]) == ("ybj-pg-ca", [{"key": "ca.crt", "path": "ca.crt"}]), dep_name


def kafka_user_of(deployment_name: str) -> str | None:
    if deployment_name.endswith("-api"):
        return None
    return "ops" if deployment_name == "ops-toolbox" else deployment_name


@pytest.mark.parametrize("name", list(OVERLAYS))
def test_each_kafka_client_mounts_its_own_certificate(name: str, renders: dict[str, list[Doc]]) -> None:
    config = of_kind(renders[name], "ConfigMap")["ybj-config"]["data"]
    users = set(of_kind(renders[name], "KafkaUser")) if name != "base" else set(expected_acls())
    for dep_name, deployment in of_kind(renders[name], "Deployment").items():
        env, user = env_of(deployment, config), kafka_user_of(dep_name)
        if user is None:
            assert "kafka" not in volumes(deployment), dep_name
            assert "YBJ_KAFKA_SSL_KEYFILE" not in env, dep_name
            continue
        assert user in users, f"{dep_name}: no KafkaUser {user}"
        files = {Path(env[f"YBJ_KAFKA_SSL_{kind}FILE"]) for kind in ("CA", "CERT", "KEY")}
        (folder,) = {path.parent for path in files}
        sources = volumes(deployment)[mounts(deployment)[str(folder)]]["projected"]["sources"]
        served = {(s["secret"]["name"], i["key"], i["path"]) for s in sources for i in s["secret"]["items"]}
        assert served == {
            (user, "user.crt", "user.crt"),
            (user, "user.key", "user.key"),
            ("ybj-cluster-ca-cert", "ca.crt", "ca.crt"),
        }
        assert {path.name for path in files} == {"ca.crt", "user.crt", "user.key"}, dep_name
        assert {"mountPath": str(folder), "name": "kafka", "readOnly": True} in container(deployment)["volumeMounts"]


@pytest.mark.parametrize("name", list(OVERLAYS))
def test_signers_mount_the_sm2_key(name: str, renders: dict[str, list[Doc]]) -> None:
    for dep_name, deployment in of_kind(renders[name], "Deployment").items():
        env = env_of(deployment, {})
        if dep_name not in SIGNERS:
            assert "YBJ_SM2_PRIVATE_KEY_FILE" not in env, dep_name
            continue
        key = Path(env["YBJ_SM2_PRIVATE_KEY_FILE"])
        assert volumes(deployment)[mounts(deployment)[str(key.parent)]]["secret"]["secretName"] == "ybj-audit-sm2"


@pytest.mark.parametrize("name", list(OVERLAYS))
def test_metrics_and_probes(name: str, renders: dict[str, list[Doc]]) -> None:
    for dep_name, deployment in of_kind(renders[name], "Deployment").items():
        annotations = deployment["spec"]["template"]["metadata"].get("annotations", {})
        if dep_name == "ops-toolbox":
            assert not annotations
            assert "livenessProbe" not in container(deployment)
            continue
        port = int(annotations["prometheus.io/port"])
        assert (annotations["prometheus.io/scrape"], annotations["prometheus.io/path"]) == ("true", "/metrics")
        assert port in {p["containerPort"] for p in container(deployment)["ports"]}, dep_name
        if dep_name not in APIS:
            assert env_of(deployment, {})["YBJ_METRICS_PORT"] == str(port) == "9100", dep_name
            assert container(deployment)["livenessProbe"]["httpGet"] == {"path": "/metrics", "port": "metrics"}


# ----------------------------------------------------------------------------------- layout, overlays, image


def test_layout_and_references() -> None:
    for directory in kustomization_dirs():
        kustomization = load(directory / KUSTOMIZATION)[0]
        if kustomization["kind"] == "Kustomization":
            assert kustomization.get("namespace") == "ybj", directory
        entries = [*(kustomization.get("resources") or []), *(kustomization.get("components") or [])]
        for entry in [*entries, *(p["path"] for p in kustomization.get("patches") or [])]:
            assert "://" not in entry, f"{directory}: {entry} is remote (keep the layout self-contained)"
            assert (directory / entry).exists(), f"{directory}: {entry} does not exist"
    base = load(OVERLAYS["base"] / KUSTOMIZATION)[0]["resources"]
    on_disk = sorted(p.name for p in OVERLAYS["base"].glob("*.yaml") if p.name != KUSTOMIZATION)
    assert sorted(base) == on_disk, "the base lists exactly the manifests in its folder"
    for overlay in ("dev", "production"):
        resources = load(OVERLAYS[overlay] / KUSTOMIZATION)[0]["resources"]
        assert {"../../base", "../../operators/kafka", "../../operators/postgres"} <= set(resources), overlay
    if (K8S / "monitoring" / KUSTOMIZATION).is_file():
        production = load(OVERLAYS["production"] / KUSTOMIZATION)[0]["resources"]
        assert "../../monitoring" in production, "production is monitored (../../monitoring)"


def test_no_secret_is_rendered(renders: dict[str, list[Doc]]) -> None:
    for name, docs in renders.items():
        assert not of_kind(docs, "Secret"), name
    for doc in load(K8S / "secrets" / "secrets.example.yaml"):
        assert "data" not in doc, "use stringData with visible placeholders, never base64 data"
        for key, value in doc["stringData"].items():
            assert "CHANGE_ME" in value or key == "username", f"{doc['metadata']['name']}/{key}"


def test_production_raises_capacity_and_pins_the_image(renders: dict[str, list[Doc]]) -> None:
    base, production = of_kind(renders["base"], "Deployment"), of_kind(renders["production"], "Deployment")
    for api in APIS:
        assert production[api]["spec"]["replicas"] > base[api]["spec"]["replicas"], api
    images = load(OVERLAYS["production"] / KUSTOMIZATION)[0]["images"]
    assert [image["name"] for image in images] == [IMAGE]
    assert images[0].get("newTag") or images[0].get("digest")


def test_containerfile_user_matches_the_pods(renders: dict[str, list[Doc]]) -> None:
    containerfile = ROOT / "Containerfile"
    if not containerfile.is_file():
        pytest.skip("no Containerfile yet")
    users = re.findall(r"^USER\s+(\d+)(?::(\d+))?\s*$", containerfile.read_text(encoding="utf-8"), re.MULTILINE)
    assert users, "the Containerfile sets no numeric USER"
    uid, gid = users[-1]
    jobs = [doc for _, doc in hand_applied_documents() if doc["kind"] == "Job"]
    for pod_name, spec in pod_specs([*renders["production"], *jobs]):
        assert spec["securityContext"]["runAsUser"] == int(uid), pod_name
        assert spec["securityContext"]["runAsGroup"] == int(gid or uid), pod_name
