"""The KafkaUsers' ACLs (deploy/k8s/operators/kafka/users.yaml) enforced by a real broker, met by the platform's clients.

A throw-away single-node broker of its own (ybj_dev.tls_kafka: mutual TLS only, on ports after YBJ_TEST_PORT_OFFSET)
runs Kafka's authorizer (KRaft's StandardAuthorizer, allow.everyone.if.no.acl.found=false; the broker and an admin
are the super users). Every KafkaUser of the manifests gets a client certificate with subject CN=<name> only, as Strimzi
issues it; the broker's default ssl.principal.mapping.rules make that `User:CN=<name>`, the principal Strimzi writes
the user's ACLs for. As the admin, the platform's topics are created and each manifest ACL is added with Kafka's own
AclCommand (kafka-acls) translated as Strimzi's User Operator would (resource type, name, pattern type, operations);
the broker then holds exactly those ACLs.

Each user then does, through the platform's own clients and functions (YBJ_KAFKA_* of its certificate,
`client_options()`), what its process does, and is refused what it does not do:

* a relay's idempotent producer publishes to its service's topic and is refused another's (TopicAuthorizationFailed);
* the projector reads the domain topics in its group, writes dead letters, counts the waiting ones (the retry group's
  committed offsets: `waiting_dead_letters`, as ybj_dead_letters_waiting does), and is refused a domain topic;
* a reactor (`run_reactor` itself, on the topics and group it subscribes with) consumes and commits, and is refused
  another reactor's group;
* ops measures `ybj lag` and lists `ybj deadletters`, commits the retry group as a retry does, and is refused a domain
  topic;
* the checkpointer publishes checkpoints (`publish`) and nothing else;
* `ensure_topics`, which every process calls at start with topics it may not create, passes when they exist, and
  names a missing one at once;
* ops may also publish a checkpoint sealed by hand (`ybj audit checkpoint`).

The broker is killed and its folder removed at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import os
import re
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
import yaml
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    GroupCoordinatorNotAvailableError,
    TopicAuthorizationFailedError,
)

from ybj_dev import infra, processes
from ybj_dev.tls_kafka import (
    ACL_COMMAND,
    ADMIN_NAME,
    AUTHORIZER,
    Authorization,
    TlsBroker,
    client_properties,
    principal,
    run_tools,
    tls_broker,
)
from ybj_kernel.adapters import reactor
from ybj_kernel.adapters.kafka import (
    TopicsNotCreated,
    client_options,
    ensure_topics,
    idempotent_producer,
    partitions_of,
    stop_consumer,
)
from ybj_kernel.adapters.reactor import reactor_group
from ybj_kernel.audit.checkpoint import Checkpoint
from ybj_kernel.audit.checkpointer import checkpoint_topic, publish
from ybj_kernel.envelope import topic_for
from ybj_kernel.ops import lag, offsets, services
from ybj_kernel.settings import DOMAIN_SERVICES, Settings
from ybj_query.__main__ import projector_for
from ybj_query.ops import list_dead_letters, waiting_dead_letters
from ybj_query.ops.deadletters import read_waiting, retry_group
from ybj_query.ops.retry import _commit as commit_retry_group

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
USERS = K8S / "operators" / "kafka" / "users.yaml"
# The topic prefix the processes are given (the names the manifests' ACLs are written for).
PREFIX: str = yaml.safe_load((K8S / "base" / "configmap.yaml").read_text(encoding="utf-8"))["data"]["YBJ_TOPIC_PREFIX"]
BASE_PORT = 14192  # the broker and its controller, after the session's offset (test_kafka_mutual_tls: 14092)
STEP_SECONDS = 30.0
ENSURE_SECONDS = 10.0  # ensure_topics of existing topics: a few round trips (a topic it cannot see: 30 s, a warning)
DEAD_LETTERS = 2  # put on the dead-letter topic by the admin before the users start
SEED = b"seed"  # the key of the records the admin puts on each domain topic


def _ports() -> tuple[int, int]:
    base = BASE_PORT + int(os.environ.get("YBJ_TEST_PORT_OFFSET", "0"))
    return base, base + 1


# ---------------------------------------------------------------- the manifests' ACLs, as Kafka holds them


@dataclass(frozen=True, order=True)
class Binding:
    """One ACL as the broker holds it (Kafka's names: TOPIC, LITERAL, DESCRIBE, ALLOW)."""

    principal: str
    resource_type: str
    name: str
    pattern_type: str
    operation: str
    permission: str = "ALLOW"
    host: str = "*"


# Strimzi's resource types: Kafka's name, AclCommand's option (a cluster has no name; Kafka calls it kafka-cluster).
RESOURCE_TYPES = {
    "topic": ("TOPIC", "--topic"),
    "group": ("GROUP", "--group"),
    "transactionalId": ("TRANSACTIONAL_ID", "--transactional-id"),
    "cluster": ("CLUSTER", "--cluster"),
}
OPTIONS = dict(RESOURCE_TYPES.values())
CLUSTER_NAME = "kafka-cluster"
PATTERN_TYPES = {"literal": "LITERAL", "prefix": "PREFIXED"}
ACL_KEYS = frozenset({"resource", "type", "host", "operations"})


def kafka_operation(strimzi: str) -> str:
    """Strimzi's operation name as Kafka's AclOperation: IdempotentWrite -> IDEMPOTENT_WRITE."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", strimzi).upper()


def cli_operation(kafka: str) -> str:
    """Kafka's AclOperation as its tools spell it: IDEMPOTENT_WRITE -> IdempotentWrite."""
    return "".join(part.capitalize() for part in kafka.split("_"))


def kafka_users(path: Path = USERS) -> dict[str, dict[str, Any]]:
    """The KafkaUser documents of a manifest file, by name."""
    docs = [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == "KafkaUser"}


def manifest_bindings(users: dict[str, dict[str, Any]]) -> set[Binding]:
    """Every ACL the manifests grant, for the principal Strimzi gives a tls user (anything not understood fails)."""
    found: set[Binding] = set()
    for name, user in users.items():
        assert user["spec"]["authentication"] == {"type": "tls"}, name
        authorization = user["spec"]["authorization"]
        assert authorization["type"] == "simple", name
        for acl in authorization["acls"]:
            assert set(acl) <= ACL_KEYS, f"{name}: an ACL key this test does not translate: {set(acl) - ACL_KEYS}"
            resource = acl["resource"]
            resource_type = RESOURCE_TYPES[resource["type"]][0]
            resource_name = CLUSTER_NAME if resource_type == "CLUSTER" else resource["name"]
            pattern = "LITERAL" if resource_type == "CLUSTER" else PATTERN_TYPES[resource.get("patternType", "literal")]
            for operation in acl["operations"]:
                found.add(
                    Binding(
                        principal(name),
                        resource_type,
                        resource_name,
                        pattern,
                        kafka_operation(operation),
                        acl.get("type", "allow").upper(),
                        acl.get("host", "*"),
                    )
                )
    return found


def acl_commands(bindings: set[Binding]) -> list[list[str]]:
    """AclCommand --add arguments adding exactly `bindings`: each command adds principals x operations x resources,
    so bindings are grouped into such products (a principal's resources with the same operations, then the
    principals granted the same)."""
    by_resource: dict[tuple[str, str, str, str, str, str], set[str]] = defaultdict(set)
    for b in bindings:
        by_resource[(b.principal, b.permission, b.host, b.resource_type, b.pattern_type, b.name)].add(b.operation)
    by_operations: dict[tuple[str, str, str, str, str, frozenset[str]], set[str]] = defaultdict(set)
    for (who, permission, host, resource_type, pattern, name), granted in by_resource.items():
        by_operations[(who, permission, host, resource_type, pattern, frozenset(granted))].add(name)
    by_product: dict[tuple[str, str, str, str, frozenset[str], frozenset[str]], set[str]] = defaultdict(set)
    for (who, permission, host, resource_type, pattern, ops), names in by_operations.items():
        by_product[(permission, host, resource_type, pattern, ops, frozenset(names))].add(who)
    commands = []
    for (permission, host, resource_type, pattern, ops, resources), whom in sorted(
        by_product.items(), key=lambda item: sorted(map(str, item[0]))
    ):
        kind = permission.lower()
        option = OPTIONS[resource_type]
        command = ["--add", "--resource-pattern-type", pattern.lower()]
        command += [arg for who in sorted(whom) for arg in (f"--{kind}-principal", who)]
        command += [f"--{kind}-host", host]
        command += [arg for op in sorted(ops) for arg in ("--operation", cli_operation(op))]
        command += [option] if resource_type == "CLUSTER" else [arg for n in sorted(resources) for arg in (option, n)]
        commands.append(command)
    return commands


LISTED_RESOURCE = re.compile(r"ResourcePattern\(resourceType=(\w+), name=(.*), patternType=(\w+)\)`:")
LISTED_ACL = re.compile(r"\(principal=(.+), host=(.+), operation=(\w+), permissionType=(\w+)\)")


def listed_bindings(listing: str) -> set[Binding]:
    """The ACLs of `AclCommand --list`'s output."""
    found: set[Binding] = set()
    resource: tuple[str, str, str] | None = None
    for line in listing.splitlines():
        if match := LISTED_RESOURCE.search(line):
            resource = (match[1], match[2], match[3])
        elif (match := LISTED_ACL.search(line)) and resource is not None:
            found.add(Binding(match[1], *resource, operation=match[3], permission=match[4], host=match[2]))
    return found


def test_acl_commands_add_exactly_the_bindings() -> None:
    """The translation alone: the products of the commands are the bindings, no more (AclCommand adds each
    principal x operation x resource of a command)."""
    bindings = manifest_bindings(kafka_users())
    added: set[Binding] = set()
    for command in acl_commands(bindings):
        values: dict[str, list[str]] = defaultdict(list)
        for option, value in itertools.pairwise(command):
            values[option].append(value)
        pattern = values["--resource-pattern-type"][0].upper()
        if "--cluster" in command:
            values["--cluster"].append(CLUSTER_NAME)
        for option in OPTIONS.values():
            kind = next(k for k, o in OPTIONS.items() if o == option)
            added |= {
                Binding(who, kind, name, pattern, op, "ALLOW", host)
                for who in values["--allow-principal"]
                for host in values["--allow-host"]
                for op in map(kafka_operation, values["--operation"])
                for name in values[option]
            }
    assert added == bindings
    assert len(acl_commands(bindings)) < len(bindings)  # grouped: one JVM per product, not per ACL


# ---------------------------------------------------------------- the broker, its topics and ACLs


def domain_topics() -> list[str]:
    """The domain services' topics (topic_for)."""
    return [topic_for(PREFIX, s) for s in DOMAIN_SERVICES]


def projector() -> SimpleNamespace:
    """The projector's topics, dead-letter topic and group, as projector_for builds them (not connected)."""
    built = projector_for(Settings(topic_prefix=PREFIX), engine=None)  # type: ignore[arg-type]  # not connected
    return SimpleNamespace(topics=list(built.topics), dead_letter=built.dead_letter, group=built.group_id)


def platform_topics() -> list[str]:
    """Every topic the platform uses: the domain topics, the dead letters, the checkpoints."""
    return [*domain_topics(), projector().dead_letter, checkpoint_topic(PREFIX)]


def ssl_environment(broker: TlsBroker, user: str) -> dict[str, str]:
    """The variables of a pod of a KafkaUser (its certificate mounted as files; the topic prefix of the ConfigMap)."""
    return {**broker.environment(user), "YBJ_TOPIC_PREFIX": PREFIX}


@contextlib.contextmanager
def acting_as(broker: TlsBroker, user: str) -> Iterator[Settings]:
    """This process configured as a pod of `user` by environment; `client_options()` is read once per process
    (functools.cache), so it is forgotten on the way in and out."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in ssl_environment(broker, user).items():
            patch.setenv(name, value)
        client_options.cache_clear()
        try:
            yield Settings()
        finally:
            client_options.cache_clear()


@dataclass(frozen=True)
class Cluster:
    """The broker with the manifests' users and ACLs, and what the admin put on it."""

    broker: TlsBroker
    users: dict[str, dict[str, Any]]
    bindings: set[Binding]
    listed: set[Binding]  # what the broker holds after the ACLs were added (AclCommand --list)
    seconds_to_set_up: float


async def _seed(bootstrap: str) -> None:
    """As the admin: the platform's topics, a record on each domain topic, dead letters with the projector's
    headers."""
    await ensure_topics(bootstrap, platform_topics())
    producer = idempotent_producer(bootstrap)
    await producer.start()
    try:
        for topic in domain_topics():
            await producer.send_and_wait(topic, b'{"id": "seed", "type": "seed"}', key=SEED)
        for offset in range(DEAD_LETTERS):
            headers = [("reason", b"seeded"), ("topic", domain_topics()[0].encode())]
            headers += [("partition", b"0"), ("offset", str(offset).encode())]
            await producer.send_and_wait(projector().dead_letter, b"{}", key=SEED, headers=headers)
    finally:
        await producer.stop()
    await _group_coordinator_ready(bootstrap)


async def _group_coordinator_ready(bootstrap: str) -> None:
    """Wait until the broker coordinates groups: its first group request creates __consumer_offsets, and until then
    FindCoordinator answers COORDINATOR_NOT_AVAILABLE (which offsets.committed, like aiokafka's admin, does not retry)."""
    while True:
        try:
            await offsets.committed(bootstrap, "ybj-acl-test-warm-up")
            return
        except GroupCoordinatorNotAvailableError:
            await asyncio.sleep(0.2)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """The authorizing broker for this module, the manifests' ACLs added by the admin with Kafka's AclCommand."""
    started = time.monotonic()
    users = kafka_users()
    bindings = manifest_bindings(users)
    port, controller_port = _ports()
    folder = tmp_path_factory.mktemp("acl-kafka")
    with tls_broker(folder, port, controller_port, authorization=Authorization(), users=[ADMIN_NAME, *users]) as broker:
        with acting_as(broker, ADMIN_NAME):
            asyncio.run(asyncio.wait_for(_seed(broker.bootstrap), STEP_SECONDS))
        admin = [
            "--bootstrap-server",
            broker.bootstrap,
            "--command-config",
            str(client_properties(broker.files, ADMIN_NAME)),
        ]
        run_tools(broker, ACL_COMMAND, [[*admin, *command] for command in acl_commands(bindings)])
        listing = run_tools(broker, ACL_COMMAND, [[*admin, "--list"]])[0]
        yield Cluster(broker, users, bindings, listed_bindings(listing), time.monotonic() - started)
    assert not folder.exists(), "the broker's folder is removed"


def test_the_broker_holds_exactly_the_manifests_acls(cluster: Cluster) -> None:
    assert cluster.listed == cluster.bindings, (
        f"extra {sorted(cluster.listed - cluster.bindings)}, missing {sorted(cluster.bindings - cluster.listed)}"
    )
    assert {b.principal for b in cluster.bindings} == {f"User:CN={name}" for name in cluster.users}
    properties = (infra.kafka_dir(cluster.broker.folder) / "server.properties").read_text()
    assert f"authorizer.class.name={AUTHORIZER}" in properties
    assert "allow.everyone.if.no.acl.found=false" in properties
    assert "ssl.principal.mapping.rules" not in properties  # the default: User:<the certificate's subject>
    assert cluster.seconds_to_set_up < 75, f"setting the broker up took {cluster.seconds_to_set_up:.0f} s"


def denials(broker: TlsBroker, user: str) -> list[str]:
    """The broker's log lines denying `user` something (the authorizer logs the principal it mapped)."""
    return [line for line in broker.log_text().splitlines() if f"Principal = {principal(user)} is Denied" in line]


async def until_denied(broker: TlsBroker, user: str, before: int, what: str) -> str:
    """Wait until the broker logs a new denial of `user` mentioning `what`; return it."""
    deadline = time.monotonic() + 5
    while True:
        fresh = [line for line in denials(broker, user)[before:] if what in line]
        if fresh:
            return fresh[0]
        assert time.monotonic() < deadline, f"no denial of {principal(user)} on {what}:\n{processes.tail(broker.log)}"
        await asyncio.sleep(0.1)


async def produce(topic: str, value: bytes, headers: Sequence[tuple[str, bytes]] = ()) -> int:
    """Publish one record with the platform's idempotent producer; its offset."""
    producer = idempotent_producer(Settings().kafka_bootstrap)
    await producer.start()
    try:
        sent = await producer.send_and_wait(topic, value, key=b"acl-test", headers=list(headers) or None)
    finally:
        await producer.stop()
    return int(sent.offset)


async def refused_producing(topic: str) -> None:
    """Publishing to `topic` fails with TopicAuthorizationFailed at once (no retry hides it)."""
    with pytest.raises(TopicAuthorizationFailedError):
        await produce(topic, b'{"must": "not arrive"}')


# ---------------------------------------------------------------- what each process does


def ensure_topics_of(user: str) -> list[str]:
    """The topics the user's process calls ensure_topics with at start."""
    if user.endswith("-relay"):
        return [topic_for(PREFIX, user.removesuffix("-relay"))]  # adapters/relay.py
    if user == "query-projector":
        return [*projector().topics, projector().dead_letter]  # ybj_query/consumer.py Projector.start
    if user.endswith("-reactor"):
        return services.reactor_topics(user.removesuffix("-reactor"), PREFIX)  # adapters/reactor.py run_reactor
    if user == "audit-checkpointer":
        return [checkpoint_topic(PREFIX)]  # audit/checkpointer.py
    if user == "ops":
        return [*projector().topics, projector().dead_letter]  # `ybj readmodels rebuild` in the ops-toolbox
    raise AssertionError(f"a KafkaUser this test does not know: {user}")


@pytest.mark.parametrize("user", sorted(kafka_users()))
async def test_ensure_topics_passes_for_a_user_that_may_not_create_them(
    cluster: Cluster, user: str, caplog: pytest.LogCaptureFixture
) -> None:
    with acting_as(cluster.broker, ADMIN_NAME):
        async with asyncio.timeout(STEP_SECONDS):
            before = await partitions_of(cluster.broker.bootstrap, platform_topics(), wait=False)
    assert not any(b.operation in ("CREATE", "ALL") for b in cluster.bindings if b.principal == principal(user))
    with acting_as(cluster.broker, user):
        started = time.monotonic()
        async with asyncio.timeout(STEP_SECONDS):
            await ensure_topics(cluster.broker.bootstrap, ensure_topics_of(user))
        took = time.monotonic() - started
    assert took < ENSURE_SECONDS, f"{user}: ensure_topics took {took:.1f} s"
    assert "not served yet" not in caplog.text  # it saw every one of them
    with acting_as(cluster.broker, ADMIN_NAME):
        async with asyncio.timeout(STEP_SECONDS):
            assert await partitions_of(cluster.broker.bootstrap, platform_topics(), wait=False) == before


async def test_a_topic_missing_on_the_cluster_is_named_at_start_not_waited_for(cluster: Cluster) -> None:
    missing = f"{PREFIX}.nobody.events"  # as if its KafkaTopic were not applied
    with acting_as(cluster.broker, "enrollment-relay"):
        started = time.monotonic()
        async with asyncio.timeout(STEP_SECONDS):
            with pytest.raises(TopicsNotCreated, match=re.escape(missing)):
                await ensure_topics(cluster.broker.bootstrap, [topic_for(PREFIX, "enrollment"), missing])
    assert time.monotonic() - started < ENSURE_SECONDS  # said at once, not after waiting for the topic to appear


@pytest.mark.parametrize("service", DOMAIN_SERVICES)
async def test_a_relay_publishes_to_its_topic_only(cluster: Cluster, service: str) -> None:
    user = f"{service}-relay"
    other = topic_for(PREFIX, DOMAIN_SERVICES[(DOMAIN_SERVICES.index(service) + 1) % len(DOMAIN_SERVICES)])
    assert principal(user) == f"User:CN={user}"
    refused_before = len(denials(cluster.broker, user))
    with acting_as(cluster.broker, user):
        async with asyncio.timeout(STEP_SECONDS):
            assert await produce(topic_for(PREFIX, service), b'{"relayed": true}') >= 0
            await refused_producing(other)
    # The broker mapped the certificate (subject CN=<user>) to the principal the manifest's ACLs are written for.
    assert f"resource = Topic:LITERAL:{other}" in await until_denied(cluster.broker, user, refused_before, other)


async def _read_one_of_each(consumer: AIOKafkaConsumer, topics: Sequence[str]) -> set[str]:
    """Read until a seeded record of each topic arrived; the topics seen."""
    seen: set[str] = set()
    while seen != set(topics):
        for tp, records in (await consumer.getmany(timeout_ms=500)).items():
            if any(r.key == SEED for r in records):
                seen.add(tp.topic)
    return seen


async def test_the_projector_reads_in_its_group_writes_dead_letters_and_counts_them(cluster: Cluster) -> None:
    query = projector()
    with acting_as(cluster.broker, ADMIN_NAME) as admin:
        async with asyncio.timeout(STEP_SECONDS):
            waiting_for_admin = await waiting_dead_letters(admin)
    with acting_as(cluster.broker, "query-projector") as settings:
        async with asyncio.timeout(STEP_SECONDS):
            # ybj_dead_letters_waiting: the dead-letter topic's ends past the retry group's committed offsets
            assert await waiting_dead_letters(settings) == waiting_for_admin
            consumer = AIOKafkaConsumer(
                *query.topics,
                bootstrap_servers=settings.kafka_bootstrap,
                group_id=query.group,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                isolation_level="read_committed",
                **client_options(),
            )
            await consumer.start()
            try:
                assert await _read_one_of_each(consumer, query.topics) == set(query.topics)
            finally:
                await stop_consumer(consumer)
            headers = [("reason", b"acl test"), ("topic", query.topics[0].encode()), ("partition", b"0")]
            await produce(query.dead_letter, b"{}", [*headers, ("offset", b"0")])
            assert await waiting_dead_letters(settings) == waiting_for_admin + 1
            await refused_producing(query.topics[0])


def _next(items: Sequence[str], item: str) -> str:
    return items[(list(items).index(item) + 1) % len(items)]


async def _consume_forever(consumer: AIOKafkaConsumer) -> None:
    await consumer.start()
    while True:
        await consumer.getmany(timeout_ms=500)


async def _refused_in_group(topics: Sequence[str], group: str) -> None:
    """A consumer of `topics` in `group` is refused the group (GroupAuthorizationFailed) as it joins."""
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=Settings().kafka_bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **client_options(),
    )
    try:
        with pytest.raises(GroupAuthorizationFailedError):
            await _consume_forever(consumer)
    finally:
        await stop_consumer(consumer)


@pytest.mark.parametrize("service", services.REACTING_SERVICES)
async def test_a_reactor_consumes_its_subscription_in_its_group_only(
    cluster: Cluster, service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = services.reactor_name(service)
    built: dict[str, Any] = {}

    def recording(*topics: str, **options: Any) -> AIOKafkaConsumer:
        """run_reactor's consumer, its topics and group noted (as tests/unit/test_k8s_manifests.py reads them)."""
        built.update(topics=sorted(topics), group=options["group_id"])
        return AIOKafkaConsumer(*topics, **options)

    stop = asyncio.Event()

    def react_many(envelopes: list[dict[str, Any]]) -> list[bool]:
        """The application's reactions, standing in (no database); the seeds are for none of them."""
        return [False] * len(envelopes)

    monkeypatch.setattr(reactor, "AIOKafkaConsumer", recording)
    app = SimpleNamespace(
        service=service, reactions=services.application_class(service).reactions, react_many=react_many
    )
    with acting_as(cluster.broker, user):
        async with asyncio.timeout(STEP_SECONDS):
            running = asyncio.ensure_future(reactor.run_reactor(app, cluster.broker.bootstrap, PREFIX, stop))  # type: ignore[arg-type]
            # The seeds are passed over, and their offsets committed once the topics are quiet: then it read them.
            while not built or not await offsets.committed(cluster.broker.bootstrap, built["group"]):
                assert not running.done(), f"the reactor stopped: {running.exception()}"
                await asyncio.sleep(0.3)
            stop.set()
            await running
    assert built["group"] == reactor_group(PREFIX, service)
    with acting_as(cluster.broker, "ops"):
        async with asyncio.timeout(STEP_SECONDS):
            committed = await offsets.committed(cluster.broker.bootstrap, built["group"])
    assert committed, "the reactor committed nothing"
    assert {tp.topic for tp in committed} <= set(built["topics"])
    other = reactor_group(PREFIX, _next(services.REACTING_SERVICES, service))
    with acting_as(cluster.broker, user):
        async with asyncio.timeout(STEP_SECONDS):
            await _refused_in_group(built["topics"], other)


def test_ops_measures_lag_lists_and_retries_dead_letters_and_writes_no_domain_topic(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = projector()
    group = retry_group(PREFIX)
    # `ybj lag` reads the projector's positions from the query database (not Kafka's): none here.
    monkeypatch.setattr(services.query_ops(), "projector_positions", lambda settings: {})
    with acting_as(cluster.broker, "ops") as settings:
        out = io.StringIO()
        assert list_dead_letters(settings, out, as_json=True) == 0  # `ybj deadletters list --json`
        listed = orjson.loads(out.getvalue())
        report = lag.LagReport()  # `ybj lag`, its Kafka part
        asyncio.run(lag.consumer_lags(settings, report))
        report.dead_letters = asyncio.run(lag.dead_letters(settings))
    assert listed["topic"] == query.dead_letter
    assert len(listed["waiting"]) >= DEAD_LETTERS
    assert report.consumer_errors == {}
    assert report.dead_letters == lag.DeadLetters(query.dead_letter, len(listed["waiting"]))
    measured: dict[str, set[str]] = defaultdict(set)
    for partition in report.consumers:
        measured[partition.consumer].add(partition.topic)
    assert measured == {
        services.PROJECTOR: set(domain_topics()),
        **{services.reactor_name(s): set(services.reactor_topics(s, PREFIX)) for s in services.REACTING_SERVICES},
    }

    async def retry_then_put_back() -> None:
        """`ybj deadletters retry`'s Kafka part: read the waiting letters, put one back, commit the group past them."""
        waiting = await read_waiting(settings.kafka_bootstrap, query.dead_letter, group)
        assert len(waiting.letters) == len(listed["waiting"])
        await commit_retry_group(settings.kafka_bootstrap, group, waiting.ends)
        await produce(query.dead_letter, b"{}", waiting.letters[0].again("still failing"))
        await refused_producing(domain_topics()[0])

    with acting_as(cluster.broker, "ops") as settings:
        asyncio.run(asyncio.wait_for(retry_then_put_back(), STEP_SECONDS))
    with acting_as(cluster.broker, "query-projector") as settings:
        assert asyncio.run(asyncio.wait_for(waiting_dead_letters(settings), STEP_SECONDS)) == 1  # the one put back


@pytest.mark.parametrize("user", ["audit-checkpointer", "ops"])
async def test_checkpoints_are_published_by_the_checkpointer_or_sealed_by_hand_only(
    cluster: Cluster, user: str
) -> None:
    topic = checkpoint_topic(PREFIX)
    checkpoint = Checkpoint("enrollment", "acl-test", "2026-01-01T00:00:00Z", "00" * 32, 1, 1)
    with acting_as(cluster.broker, ADMIN_NAME) as admin:
        async with asyncio.timeout(STEP_SECONDS):
            tps = await partitions_of(admin.kafka_bootstrap, [topic], wait=False)
            before = sum(b.end for b in (await offsets.bounds(admin.kafka_bootstrap, tps)).values())
    with acting_as(cluster.broker, user) as settings:
        async with asyncio.timeout(STEP_SECONDS):
            await publish(settings.kafka_bootstrap, topic, [checkpoint])
            with pytest.raises(TopicAuthorizationFailedError):
                await publish(settings.kafka_bootstrap, domain_topics()[0], [checkpoint])
            if user != "ops":  # ops puts dead letters back (`ybj deadletters retry`)
                with pytest.raises(TopicAuthorizationFailedError):
                    await publish(settings.kafka_bootstrap, projector().dead_letter, [checkpoint])
    with acting_as(cluster.broker, ADMIN_NAME) as admin:
        async with asyncio.timeout(STEP_SECONDS):
            after = sum(b.end for b in (await offsets.bounds(admin.kafka_bootstrap, tps)).values())
    assert after == before + 1
