"""Kafka plumbing shared by producers and consumers: topics, the idempotent producer and the connection options
(TLS with a client certificate where the settings ask for it) every client takes."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, TopicAlreadyExistsError
from aiokafka.helpers import create_ssl_context

from ybj_kernel.settings import Settings

PARTITIONS = 3
TOPIC_READY_SECONDS = 30.0
log = logging.getLogger(__name__)


@functools.cache
def client_options() -> dict[str, Any]:
    """The keyword arguments every aiokafka client of this process takes: the security protocol, and for SSL the
    context holding the cluster's CA and this process's client certificate (YBJ_KAFKA_SSL_*; read once)."""
    return options_for(Settings())


def options_for(settings: Settings) -> dict[str, Any]:
    """The aiokafka connection options `settings` asks for; SSL without a CA file is refused, naming the setting."""
    if settings.kafka_security_protocol == "PLAINTEXT":
        return {"security_protocol": "PLAINTEXT"}
    if settings.kafka_ssl_cafile is None:
        raise ValueError("YBJ_KAFKA_SECURITY_PROTOCOL=SSL needs YBJ_KAFKA_SSL_CAFILE (the cluster CA certificate)")
    if (settings.kafka_ssl_certfile is None) != (settings.kafka_ssl_keyfile is None):
        raise ValueError(
            "YBJ_KAFKA_SSL_CERTFILE and YBJ_KAFKA_SSL_KEYFILE go together (the client certificate and key)"
        )
    context = create_ssl_context(
        cafile=str(settings.kafka_ssl_cafile),
        certfile=str(settings.kafka_ssl_certfile) if settings.kafka_ssl_certfile else None,
        keyfile=str(settings.kafka_ssl_keyfile) if settings.kafka_ssl_keyfile else None,
    )
    return {"security_protocol": "SSL", "ssl_context": context}


async def ensure_topics(bootstrap: str, names: Iterable[str], partitions: int = PARTITIONS) -> None:
    """Create the topics that do not exist yet (single node: replication factor 1; kept forever), and return once
    the broker serves every one of them (one just made by another process may not be served yet)."""
    names = list(names)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options())
    await _retry_connect(admin.start)
    try:
        existing = set(await admin.list_topics())
        # Event topics keep everything: read models are rebuilt from the beginning.
        missing = [NewTopic(n, partitions, 1, topic_configs={"retention.ms": "-1"}) for n in names if n not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                response = await admin.create_topics(missing)
                _check_created(response.topic_errors)
        await _until_served(admin, names)
    finally:
        await admin.close()


class TopicsNotCreated(RuntimeError):
    """Topics this process needs do not exist and it may not create them (on a cluster, the KafkaTopics are not
    applied yet, or this client's user may not create topics: as it should not)."""


def _check_created(topic_errors: Iterable[tuple[Any, ...]]) -> None:
    """Raise TopicsNotCreated for the topics the broker refused to create (made meanwhile by another is fine)."""
    refused = [
        f"{error[0]} ({error[2] if len(error) > 2 and error[2] else f'error {error[1]}'})"
        for error in topic_errors
        if error[1] not in (0, TopicAlreadyExistsError.errno)
    ]
    if refused:
        raise TopicsNotCreated(
            f"topics missing and not created: {', '.join(refused)}. On Kubernetes, apply their KafkaTopics "
            "(deploy/k8s/operators/kafka/topics.yaml); this process's user may not create topics."
        )


async def _until_served(admin: AIOKafkaAdminClient, names: list[str]) -> None:
    """Wait until the broker's metadata shows every partition of new topics with a leader.

    A consumer that subscribes before then is assigned no partition of the topics it could not see, and stays
    idle until its next metadata refresh (five minutes): on a fresh broker this happened to the projector.
    """
    deadline = asyncio.get_running_loop().time() + TOPIC_READY_SECONDS
    while True:
        described = await admin.describe_topics(names)
        if all(
            t["error_code"] == 0 and t["partitions"] and all(p["leader"] >= 0 for p in t["partitions"])
            for t in described
        ):
            return
        if asyncio.get_running_loop().time() > deadline:
            log.warning("topics %s are not served yet after %.0f s", names, TOPIC_READY_SECONDS)
            return
        await asyncio.sleep(0.1)


def idempotent_producer(bootstrap: str) -> AIOKafkaProducer:
    """A producer that neither loses nor reorders acknowledged records (acks=all, idempotence)."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=True,
        acks="all",
        linger_ms=2,
        max_batch_size=256 * 1024,
        request_timeout_ms=15000,
        **client_options(),
    )


async def _retry_connect(start: object, attempts: int = 30) -> None:
    for attempt in range(attempts):
        try:
            await start()  # type: ignore[operator]
            return
        except KafkaConnectionError:
            if attempt == attempts - 1:
                raise
            if client_options()["security_protocol"] == "SSL":  # a refused certificate looks the same from here
                log.warning(
                    "Kafka not reachable yet, retrying (over TLS: if it stays so, check that the broker trusts "
                    "YBJ_KAFKA_SSL_CERTFILE's certificate and that YBJ_KAFKA_SSL_CAFILE is the cluster's CA)"
                )
            else:
                log.warning("Kafka not reachable yet, retrying")
            await asyncio.sleep(1)


async def stop_consumer(consumer: AIOKafkaConsumer) -> None:
    """Stop a consumer; a group-less consumer stopped soon after start raises CancelledError (aiokafka #647)."""
    try:
        await consumer.stop()
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise  # a real cancellation of our own task


async def partitions_of(bootstrap: str, names: Iterable[str], *, wait: bool = True) -> list[TopicPartition]:
    """Every partition of the given topics that exist, from the broker's metadata; `wait=False`: no retries (an
    operator's command says at once that Kafka cannot be reached, where a service waits for it)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options())
    await (_retry_connect(admin.start) if wait else admin.start())
    try:
        described = await admin.describe_topics(list(names))
    finally:
        await admin.close()
    return sorted(
        (
            TopicPartition(t["topic"], p["partition"])
            for t in described
            if t["error_code"] == 0
            for p in t["partitions"]
        ),
        key=lambda tp: (tp.topic, tp.partition),
    )
