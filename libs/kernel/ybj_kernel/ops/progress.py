"""A progress bar for `ybj`'s long work: redrawn in place on a terminal, a plain line now and then elsewhere (a log, a
Kubernetes Job), so that a pod's log is not flooded and a terminal is not left silent."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

BAR_WIDTH = 24


class Progress:
    """Items done of a known total, with a second count (e.g. events applied), rate and time left.

    On a terminal the line is redrawn at most every `redraw` s; elsewhere a plain line `<label>: …` is written every
    `every` s. `close` always writes the final figures.
    """

    def __init__(
        self,
        total: int,
        stream: TextIO,
        *,
        label: str,
        unit: str = "messages",
        counted: str = "applied",
        tty: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        redraw: float = 0.2,
        every: float = 10.0,
    ) -> None:
        self.total = total
        self.read = 0
        self.applied = 0
        self.label = label
        self.unit = unit
        self.counted = counted
        self._stream = stream
        self._tty = _is_terminal(stream) if tty is None else tty
        self._clock = clock
        self._started = clock()
        self._interval = redraw if self._tty else every
        self._shown = self._started

    def advance(self, read: int, applied: int = 0) -> None:
        """Count items done and the second count since the last call; show them if it is time."""
        self.read += read
        self.applied += applied
        now = self._clock()
        if now - self._shown >= self._interval:
            self._shown = now
            self._show(end="")

    def close(self) -> None:
        """Show the final figures and end the line."""
        self._show(end="\n")

    def line(self) -> str:
        """The figures as one line, e.g. `[######……] 25% 25,000/100,000 messages, 24,990 applied, 9,870/s, 0:08 left`."""
        elapsed = self._clock() - self._started
        rate = self.read / elapsed if elapsed > 0 else 0.0
        part = min(self.read / self.total, 1.0) if self.total else 1.0
        bar = "#" * round(part * BAR_WIDTH)
        left = (self.total - self.read) / rate if rate > 0 and self.read < self.total else 0.0
        return (
            f"[{bar:<{BAR_WIDTH}}] {part:4.0%} {self.read:,}/{self.total:,} {self.unit}, {self.applied:,} "
            f"{self.counted}, {rate:,.0f}/s, {clock_time(left)} left"
        )

    def _show(self, end: str) -> None:
        if self._tty:
            self._stream.write(f"\r{self.line()}\x1b[K{end}")
        else:
            self._stream.write(f"{self.label}: {self.line()}\n")
        self._stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or foreign stream: plain lines
        return False


def clock_time(seconds: float) -> str:
    """Seconds as m:ss, or h:mm:ss from an hour on."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
