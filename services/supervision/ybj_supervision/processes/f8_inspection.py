"""The shared flow f8_settlement_detail_inspection (P073 日常检查, P074 专项检查, P075 实地检查, P076 年终检查).

「统计查询——F8 费用结算明细——选择开始时间及结束时间——医院编码——支付类别……—检索——导出全部」, then the records
are inspected. One case is one institution's period: the first stage holds the F8 records (one row a settlement,
uploadable as a list in the case) and draws a reproducible sample (rules/sampling.py) exported as a workbook
(documents/f8_sample.py); the second records a finding per sampled record. A reversed record and its reversal are
not drawn (they net to nothing).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from ybj_kernel.domain.process import Check, ProcessDefinition, Stage
from ybj_kernel.domain.validation import Money, bilingual
from ybj_kernel.errors import InvalidInput
from ybj_supervision.documents.f8_sample import SAMPLE_LIST
from ybj_supervision.rules.sampling import draw, sample_seed, sample_size

# A settlement's amounts, in yuan: negative on a reversal (冲正) record, unlike `Money`.
SignedYuan = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]
PayCategory = Literal["all", "outpatient", "inpatient"]
# 支付类别: 门诊 is a med_type of 1x, 住院 of 2x (national 医疗类别 codes; this platform's reading).
CATEGORY_PREFIX = {"outpatient": "1", "inpatient": "2"}
CATEGORIES_ZH = {"all": "全部", "outpatient": "门诊", "inpatient": "住院"}


class F8Row(BaseModel):
    """F8费用结算明细的一行: one settlement record flattened (its lines left out), money in yuan."""

    setl_id: str = Field(min_length=1, max_length=40, description="结算ID")
    mdtrt_id: str = Field(min_length=1, max_length=40, description="就诊ID")
    psn_no: str = Field(min_length=1, max_length=40, description="人员编号")
    certno: str = Field(default="", max_length=50, description="证件号码")
    gend: Literal["1", "2"] = Field(description="性别 (1 男, 2 女)")
    fixmedins_code: str = Field(min_length=1, max_length=30, description="定点医药机构编号")
    insutype: str = Field(default="", max_length=6, description="险种类型")
    med_type: str = Field(min_length=2, max_length=6, description="医疗类别")
    begndate: date = Field(description="开始日期")
    enddate: date = Field(description="结束日期")
    setl_time: datetime = Field(description="结算时间")
    medfee_sumamt: SignedYuan = Field(description="医疗费总额（元）")
    fulamt_ownpay_amt: SignedYuan = Field(default=Decimal("0.00"), description="全自费金额（元）")
    hifp_pay: SignedYuan = Field(default=Decimal("0.00"), description="统筹基金支出（元）")
    acct_pay: SignedYuan = Field(default=Decimal("0.00"), description="个人账户支出（元）")
    psn_cash_pay: SignedYuan = Field(default=Decimal("0.00"), description="个人现金支出（元）")
    reverses: str | None = Field(default=None, max_length=40, description="冲正的原结算ID")


class F8Query(BaseModel):
    """检索条件 (开始时间、结束时间、医院编码、支付类别), the 抽样 settings, and the F8 records exported."""

    model_config = ConfigDict(extra="forbid")

    fixmedins_code: str = Field(pattern=r"^[HP]\d{11}$", description="医院编码（定点医药机构编号）")
    begndate: date = Field(description="开始时间")
    enddate: date = Field(description="结束时间")
    pay_category: PayCategory = Field(description="支付类别 (all 全部, outpatient 门诊, inpatient 住院)")
    spot_seed: str = Field(min_length=1, max_length=40, description="抽样种子")
    sample_ratio: Decimal | None = Field(default=None, gt=0, le=1, description="抽样比例（与抽样数量二选一）")
    sample_count: int | None = Field(default=None, ge=1, description="抽样数量（与抽样比例二选一）")
    records: list[F8Row] = Field(min_length=1, description="F8费用结算明细")

    @field_validator("enddate")
    @classmethod
    def _period(cls, value: date, info: ValidationInfo) -> date:
        if value < info.data.get("begndate", value):
            raise bilingual("结束时间不能早于开始时间", "enddate is before begndate")
        return value

    @field_validator("records")
    @classmethod
    def _once_each(cls, value: list[F8Row]) -> list[F8Row]:
        if len({r.setl_id for r in value}) != len(value):
            raise bilingual("同一结算ID列了两次", "a setl_id is listed twice")
        return value


class Finding(BaseModel):
    """对一条抽中记录的审核结果."""

    setl_id: str = Field(min_length=1, max_length=40, description="结算ID（须为抽中记录）")
    finding: str = Field(min_length=1, max_length=1000, description="审核发现")
    vola_amt: Money = Field(default=Decimal("0.00"), description="违规金额（元）")


class Inspection(BaseModel):
    """审核: findings for the sampled records."""

    model_config = ConfigDict(extra="forbid")

    findings: list[Finding] = Field(default_factory=list, description="审核发现（按抽中记录）")
    inspect_opinion: str | None = Field(default=None, max_length=1000, description="审核意见")


def _invalid(code: str, zh: str, en: str, field: str) -> InvalidInput:
    return InvalidInput(code, zh, en, field)


def query_checks(categories: tuple[str, ...], whole_year: bool) -> Check:
    """The 检索条件 this process allows, and every record matching them (the export of that search)."""

    def check(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
        if step["pay_category"] not in categories:
            allowed = "、".join(CATEGORIES_ZH[c] for c in categories)
            raise _invalid(
                "INVALID_PAY_CATEGORY", f"支付类别应为：{allowed}", f"pay_category: {categories}", "pay_category"
            )
        begn, end = date.fromisoformat(step["begndate"]), date.fromisoformat(step["enddate"])
        if whole_year and (begn != date(begn.year, 1, 1) or end != date(begn.year, 12, 31)):
            raise _invalid(
                "NOT_WHOLE_YEAR",
                "年终检查的时间应为全年（1月1日至12月31日）",
                "the period must be a whole year",
                "enddate",
            )
        if (step.get("sample_ratio") is None) == (step.get("sample_count") is None):
            raise _invalid(
                "SAMPLE_BY_ONE", "抽样比例与抽样数量须填且只填一项", "give sample_ratio or sample_count", "sample_ratio"
            )
        prefix = CATEGORY_PREFIX.get(step["pay_category"], "")
        for i, row in enumerate(step["records"]):
            if row["fixmedins_code"] != step["fixmedins_code"]:
                raise _invalid(
                    "NOT_THIS_INSTITUTION",
                    f"第 {i + 1} 条记录不是该医院的",
                    f"record {i + 1} is another institution's",
                    f"records.{i}.fixmedins_code",
                )
            if not begn <= datetime.fromisoformat(row["setl_time"]).date() <= end:
                raise _invalid(
                    "OUTSIDE_PERIOD",
                    f"第 {i + 1} 条记录的结算时间不在检索时间内",
                    f"record {i + 1} is outside the period",
                    f"records.{i}.setl_time",
                )
            if not str(row["med_type"]).startswith(prefix):
                raise _invalid(
                    "NOT_THIS_CATEGORY",
                    f"第 {i + 1} 条记录不属于所选支付类别",
                    f"record {i + 1} is not of the pay category",
                    f"records.{i}.med_type",
                )

    return check


def draw_sample(_: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """检索，导出全部: the totals, the seed, and the sample drawn from the records in effect."""
    rows = step["records"]
    reversed_ids = {r["reverses"] for r in rows if r.get("reverses")}
    drawable = [r["setl_id"] for r in rows if not r.get("reverses") and r["setl_id"] not in reversed_ids]
    seed = sample_seed(step["fixmedins_code"], str(step["begndate"]), str(step["enddate"]), step["spot_seed"])
    ratio = Decimal(str(step["sample_ratio"])) if step.get("sample_ratio") is not None else None
    sample = draw(seed, drawable, sample_size(len(drawable), ratio, step.get("sample_count")))
    by_id = {r["setl_id"]: r for r in rows}
    return {
        "record_cnt": len(rows),
        "medfee_sumamt_total": str(sum((Decimal(str(r["medfee_sumamt"])) for r in rows), Decimal("0.00"))),
        "sample_seed": seed,
        "sample": sample,
        "sample_cnt": len(sample),
        "sample_lines": [
            f"{s} {by_id[s]['psn_no']} {by_id[s]['med_type']} {str(by_id[s]['setl_time'])[:10]} {by_id[s]['medfee_sumamt']}元"
            for s in sample
        ],
    }


def findings_in_sample(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """A finding is for a sampled record, once."""
    sample, seen = set(current.get("sample") or []), set()
    for i, f in enumerate(step["findings"]):
        if f["setl_id"] not in sample:
            raise _invalid(
                "NOT_SAMPLED",
                f"结算ID {f['setl_id']} 不在抽查样本中",
                f"{f['setl_id']} is not in the sample",
                f"findings.{i}.setl_id",
            )
        if f["setl_id"] in seen:
            raise _invalid(
                "DUPLICATE_FINDING",
                f"结算ID {f['setl_id']} 的审核发现录入了两次",
                f"{f['setl_id']} has two findings",
                f"findings.{i}.setl_id",
            )
        seen.add(f["setl_id"])


def finding_totals(_: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """违规金额合计 and how many sampled records were found wanting."""
    found = step["findings"]
    return {
        "finding_cnt": len(found),
        "vola_sumamt": str(sum((Decimal(str(f["vola_amt"])) for f in found), Decimal("0.00"))),
    }


def _row(setl_id: str, setl_time: str, med_type: str, amount: str) -> dict[str, Any]:
    return {
        "setl_id": setl_id, "mdtrt_id": f"MD{setl_id}", "psn_no": f"PSN{setl_id}", "certno": "", "gend": "2",
        "fixmedins_code": "H52010200001", "insutype": "390", "med_type": med_type,
        "begndate": setl_time[:10], "enddate": setl_time[:10], "setl_time": setl_time,
        "medfee_sumamt": amount, "hifp_pay": "0.00", "psn_cash_pay": amount,
    }  # fmt: skip


def example_query(pay_category: str, begndate: str, enddate: str, med_type: str, day: str) -> dict[str, Any]:
    """示例: four records of the example hospital, one of them reversed; a count-of-two sample."""
    rows = [_row(f"F8{n:04d}", f"{day}T{9 + n:02d}:00:00", med_type, f"{100 + n}.00") for n in range(1, 5)]
    rows.append({**_row("F80005", f"{day}T15:00:00", med_type, "-104.00"), "reverses": "F80004"})
    return {
        "fixmedins_code": "H52010200001", "begndate": begndate, "enddate": enddate, "pay_category": pay_category,
        "spot_seed": "2026-示例", "sample_count": 2, "records": rows,
    }  # fmt: skip


def f8_inspection(
    pid: str,
    slug: str,
    name_zh: str,
    *,
    export_zh: str,
    inspect_zh: str,
    categories: tuple[PayCategory, ...],
    example: dict[str, Any],
    whole_year: bool = False,
) -> ProcessDefinition:
    """One F8 inspection process: the search and its sample, then the findings."""
    return ProcessDefinition(
        id=pid,
        slug=slug,
        name_zh=name_zh,
        service="supervision",
        cancel_roles=("auditor",),
        stages=(
            Stage(
                "export_settlement_details",
                export_zh,
                ("auditor",),
                "SettlementDetailsExported",
                input=F8Query,
                checks=(query_checks(categories, whole_year),),
                derive=draw_sample,
                example=example,
            ),
            Stage(
                "inspect",
                inspect_zh,
                ("auditor",),
                "InspectionRecorded",
                input=Inspection,
                checks=(findings_in_sample,),
                derive=finding_totals,
                example={"findings": [], "inspect_opinion": "抽查记录未见异常（示例）"},
            ),
        ),
        documents=(SAMPLE_LIST,),
    )
