"""基金收入单 (E26) and 城乡医保补助资金 (E28): money that reached the fund, each entry changed only by cases.

- `fund_income`, keyed by the bank statement line (银行流水号): one confirmed receipt per line, whichever of P024
  省级基本医疗保险转移收入, P025 一次性补缴医保收入 or P026 失业人员缴纳医保收入 confirms it.
- `income_document`, keyed by the business document (转移通知单 / 补缴征缴单 / 失业人缴费通知单): a document is
  received once, so the same notice is not booked against two bank lines.
- `resident_subsidy`, keyed by (补助年度, 县级医保区划): the year's matched, received and finally settled subsidy (P023).

Amounts are integer fen.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from ybj_enrollment.registries.codes import refuse
from ybj_kernel.domain.registry import Op, Registry

IncomeSource = Literal["P024", "P025", "P026"]
Fen = int
SUBSIDY_LEVELS = ("cent", "prov", "pref", "cnty")  # 中央, 省, 州, 县


class IncomeReceipt(BaseModel):
    """基金收入单: the bank line, the counter receipt, the business document and the payer."""

    bank_sn: str = Field(min_length=1, max_length=64, description="银行流水号")
    fin_intf_sn: str = Field(min_length=1, max_length=64, description="财务接口流水号")
    source_process: IncomeSource
    doc_no: str = Field(min_length=1, max_length=64, description="业务单据号")
    doc_name_zh: str = Field(min_length=1, max_length=50, description="业务单据名称")
    psn_no: str = Field(min_length=1, max_length=30)
    certno: str = Field(min_length=1, max_length=50)
    psn_name: str = Field(min_length=1, max_length=50)
    insutype: str = Field(min_length=3, max_length=3)
    amount: Fen = Field(gt=0, strict=True, description="到账金额（分）")
    arvl_date: date
    cfm_date: date
    cert_issued_on: date | None = Field(default=None, description="缴费凭证开具日期 (P025, P026)")


class DocumentReceipt(BaseModel):
    """A business document received: the bank line it was booked against, and the field naming its number."""

    doc_field: str = Field(min_length=1, max_length=30)
    doc_no: str = Field(min_length=1, max_length=64)
    bank_sn: str = Field(min_length=1, max_length=64)


class SubsidySettlement(BaseModel):
    """补助资金结算 of one county for one year: counts, standard, ratios and every level's share in fen."""

    sbsy_year: int = Field(ge=2000, le=2100)
    admdvs: str = Field(pattern=r"^\d{6}$")
    match_doc_no: str = Field(min_length=1, max_length=100)
    insu_cnt: int = Field(ge=0, strict=True)
    sbsy_std_fen: Fen = Field(ge=0, strict=True)
    ratios: dict[str, str]  # level -> percentage, e.g. {"cent": "80.00", ...}
    shares_fen: dict[str, Fen]  # 测算应承担金额 per level
    received_fen: dict[str, Fen]  # 州、县 到账 (州医保基金财政专户)
    fnl_insu_cnt: int = Field(ge=0, strict=True)
    final_shares_fen: dict[str, Fen]
    adjustments_fen: dict[str, Fen]  # final - matched, per level (清算差额; negative: to be returned)
    stl_doc_no: str = Field(min_length=1, max_length=100)
    stl_date: date


def _confirm(state: dict[str, Any], args: dict[str, Any]) -> None:
    if state.get("bank_sn") is not None:
        raise refuse(
            "BANK_STATEMENT_CONFIRMED",
            f"银行流水 {state['bank_sn']} 已确认为基金收入（{state['doc_name_zh']} {state['doc_no']}，"
            f"财务接口流水号 {state['fin_intf_sn']}），不能重复确认",
            f"bank statement line {state['bank_sn']} is already confirmed as fund income "
            f"({state['source_process']} document {state['doc_no']})",
            "bank_sn",
        )
    state.update(args, status="confirmed")


def _receive_document(state: dict[str, Any], args: dict[str, Any]) -> None:
    if state.get("bank_sn") is not None:
        raise refuse(
            "DOCUMENT_ALREADY_RECEIVED",
            f"业务单据 {args['doc_no']} 已按银行流水 {state['bank_sn']} 确认到账，不能重复确认",
            f"document {args['doc_no']} is already received against bank statement line {state['bank_sn']}",
            args["doc_field"],
        )
    state.update(args)


def _settle(state: dict[str, Any], args: dict[str, Any]) -> None:
    if state.get("status") == "settled":
        raise refuse(
            "SUBSIDY_ALREADY_SETTLED",
            f"{args['admdvs']} {args['sbsy_year']}年度城乡医保补助资金已结算（文件 {state['stl_doc_no']}）",
            f"the {args['sbsy_year']} resident subsidy of {args['admdvs']} is already settled",
            "admdvs",
        )
    state.update(args, status="settled")


FUND_INCOME = Registry(
    "fund_income",
    "基金收入单",
    {"confirm": Op("确认基金收入到账", "FundIncomeConfirmed", IncomeReceipt, _confirm)},
    frozenset({"confirm"}),
)
INCOME_DOCUMENTS = Registry(
    "income_document",
    "基金收入业务单据",
    {"receive": Op("业务单据到账", "IncomeDocumentReceived", DocumentReceipt, _receive_document)},
    frozenset({"receive"}),
)
RESIDENT_SUBSIDIES = Registry(
    "resident_subsidy",
    "城乡医保补助资金",
    {"settle": Op("补助资金结算", "SubsidySettled", SubsidySettlement, _settle)},
    frozenset({"settle"}),
)
