"""Progress of a rebuild: messages read of the total, events applied, rate and time left (the kernel's progress bar,
`ybj_kernel.ops.progress`, labelled `rebuild`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from ybj_kernel.ops.progress import Progress as _Progress


class Progress(_Progress):
    """A line redrawn in place on a terminal (at most every `redraw` s), else a plain line every `every` s."""

    def __init__(
        self,
        total: int,
        stream: TextIO,
        *,
        label: str = "rebuild",
        tty: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        redraw: float = 0.2,
        every: float = 10.0,
    ) -> None:
        super().__init__(total, stream, label=label, tty=tty, clock=clock, redraw=redraw, every=every)
