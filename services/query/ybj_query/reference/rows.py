"""The row models of the reference files (pydantic), one per kind, each field described by its Chinese name.

Codes are checked to the national format as far as it was confirmed here: a 医保药品分类与代码 has 23 characters, the
first X (西药) or Z (中成药), the rest upper-case letters and digits; a 医保医用耗材分类与代码 has 20, C and 19 digits.
The finer segments (分类、通用名、剂型、企业 …) are not checked: their layout was not confirmed against the national
编码规则 here (docs/reference-data.md). Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from ybj_kernel.domain.validation import Admdvs, bilingual

DRUG_CODE = re.compile(r"^[XZ][0-9A-Z]{22}$")
CONSUMABLE_CODE = re.compile(r"^C\d{19}$")
# 收费项目等级 chrgitm_lv (national 代码表): 01 甲类, 02 乙类, 03 丙类 (自费). A file may write the word or the code.
CHRGITM_LV_ZH = {"01": "甲类", "02": "乙类", "03": "丙类（自费）"}
_LEVELS = {
    "甲": "01",
    "甲类": "01",
    "1": "01",
    "乙": "02",
    "乙类": "02",
    "2": "02",
    "丙": "03",
    "丙类": "03",
    "3": "03",
}
_LEVELS.update({"自费": "03", "丙类（自费）": "03", **{code: code for code in CHRGITM_LV_ZH}})
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def drug_code_problem(code: str) -> tuple[str, str] | None:
    """What is wrong with a 医保药品分类与代码, or None."""
    if DRUG_CODE.match(code):
        return None
    return (
        "药品代码应为23位：首位X（西药）或Z（中成药），其余为大写字母或数字",
        "a drug code has 23 characters: X (western) or Z (Chinese patent medicine), then capitals or digits",
    )


def consumable_code_problem(code: str) -> tuple[str, str] | None:
    """What is wrong with a 医保医用耗材分类与代码, or None."""
    if CONSUMABLE_CODE.match(code):
        return None
    return ("耗材代码应为20位：首位C，其后19位数字", "a consumable code has 20 characters: C and 19 digits")


def _checked(problem: Callable[[str], tuple[str, str] | None]) -> Callable[[str], str]:
    def check(value: str) -> str:
        if found := problem(value):
            raise bilingual(found[0], found[1])
        return value

    return check


def _either_code(value: str) -> str:
    if drug_code_problem(value) and consumable_code_problem(value):
        raise bilingual(
            "编码应为23位药品代码（X/Z开头）或20位耗材代码（C开头）",
            "the code must be a 23-character drug code (X/Z…) or a 20-character consumable code (C…)",
        )
    return value


def _level(value: Any) -> Any:
    return _LEVELS.get(value.strip(), value.strip()) if isinstance(value, str) else value


def _date(value: Any) -> Any:
    """2026-01-01, 2026/1/1, 2026.01.01, 20260101, 2026年1月1日 (or a spreadsheet date) as a date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        text = value.strip()
        if found := _DATE.match(text) or _COMPACT_DATE.match(text):
            year, month, day = (int(g) for g in found.groups())
            try:
                return date(year, month, day)
            except ValueError:
                raise bilingual(f"日期不存在：{text}", f"no such date: {text}") from None
    return value


DrugCode = Annotated[str, BeforeValidator(_upper), AfterValidator(_checked(drug_code_problem))]
ConsumableCode = Annotated[str, BeforeValidator(_upper), AfterValidator(_checked(consumable_code_problem))]
ListCode = Annotated[str, BeforeValidator(_upper), AfterValidator(_either_code)]
Level = Annotated[Literal["01", "02", "03"], BeforeValidator(_level)]
Day = Annotated[date, BeforeValidator(_date)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(min_length=1, max_length=500)]


class Dated(BaseModel):
    """开始日期 and 结束日期 where a row has them: the end, if any, not before the start."""

    begndate: Day | None = Field(default=None, description="开始日期")
    enddate: Day | None = Field(default=None, description="结束日期")

    @field_validator("enddate")
    @classmethod
    def _not_before_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("begndate")
        if value is not None and start is not None and value < start:
            raise bilingual(f"结束日期早于开始日期 {start}", f"enddate is before begndate ({start})")
        return value


class Drug(Dated):
    """One row of 医保药品分类与代码 (西药、中成药)."""

    med_list_codg: DrugCode = Field(description="药品代码")
    reg_nam: Name = Field(description="注册名称")
    drug_genname: Name | None = Field(default=None, description="通用名")
    drug_dosform: Annotated[str, Field(min_length=1, max_length=100)] = Field(description="剂型")
    drug_spec: Name = Field(description="规格")
    pacmatl: Name | None = Field(default=None, description="包装材质")
    min_pac_cnt: Annotated[str, Field(min_length=1, max_length=50)] | None = Field(
        default=None, description="最小包装数量"
    )
    prodentp_name: Name = Field(description="生产企业")
    aprvno: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(default=None, description="批准文号")
    chrgitm_lv: Level | None = Field(default=None, description="医保甲乙类")
    lmt_used_scp: Text | None = Field(default=None, description="限制使用范围")


class Consumable(Dated):
    """One row of 医保医用耗材分类与代码."""

    med_list_codg: ConsumableCode = Field(description="耗材代码")
    reg_nam: Name = Field(description="注册名称")
    mcs_genname: Name | None = Field(default=None, description="通用名")
    spec: Name = Field(description="规格型号")
    mcs_matl: Name | None = Field(default=None, description="材质")
    prodentp_name: Name = Field(description="生产企业")
    reg_fil_no: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None, description="注册备案号"
    )
    chrgitm_lv: Level | None = Field(default=None, description="医保甲乙类")


class PriceLimit(Dated):
    """One 限价 of a drug or consumable in a 医保区划 from a date (医保目录定价上限金额)."""

    hilist_code: ListCode = Field(description="医保编码")
    hilist_name: Name = Field(description="名称")
    hilist_lmtpric_type: Annotated[str, Field(min_length=1, max_length=50)] = Field(description="限价类型")
    hilist_pric_uplmt_amt: Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=6)] = Field(
        description="限价（元）"
    )
    prcunt: Annotated[str, Field(min_length=1, max_length=20)] = Field(description="计价单位")
    admdvs: Admdvs = Field(description="医保区划")
    begndate: Day = Field(description="开始日期")  # required here
    doc_no: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(default=None, description="依据文号")


class Policy(BaseModel):
    """One 政策文件: 文号, 标题, 发文机关, 发布日期 and where to read it (a link, a summary, or both)."""

    doc_no: Annotated[str, Field(min_length=1, max_length=100)] = Field(description="文号")
    title: Text = Field(description="标题")
    issuer: Name = Field(description="发文机关")
    issue_date: Day = Field(description="发布日期")
    url: Annotated[str, Field(pattern=r"^https?://\S+$", max_length=500)] | None = Field(
        default=None, description="链接"
    )
    summary: Annotated[str, Field(min_length=1, max_length=2000)] | None = Field(default=None, description="摘要")

    @model_validator(mode="after")
    def _readable(self) -> Policy:
        if self.url is None and self.summary is None:
            raise bilingual("链接和摘要至少填写一项", "give a url, a summary or both")
        return self


class Agency(BaseModel):
    """One 经办机构: where and when a citizen can go."""

    optins_code: Annotated[str, BeforeValidator(_upper), Field(pattern=r"^[0-9A-Z]{6,20}$")] = Field(
        description="经办机构编码"
    )
    optins_name: Name = Field(description="机构名称")
    optins_lv: Annotated[str, Field(min_length=1, max_length=20)] | None = Field(default=None, description="层级")
    admdvs: Admdvs = Field(description="医保区划")
    addr: Name = Field(description="地址")
    tel: Annotated[str, Field(pattern=r"^[0-9][0-9\-、,， ]{2,60}$")] = Field(description="联系电话")
    service_hours: Text = Field(description="办公时间")
