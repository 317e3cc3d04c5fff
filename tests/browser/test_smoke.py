"""The console as staff first meet it: the sign-in page, then their work queue (工作台); the H5 pages on a phone."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import Seeded
from tests.browser.pages import measure_load, sign_in

QUEUE_ROWS = '[data-test="queue"] .el-table__row'


def test_a_reviewer_signs_in_and_lands_on_the_work_queue(console: Page) -> None:
    sign_in(console, "gy-fr-01", "first_reviewer")
    expect(console.locator('[data-test="role"]')).to_have_text("初审")
    expect(console.locator('[data-test="admdvs"]')).to_contain_text("520100")
    # A fresh load of the queue (signed in still: the session is the tab's), timed until the demo cases show.
    measure_load(console, "/console/queue", ready=QUEUE_ROWS, name="console: 工作台 (queue)")
    expect(console).to_have_url(re.compile(r"/console/queue"))
    expect(console.locator(QUEUE_ROWS).first).to_be_visible()


def test_a_demo_case_shows_its_stages_and_the_step_back_in_its_history(console: Page, seeded: Seeded) -> None:
    # The demo's third monthly settlement (P079), stepped back by the second reviewer to 月结算初审 (tools/ybj_dev/demo.py).
    waiting = [c for c in seeded.demo_cases if c["process_id"] == "P079" and c["stage"] == "first_review"]
    stepped_back = max(waiting, key=lambda c: c["version"])
    sign_in(console, "gy-fr-01", "first_reviewer")
    measure_load(
        console,
        f"/console/cases/{stepped_back['case_id']}",
        ready='[data-kind="step_back"]',
        name="console: 案件 (case)",
    )
    expect(console.locator('[data-test="stage"]')).to_contain_text("初审")
    expect(console.locator('[data-kind="step_back"]')).to_contain_text("申报笔数与纸质汇总表不一致")


def test_the_sign_in_page_lists_the_demo_staff(console: Page) -> None:
    measure_load(console, "/console/sign-in", ready='[data-test="demo-users"] button', name="console: 登录 (sign-in)")
    users = console.locator('[data-test="demo-users"]')
    expect(users.locator('button[data-user="gy-reg-01"][data-role="registrar"]')).to_be_visible()
    expect(users.locator('button[data-user="gz-prov-01"][data-role="provincial_bureau"]')).to_be_attached()


def test_the_h5_pages_load_on_a_phone(h5: Page) -> None:
    measure_load(h5, "/h5/", ready="#app > *", name="h5: 首页 (home)")
    assert h5.viewport_size == {"width": 375, "height": 812}
