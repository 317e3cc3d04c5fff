"""The kinds of reference data (药品, 医用耗材, 限价, 政策文件, 经办机构): each its row model (rows.py), the column
headers a file may use for its fields, and the fields that key a row and are searched. Pure: no I/O (files.py reads
files, store.py writes tables).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from ybj_query.reference.rows import Agency, Consumable, Drug, Policy, PriceLimit


@dataclass(frozen=True)
class Kind:
    """A kind of reference data: its row model, the headers a file may give each field (the first is the one the
    shipped files and the errors use; the field code itself is always accepted), and how a row is keyed and searched."""

    name: str
    name_zh: str
    model: type[BaseModel]
    headers: Mapping[str, tuple[str, ...]]
    key: tuple[str, ...]
    code_field: str
    name_field: str
    admdvs_field: str | None = None

    def accepted(self, field: str) -> tuple[str, ...]:
        """Every header naming `field`, the preferred first."""
        return (*self.headers[field], field)

    def header_of(self, field: str) -> str:
        """The header a message names a field by."""
        return self.headers[field][0] if field in self.headers else field

    def key_of(self, record: Mapping[str, Any]) -> str:
        """The row's key in its table: its code, or the code with what else tells two rows apart."""
        return "|".join(str(record.get(f, "")) for f in self.key)

    def required(self) -> tuple[str, ...]:
        """The fields every file of this kind must have a column for."""
        return tuple(f for f, info in self.model.model_fields.items() if info.is_required())


_DATED = {"begndate": ("开始日期", "生效日期", "执行开始日期"), "enddate": ("结束日期", "失效日期", "执行结束日期")}
KINDS: dict[str, Kind] = {
    "drugs": Kind(
        "drugs",
        "医保药品分类与代码",
        Drug,
        {
            "med_list_codg": ("药品代码", "医保药品代码", "国家医保药品代码", "药品编码", "医保药品编码"),
            "reg_nam": ("注册名称", "药品名称"),
            "drug_genname": ("通用名", "药品通用名", "通用名称"),
            "drug_dosform": ("剂型", "注册剂型", "实际剂型"),
            "drug_spec": ("规格", "注册规格", "实际规格"),
            "pacmatl": ("包装材质",),
            "min_pac_cnt": ("最小包装数量",),
            "prodentp_name": ("生产企业", "药品企业", "生产企业名称"),
            "aprvno": ("批准文号",),
            "chrgitm_lv": ("医保甲乙类", "甲乙类", "收费项目等级"),
            "lmt_used_scp": ("限制使用范围", "备注"),
            **_DATED,
        },
        ("med_list_codg",),
        "med_list_codg",
        "reg_nam",
    ),
    "consumables": Kind(
        "consumables",
        "医保医用耗材分类与代码",
        Consumable,
        {
            "med_list_codg": ("耗材代码", "医保医用耗材代码", "医用耗材代码", "耗材编码"),
            "reg_nam": ("注册名称", "耗材名称", "单件产品名称", "产品名称"),
            "mcs_genname": ("通用名", "医保通用名"),
            "spec": ("规格型号", "规格", "型号"),
            "mcs_matl": ("材质",),
            "prodentp_name": ("生产企业", "生产企业名称"),
            "reg_fil_no": ("注册备案号", "注册证编号", "注册证号"),
            "chrgitm_lv": ("医保甲乙类", "甲乙类", "收费项目等级"),
            **_DATED,
        },
        ("med_list_codg",),
        "med_list_codg",
        "reg_nam",
    ),
    "price_limits": Kind(
        "price_limits",
        "药品和医用耗材限价",
        PriceLimit,
        {
            "hilist_code": ("医保编码", "医保目录编码", "药品代码", "耗材代码"),
            "hilist_name": ("名称", "医保目录名称", "药品名称", "耗材名称"),
            "hilist_lmtpric_type": ("限价类型",),
            "hilist_pric_uplmt_amt": ("限价", "限价（元）", "医保目录定价上限金额"),
            "prcunt": ("计价单位",),
            "admdvs": ("医保区划",),
            "doc_no": ("依据文号", "文号"),
            **_DATED,
        },
        ("hilist_code", "admdvs", "begndate"),
        "hilist_code",
        "hilist_name",
        "admdvs",
    ),
    "policies": Kind(
        "policies",
        "政策文件",
        Policy,
        {
            "doc_no": ("文号",),
            "title": ("标题", "文件名称"),
            "issuer": ("发文机关", "发文单位"),
            "issue_date": ("发布日期", "发文日期"),
            "url": ("链接", "网址"),
            "summary": ("摘要", "内容摘要"),
        },
        ("doc_no",),
        "doc_no",
        "title",
    ),
    "agencies": Kind(
        "agencies",
        "医保经办机构",
        Agency,
        {
            "optins_code": ("经办机构编码", "机构编码"),
            "optins_name": ("机构名称", "经办机构名称"),
            "optins_lv": ("层级", "机构层级"),
            "admdvs": ("医保区划",),
            "addr": ("地址", "办公地址"),
            "tel": ("联系电话", "电话"),
            "service_hours": ("办公时间", "服务时间"),
        },
        ("optins_code",),
        "optins_code",
        "optins_name",
        "admdvs",
    ),
}
KindName = Literal["drugs", "consumables", "price_limits", "policies", "agencies"]
