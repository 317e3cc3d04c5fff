"""P026 失业人员缴纳医保收入: the medical contribution paid for an unemployed person (失业人缴费通知单), booked at the
counter; a 缴费凭证 follows.

The shared flow `fund_income_counter_receipt` (fund_income.py), then 为参保单开具缴费凭证.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ybj_enrollment.processes.fund_income import BankStatementLine, IncomeSource, fund_income_process


class UnemployedPaymentNotice(BankStatementLine):
    """失业人缴费通知单 and its bank line."""

    notice_no: str = Field(min_length=1, max_length=64, description="缴费通知单号")
    insutype: Literal["310"] = Field(default="310", description="险种类型 (310 职工基本医疗保险)")


P026 = fund_income_process(
    IncomeSource(
        id="P026",
        slug="unemployed_contribution_income_receipt",
        name_zh="失业人员缴纳医保收入",
        doc_name_zh="失业人缴费通知单",
        doc_field="notice_no",
        statement=UnemployedPaymentNotice,
        example={
            "notice_no": "SY5201032026120015",
            "certno": "520103197804200031",
            "psn_name": "杨志军",
            "doc_amt": "1236.60",
            "bank_sn": "B20261204000056",
            "arvl_amt": "1236.60",
            "arvl_date": "2026-12-04",
        },
        issues_certificate=True,
    )
)
