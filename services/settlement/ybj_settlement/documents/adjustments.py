"""Forms of P078 违规扣款, P021 征缴实收对账 and P042 城乡居民基金支出, and P021's differences as an Excel workbook.

Printed forms (PDF, GET /api/v1/cases/{id}/documents/{name}): 违规扣款明细表 (P078, one deduction a case), 对账误差明细
(P021's tax details compared with the 缴费记录 enrollment recorded), 医保基金实收分配情况表 (P021),
审核汇总情况 (P042's export_item). `differences_xlsx` renders a P021 case's differences as a one-sheet workbook with the
kernel's `table_xlsx`, one row a difference, for the clerk to analyse (「分析误差原因，并列出误差数额」).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ybj_kernel.adapters.spreadsheets_export import table_xlsx
from ybj_kernel.domain.documents import DocumentField, DocumentSpec
from ybj_kernel.domain.process import COMPLETED

KINDS_ZH = {"ordinary": "违规扣款", "penalty": "倍数处罚性扣款"}
FUND_TYPES_ZH = {"310100": "职工基本医疗保险统筹基金", "390100": "城乡居民基本医疗保险基金", "510100": "生育保险基金"}

DEDUCTION_DETAIL = DocumentSpec(  # 附件1 人工审核/智能审核违规扣款明细表
    name="violation-deduction-detail",
    title_zh="人工审核/智能审核违规扣款明细表",
    fields=(
        DocumentField("fixmedins_code", "医药机构编号"),
        DocumentField("fixmedins_name", "医药机构名称"),
        DocumentField("admdvs", "医保统筹区"),
        DocumentField("subcenter", "医保分中心"),
        DocumentField("setl_ym", "扣款所属清算期", "date"),
        DocumentField("kind", "扣款类型", "code", KINDS_ZH),
        DocumentField("vola_amt", "违规金额", "money_yuan"),
        DocumentField("multiple", "扣款倍数"),
        DocumentField("deduct_amt", "应扣款金额", "money_yuan"),
        DocumentField("reduces_zh", "扣减对象"),
        DocumentField("vola_begndate", "违规开始日期", "date"),
        DocumentField("vola_enddate", "违规结束日期", "date"),
        DocumentField("fund_type", "扣款基金类型", "code", FUND_TYPES_ZH),
        DocumentField("source", "扣款来源"),
    ),
    stages=frozenset({"first_review", "second_review", COMPLETED}),
)

# P021: one difference a line, in the workbook and (as text) on the PDF.
DIFFERENCE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("kind_zh", "误差类型"),
    ("certno", "证件号码"),
    ("psn_no", "人员编号"),
    ("psn_name", "姓名"),
    ("insutype", "险种类型"),
    ("belong_ym", "费款所属期"),
    ("current_month_zh", "本月/非本月"),
    ("tax_emp_amt", "税务单位缴费"),
    ("tax_psn_amt", "税务个人缴费"),
    ("tax_amt", "税务征收合计"),
    ("platform_amt", "平台实缴金额"),
    ("payer_zh", "平台缴费单位"),
    ("diff_amt", "误差数额（税务−平台）"),
)


def _payer_zh(difference: Mapping[str, Any]) -> str:
    """Who paid on the platform: the units, 个人缴费, or nothing when the platform has no record."""
    if difference["kind"] == "missing_on_platform":
        return ""
    return "、".join(difference.get("platform_emp_nos") or ()) or "个人缴费"


def difference_rows(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A P021 case's differences as table rows (by column code)."""
    rows = (data.get("reconciliation") or {}).get("differences") or []
    return [
        {
            **d,
            "current_month_zh": "本月征收本月部分" if d["current_month"] else "本月征收非本月部分",
            "payer_zh": _payer_zh(d),
        }
        for d in rows
    ]


def difference_lines(data: Mapping[str, Any]) -> list[str]:
    """The differences as one printed line each (the PDF's list field)."""
    return [
        f"{r['kind_zh']} {r['certno']} {r['insutype']} {r['belong_ym']} 误差 {r['diff_amt']} 元"
        for r in difference_rows(data)
    ]


def differences_xlsx(data: Mapping[str, Any]) -> bytes:
    """The differences of a P021 case as an .xlsx workbook (one sheet, a header row, one row a difference)."""
    return table_xlsx("征缴实收对账误差明细", DIFFERENCE_COLUMNS, difference_rows(data))


RECONCILIATION_DIFFERENCES = DocumentSpec(
    name="reconciliation-differences",
    title_zh="征缴实收对账误差明细",
    fields=(
        DocumentField("insutypes", "险种类型"),
        DocumentField("arrival_begin", "到账起始时间", "date"),
        DocumentField("arrival_end", "到账截止时间", "date"),
        DocumentField("collection_ym", "征收月份", "date"),
        DocumentField("tax_total_amt", "税务征收总额", "money_yuan"),
        DocumentField("platform_total_amt", "平台缴费记录总额", "money_yuan"),
        DocumentField("diff_total_amt", "误差合计（税务−平台）", "money_yuan"),
        DocumentField("difference_count", "误差笔数"),
        DocumentField("difference_lines", "误差明细"),
        DocumentField("discrepancy_causes", "误差原因"),
    ),
    stages=frozenset({"resolve_discrepancy", "fill_allocation_table", COMPLETED}),
)

ALLOCATION_TABLE = DocumentSpec(  # 「填写《医保基金实收分配情况表》，返基金财务科」
    name="fund-receipt-allocation",
    title_zh="医保基金实收分配情况表",
    fields=(
        DocumentField("collection_ym", "征收月份", "date"),
        DocumentField("insutypes", "险种类型"),
        DocumentField("tax_emp_amt", "税务实际征收单位部分", "money_yuan"),
        DocumentField("tax_psn_amt", "税务实际征收个人部分", "money_yuan"),
        DocumentField("current_month_amt", "本月征收本月部分", "money_yuan"),
        DocumentField("other_month_amt", "本月征收非本月部分", "money_yuan"),
        DocumentField("emp_to_pool_amt", "单位划入统筹金额", "money_yuan"),
        DocumentField("emp_to_account_amt", "单位划入个人帐户金额", "money_yuan"),
        DocumentField("civil_servant_amt", "单位缴纳公务员补助金额", "money_yuan"),
        DocumentField("tax_total_amt", "征收总额", "money_yuan"),
    ),
    stages=frozenset({COMPLETED}),
    note_zh="数据核对无误后填写，返基金财务科，结束税务对账。",
)

AUDIT_SUMMARY = DocumentSpec(  # P042 「完成审核、扣款操作后，导出审核汇总情况」
    name="audit-summary",
    title_zh="审核拨付汇总表",
    fields=(
        DocumentField("setl_ym", "结算期号", "date"),
        DocumentField("setl_batch_no", "结算批次号"),
        DocumentField("institution_count", "定点医疗机构数"),
        DocumentField("declared_total", "申报金额合计", "money_yuan"),
        DocumentField("deducted_total", "审核扣款合计", "money_yuan"),
        DocumentField("approved_total", "审核拨付金额合计", "money_yuan"),
        DocumentField("institution_lines", "定点医疗机构（编号 名称 申报 扣款 拨付）"),
    ),
    # any stage once the case is open: before 审核情况汇总 the totals print as "—"
)
