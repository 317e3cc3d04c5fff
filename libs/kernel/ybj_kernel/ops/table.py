"""Plain text tables for `ybj`'s reports: columns padded to their widest cell, numbers right-aligned."""

from __future__ import annotations

from collections.abc import Sequence

Cell = str | int | None


def cell(value: Cell) -> str:
    """A cell's text: thousands separated, `-` for nothing."""
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    return value


def render(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> str:
    """The table as lines (no trailing newline); a column whose cells are all numbers or empty is right-aligned."""
    texts = [[cell(v) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in texts)]) for i, h in enumerate(headers)]
    numeric = [bool(rows) and all(isinstance(r[i], int | None) for r in rows) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        padded = (v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric, strict=True))
        return "  ".join(padded).rstrip()

    return "\n".join([line(headers), *(line(r) for r in texts)])
