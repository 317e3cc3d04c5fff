"""`make run` waits out a Kafka restart (the fault tests restart the shared broker) and stops when it stays gone."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ybj_dev import infra, run


def _kafka_pids(values: list[int | None]) -> Iterator[int | None]:
    yield from values
    while True:
        yield values[-1]


def test_a_restarted_broker_keeps_the_platform_running(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pids = _kafka_pids([None, None, 4242])
    monkeypatch.setattr(infra, "kafka_pid", lambda _run_dir: next(pids))
    monkeypatch.setattr(time, "sleep", lambda _s: None)
    assert run.kafka_back_within(tmp_path, 60)


def test_a_broker_gone_for_good_stops_the_platform(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clock = iter(range(0, 10_000, 5))
    monkeypatch.setattr(infra, "kafka_pid", lambda _run_dir: None)
    monkeypatch.setattr(time, "sleep", lambda _s: None)
    monkeypatch.setattr(time, "monotonic", lambda: float(next(clock)))
    assert not run.kafka_back_within(tmp_path, 60)
