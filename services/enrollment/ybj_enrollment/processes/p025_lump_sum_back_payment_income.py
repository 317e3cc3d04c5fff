"""P025 一次性补缴医保收入: the lump sum paid at retirement (退休时一次性补缴), booked at the counter; a 缴费凭证 follows.

The shared flow `fund_income_counter_receipt` (fund_income.py), then 为参保单开具缴费凭证.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ybj_enrollment.processes.fund_income import BankStatementLine, IncomeSource, fund_income_process


class BackPaymentBill(BankStatementLine):
    """退休时一次性补缴征缴单 and its bank line."""

    bill_no: str = Field(min_length=1, max_length=64, description="补缴征缴单号")
    insutype: Literal["310"] = Field(default="310", description="险种类型 (310 职工基本医疗保险)")


P025 = fund_income_process(
    IncomeSource(
        id="P025",
        slug="lump_sum_back_payment_income_receipt",
        name_zh="一次性补缴医保收入",
        doc_name_zh="退休时一次性补缴征缴单",
        doc_field="bill_no",
        statement=BackPaymentBill,
        example={
            "bill_no": "ZJ5201022026110087",
            "certno": "520102196611150014",
            "psn_name": "刘建国",
            "doc_amt": "48960.00",
            "bank_sn": "B20261202000342",
            "arvl_amt": "48960.00",
            "arvl_date": "2026-12-02",
        },
        issues_certificate=True,
    )
)
