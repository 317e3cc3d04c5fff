"""The overdue metric: cases past their current stage's 时限, by process and stage, counted when Prometheus scrapes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from prometheus_client.core import REGISTRY, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select

from ybj_query.models import cases


class OverdueCases(Collector):
    """ybj_cases_overdue{process,stage}: how many cases wait past their deadline now."""

    def __init__(self, engine: Engine, today: Callable[[], date] = date.today) -> None:
        self._engine = engine
        self._today = today

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Count from the read model at scrape time (an index on due_on keeps it cheap)."""
        gauge = GaugeMetricFamily(
            "ybj_cases_overdue", "Cases whose current stage is past its deadline", labels=["process", "stage"]
        )
        query = (
            select(cases.c.process_id, cases.c.stage, func.count())
            .where(cases.c.due_on < self._today())
            .group_by(cases.c.process_id, cases.c.stage)
        )
        try:
            with self._engine.connect() as conn:
                rows = conn.execute(query).all()
        except Exception:  # a scrape while PostgreSQL is away reports nothing rather than failing the endpoint
            rows = []
        for process, stage, count in rows:
            gauge.add_metric([process, stage], count)
        yield gauge


def install_overdue_metric(engine: Engine) -> None:
    """Register the collector once per process (the API may be built more than once in tests)."""
    if not any(isinstance(c, OverdueCases) for c in list(REGISTRY._collector_to_names)):
        REGISTRY.register(OverdueCases(engine))
