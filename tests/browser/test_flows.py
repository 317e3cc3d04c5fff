"""The console and the H5 pages used as people use them (issue 11, section 3): a registrar registers a case through the
form generated from the process's JSON Schema and first meets a field error in Chinese for a bad 身份证号; reviewers
find it in their queue, the one who registered it may not approve it, another does, and a step back shows in the
timeline; a batch import shows its per-row report; a citizen on a 375 px phone applies for an item and follows its
progress by 受理号. The screenshots the README shows are taken here (docs/screenshots/), and each page's load is timed.
"""

from __future__ import annotations

import json
import random
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
from playwright.sync_api import Page, expect

from tests.browser.conftest import Seeded
from tests.browser.pages import (
    choose,
    find_in_queue,
    measure_load,
    pick_date,
    screenshot,
    sign_in,
    sign_out,
)
from tests.integration.conftest import Api, valid_certno
from ybj_channel.client import ChannelClient
from ybj_dev.platform import Platform
from ybj_gateway.sandbox import BY_ROLE

# P046 常驻异地工作人员异地就医备案 on its own example (services/treatment/…/p046_…py): 陈静, insured under 310 from
# 2026-12-01 by the demo data (enrollment's P002 example), posted to 杭州. Registered once per platform (each session
# starts a fresh one); it waits for 信息审核 (初审) and puts nothing in force until approved.
PROCESS = "P046"
PROCESS_ZH = "常驻异地工作人员异地就医备案"
FILING = {
    "certno": "520102199003070022",
    "psn_name": "陈静",
    "admdvs": "520102",
    "resettle_admdvs": "330100",
    "begndate": "2026-12-01",
    "tel": "13800000001",
}
BAD_CERTNO = FILING["certno"][:17] + "3"  # the wrong check digit (GB 11643)
REGISTRAR = ("gy-fr-02", "registrar")  # 刘婷 holds two posts (兼岗): she registers as 经办 …
OWN_REVIEWER = ("gy-fr-02", "first_reviewer")  # … and reviews as 初审, but never her own case
REVIEWER = ("gy-fr-01", "first_reviewer")  # 王强, the second pair of eyes
STEP_BACK_REASON = "备案表上的安置地地址与派出证明不一致，退回重新审核"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
# The citizen's item: 常驻异地工作人员备案登记 (P046, 单次审核), for the sandbox's insured woman (role `person`), on the
# item's own example (services/gateway/ybj_gateway/items/applications.yaml); the session's person fills in the rest.
ITEM = 20

# The case the registrar's test registered, for the reviewers' test (which registers one itself when run alone).
REGISTERED: dict[str, str] = {}


def _case_id(page: Page) -> str:
    match = re.search(r"/console/cases/([^/?#]+)", page.url)
    assert match, page.url
    return match.group(1)


def test_a_registrar_registers_a_case_through_the_generated_form(console: Page) -> None:
    sign_in(console, *REGISTRAR, next_path="/new")
    measure_load(console, "/console/new", ready='[data-test="process"]', name="console: 业务登记 (new case)")
    choose(console, console.locator('[data-test="process"]'), f"{PROCESS} {PROCESS_ZH}")

    # The form is the opening stage's JSON Schema: its Chinese descriptions are the labels.
    certno = console.locator('[data-field="certno"]')
    expect(certno.locator(".el-form-item__label")).to_contain_text("证件号码")
    materials = console.locator('[data-field="materials"] .el-checkbox')
    for i in range(3):  # the three required ones: 身份证件, 《异地就医登记备案表》, 异地工作证明材料
        materials.nth(i).click()
    certno.locator("input").fill(BAD_CERTNO)
    console.locator('[data-field="psn_name"] input').fill(FILING["psn_name"])
    console.locator('[data-field="admdvs"] input').fill(FILING["admdvs"])
    pick_date(console, console.locator('[data-field="begndate"]'), FILING["begndate"])
    console.locator('[data-field="tel"] input').fill(FILING["tel"])
    console.locator('[data-field="resettle_admdvs"] input').fill(FILING["resettle_admdvs"])
    console.locator('[data-test="submit"]').click()

    # The platform refuses the 身份证号 (its check digit) and names the field: the message shows under 证件号码.
    error = certno.locator(".el-form-item__error")
    expect(error).to_contain_text("证件号码")
    assert CHINESE.search(error.inner_text()), error.inner_text()
    expect(console).to_have_url(re.compile(r"/console/new"))

    certno.locator("input").fill(FILING["certno"])
    expect(error).to_have_count(0)  # typing clears it
    console.locator('[data-test="submit"]').click()

    expect(console).to_have_url(re.compile(r"/console/cases/"))
    acceptance = console.locator('[data-test="acceptance-no"]')
    expect(acceptance).not_to_be_empty()
    expect(console.locator('[data-test="stage"]')).to_have_attribute("data-stage", "review")
    expect(console.locator('[data-test="status"]')).to_have_text("办理中")
    REGISTERED.update(case_id=_case_id(console), acceptance_no=acceptance.inner_text().strip())


def _registered(api: Api) -> dict[str, str]:
    """The case the registrar's test registered, or (this test run alone) the same one registered through the API."""
    if REGISTERED:
        return REGISTERED
    answer = api.client.post(
        "/api/v1/cases",
        json={"process": PROCESS, "variant": "single", "data": FILING, "materials": []},
        headers=api.headers(REGISTRAR),
    )
    assert answer.status_code == 201, answer.text
    ack = answer.json()
    return {"case_id": ack["case_id"], "acceptance_no": ack["acceptance_no"]}


def test_reviewers_find_it_the_registrar_may_not_approve_it_another_does_and_steps_it_back(
    console: Page, api: Api
) -> None:
    case = _registered(api)

    # 刘婷, now as 初审, finds the case she registered in her queue: she is told why she may not approve it.
    sign_in(console, *OWN_REVIEWER)
    find_in_queue(console, case["acceptance_no"], PROCESS).click()
    expect(console.locator('[data-test="acceptance-no"]')).to_have_text(case["acceptance_no"])
    barred = console.locator('[data-test="barred"]')
    expect(barred).to_contain_text("不相容岗位分离")
    expect(barred).to_contain_text("审核通过")
    expect(console.locator('[data-action="approve"]')).to_have_count(0)
    expect(console.locator('[data-action="reject"]')).to_have_count(0)
    sign_out(console)

    # 王强, the other 初审, opens his queue (the README's screenshot), finds it there, and approves it …
    sign_in(console, *REVIEWER)
    measure_load(console, "/console/queue", ready='[data-test="queue"] .el-table__row', name="console: 工作台 (queue)")
    screenshot(console, "console-queue")
    find_in_queue(console, case["acceptance_no"], PROCESS).click()
    expect(console.locator('[data-test="barred"]')).to_have_count(0)
    console.locator('[data-action="approve"]').click()
    console.locator('[data-chosen="approve"] [data-submit]').click()
    expect(console.locator('[data-test="status"]')).to_have_text("已办结")

    # … then steps it back (回退) with a reason: the timeline shows the step back as one, the approval withdrawn.
    console.locator('[data-action="step_back"]').click()
    chosen = console.locator('[data-chosen="step_back"]')
    chosen.locator("[data-submit]").click()  # no reason: refused on the page, beside the reason box
    expect(chosen.locator('[data-field="comment"] .el-form-item__error')).to_contain_text("原因")
    chosen.locator('[data-field="comment"] textarea').fill(STEP_BACK_REASON)
    chosen.locator("[data-submit]").click()
    expect(console.locator('[data-test="stage"]')).to_have_attribute("data-stage", "review")
    step_back = console.locator('.case-timeline [data-kind="step_back"]')
    expect(step_back).to_contain_text("回退")
    expect(step_back).to_contain_text(STEP_BACK_REASON)
    expect(step_back).to_contain_text("gy-fr-01")
    expect(console.locator('.case-timeline [data-kind="complete"]')).to_contain_text("已被回退")

    # A fresh load of the case page, timed until the step back shows: the README's case screenshot.
    measure_load(
        console,
        f"/console/cases/{case['case_id']}",
        ready='.case-timeline [data-kind="step_back"]',
        name=f"console: 案件 {PROCESS} (case)",
    )
    expect(console.locator('[data-action="approve"]')).to_be_visible()  # back at 信息审核: his to decide again
    screenshot(console, "console-case", height=1300)  # the timeline with the step back, below the fold at 800


def _resident(born: date, seq: int) -> dict[str, Any]:
    """A resident of the demo's community (P019 城乡居民参保登记, batch mode) with a valid 居民身份证号."""
    year = date.today().year
    return {
        "emp_no": "52011500001",
        "emp_name": "观山湖区金华园社区",
        "admdvs": "520115",
        "certno": valid_certno(f"520115{born:%Y%m%d}{seq:02d}2"),
        "psn_name": f"居民{seq}",
        "naty": "01",
        "gend": "2 女",
        "brdy": born,
        "begndate": f"{year}-01-01",
        "fst_insu_ym": f"{year}01",
        "psn_type": "11",
        "clct_grade": "1",
        "clct_way": "1",
        "max_acct_prd": f"{year}12",
    }


def _filled(template: Path, rows: list[dict[str, Any]], into: Path) -> None:
    """The downloaded template with `rows` in place of its example row (row 2 holds the field codes)."""
    workbook = openpyxl.load_workbook(template)
    sheet = workbook["导入数据"]
    codes = [str(c.value) for c in sheet[2]]
    sheet.delete_rows(3)
    for row in rows:
        sheet.append([row.get(code) for code in codes])
    workbook.save(into)


def test_a_batch_import_shows_its_report_row_by_row(console: Page, tmp_path: Path) -> None:
    sign_in(console, "gy-reg-01", "registrar", next_path="/batches")
    measure_load(console, "/console/batches", ready='[data-testid="batch-process"]', name="console: 批量导入 (batches)")
    choose(console, console.locator('[data-testid="batch-process"]'), "P019")
    with console.expect_download() as downloading:
        console.locator('[data-testid="template"]').click()
    template = tmp_path / "template.xlsx"
    downloading.value.save_as(template)

    born = date(1950, 1, 1) + timedelta(days=random.randrange(20_000))
    seq = random.randrange(10, 90)
    people = [_resident(born + timedelta(days=i), seq) for i in range(3)]
    people[1]["certno"] = people[1]["certno"][:17] + ("0" if people[1]["certno"][17] != "0" else "1")
    upload = tmp_path / "居民批量参保.xlsx"
    _filled(template, people, upload)
    console.locator('input[type="file"]').set_input_files(upload)
    console.locator('[data-testid="upload"]').click()

    report = console.locator('[data-testid="batch-report"]')
    expect(report).to_be_visible()
    expect(report.locator('[data-testid="rejected"]')).to_have_text("1")
    expect(report).to_contain_text("居民批量参保.xlsx")
    bad = report.locator('[data-testid="bad-rows"] .el-table__body tr')
    expect(bad).to_have_count(1)
    cells = bad.first.locator("td")
    expect(cells.nth(0)).to_have_text("4")  # Excel row 4: the second data row (row 1 labels, row 2 codes)
    expect(cells.nth(1)).to_have_text("证件号码")
    assert CHINESE.search(cells.nth(2).inner_text()), cells.nth(2).inner_text()
    expect(report).to_contain_text("受理案件 2 件")


def _channel(platform: Platform, keys: Path) -> ChannelClient:
    """The test's channel, as its server holds it (the key file the admission gave), calling the gateway."""
    key = json.loads(keys.read_text(encoding="utf-8"))
    return ChannelClient(
        platform.url("gateway"),
        key["app_id"],
        key["private_key"],
        key["public_key"],
        bytes.fromhex(key["sm4_key"]) if key.get("sm4_key") else None,
        key["platform_public_key"],
    )


def test_a_citizen_applies_on_a_phone_and_follows_the_progress(h5: Page, platform: Platform, seeded: Seeded) -> None:
    person = BY_ROLE["person"]
    with _channel(platform, seeded.channel_keys) as channel:
        session = channel.h5_session({"psn_cert_type": "01", "certno": person.certno, "psn_name": person.psn_name})
    measure_load(h5, session["h5_url"], ready=f'[data-item="{ITEM}"]', name="h5: 首页 (home, session)")
    expect(h5).not_to_have_url(re.compile(r"session="))  # the token leaves the address bar at once
    h5.locator(f'[data-item="{ITEM}"]').click()
    expect(h5).to_have_url(re.compile(rf"/h5/items/{ITEM}$"))
    measure_load(h5, f"/h5/items/{ITEM}", ready='[data-field="admdvs"]', name=f"h5: 事项 {ITEM} (item form)")
    assert h5.viewport_size == {"width": 375, "height": 812}

    h5.locator('[data-field="admdvs"] input').fill("520102")
    h5.locator('[data-field="resettle_admdvs"] input').fill("330100")
    h5.locator('[data-field="begndate"] input').fill("2026-12-01")
    h5.locator('[data-field="tel"] input').fill(person.tel)
    screenshot(h5, "h5-item")
    h5.get_by_role("button", name="提交申请").click()

    expect(h5.locator('[data-test="accepted"]')).to_be_visible()
    number = h5.locator('[data-key="acceptance_no"] .van-cell__label')
    expect(number).to_have_text(re.compile(r"\S{6,}"))
    acceptance_no = number.inner_text().strip()

    h5.locator('[data-test="to-progress"]').click()
    expect(h5).to_have_url(re.compile(rf"/h5/progress/{re.escape(acceptance_no)}$"))
    status = h5.locator('[data-test="progress-status"]')
    expect(status).to_contain_text("办理中")
    expect(h5.locator('[data-field="acceptance_no"] input')).to_have_value(acceptance_no)
