"""Printed forms as PDF (fpdf2): an A4 page in Chinese with the 受理号, a bordered table and the 校验码.

The output is deterministic: the same `DocumentContent` gives the same bytes (the creation date is the issue
time, the file id is derived from the content, the font is subset the same way), so the SM3 digest recorded in
the DocumentIssued event can be recomputed from the history, with the same font file and fpdf2 version.
The CJK font is a real TrueType/OpenType file embedded as a subset, so the text stays extractable (ToUnicode).
`make` installs it (`python -m ybj_dev.fonts`, Debian package `fonts-wqy-microhei`); `YBJ_CJK_FONT` names another.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, TableCellFillMode, VAlign, WrapMode, XPos, YPos

from ybj_kernel.domain.documents import DocumentContent
from ybj_kernel.sm3 import sm3_hex

FONT_ENV = "YBJ_CJK_FONT"  # a .ttf/.otf/.ttc path; a face index may follow after '#', e.g. NotoSansCJK.ttc#2
CJK_FONT_PACKAGE = "fonts-wqy-microhei"  # the Debian package the project's set-up installs
_FAMILY = "cjk"
_MARGIN = 20  # mm
_LABEL_WIDTH = 45  # mm of the 170 mm text width
_VERIFY_LINE = "可凭受理号与校验码核验"


@dataclass(frozen=True)
class CjkFont:
    """A font file with Chinese glyphs, and the face to use when the file is a collection (.ttc)."""

    path: Path
    face: int = 0
    package: str | None = None  # the Debian package that ships it, when it is a known one


# Known places, the set-up's own package first. TrueType outlines (wqy, arphic) and CFF (Noto) both embed.
KNOWN_FONTS: tuple[CjkFont, ...] = (
    CjkFont(Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0, CJK_FONT_PACKAGE),
    CjkFont(Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0, "fonts-wqy-zenhei"),
    CjkFont(Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), 2, "fonts-noto-cjk"),  # face 2: SC
    CjkFont(Path("/usr/share/fonts/truetype/arphic/uming.ttc"), 0, "fonts-arphic-uming"),
)


class FontNotFound(RuntimeError):
    """No font with Chinese glyphs is installed where ybj looks for one."""


def find_cjk_font(candidates: tuple[CjkFont, ...] | None = None) -> CjkFont:
    """The font to print with: `YBJ_CJK_FONT` when set (it must exist), else the first known one installed."""
    candidates = KNOWN_FONTS if candidates is None else candidates
    override = os.environ.get(FONT_ENV)
    if override:
        path, _, face = override.partition("#")
        font = CjkFont(Path(path), int(face) if face.isdigit() else 0)
        if not font.path.is_file():
            raise FontNotFound(f"{FONT_ENV}={override} names no font file")
        return font
    for font in candidates:
        if font.path.is_file():
            return font
    looked = ", ".join(str(f.path) for f in candidates)
    raise FontNotFound(
        f"no CJK font found (looked at {looked}); `make` installs the Debian package {CJK_FONT_PACKAGE} "
        f"(apt-get install {CJK_FONT_PACKAGE}, or run `python -m ybj_dev.fonts` as root), or set {FONT_ENV}"
    )


class _FormPdf(FPDF):
    """An A4 page whose footer repeats the 校验码 and the page number on every page."""

    def __init__(self, content: DocumentContent) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.content = content

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(_FAMILY, size=8)
        text = f"受理号 {self.content.acceptance_no}　校验码 {self.content.verification_code}　第 {self.page_no()} 页 共 {{nb}} 页"
        self.cell(0, 5, text, align=Align.C)

    def file_id(self) -> str:
        # The PDF /ID from the content, not from fpdf2's buffer hash of the moment (which is stable too, but
        # this one can be explained to an auditor: the SM3 of the verification code, the case and its version).
        seed = f"{self.content.case_id}|{self.content.version}|{self.content.name}|{self.content.verification_code}"
        digest = sm3_hex(seed.encode("utf-8"))[:32].upper()
        return f"<{digest}><{digest}>"


def render_pdf(content: DocumentContent, font: CjkFont | None = None) -> bytes:
    """Lay `content` out on A4 and return the PDF; the same content (and font) always gives the same bytes."""
    chosen = font or find_cjk_font()
    pdf = _FormPdf(content)
    pdf.set_creation_date(content.issued_at)
    pdf.set_producer("ybj 医保经办平台")
    pdf.set_creator("ybj")
    pdf.set_title(content.title)
    pdf.set_subject(f"受理号 {content.acceptance_no}")
    pdf.set_keywords(f"校验码 {content.verification_code}")
    pdf.set_lang("zh-CN")
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(auto=True, margin=25)
    pdf.add_font(_FAMILY, "", str(chosen.path), collection_font_number=chosen.face)
    pdf.alias_nb_pages()
    pdf.add_page()
    _heading(pdf, content)
    _table(pdf, content)
    if content.note:
        pdf.ln(3)
        pdf.set_font(_FAMILY, size=10)
        pdf.multi_cell(0, 6, f"注：{content.note}", wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _closing(pdf, content)
    return bytes(pdf.output())


def _heading(pdf: FPDF, content: DocumentContent) -> None:
    pdf.set_font(_FAMILY, size=18)
    pdf.multi_cell(0, 10, content.title, align=Align.C, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(_FAMILY, size=10)
    half = (pdf.w - 2 * _MARGIN) / 2
    pdf.cell(half, 6, f"受理号：{content.acceptance_no}")
    pdf.cell(half, 6, f"医保区划：{content.admdvs}", align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(0, 6, f"业务：{content.process_id} {content.process_name_zh}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


def _table(pdf: FPDF, content: DocumentContent) -> None:
    pdf.set_font(_FAMILY, size=11)
    width = pdf.w - 2 * _MARGIN
    with pdf.table(
        col_widths=(_LABEL_WIDTH, width - _LABEL_WIDTH),
        width=width,
        first_row_as_headings=False,
        text_align=(Align.L, Align.L),
        v_align=VAlign.M,
        line_height=7,
        padding=(1.5, 2),
        wrapmode=WrapMode.CHAR,  # Chinese has no spaces to break at
        cell_fill_color=(235, 235, 235),
        cell_fill_mode=TableCellFillMode.EVEN_COLUMNS,  # shades the label column (column 0)
    ) as table:
        for label, value in content.rows:
            row = table.row()
            row.cell(label)
            row.cell(value)


def _closing(pdf: FPDF, content: DocumentContent) -> None:
    pdf.ln(8)
    pdf.set_font(_FAMILY, size=10)
    for line in (
        f"校验码：{content.verification_code}",
        f"打印时间：{content.issued_at_zh}　经办人：{content.issued_by}",
        f"{_VERIFY_LINE}（案件版本 {content.version}）",
    ):
        pdf.cell(0, 6, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
