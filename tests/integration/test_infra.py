"""The local infrastructure comes up for real: Kafka round-trips a message and PostgreSQL answers."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from ybj_dev import infra

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def infra_env() -> dict[str, str]:
    """Bring the infrastructure up (a no-op when it already runs) and leave it running."""
    return infra.infra_up(infra.default_run_dir())


def test_infra_up_returns_both_endpoints(infra_env: dict[str, str]) -> None:
    """infra_up returns the DSN and the bootstrap servers and writes them to infra.env."""
    assert infra_env["YBJ_KAFKA_BOOTSTRAP"] == "127.0.0.1:9092"
    assert infra_env["YBJ_PG_DSN"].startswith("postgresql://")
    env_file = infra.default_run_dir() / "infra.env"
    assert env_file.read_text().splitlines() == [f"{key}={value}" for key, value in infra_env.items()]


def test_postgres_select_one(infra_env: dict[str, str]) -> None:
    """SELECT 1 runs over the DSN."""
    with psycopg.connect(infra_env["YBJ_PG_DSN"]) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_create_database_is_idempotent(infra_env: dict[str, str]) -> None:
    """create_database makes a reachable database and tolerates being called twice."""
    name = f"ybj_test_{uuid.uuid4().hex[:8]}"
    dsn = infra.create_database(infra_env["YBJ_PG_DSN"], name)
    try:
        assert infra.create_database(infra_env["YBJ_PG_DSN"], name) == dsn
        with psycopg.connect(dsn) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == (name,)
    finally:
        infra.drop_database(infra_env["YBJ_PG_DSN"], name)


async def test_kafka_round_trip(infra_env: dict[str, str]) -> None:
    """A message produced to a fresh topic is consumed back."""
    bootstrap = infra_env["YBJ_KAFKA_BOOTSTRAP"]
    topic = f"ybj-infra-test-{uuid.uuid4().hex[:8]}"
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"hello", key=b"k1")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"{topic}-group",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        message = await consumer.getone()
    finally:
        await consumer.stop()
    assert (message.key, message.value) == (b"k1", b"hello")


def test_second_infra_up_is_a_no_op(infra_env: dict[str, str]) -> None:
    """A second infra_up starts nothing new and returns the same values."""
    run_dir: Path = infra.default_run_dir()
    kafka_before = infra.kafka_pid(run_dir)
    postgres_before = infra.postmaster_pid(run_dir)
    assert infra.infra_up(run_dir) == infra_env
    assert infra.kafka_pid(run_dir) == kafka_before
    assert infra.postmaster_pid(run_dir) == postgres_before
