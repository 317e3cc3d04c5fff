"""ybj_consumer_lag_messages of one Kafka consumer: how far behind the end of each partition it holds it is.

Shared by the projector and the reactors. A partition the consumer gave up (a rebalance moved it to another replica, or
the consumer stopped) is dropped from the metric: a value left behind would go on reporting a lag that another replica
is working off, and keep the consumer-lag alert firing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from aiokafka import TopicPartition

from ybj_kernel.metrics import CONSUMER_LAG


class HoldsPartitions(Protocol):
    """What the lag is read from: the part of AIOKafkaConsumer this module uses."""

    def assignment(self) -> set[TopicPartition]:
        """The partitions held now."""

    def highwater(self, partition: TopicPartition) -> int | None:
        """The partition's end as the last fetch saw it (None before any fetch)."""

    async def position(self, partition: TopicPartition) -> int:
        """The offset of the next message the consumer will read."""


class ConsumerLag:
    """Reports the lag of the partitions one consumer holds, under its name (the Deployment's: "query-projector")."""

    def __init__(self, consumer: str) -> None:
        self.consumer = consumer
        self._reported: set[TopicPartition] = set()

    async def report(self, source: HoldsPartitions, fetched: Iterable[TopicPartition]) -> None:
        """Set the lag of the partitions just fetched that are still held; drop those no longer held."""
        held = source.assignment()
        for tp in fetched:
            end = source.highwater(tp) if tp in held else None
            if end is not None:
                self.set(tp, end - await source.position(tp))
        self.forget(self._reported - held)

    def set(self, tp: TopicPartition, lag: int) -> None:
        """Report `lag` messages behind the end of `tp` (never below zero)."""
        CONSUMER_LAG.labels(self.consumer, tp.topic, str(tp.partition)).set(max(0, lag))
        self._reported.add(tp)

    def forget(self, partitions: Iterable[TopicPartition] | None = None) -> None:
        """Drop the reported lag of `partitions` (default: every one, as the consumer stops)."""
        for tp in list(self._reported if partitions is None else partitions):
            if tp in self._reported:
                CONSUMER_LAG.remove(self.consumer, tp.topic, str(tp.partition))
                self._reported.discard(tp)
