"""What the browser tests do as a person would: sign in on the console's sign-in page, measure how long a page takes
to load, and keep screenshots for the README (docs/screenshots/)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"


@dataclass(frozen=True)
class LoadTiming:
    """One page load, in milliseconds from navigation start (the Navigation Timing and Paint Timing APIs)."""

    page: str
    load: float  # navigation start → end of the load event
    first_contentful_paint: float | None  # the first text or image drawn
    ready: float | None  # navigation start → the page's own content shown (its `ready` locator visible)

    def line(self) -> str:
        """One line of the session's summary."""
        fcp = f"{self.first_contentful_paint:6.0f}" if self.first_contentful_paint is not None else "     -"
        ready = f"{self.ready:6.0f}" if self.ready is not None else "     -"
        return f"{self.page:<44} load {self.load:6.0f} ms   first paint {fcp} ms   content {ready} ms"


# Every load measured this session, printed at its end (conftest.py's terminal summary) and as each is taken.
TIMINGS: list[LoadTiming] = []

_NAVIGATION = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  return { load: nav.loadEventEnd - nav.startTime, fcp: paint ? paint.startTime : null };
}"""


def measure_load(page: Page, url: str, ready: str | None = None, name: str | None = None) -> LoadTiming:
    """Open `url` afresh and time it: the load event, the first contentful paint, and (given a selector `ready` for
    the page's own content, e.g. the queue's table) when that content showed. Printed, never asserted."""
    page.goto(url, wait_until="load")
    page.wait_for_function("() => performance.getEntriesByType('navigation')[0]?.loadEventEnd > 0")
    shown: float | None = None
    if ready is not None:
        page.locator(ready).first.wait_for(state="visible")
        shown = float(page.evaluate("() => performance.now()"))
    measured = page.evaluate(_NAVIGATION)
    fcp = measured["fcp"]
    timing = LoadTiming(name or url, float(measured["load"]), float(fcp) if fcp is not None else None, shown)
    TIMINGS.append(timing)
    print(f"page load: {timing.line()}", flush=True)
    return timing


def sign_in(page: Page, user: str, role: str, next_path: str = "/queue") -> None:
    """Sign in on the console's own sign-in page as a demo user in one role, as staff would: open a page of the
    console, get sent to the sign-in page, press 登录 on the user's row (the demo-user table, pages/SignIn.vue), and
    land back on the page asked for, the user named in the header."""
    page.goto(f"/console{next_path}")
    expect(page).to_have_url(re.compile(r"/console/sign-in"))
    users = page.locator('[data-test="demo-users"]')
    users.locator(f'button[data-user="{user}"][data-role="{role}"]').click()
    expect(page).to_have_url(re.compile(rf"/console{re.escape(next_path)}(\?.*)?$"))
    expect(page.locator('[data-test="who"]')).to_contain_text(user)


def screenshot(page: Page, name: str, height: int | None = None) -> Path:
    """Save the page as docs/screenshots/<name>.png (the README shows them); the path written. `height`: taken on a
    window that tall (the console scrolls inside its frame, so a full-page shot would not show more), then put back."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    size = page.viewport_size
    if height is not None and size is not None:
        page.set_viewport_size({"width": size["width"], "height": height})
        page.wait_for_timeout(300)  # the layout settles (tables measure their height)
    try:
        page.screenshot(path=str(path), full_page=False, animations="disabled")
    finally:
        if height is not None and size is not None:
            page.set_viewport_size(size)
    return path


def sign_out(page: Page) -> None:
    """Leave the console with the header's 退出 (back on the sign-in page, the tab's session gone)."""
    page.locator('[data-test="who"]').get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/console/sign-in"))
    page.wait_for_function("() => sessionStorage.getItem('ybj.console.session') === null")


def choose(page: Page, select: Locator, text: str) -> None:
    """Pick an option of an Element Plus select as a person would: open it, type to filter (a filterable one), click
    the option whose label holds `text` (the dropdown is teleported to the page's body, one per select)."""
    select.click()
    if select.locator("input").count() and select.locator("input").first.is_editable():
        page.keyboard.type(text)
    option = page.locator(".el-select-dropdown:visible .el-select-dropdown__item", has_text=text).first
    option.click()
    expect(page.locator(".el-select-dropdown:visible")).to_have_count(0)


def pick_date(page: Page, field: Locator, day: str) -> None:
    """Type a date (YYYY-MM-DD) into an Element Plus date picker and close its panel."""
    box = field.locator("input").first
    box.click()
    box.fill(day)
    box.press("Enter")
    page.keyboard.press("Escape")
    expect(box).to_have_value(day)


def find_in_queue(page: Page, acceptance_no: str, process: str) -> Locator:
    """The link to the case with this 受理号 on the work queue narrowed to one process (signed in): the queue follows
    the read side, so 查询 is pressed again until the case is listed."""
    if not re.search(rf"/console/queue\?process={re.escape(process)}$", page.url):
        page.goto(f"/console/queue?process={process}")
    link = page.locator('[data-test="queue"] .el-table__row a', has_text=acceptance_no)
    deadline = time.monotonic() + 30
    while not link.count():
        if time.monotonic() > deadline:
            raise AssertionError(f"{acceptance_no} never showed in the {process} queue")
        page.wait_for_timeout(500)
        page.locator('[data-test="search"]').click()
        page.locator('[data-test="queue"] .el-loading-mask').wait_for(state="hidden")
    return link
