"""A fetch splits into lanes of whole partitions, balanced by their number of messages."""

from __future__ import annotations

from aiokafka import ConsumerRecord, TopicPartition

from ybj_query.consumer import _lanes


def _records(tp: TopicPartition, count: int) -> list[ConsumerRecord[bytes, bytes]]:
    return [ConsumerRecord(tp.topic, tp.partition, i, 0, 0, b"k", b"v", None, 1, 1, ()) for i in range(count)]


def test_partitions_are_never_split_and_lanes_are_balanced() -> None:
    sizes = {
        TopicPartition("t", 0): 2500,
        TopicPartition("t", 1): 1200,
        TopicPartition("t", 2): 1100,
        TopicPartition("u", 0): 200,
    }
    fetch = {tp: _records(tp, n) for tp, n in sizes.items()}
    lanes = _lanes(fetch, 2)
    assert sorted(tp for lane in lanes for tp in lane) == sorted(sizes)
    assert all(lane[tp] is fetch[tp] for lane in lanes for tp in lane)
    assert sorted(sum(len(r) for r in lane.values()) for lane in lanes) == [2500, 2500]


def test_fewer_partitions_than_lanes_make_fewer_lanes() -> None:
    tp = TopicPartition("t", 0)
    assert _lanes({tp: _records(tp, 3)}, 2) == [{tp: _records(tp, 3)}]
