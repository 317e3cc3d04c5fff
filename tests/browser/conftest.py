"""Browser fixtures: one real platform with the demo data and the sandbox, serving the built pages (web/dist), and
Debian's Chromium driven by Playwright (never a browser Playwright downloads).

The platform is the integration tests' (tests/integration/conftest.py) on ports of its own (`BROWSER_PORTS`, plus
YBJ_TEST_PORT_OFFSET), so both can run in one session; `make test` runs these last, in a session of their own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, ViewportSize, sync_playwright

from tests.browser.pages import ROOT, TIMINGS
from tests.integration.conftest import Api
from ybj_dev import demo, infra, sandbox
from ybj_dev.demo_channel import demo_channel
from ybj_dev.platform import Platform
from ybj_kernel.auth import ensure_dev_keys

os.environ.setdefault("YBJ_CHECKPOINT_INTERVAL", "3600")  # as the integration tests: checkpoints only on demand

CHROMIUM = Path("/usr/bin/chromium")
# The network here is closed: without these Chromium's background connections are refused one by one, slowly.
CHROMIUM_ARGS = [
    "--headless",
    "--lang=zh-CN",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CONSOLE_VIEWPORT: ViewportSize = {"width": 1366, "height": 800}  # a bureau's office screen
H5_VIEWPORT: ViewportSize = {"width": 375, "height": 812}  # a phone, inside a channel's app
# The built pages: `make web` builds web/dist; YBJ_WEB_DIR points elsewhere (a build of a scratch copy, say).
WEB_DIR = Path(os.environ.get("YBJ_WEB_DIR") or ROOT / "web" / "dist")
# HTTP, gRPC and metrics base ports: 10,000 above the integration tests' (18080, 17051, 19101), so a browser platform
# never meets theirs whatever offsets two sessions choose; still below the ephemeral range (32768-60999).
BROWSER_PORTS = (28080, 27051, 29101)
# Slow shared machines: a click's effect may wait on the platform's read side (it follows Kafka).
TIMEOUT_MS = 20_000


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/browser is a browser test (`-m browser` selects them, `-m "not browser"` leaves them)."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.browser)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The page loads measured this session (printed, not asserted: README "Tested in a browser")."""
    if TIMINGS:
        terminalreporter.section("page loads (Chromium, this machine, demo data)")
        for timing in TIMINGS:
            terminalreporter.write_line(timing.line())


@dataclass(frozen=True)
class Seeded:
    """What the browser platform holds besides the processes: the demo cases, a channel, the sandbox."""

    demo_cases: list[dict[str, Any]]
    channel_keys: Path  # the demo channel's key file (app id, keys) for the H5 pages' channel session
    sandbox: sandbox.SandboxFacts


@pytest.fixture(scope="session")
def infrastructure() -> Iterator[dict[str, str]]:
    """Kafka and PostgreSQL for the session; stopped at the end only if this session started them."""
    with infra.running() as env:
        yield env


@pytest.fixture(scope="session")
def platform(infrastructure: dict[str, str]) -> Iterator[Platform]:
    """A whole platform on a fresh database and topic prefix, with the dev sign-in on and the built pages served."""
    if not (WEB_DIR / "console" / "index.html").is_file():
        pytest.fail(f"the web pages are not built ({WEB_DIR}): run `make web`")
    run_dir = infra.default_run_dir()
    suffix = uuid.uuid4().hex[:8]
    database = f"ybj_browser_{suffix}"
    dsn = infra.create_database(infrastructure["YBJ_PG_DSN"], database)
    ensure_dev_keys(run_dir / "keys" / "jwt-private.pem", run_dir / "keys" / "jwt-public.pem")
    offset = int(os.environ.get("YBJ_TEST_PORT_OFFSET", "0"))
    http, grpc, metrics = BROWSER_PORTS
    p = Platform(
        run_dir,
        dsn,
        infrastructure["YBJ_KAFKA_BOOTSTRAP"],
        topic_prefix=f"ybjbrowser{suffix}",
        base_port=http + offset,
        grpc_base_port=grpc + offset,
        metrics_base_port=metrics + offset,
        name_prefix=f"browser{offset or ''}-",
        extra_env={
            "YBJ_DEV_SIGN_IN": "true",
            "YBJ_WEB_DIR": str(WEB_DIR),
            "YBJ_GATEWAY_SANDBOX_ONLY": "true",  # as `make run`: the gateway answers about the sandbox only
        },
    )
    try:
        p.start(timeout=120)
        yield p
    finally:
        p.stop()
        infra.drop_database(infrastructure["YBJ_PG_DSN"], database)


@pytest.fixture(scope="session")
def seeded(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """The demo cases (`make run`'s), a channel of the test environment granted every item, and the sandbox."""
    key_dir = platform.run_dir / "keys"
    cases = demo.seed(platform.url(), key_dir)
    staff = demo.Staff(key_dir)
    with httpx.Client(base_url=platform.url(), timeout=30) as client:
        # Its own system id: the demo channel's key file in the run dir belongs to `make run`'s database.
        keys = demo_channel(
            demo.Seeder(client, staff), tmp_path_factory.mktemp("channel"), system_id=f"browser{uuid.uuid4().hex[:8]}"
        )
    facts = sandbox.seed(platform.url(), staff.token)
    return Seeded(cases, keys, facts)


@pytest.fixture(scope="session")
def api(platform: Platform) -> Iterator[Api]:
    """A client of the platform's public entry point (the integration tests' Api: tokens, create, act, waits)."""
    with httpx.Client(base_url=platform.url(), timeout=30) as client:
        yield Api(platform, client, platform.run_dir / "keys")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """Playwright's driver (the Python package's; it starts Chromium, it downloads nothing)."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def chromium(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium (`make browser` installs it), headless."""
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make browser` (apt-get install chromium)")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


def _page(context: BrowserContext) -> Iterator[Page]:
    """A page that fails its test on an uncaught script error (a console message alone does not)."""
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(2 * TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"{exc.name}: {exc.message}"))
    yield page
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture
def console(chromium: Browser, platform: Platform, seeded: Seeded) -> Iterator[Page]:
    """A console tab (1366×800, zh-CN) on the platform's entry point; paths are relative to it (`/console/…`)."""
    context = chromium.new_context(
        base_url=platform.url(), viewport=CONSOLE_VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    yield from _page(context)


@pytest.fixture
def h5(chromium: Browser, platform: Platform, seeded: Seeded) -> Iterator[Page]:
    """An H5 page on a phone (375×812, touch, zh-CN) on the platform's entry point (`/h5/…`)."""
    context = chromium.new_context(
        base_url=platform.url(),
        viewport=H5_VIEWPORT,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    yield from _page(context)
