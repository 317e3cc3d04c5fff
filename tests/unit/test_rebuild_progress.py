"""The rebuild's progress line: redrawn in place on a terminal, a plain line now and then elsewhere."""

from __future__ import annotations

import io

from ybj_query.progress import Progress


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_line_tells_done_total_rate_and_time_left() -> None:
    clock = Clock()
    progress = Progress(100_000, io.StringIO(), tty=True, clock=clock)
    clock.now += 5
    progress.advance(25_000, 24_990)
    assert progress.line() == (
        "[######                  ]  25% 25,000/100,000 messages, 24,990 applied, 5,000/s, 0:15 left"
    )


def test_on_a_terminal_it_redraws_one_line_at_most_every_redraw_interval() -> None:
    clock, out = Clock(), io.StringIO()
    progress = Progress(10, out, tty=True, clock=clock, redraw=0.2)
    progress.advance(1, 1)  # too soon: nothing drawn
    assert out.getvalue() == ""
    clock.now += 0.3
    progress.advance(1, 1)
    clock.now += 0.1
    progress.advance(1, 0)  # too soon again
    assert out.getvalue().count("\r") == 1
    assert "2/10 messages" in out.getvalue()
    clock.now += 1
    progress.advance(7, 7)
    progress.close()
    text = out.getvalue()
    assert text.count("\r") == 3
    assert text.endswith("\x1b[K\n")
    assert "10/10 messages, 9 applied" in text.rsplit("\r", 1)[-1]
    assert "0:00 left" in text.rsplit("\r", 1)[-1]


def test_without_a_terminal_it_prints_a_plain_line_every_interval() -> None:
    clock, out = Clock(), io.StringIO()
    progress = Progress(1_000, out, tty=False, clock=clock, every=10)
    for _ in range(30):
        clock.now += 1
        progress.advance(10, 10)
    progress.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 4  # at 10 s, 20 s, 30 s, and the final one
    assert all(line.startswith("rebuild: [") for line in lines)
    assert "\r" not in out.getvalue()
    assert "300/1,000 messages" in lines[-1]


def test_nothing_to_do_is_complete() -> None:
    clock = Clock()
    progress = Progress(0, io.StringIO(), tty=False, clock=clock)
    assert " 100% 0/0 messages, 0 applied, 0/s, 0:00 left" in progress.line()
