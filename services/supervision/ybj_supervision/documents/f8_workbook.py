"""The F8 inspections' sample exported as a workbook (导出, the kernel's xlsx table).

Built from the case's data alone, so a route serving it only reads the case and returns these bytes
(spreadsheets_export.XLSX_MEDIA_TYPE).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ybj_kernel.adapters.spreadsheets_export import table_xlsx

SAMPLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("setl_id", "结算ID"),
    ("mdtrt_id", "就诊ID"),
    ("psn_no", "人员编号"),
    ("certno", "证件号码"),
    ("gend", "性别"),
    ("fixmedins_code", "定点医药机构编号"),
    ("insutype", "险种类型"),
    ("med_type", "医疗类别"),
    ("begndate", "开始日期"),
    ("enddate", "结束日期"),
    ("setl_time", "结算时间"),
    ("medfee_sumamt", "医疗费总额（元）"),
    ("fulamt_ownpay_amt", "全自费金额（元）"),
    ("hifp_pay", "统筹基金支出（元）"),
    ("acct_pay", "个人账户支出（元）"),
    ("psn_cash_pay", "个人现金支出（元）"),
)


def sample_rows(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The sampled records of a case, in the draw's order."""
    by_id = {r["setl_id"]: r for r in data.get("records") or []}
    return [by_id[s] for s in data.get("sample") or [] if s in by_id]


def sample_xlsx(data: Mapping[str, Any]) -> bytes:
    """F8费用结算明细（抽查样本）as an Excel workbook: Chinese headers, field codes, one row a sampled record."""
    columns = [(code, label) for code, label in SAMPLE_COLUMNS]
    return table_xlsx("F8费用结算明细抽查样本", columns, sample_rows(data))
