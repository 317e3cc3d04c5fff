"""P024 省级基本医疗保险转移收入: the transfer-in funds of a 关系转移接续, booked at the counter against the bank line.

The shared flow `fund_income_counter_receipt` (fund_income.py): 与银行流水核对无误后打印回单 → 柜台收款处理（财务接口流水号，
转入金额、转入姓名与转移通知单一致）→ 业务确认转移收入财务到账处理.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ybj_enrollment.processes.fund_income import BankStatementLine, IncomeSource, fund_income_process
from ybj_kernel.domain.validation import Admdvs


class TransferNotice(BankStatementLine):
    """贵州省基本医疗转移通知单 and its bank line."""

    notice_no: str = Field(min_length=1, max_length=64, description="转移通知单号")
    insutype: Literal["310", "390"] = Field(default="310", description="险种类型 (310 职工, 390 城乡居民)")
    out_admdvs: Admdvs | None = Field(default=None, description="转出地医保区划")


P024 = fund_income_process(
    IncomeSource(
        id="P024",
        slug="provincial_transfer_income_receipt",
        name_zh="省级基本医疗保险转移收入",
        doc_name_zh="贵州省基本医疗转移通知单",
        doc_field="notice_no",
        statement=TransferNotice,
        example={
            "notice_no": "ZY5203002026120001",
            "certno": "520102199003070022",
            "psn_name": "陈静",
            "out_admdvs": "520302",
            "doc_amt": "12680.35",
            "bank_sn": "B20261203000187",
            "arvl_amt": "12680.35",
            "arvl_date": "2026-12-03",
        },
        issues_certificate=False,
    )
)
