"""The shared flow `fund_income_counter_receipt` of P024, P025 and P026 (基金财务 柜台收款), built from their differences.

Each guide reads: 「当收到业务部门提交的<业务单据>，与银行流水核对无误后打印回单，…柜台收款处理（输入财务接口流水号）
——增加单据（查看转入金额，转入姓名是否与业务单据一致，单据一致可进行处理）——进入业务确认转移收入财务到账处理」, and
P025/P026 add 「为参保单开具缴费凭证」. What differs is the business document (its number's field and name), whose money it
is, the 险种 and whether a 缴费凭证 is issued. Completion records the 基金收入单 (E26) under its bank line and the business
document as received, so neither is booked twice; a step back or a cancel reverts both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo

from ybj_enrollment.documents import DOCUMENTS
from ybj_enrollment.processes.fields import PersonLookup, fen
from ybj_enrollment.registries.codes import psn_no_for
from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.process import Check, Material, ProcessDefinition, Stage, Uniqueness
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import Money, bilingual
from ybj_kernel.errors import InvalidInput

FINANCE = ("finance",)


def not_after_today(value: date, info: ValidationInfo) -> date:
    """A date that has happened: a bank line, a counter receipt or a confirmation is never in the future."""
    if value > today_of(info):
        raise bilingual("日期不能晚于今天", "the date cannot be in the future")
    return value


PastDate = Annotated[date, AfterValidator(not_after_today)]
Effects = Callable[[Mapping[str, Any], str | None], Sequence[Effect]]


class BankStatementLine(PersonLookup):
    """The business document and the bank line it is checked against (与银行流水核对无误后打印回单).

    Each process adds the field of its document's number (转移通知单号, 补缴征缴单号, 缴费通知单号).
    """

    model_config = ConfigDict(str_strip_whitespace=True)  # a serial number keyed twice must not differ by a space

    psn_name: str = Field(min_length=1, max_length=50, description="姓名（业务单据上的缴费人）")
    insutype: str = Field(default="310", description="险种类型 (310 职工基本医疗保险)")
    doc_amt: Money = Field(gt=0, description="业务单据金额（元）")
    bank_sn: str = Field(min_length=1, max_length=64, description="银行流水号")
    arvl_amt: Money = Field(gt=0, description="到账金额（元，银行流水）")
    arvl_date: PastDate = Field(description="到账日期（银行流水）")


class CounterReceipt(BaseModel):
    """柜台收款处理: the 财务接口流水号, and the 转入金额 and 转入姓名 the finance system shows (增加单据)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    fin_intf_sn: str = Field(min_length=1, max_length=64, description="财务接口流水号")
    in_amt: Money = Field(description="转入金额（元）")
    in_name: str = Field(min_length=1, max_length=50, description="转入姓名")


class IncomeConfirmation(BaseModel):
    """业务确认转移收入财务到账处理."""

    cfm_date: PastDate = Field(description="确认到账日期")


class CertificateIssue(BaseModel):
    """为参保单开具缴费凭证 (P025, P026)."""

    issu_date: PastDate = Field(description="缴费凭证开具日期")


def statement_matches(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """「与银行流水核对无误」: the bank line's amount is the business document's."""
    if Decimal(str(step["arvl_amt"])) != Decimal(str(step["doc_amt"])):
        raise InvalidInput(
            "BANK_STATEMENT_MISMATCH",
            f"银行流水到账金额 {step['arvl_amt']} 元与业务单据金额 {step['doc_amt']} 元不一致，核对无误后方可打印回单",
            f"the bank line's amount {step['arvl_amt']} differs from the document's {step['doc_amt']}",
            "arvl_amt",
        )


def receipt_matches(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """「查看转入金额，转入姓名是否与业务单据一致，单据一致可进行处理」 (DOMAIN C07)."""
    if Decimal(str(step["in_amt"])) != Decimal(str(current["doc_amt"])):
        raise InvalidInput(
            "RECEIPT_MISMATCH",
            f"转入金额 {step['in_amt']} 元与业务单据金额 {current['doc_amt']} 元不一致，不能处理",
            f"the amount received {step['in_amt']} differs from the document's {current['doc_amt']}",
            "in_amt",
        )
    if str(step["in_name"]).strip() != str(current["psn_name"]).strip():
        raise InvalidInput(
            "RECEIPT_MISMATCH",
            f"转入姓名“{step['in_name']}”与业务单据姓名“{current['psn_name']}”不一致，不能处理",
            f"the name received ({step['in_name']}) differs from the document's ({current['psn_name']})",
            "in_name",
        )


def _not_before(field: str, earlier: str, zh: str, en: str) -> Check:
    """A date of this step that may not come before one of an earlier step."""

    def check(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
        if str(step[field]) < str(current[earlier]):
            raise InvalidInput("INVALID_FIELD", zh, en, field)

    return check


def person_number(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """人员编号: as given, else the one the person's 证件号码 was given at enrollment."""
    return {"psn_no": step.get("psn_no") or psn_no_for(str(step["certno"]))}


# One bank statement line is one receipt, whichever of P024-P026 books it; one 财务接口流水号 is one counter receipt.
BANK_STATEMENT_LINE = Uniqueness(
    scope="bank_statement_line",
    key=lambda data: str(data["bank_sn"]).strip(),
    field="bank_sn",
    message_zh="该银行流水已在其他基金收入业务中核对",
    message_en="this bank statement line is already matched by another fund income case",
)
FINANCE_SERIAL = Uniqueness(
    scope="fin_intf_sn",
    key=lambda data: str(data["fin_intf_sn"]).strip(),
    field="fin_intf_sn",
    message_zh="该财务接口流水号已用于其他柜台收款单据",
    message_en="this finance interface serial number is already used by another counter receipt",
)


@dataclass(frozen=True)
class IncomeSource:
    """What one of P024-P026 is: its catalogue identity, business document, input model and example."""

    id: str
    slug: str
    name_zh: str
    doc_name_zh: str  # 业务单据, e.g. 贵州省基本医疗转移通知单
    doc_field: str  # the field of its number in `statement`, e.g. notice_no
    statement: type[BankStatementLine]
    example: Mapping[str, Any]
    issues_certificate: bool  # 为参保单开具缴费凭证 (P025, P026)


def effects_for(source: IncomeSource) -> Effects:
    """Completion: the 基金收入单 under its bank line, and the business document received."""

    def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
        receipt = {
            "bank_sn": data["bank_sn"],
            "fin_intf_sn": data["fin_intf_sn"],
            "source_process": source.id,
            "doc_no": data[source.doc_field],
            "doc_name_zh": source.doc_name_zh,
            "psn_no": data["psn_no"],
            "certno": data["certno"],
            "psn_name": data["psn_name"],
            "insutype": data["insutype"],
            "amount": fen(Decimal(str(data["arvl_amt"]))),
            "arvl_date": data["arvl_date"],
            "cfm_date": data["cfm_date"],
            "cert_issued_on": data.get("issu_date"),
        }
        document = {"doc_field": source.doc_field, "doc_no": data[source.doc_field], "bank_sn": data["bank_sn"]}
        return [
            Effect("income_document", f"{source.id}:{data[source.doc_field]}", "receive", document),
            Effect("fund_income", str(data["bank_sn"]), "confirm", receipt),
        ]

    return effects


def fund_income_process(source: IncomeSource) -> ProcessDefinition:
    """The definition of one of P024-P026 from its differences."""
    stages = [
        Stage(
            "match_bank_statement",
            f"收到业务部门提交的{source.doc_name_zh}，与银行流水核对无误后打印回单",
            FINANCE,
            "BankStatementMatched",
            input=source.statement,
            derive=person_number,
            checks=(statement_matches,),
            unique=BANK_STATEMENT_LINE,
            example=source.example,
        ),
        Stage(
            "counter_receipt",
            "柜台收款处理（输入财务接口流水号）—增加单据（查看转入金额、转入姓名是否与业务单据一致）",
            FINANCE,
            "ReceiptVoucherAdded",
            input=CounterReceipt,
            checks=(receipt_matches,),
            unique=FINANCE_SERIAL,
            example={
                "fin_intf_sn": f"CW{source.example['bank_sn']}",
                "in_amt": source.example["doc_amt"],
                "in_name": source.example["psn_name"],
            },
        ),
        Stage(
            "confirm_income",
            "业务确认转移收入财务到账处理",
            FINANCE,
            "IncomeReceiptConfirmed",
            input=IncomeConfirmation,
            checks=(
                _not_before("cfm_date", "arvl_date", "确认到账日期早于银行到账日期", "cfm_date is before arvl_date"),
            ),
            example={"cfm_date": "2026-12-04"},
        ),
    ]
    if source.issues_certificate:
        stages.append(
            Stage(
                "issue_payment_certificate",
                "为参保单开具缴费凭证",
                FINANCE,
                "PaymentCertificateIssued",
                input=CertificateIssue,
                checks=(
                    _not_before(
                        "issu_date", "cfm_date", "缴费凭证开具日期早于确认到账日期", "issu_date is before cfm_date"
                    ),
                ),
                example={"issu_date": "2026-12-05"},
            )
        )
    return ProcessDefinition(
        id=source.id,
        slug=source.slug,
        name_zh=source.name_zh,
        service="enrollment",
        materials=(Material(source.doc_name_zh), Material("银行回单")),
        stages=tuple(stages),
        cancel_roles=FINANCE,
        effects=effects_for(source),
        documents=DOCUMENTS[source.id],
    )
