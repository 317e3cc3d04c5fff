"""P021 征缴实收对账: the tax bureau's 《实际税务征收明细表》 rows matched against the platform's 缴费记录 (DOMAIN E27).

「将税务提供的征收明细与国家医疗保障信息平台导出的缴费记录进行比对——核对税务本月征收部分——核对税务本月征收的非本月部分
——分析误差原因，并列出误差数额——核对征收总额」 (seeds/001 L972-980). A tax row is one person's payment for one 险种 and
one 所属期 (单位缴费, 个人缴费); a platform row is one 缴费记录 as enrollment recorded it: what was paid (实缴) for the
person, 险种 and 所属期, by the unit or the person, without that split. Rows are matched by person (证件号码; a tax row
giving only 人员编号 is found through the platform's records), 险种类型 and 所属期; rows of one key on one side are added
up first (a person may pay twice in a month), and a key's tax amount is its 单位 plus 个人 parts. Each key whose amounts
are not the same on both sides is a difference: missing on the platform (`missing_on_platform`), missing from the tax
details (`missing_in_tax`), or the amounts differ (`amount_differs`). The differences always add up to the gap
between the two totals (`reconciles`); `balanced` says there is no difference at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from ybj_kernel.domain.rules import Rule, RuleContext
from ybj_kernel.domain.validation import Money, bilingual
from ybj_settlement.rules.adjustments import fen, yuan

MAX_ROWS = 20_000  # rows of one side in one case: an example limit for this deployment (示例)
INSUTYPES_ZH = {"310": "职工基本医疗保险", "320": "公务员医疗补助", "330": "大额医疗费用补助", "510": "生育保险"}
DIFF_ZH = {"missing_on_platform": "平台无缴费记录", "missing_in_tax": "税务无征收明细", "amount_differs": "金额不一致"}
YM = r"^\d{4}(0[1-9]|1[0-2])$"
Insutype = Literal["310", "320", "330", "510"]


class ContributionRow(BaseModel):
    """One payment: who (证件号码 and/or 人员编号), 险种类型, 所属期, 单位缴费 and 个人缴费 (元)."""

    certno: str | None = Field(default=None, min_length=1, max_length=50, description="证件号码")
    psn_no: str | None = Field(default=None, min_length=1, max_length=30, description="人员编号")
    psn_name: str | None = Field(default=None, max_length=50, description="姓名")
    insutype: Insutype = Field(description="险种类型")
    belong_ym: str = Field(pattern=YM, description="费款所属期 (YYYYMM)")
    emp_amt: Money = Field(default=Decimal("0.00"), description="单位缴费金额（元）")
    psn_amt: Money = Field(default=Decimal("0.00"), description="个人缴费金额（元）")

    @model_validator(mode="after")
    def _someone(self) -> ContributionRow:
        if self.certno is None and self.psn_no is None:
            raise bilingual("证件号码、人员编号至少填写一项", "give the certno or the psn_no")
        if self.certno is not None:
            self.certno = self.certno.upper()
        return self


class PlatformRow(BaseModel):
    """A 缴费记录 as enrollment recorded it: the person (人员编号 and 证件号码), 险种, 所属期, who paid and 实缴 (元)."""

    certno: str = Field(min_length=1, max_length=50, description="证件号码")
    psn_no: str = Field(min_length=1, max_length=30, description="人员编号")
    psn_name: str | None = Field(default=None, max_length=50, description="姓名")
    insutype: Insutype = Field(description="险种类型")
    belong_ym: str = Field(pattern=YM, description="费款所属期 (YYYYMM)")
    emp_no: str | None = Field(default=None, max_length=30, description="缴费单位编号（空：个人缴费）")
    paid_amt: Money = Field(description="实缴金额（元）")

    @model_validator(mode="after")
    def _upper(self) -> PlatformRow:
        self.certno = self.certno.upper()
        return self


class ReconciliationInput(BaseModel):
    """The collection month, the tax bureau's rows and the platform's rows for the same period."""

    collection_ym: str = Field(pattern=YM, description="税务征收月份 (YYYYMM)")
    tax_rows: list[ContributionRow] = Field(max_length=MAX_ROWS, description="实际税务征收明细")
    platform_rows: list[PlatformRow] = Field(max_length=MAX_ROWS, description="平台缴费记录（征缴记录）")


class Difference(BaseModel):
    """One key that differs: the amounts on each side (元) and tax − platform."""

    kind: Literal["missing_on_platform", "missing_in_tax", "amount_differs"]
    kind_zh: str
    certno: str
    psn_no: str | None
    psn_name: str | None
    insutype: str
    belong_ym: str
    current_month: bool = Field(description="本月征收本月部分 (所属期 = 征收月份)")
    tax_emp_amt: str = Field(description="税务单位缴费（元）")
    tax_psn_amt: str = Field(description="税务个人缴费（元）")
    tax_amt: str = Field(description="税务征收合计（元）")
    platform_amt: str = Field(description="平台实缴金额（元）")
    platform_emp_nos: list[str] = Field(description="平台缴费单位编号（空：个人缴费）")
    diff_amt: str = Field(description="误差数额 = 税务 − 平台（元）")


class SideTotals(BaseModel):
    """One side's totals (元): all, and the 本月 / 非本月 parts."""

    rows: int
    total_amt: str
    current_month_amt: str = Field(description="本月征收本月部分")
    other_month_amt: str = Field(description="本月征收非本月部分")


class TaxTotals(SideTotals):
    """The tax side's totals, with its 单位 and 个人 parts."""

    emp_amt: str
    psn_amt: str


class ReconciliationOutput(BaseModel):
    """Both sides' totals, the differences, and whether the differences account for the gap."""

    tax: TaxTotals
    platform: SideTotals
    differences: list[Difference]
    difference_count: int
    diff_total_amt: str = Field(description="误差合计 = 税务总额 − 平台总额（元）")
    balanced: bool = Field(description="无误差")
    reconciles: bool = Field(description="误差合计与两边总额之差一致")


Key = tuple[str, str, str]  # (证件号码, 险种类型, 所属期)
BY_PSN_NO = "人员编号:"  # a key's person when a tax row gives only a 人员编号 the platform's records do not know


def _person(row: ContributionRow, certno_of: dict[str, str]) -> str:
    if row.certno is not None:
        return row.certno
    assert row.psn_no is not None  # checked by the model
    return certno_of.get(row.psn_no, f"{BY_PSN_NO}{row.psn_no}")


def _who(person: str, names: dict[str, tuple[str | None, str | None]]) -> tuple[str | None, str | None]:
    """A key's 人员编号 and 姓名, as either side names them."""
    if person.startswith(BY_PSN_NO):
        return person.removeprefix(BY_PSN_NO), None
    return names.get(person, (None, None))


def _tax_sums(rows: Iterable[ContributionRow], certno_of: dict[str, str]) -> dict[Key, list[int]]:
    """单位 and 个人 (fen) per key."""
    sums: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        pair = sums[(_person(row, certno_of), row.insutype, row.belong_ym)]
        pair[0] += fen(row.emp_amt)
        pair[1] += fen(row.psn_amt)
    return sums


def _platform_sums(rows: Iterable[PlatformRow]) -> tuple[dict[Key, int], dict[Key, set[str]]]:
    """实缴 (fen) per key, and the units that paid it."""
    sums: dict[Key, int] = defaultdict(int)
    payers: dict[Key, set[str]] = defaultdict(set)
    for row in rows:
        key = (row.certno, row.insutype, row.belong_ym)
        sums[key] += fen(row.paid_amt)
        if row.emp_no:
            payers[key].add(row.emp_no)
    return sums, payers


def _totals(rows: list[Any], sums: dict[Key, int], ym: str) -> SideTotals:
    total = sum(sums.values())
    current = sum(v for k, v in sums.items() if k[2] == ym)
    return SideTotals(
        rows=len(rows),
        total_amt=yuan(total),
        current_month_amt=yuan(current),
        other_month_amt=yuan(total - current),
    )


def reconcile(data: ReconciliationInput, _ctx: RuleContext) -> ReconciliationOutput:
    """Match the rows by person, 险种 and 所属期, and list every key whose amounts are not the same on both sides."""
    certno_of = {r.psn_no: r.certno for r in data.platform_rows}
    names: dict[str, tuple[str | None, str | None]] = {r.certno: (r.psn_no, r.psn_name) for r in data.platform_rows}
    names.update({r.certno: (r.psn_no, r.psn_name) for r in data.tax_rows if r.certno and r.psn_name})
    tax = _tax_sums(data.tax_rows, certno_of)
    platform, payers = _platform_sums(data.platform_rows)
    differences = []
    for key in sorted(set(tax) | set(platform)):
        t, p = tax.get(key), platform.get(key)
        if t is not None and p is not None and sum(t) == p:
            continue
        kind = "missing_on_platform" if p is None else "missing_in_tax" if t is None else "amount_differs"
        t, p = t or [0, 0], p or 0
        psn_no, psn_name = _who(key[0], names)
        differences.append(
            Difference(
                kind=kind,  # type: ignore[arg-type]
                kind_zh=DIFF_ZH[kind],
                certno=key[0],
                psn_no=psn_no,
                psn_name=psn_name,
                insutype=key[1],
                belong_ym=key[2],
                current_month=key[2] == data.collection_ym,
                tax_emp_amt=yuan(t[0]),
                tax_psn_amt=yuan(t[1]),
                tax_amt=yuan(sum(t)),
                platform_amt=yuan(p),
                platform_emp_nos=sorted(payers.get(key, ())),
                diff_amt=yuan(sum(t) - p),
            )
        )
    tax_side = _totals(data.tax_rows, {k: sum(v) for k, v in tax.items()}, data.collection_ym)
    tax_totals = TaxTotals(
        **tax_side.model_dump(),
        emp_amt=yuan(sum(v[0] for v in tax.values())),
        psn_amt=yuan(sum(v[1] for v in tax.values())),
    )
    platform_totals = _totals(data.platform_rows, platform, data.collection_ym)
    diff_fen = sum(fen(Decimal(d.diff_amt)) for d in differences)
    gap = fen(Decimal(tax_totals.total_amt)) - fen(Decimal(platform_totals.total_amt))
    return ReconciliationOutput(
        tax=tax_totals,
        platform=platform_totals,
        differences=differences,
        difference_count=len(differences),
        diff_total_amt=yuan(gap),
        balanced=not differences,
        reconciles=diff_fen == gap,
    )


# An example: 陈静 (P002's employee) paid 520.00 for 202610 through her unit (P011's example, by the unit
# 52010213594430); the tax bureau has it as 400.00 单位 + 125.00 个人, and a 202612 row the platform has not received.
_ROW = {"certno": "520102199003070022", "insutype": "310", "belong_ym": "202610"}
RECONCILIATION: Rule[ReconciliationInput, ReconciliationOutput] = Rule(
    id="contribution_reconciliation",
    process_id="P021",
    name_zh="征缴实收对账（税务征收明细与平台缴费记录比对）",
    name_en="Contribution reconciliation: tax collection details against the platform's records",
    source_zh=(
        "「将税务提供的征收明细与国家医疗保障信息平台导出的缴费记录进行比对——核对税务本月征收部分——"
        "核对税务本月征收的非本月部分——分析误差原因，并列出误差数额——核对征收总额」"
    ),
    source_ref="seeds/001 L972-980",
    input_model=ReconciliationInput,
    output_model=ReconciliationOutput,
    fn=reconcile,
    example={
        "collection_ym": "202612",
        "tax_rows": [
            {**_ROW, "emp_amt": "400.00", "psn_amt": "125.00"},
            {"psn_no": "52000000000000000001", "insutype": "310", "belong_ym": "202612", "psn_amt": "80.00"},
        ],
        "platform_rows": [
            {**_ROW, "psn_no": "5254229680329901", "emp_no": "52010213594430", "paid_amt": "520.00"},
        ],
    },
    parameters={"match_on": ["证件号码/人员编号", "险种类型", "所属期"], "max_rows": MAX_ROWS},
)

RULES: tuple[Rule[Any, Any], ...] = (RECONCILIATION,)
