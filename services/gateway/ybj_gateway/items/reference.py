"""Items answered from reference data and public registries: 56 个税大病专项扣除信息, 57 经办机构信息查询, 59 慢病认定医院
查询, 63 药品目录信息查询, 66 已开通门诊统筹药店查询, 100 药品耗材编码, 101 基本信息查询, 102 政策文件查询, 103 限价信息查询,
104 其他药品和医用耗材服务.

The seed gives none of them a guide. The catalogues (药品、医用耗材、限价、政策文件、经办机构) are the query service's
reference data (`/api/v1/reference/…`, loaded from files in the national formats, docs/reference-data.md); every answer
carries their `source`, `example: true` while a kind holds only the shipped example. 59 and 66 read the designated
institutions as the query service projects treatment's `institution` registry; 56 reads the person's annual statement
(only after the three identifiers agree, insured.matched_person) and applies the tax rule held as data
(serious_illness_deduction.yaml). Each item's assumptions are in its `assumption_zh`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from ybj_gateway.items.call import ItemCall
from ybj_gateway.items.expenses import PersonYear
from ybj_gateway.items.institutions import PUBLIC_FIELDS
from ybj_gateway.items.insured import matched_person
from ybj_gateway.items.masking import mask_certno
from ybj_gateway.items.serious_illness_deduction import RULE, deduction
from ybj_gateway.items.served import Served
from ybj_kernel.domain.validation import bilingual, validate_input
from ybj_kernel.errors import InvalidInput

REFERENCE = "/api/v1/reference"
DRUG_CODE = re.compile(r"^[XZ][0-9A-Z]{22}$")  # 医保药品分类与代码
CONSUMABLE_CODE = re.compile(r"^C\d{19}$")  # 医保医用耗材分类与代码
CHRONIC_DISEASE = "chronic_disease"  # P070 门诊慢特病病种申办指定定点医院 (treatment's designation kind)
PHARMACY_PURCHASE = "41"  # 药店购药: the only 医保支付类别 P064 opens at a pharmacy
CODE_FIELDS = ("med_list_codg", "reg_nam", "drug_spec", "spec", "prodentp_name", "chrgitm_lv_name")


class Paged(BaseModel):
    """Which page of the answer (20 rows a page unless asked)."""

    page: int = Field(default=1, ge=1, le=1000, description="页码")
    page_size: int = Field(default=20, ge=1, le=50, description="每页条数")


class CatalogueSearch(Paged):
    """A code's beginning and/or a part of the name."""

    code: str | None = Field(default=None, pattern=r"^[0-9A-Za-z]{1,23}$", description="编码的开头")
    name: str | None = Field(default=None, min_length=1, max_length=50, description="名称中的一段")


class CodeSearch(CatalogueSearch):
    """药品耗材编码: which codes a name (or a code's beginning) has, among drugs, consumables or both."""

    kind: Literal["drug", "consumable"] | None = Field(default=None, description="drug 药品 / consumable 耗材")

    @model_validator(mode="after")
    def _something(self) -> CodeSearch:
        if not self.code and not self.name:
            raise bilingual("请填写名称或编码", "give a name or the beginning of a code")
        return self


class OneCode(BaseModel):
    """A 23-character drug code or a 20-character consumable code."""

    code: str = Field(min_length=20, max_length=23, description="医保药品（23位）或医用耗材（20位）代码")


class PolicySearch(Paged):
    """A 文号's beginning and/or a part of the title."""

    doc_no: str | None = Field(default=None, min_length=1, max_length=40, description="文号的开头")
    keyword: str | None = Field(default=None, min_length=1, max_length=50, description="标题中的一段")


class PriceSearch(CatalogueSearch):
    """限价 of a code (or a name), in force on a day (today unless asked), in an area and the areas covering it."""

    admdvs: str | None = Field(default=None, pattern=r"^\d{6}$", description="医保区划")
    on: date | None = Field(default=None, description="哪一天有效（不填为今天）")

    @model_validator(mode="after")
    def _something(self) -> PriceSearch:
        if not self.code and not self.name:
            raise bilingual("请填写编码或名称", "give the beginning of a code or a name")
        return self


class AgencySearch(Paged):
    """经办机构 of an area (and those covering it), and/or by a part of the name."""

    admdvs: str | None = Field(default=None, pattern=r"^\d{6}$", description="医保区划")
    name: str | None = Field(default=None, min_length=1, max_length=50, description="机构名称中的一段")


class AreaPage(Paged):
    """Institutions of one 医保区划 (all the channel may see when left out)."""

    admdvs: str | None = Field(default=None, pattern=r"^\d{6}$", description="医保区划")


def _listed(call: ItemCall, kind: str, **params: Any) -> dict[str, Any]:
    found = call.read(f"{REFERENCE}/{kind}", **params)
    return {
        "items": found.get("items") or [],
        "total": int(found.get("total", 0)),
        "page": found.get("page", params.get("page", 1)),
        "source": found.get("source"),
    }


def serious_illness_deduction(call: ItemCall) -> dict[str, Any]:
    """个税大病专项扣除信息: the year's in-catalogue self-pay and the part of it the rule lets be deducted."""
    asked = validate_input(PersonYear, call.business)
    found, named = matched_person(call)
    year = int(asked.get("year") or date.today().year)
    statement = call.reads.annual_statement(str(found["key"]), year, call.app_id, call.admdvs)
    paid = int(statement.get("acct_pay", 0)) + int(statement.get("psn_cash_pay", 0))
    figures = deduction(paid - int(statement.get("fulamt_ownpay_amt", 0)), RULE)
    return {
        "psn_name": found["state"].get("psn_name"),
        "certno": mask_certno(named["certno"]),
        "year": year,
        "in_catalogue_self_pay": _yuan(figures.self_pay),
        "threshold": _yuan(RULE.threshold_fen),
        "limit": _yuan(RULE.limit_fen),
        "deductible": _yuan(figures.deductible),
        "basis_zh": RULE.source_zh,
        "rule_zh": RULE.rule_zh,
    }


def agencies(call: ItemCall) -> dict[str, Any]:
    """经办机构信息查询: name, 医保区划, address, phone and hours."""
    asked = validate_input(AgencySearch, call.business)
    return _listed(call, "agencies", **asked)


def chronic_disease_hospitals(call: ItemCall) -> dict[str, Any]:
    """慢病认定医院: hospitals designated for 门诊慢特病 applications (P070), with the date they were designated from."""
    asked = validate_input(AreaPage, call.business)
    found = call.read("/api/v1/institutions", fixmedins_type="1", designation=CHRONIC_DISEASE, **asked)
    return _institutions(found, lambda s: ((s.get("designations") or {}).get(CHRONIC_DISEASE) or {}).get("begndate"))


def pooled_outpatient_pharmacies(call: ItemCall) -> dict[str, Any]:
    """已开通门诊统筹药店: pharmacies whose 药店购药 is open (see the assumption), with the date it was opened from."""
    asked = validate_input(AreaPage, call.business)
    found = call.read("/api/v1/institutions", fixmedins_type="2", service=PHARMACY_PURCHASE, **asked)
    return _institutions(found, lambda s: ((s.get("services") or {}).get(PHARMACY_PURCHASE) or {}).get("exe_time"))


def _institutions(found: dict[str, Any], since: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    rows = [i.get("state") or i for i in found.get("items") or []]
    items = [{**{k: r[k] for k in PUBLIC_FIELDS if r.get(k) is not None}, "since": since(r)} for r in rows]
    return {"items": items, "total": int(found.get("total", len(items))), "page": found.get("page", 1)}


def drug_catalogue(call: ItemCall) -> dict[str, Any]:
    """药品目录信息查询: drugs by code or name, with 剂型, 规格, 生产企业 and 医保甲乙类."""
    asked = validate_input(CatalogueSearch, call.business)
    return _listed(call, "drugs", **asked)


def codes(call: ItemCall) -> dict[str, Any]:
    """药品耗材编码: the national codes of the drugs and consumables matching a name (or a code's beginning)."""
    asked = validate_input(CodeSearch, call.business)
    params = {k: asked.get(k) for k in ("code", "name", "page", "page_size")}
    kinds = {"drug": ("drugs",), "consumable": ("consumables",)}.get(asked.get("kind") or "", ("drugs", "consumables"))
    answer: dict[str, Any] = {}
    for kind in kinds:
        found = _listed(call, kind, **params)
        found["items"] = [{k: i[k] for k in CODE_FIELDS if k in i} for i in found["items"]]
        answer[kind] = found
    return answer


def basic_info(call: ItemCall) -> dict[str, Any]:
    """基本信息查询: one drug or consumable by its code, as the catalogue has it."""
    code = str(validate_input(OneCode, call.business)["code"]).strip().upper()
    if DRUG_CODE.match(code):
        kind, kind_zh = "drugs", "药品"
    elif CONSUMABLE_CODE.match(code):
        kind, kind_zh = "consumables", "医用耗材"
    else:
        raise InvalidInput(
            "INVALID_FIELD",
            "代码应为23位药品代码（X或Z开头）或20位医用耗材代码（C开头）",
            "the code must be a 23-character drug code (X or Z …) or a 20-character consumable code (C …)",
            "code",
        )
    found = call.read(f"{REFERENCE}/{kind}/{code}")
    return {"kind": kind, "kind_zh": kind_zh, "item": found.get("item"), "source": found.get("source")}


def policies(call: ItemCall) -> dict[str, Any]:
    """政策文件查询: 文号, 标题, 发文机关, 发布日期, link or summary."""
    asked = validate_input(PolicySearch, call.business)
    return _listed(call, "policies", code=asked.get("doc_no"), name=asked.get("keyword"), **_page(asked))


def price_limits(call: ItemCall) -> dict[str, Any]:
    """限价信息查询: the 限价 (元 per 计价单位) in force on the day, by area, with its type and basis."""
    asked = validate_input(PriceSearch, call.business)
    on = asked.get("on") or date.today().isoformat()
    found = _listed(call, "price_limits", **{**asked, "on": on})
    return {**found, "on": on}


def other_services(call: ItemCall) -> dict[str, Any]:
    """其他药品和医用耗材服务: what there is (the catalogues, where each comes from) and which item answers what."""
    found = call.read(REFERENCE)
    return {
        "catalogues": found.get("items") or [],
        "items": [{"no": no, "name_zh": ITEM_NAMES[no]} for no in (63, 100, 101, 102, 103)],
        "note_zh": "本事项为兜底项，种子材料未说明其内容；药品和医用耗材的查询请使用上列事项。",
    }


ITEM_NAMES = {
    63: "药品目录信息查询",
    100: "药品耗材编码",
    101: "基本信息查询",
    102: "政策文件查询",
    103: "限价信息查询",
}


def _page(asked: dict[str, Any]) -> dict[str, Any]:
    return {k: asked[k] for k in ("page", "page_size") if k in asked}


def _yuan(fen: int) -> str:
    return str((Decimal(fen) / 100).quantize(Decimal("0.01")))


_EXAMPLE_NOTE = "目录数据来自查询服务的参考数据（docs/reference-data.md），未导入正式文件时为随包示例数据，应答中 source.example 为 true。"
SERVED = {
    56: Served(
        serious_illness_deduction,
        {"certno": "${person.certno}", "psn_name": "${person.psn_name}"},
        assumption_zh=(
            "本人数据：须证件类型、证件号码、姓名一致。年度不填为本年（年度汇算前可查上一年）。医保目录范围内个人自付 ="
            "该年结算记录（冲正已抵消）的个人账户支出 + 个人现金支出 − 全自费金额；结算记录未单列超限价自费、先行自付，"
            "故按目录内计。可扣除额按《个人所得税专项附加扣除暂行办法》（国发〔2018〕41号）第十一条：超过15000元的部分，"
            "在80000元限额内据实扣除；两个金额是数据（serious_illness_deduction.yaml），不是代码中的常量。"
            "结果供纳税人年度汇算参考，以税务机关审核为准。"
        ),
    ),
    57: Served(
        agencies,
        {"admdvs": "520102"},
        assumption_zh=(
            "经办机构目录（编码、名称、层级、医保区划、地址、联系电话、办公时间）为参考数据，按医保区划查询时列出该区划内的"
            "及覆盖它的（市、省级）机构。联系电话为机构的办公电话，不属个人信息，不遮蔽。" + _EXAMPLE_NOTE
        ),
    ),
    59: Served(
        chronic_disease_hospitals,
        {},
        assumption_zh=(
            "慢病认定医院 = 经P070「新增门诊慢特病病种申办指定定点医院」指定（定点医药机构登记的 chronic_disease 指定）"
            "的定点医疗机构；P063 维护的参数中没有单独的慢病认定标志。列出机构状态（暂停医药服务的机构仍列出，状态为暂停）。"
        ),
    ),
    63: Served(
        drug_catalogue, {"name": "阿莫西林"}, assumption_zh="药品目录按编码开头或名称中的一段查询。" + _EXAMPLE_NOTE
    ),
    66: Served(
        pooled_outpatient_pharmacies,
        {},
        assumption_zh=(
            "定点医药机构登记中没有“门诊统筹”开通标志：P064 维护的医保支付类别中药店只有“药店购药”（41）。本事项按"
            "“药店购药”已开通的定点零售药店列出（since 为开通执行时间），待省局给出门诊统筹的类别代码后改按该类别筛选。"
            "暂停医药服务的药店仍列出，状态为暂停。"
        ),
    ),
    100: Served(
        codes,
        {"name": "阿莫西林"},
        assumption_zh="按名称中的一段（或编码开头）查询23位医保药品代码和20位医保医用耗材代码。" + _EXAMPLE_NOTE,
    ),
    101: Served(
        basic_info,
        {"code": "XJ01CAA040E001010100001"},
        assumption_zh="基本信息 = 按代码查询一个药品（23位，X/Z开头）或医用耗材（20位，C开头）在目录中的全部信息。"
        + _EXAMPLE_NOTE,
    ),
    102: Served(
        policies,
        {"keyword": "个人所得税"},
        assumption_zh="政策文件目录（文号、标题、发文机关、发布日期、链接或摘要），按文号开头或标题中的一段查询。"
        + _EXAMPLE_NOTE,
    ),
    103: Served(
        price_limits,
        {"code": "XA10BAE001A001010100003", "on": "2026-03-01"},
        assumption_zh=(
            "限价 = 医保目录定价上限金额（元/计价单位），按编码、医保区划（含覆盖它的市、省级）和日期（不填为今天）查询"
            "当日有效的限价。" + _EXAMPLE_NOTE
        ),
    ),
    104: Served(
        other_services,
        {},
        assumption_zh=(
            "兜底项：种子材料未说明其内容。应答列出平台的药品和医用耗材参考目录（含数据来源、是否示例）及承担各项查询的事项"
            "（63、100-103）。"
        ),
    ),
}
