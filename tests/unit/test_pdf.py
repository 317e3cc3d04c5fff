"""A printed form as PDF: Chinese text that can be read back, byte-identical on every render, and a clear error
when no CJK font is installed; plus the set-up step that installs one."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from ybj_dev import fonts
from ybj_enrollment.documents import RECOVERY_APPLICATION
from ybj_kernel.adapters import pdf
from ybj_kernel.adapters.pdf import CJK_FONT_PACKAGE, FONT_ENV, CjkFont, FontNotFound, render_pdf
from ybj_kernel.domain.documents import CaseView, DocumentContent, document_content
from ybj_kernel.sm3 import sm3_hex

REPO = Path(__file__).resolve().parents[2]
DATA = {
    "psn_name": "欧阳娜娜",
    "psn_cert_type": "01",
    "certno": "52011519850312002X",
    "insutype": "310",
    "emp_name": "贵阳市云岩区金华园社区服务中心",
    "balc": "120.00",
    "ovpay_amt": "860.50",
    "rcov_amt": "740.50",
}


def content_for(data: Mapping[str, object] = DATA) -> DocumentContent:
    case = CaseView(
        case_id="2f6c0c1e-0000-4000-8000-000000000018",
        process_id="P018",
        process_name_zh="个人账户扣款",
        acceptance_no="5201032026000042",
        admdvs="520103",
        stage="print_recovery_form",
        version=4,
        data=data,
        issued_at=datetime(2026, 3, 1, 2, 15, tzinfo=UTC),
        issued_by="张三",
        variant="recovery",
    )
    return document_content(RECOVERY_APPLICATION, case)


def text_of(document: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(document)).pages]


@pytest.fixture(scope="module")
def rendered() -> bytes:
    return render_pdf(content_for())


def test_the_form_is_a_pdf_whose_text_has_the_name_the_acceptance_no_and_the_code(rendered: bytes) -> None:
    content = content_for()
    assert rendered.startswith(b"%PDF-")
    (page,) = text_of(rendered)
    for expected in (
        "欧阳娜娜",
        "5201032026000042",
        content.verification_code,
        "追缴申请表",
        "740.50 元",
        "居民身份证",
    ):
        assert expected in page
    assert "可凭受理号与校验码核验" in page
    assert "一式三份" in page


def test_the_same_content_renders_byte_identical(rendered: bytes) -> None:
    assert render_pdf(content_for()) == rendered


def test_another_process_recomputes_the_same_digest(rendered: bytes) -> None:
    # The digest in DocumentIssued is checked later, in another process: hash seeds must not change the bytes.
    script = (
        "import sys; from tests.unit.test_pdf import content_for; from ybj_kernel.adapters.pdf import render_pdf;"
        "from ybj_kernel.sm3 import sm3_hex; sys.stdout.write(sm3_hex(render_pdf(content_for())))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert out.stdout == sm3_hex(rendered)


def test_a_different_name_gives_a_different_digest(rendered: bytes) -> None:
    other = render_pdf(content_for({**DATA, "psn_name": "欧阳娜"}))
    assert sm3_hex(other) != sm3_hex(rendered)
    assert "欧阳娜" in text_of(other)[0]


def test_a_long_form_runs_onto_more_pages_each_with_the_code() -> None:
    content = content_for()
    long_rows = tuple((f"项目{i}", "很长的值" * 30) for i in range(40))
    pages = text_of(render_pdf(replace(content, rows=long_rows)))
    assert len(pages) >= 2
    for page in pages:
        assert content.verification_code in page
        assert "5201032026000042" in page


def test_without_any_cjk_font_printing_says_which_package_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(FONT_ENV, raising=False)
    monkeypatch.setattr(pdf, "KNOWN_FONTS", (CjkFont(tmp_path / "absent.ttc"),))
    with pytest.raises(FontNotFound) as err:
        render_pdf(content_for())
    assert CJK_FONT_PACKAGE in str(err.value)
    assert FONT_ENV in str(err.value)


def test_the_env_var_chooses_the_font_and_must_name_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    installed = pdf.find_cjk_font()
    monkeypatch.setenv(FONT_ENV, f"{installed.path}#{installed.face}")
    assert pdf.find_cjk_font() == CjkFont(installed.path, installed.face)
    monkeypatch.setenv(FONT_ENV, str(tmp_path / "nope.ttf"))
    with pytest.raises(FontNotFound, match=FONT_ENV):
        render_pdf(content_for())


class FakeApt:
    """Records apt commands; `known` says whether the package lists know the font package yet."""

    def __init__(self, known: bool, root: bool = True) -> None:
        self.known, self.root, self.installed = known, root, False
        self.calls: list[list[str]] = []

    def run(self, argv: Sequence[str], quiet: bool) -> int:
        self.calls.append(list(argv))
        if argv[:2] == ["apt-get", "update"]:
            self.known = True
            return 0
        if argv[:2] == ["apt-cache", "show"]:
            return 0 if self.known else 100
        self.installed = self.known
        return 0 if self.known else 100

    def find(self, candidates: object = None) -> CjkFont:
        if not self.installed:
            raise FontNotFound("none")
        return CjkFont(Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"))


def test_the_installer_does_nothing_when_a_font_is_there(monkeypatch: pytest.MonkeyPatch) -> None:
    apt = FakeApt(known=True)
    apt.installed = True
    monkeypatch.setattr(fonts, "find_cjk_font", apt.find)
    assert fonts.ensure_cjk_font(run=apt.run).endswith("wqy-microhei.ttc")
    assert apt.calls == []


def test_the_installer_updates_the_package_lists_of_a_fresh_machine_first(monkeypatch: pytest.MonkeyPatch) -> None:
    apt = FakeApt(known=False)
    monkeypatch.setattr(fonts, "find_cjk_font", apt.find)
    monkeypatch.setattr("shutil.which", lambda _: "/usr/bin/apt-get")
    fonts.ensure_cjk_font(run=apt.run, is_root=lambda: True)
    install = ["apt-get", "install", "-y", "--no-install-recommends", CJK_FONT_PACKAGE]
    assert apt.calls == [["apt-cache", "show", CJK_FONT_PACKAGE], ["apt-get", "update"], install]


def test_the_installer_tells_a_non_root_user_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    apt = FakeApt(known=True)
    monkeypatch.setattr(fonts, "find_cjk_font", apt.find)
    monkeypatch.setattr("shutil.which", lambda _: "/usr/bin/apt-get")
    with pytest.raises(fonts.FontInstallError, match=f"apt-get install -y --no-install-recommends {CJK_FONT_PACKAGE}"):
        fonts.ensure_cjk_font(run=apt.run, is_root=lambda: False)
    assert apt.calls == []
