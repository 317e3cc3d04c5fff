"""Kafka with mutual TLS for real: the platform's clients against a broker that speaks only TLS and insists on a client
certificate signed by its CA (a Strimzi listener with `tls` authentication, and a KafkaUser's certificate).

A throw-away single-node broker of its own (ybj_dev.tls_kafka: the shared broker's jars, java and template, an SSL
listener only, PEM key and trust stores) on ports after YBJ_TEST_PORT_OFFSET, killed with its folder at the end.
With YBJ_KAFKA_SECURITY_PROTOCOL=SSL and YBJ_KAFKA_SSL_* naming a good certificate, the platform's own functions
(`ensure_topics`, `partitions_of`, `idempotent_producer`, a group consumer built with `client_options()`) work; a
client without a certificate, with one of another CA, not trusting the cluster's CA, or speaking PLAINTEXT is
refused at once. Last, a real relay process (`python -m ybj_enrollment relay`, configured by environment only)
publishes a stored case event to this broker, read back over TLS.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaConnectionError

from tests.integration.enrollment_steps import COMMUNITY, REG
from ybj_dev import infra, processes
from ybj_dev.tls_kafka import TlsBroker, tls_broker
from ybj_enrollment.application import EnrollmentApplication
from ybj_kernel.adapters.kafka import (
    client_options,
    ensure_topics,
    idempotent_producer,
    options_for,
    partitions_of,
    stop_consumer,
)
from ybj_kernel.domain.engine import Actor
from ybj_kernel.entrypoints.service_main import bootstrap
from ybj_kernel.envelope import topic_for
from ybj_kernel.settings import Settings

pytestmark = pytest.mark.integration

# Ports after the test session's offset, below the ephemeral range: the broker, its controller, the relay's metrics.
BASE_PORT = 14092
REFUSAL_SECONDS = 10.0  # a refused client fails at its first connection; no retry may hide it
STEP_SECONDS = 30.0
RELAY_SECONDS = 45.0  # the relay's start (imports, event store, lease) and its first batch
HANDSHAKE_FAILED = "Failed authentication with /127.0.0.1"  # the broker's own log line, "(SSL handshake failed)"


def _ports() -> tuple[int, int, int]:
    base = BASE_PORT + int(os.environ.get("YBJ_TEST_PORT_OFFSET", "0"))
    return base, base + 1, base + 2


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsBroker]:
    """The mutual-TLS broker for this module's tests."""
    port, controller_port, _ = _ports()
    with tls_broker(tmp_path_factory.mktemp("tls-kafka"), port, controller_port) as started:
        yield started


@pytest.fixture
def tls_env(broker: TlsBroker, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process configured for the TLS broker by environment, as a deployed one is; `client_options()` is read
    once per process (functools.cache), so it is forgotten before and after (later tests get PLAINTEXT again)."""
    for name, value in broker.environment().items():
        monkeypatch.setenv(name, value)
    client_options.cache_clear()
    yield
    client_options.cache_clear()


async def test_the_platforms_clients_work_over_mutual_tls(broker: TlsBroker, tls_env: None) -> None:
    assert client_options()["security_protocol"] == "SSL"
    topic = f"ybjtls{uuid.uuid4().hex[:8]}.checks"
    async with asyncio.timeout(STEP_SECONDS):
        await ensure_topics(broker.bootstrap, [topic])
        assert await partitions_of(broker.bootstrap, [topic], wait=False) == [
            TopicPartition(topic, p) for p in range(3)
        ]
        producer = idempotent_producer(broker.bootstrap)
        await producer.start()
        try:
            sent = await producer.send_and_wait(topic, b'{"over": "tls"}', key=b"case-1")
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=broker.bootstrap,
            group_id=f"{topic}.readers",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            **client_options(),
        )
        await consumer.start()
        try:
            record = await consumer.getone()
            await consumer.commit()
            committed = await consumer.committed(TopicPartition(topic, record.partition))
        finally:
            await stop_consumer(consumer)
    assert (record.partition, record.offset, record.key, record.value) == (
        sent.partition,
        sent.offset,
        b"case-1",
        b'{"over": "tls"}',
    )
    assert committed == record.offset + 1  # the group coordinator answered over TLS too


def _refused_settings(broker: TlsBroker, case: str) -> Settings:
    files = broker.files
    stranger, good = files.stranger, files.client
    return {
        "no client certificate": Settings(kafka_security_protocol="SSL", kafka_ssl_cafile=files.ca),
        "a certificate of another CA": Settings(
            kafka_security_protocol="SSL",
            kafka_ssl_cafile=files.ca,
            kafka_ssl_certfile=stranger.certfile,
            kafka_ssl_keyfile=stranger.keyfile,
        ),
        "not trusting the cluster CA": Settings(
            kafka_security_protocol="SSL",
            kafka_ssl_cafile=files.stranger_ca,
            kafka_ssl_certfile=good.certfile,
            kafka_ssl_keyfile=good.keyfile,
        ),
        "PLAINTEXT": Settings(kafka_security_protocol="PLAINTEXT"),
    }[case]


# Who refuses, and what says so: the broker's log where it does not accept the client's certificate (or its lack of
# one), the client's own log where it does not trust the broker. PLAINTEXT meets a TLS listener, which hangs up.
REFUSALS = {
    "no client certificate": ("broker", HANDSHAKE_FAILED),
    "a certificate of another CA": ("broker", HANDSHAKE_FAILED),
    "not trusting the cluster CA": ("client", "CERTIFICATE_VERIFY_FAILED"),
    "PLAINTEXT": ("client", "closed"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
async def test_a_client_without_a_certificate_of_the_cluster_ca_is_refused(
    broker: TlsBroker, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    refused_before = broker.log_text().count(HANDSHAKE_FAILED)
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, **options_for(_refused_settings(broker, case)))
    try:
        with (
            caplog.at_level(logging.WARNING, logger="aiokafka"),
            pytest.raises(KafkaConnectionError, match="Unable to bootstrap"),
        ):
            async with asyncio.timeout(REFUSAL_SECONDS):  # a TimeoutError instead fails the test
                await producer.start()
    finally:
        await producer.stop()
    who, evidence = REFUSALS[case]
    if who == "client":
        said = " | ".join(r.getMessage() for r in caplog.records if r.name.startswith("aiokafka"))
        assert evidence in said, said
        return
    deadline = time.monotonic() + 5
    while broker.log_text().count(evidence) == refused_before:
        assert time.monotonic() < deadline, f"the broker did not log the refusal:\n{processes.tail(broker.log)}"
        await asyncio.sleep(0.1)


@pytest.fixture
def enrollment_database(infrastructure: dict[str, str]) -> Iterator[str]:
    """A fresh database with one stored P019 case (opened, not yet published), dropped afterwards."""
    server = infrastructure["YBJ_PG_DSN"]
    name = f"ybj_tls_{uuid.uuid4().hex[:12]}"
    dsn = infra.create_database(server, name)
    try:
        yield dsn
    finally:
        infra.drop_database(server, name)


def _store_a_case(dsn: str) -> str:
    """Open a P019 case (城乡居民参保登记) in the enrollment event store; return its id."""
    app = bootstrap(EnrollmentApplication, Settings(pg_dsn=dsn))
    try:
        user, role, admdvs = REG
        return app.create_case("P019", dict(COMMUNITY), Actor(user, (role,), admdvs)).case_id
    finally:
        app.close()
        app._acceptance_numbers.close()  # type: ignore[attr-defined]


async def _published(bootstrap_servers: str, topic: str, case_id: str, relay: subprocess.Popen[bytes]) -> Any:
    """Wait for the relay's topic, then read it over TLS until the case's first event is there; return it."""
    while not (tps := await partitions_of(bootstrap_servers, [topic], wait=False)):
        assert relay.poll() is None, "the relay exited"
        await asyncio.sleep(0.5)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False, **client_options())
    await consumer.start()
    try:
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        while True:
            assert relay.poll() is None, "the relay exited"
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                for record in batch:
                    envelope = orjson.loads(record.value or b"{}")
                    if envelope.get("caseid") == case_id:
                        return envelope
    finally:
        await stop_consumer(consumer)


def _start_relay(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`python -m ybj_enrollment relay` in a session of its own, its output into `log`."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "ybj_enrollment", "relay"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop(relay: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as Kubernetes stops a pod; its whole group killed if it does not stop in time."""
    relay.send_signal(signal.SIGTERM)
    try:
        relay.wait(15)
    except subprocess.TimeoutExpired:
        processes.kill_group(relay.pid)


async def _read_back(bootstrap_servers: str, topic: str, case_id: str, relay: subprocess.Popen[bytes]) -> Any:
    async with asyncio.timeout(RELAY_SECONDS):
        return await _published(bootstrap_servers, topic, case_id, relay)


def test_a_relay_process_publishes_over_mutual_tls(
    broker: TlsBroker, tls_env: None, enrollment_database: str, tmp_path: Path
) -> None:
    case_id = _store_a_case(enrollment_database)
    prefix = f"ybjtls{uuid.uuid4().hex[:8]}"
    env = {name: value for name, value in os.environ.items() if not name.startswith("YBJ_")}
    env |= broker.environment() | {
        "YBJ_PG_DSN": enrollment_database,
        "YBJ_TOPIC_PREFIX": prefix,
        "YBJ_METRICS_PORT": str(_ports()[2]),
    }
    log = tmp_path / "relay.log"
    relay = _start_relay(env, log)
    try:
        envelope = asyncio.run(_read_back(broker.bootstrap, topic_for(prefix, "enrollment"), case_id, relay))
    except (AssertionError, TimeoutError) as failure:
        raise AssertionError(f"the relay did not publish over TLS ({failure!r}):\n{processes.tail(log, 40)}") from None
    finally:
        _stop(relay)
    assert (envelope["caseversion"], envelope["processid"]) == (1, "P019")
    assert relay.returncode == 0, processes.tail(log, 40)
    assert "Kafka not reachable" not in log.read_text(errors="replace")  # it connected at once, with its certificate
