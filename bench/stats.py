"""Percentiles, the figures of a run, and the table they are printed as."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max of latencies given in seconds, in milliseconds."""
    return {
        "count": len(seconds),
        "p50_ms": round(percentile(seconds, 50) * 1000, 2),
        "p95_ms": round(percentile(seconds, 95) * 1000, 2),
        "p99_ms": round(percentile(seconds, 99) * 1000, 2),
        "max_ms": round(max(seconds, default=math.nan) * 1000, 2),
    }


@dataclass
class Figure:
    """One line of the results table."""

    key: str
    name: str
    measured: float | None
    unit: str
    shown: str  # the measured value as printed
    target: str
    met: bool | None
    limit: float | None = None
    limit_name: str = ""
    ratio: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


def failed(key: str, name: str, target: str, error: BaseException) -> Figure:
    """A figure whose measurement failed: shown, but never met."""
    message = f"{type(error).__name__}: {error}"
    return Figure(key, name, None, "", "failed", target, False, error=message[:2000])


def _fmt_limit(f: Figure) -> str:
    if f.limit is None:
        return "—"
    return f"{f.limit:,.0f} ({f.limit_name})" if f.limit_name else f"{f.limit:,.0f}"


def _fmt_met(f: Figure) -> str:
    return {True: "yes", False: "NO", None: "n/a"}[f.met]


def rows(figures: Sequence[Figure]) -> list[list[str]]:
    """The table's cells: figure, measured, limit, ratio, target, met?."""
    header = ["figure", "measured", "limit", "ratio", "target", "met?"]
    body = [
        [
            f"{f.key}. {f.name}",
            f.shown,
            _fmt_limit(f),
            "—" if f.ratio is None else f"{f.ratio:.2f}",
            f.target,
            _fmt_met(f),
        ]
        for f in figures
    ]
    return [header, *body]


def text_table(table: list[list[str]]) -> str:
    """A fixed-width table for the terminal."""
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    line = "+".join("-" * (w + 2) for w in widths)
    out = []
    for n, row in enumerate(table):
        out.append(" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)))
        if n == 0:
            out.append(line)
    return "\n".join(out)


def markdown_table(table: list[list[str]]) -> str:
    """The same table in Markdown."""
    out = ["| " + " | ".join(table[0]) + " |", "|" + "|".join("---" for _ in table[0]) + "|"]
    out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in table[1:]]
    return "\n".join(out)
