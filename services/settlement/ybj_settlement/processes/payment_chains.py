"""The two fund payment chains (DOMAIN.md §2.2): one builder for each catalogue `shared_flow`.

fund_payment_platform_bank_file (P027 P028 P029 P032 P034 P039): 「收业务提交的各部门和分管领导签字完成…汇总单后，登录国家
医疗保障信息平台，银行报盘管理——业务拨付数据交接确认（确认系统拨付数据与业务提交的纸质单据是否一致，笔数、金额、结算批次号必须
一致，数据一致则可进行拨付）——银行代发报盘处理（确认所拨付的数据以后，向银行进行一个报盘发送）——…——基金支付审批——初审（查询
支付批次号，查看金额、笔数、单位名称、单位账户、开户行等是否正确，确认无误可进行支付）——一级复核——二级复核——三级复核——审批流程
完成——银行回盘处理（可查询拨付的款项是否成功）——支付流程完成。」 (seed L1139-1160)

fund_payment_online_banking (P030 P031 P033 P035-P038 P040): 「登录网银——出纳制单（根据业务单据的金额进行制单，录入收款人户名、
账号、开户行、金额后制单完成）——一级复核——二级复核——三级复核——审批支付流程完成。」 (seed L1234-1240)

The signed summary (汇总单, 审批表, 会议纪要, 明细表) is recorded when the chain opens: its 笔数, 金额 (元), the payees (户名,
账号, 开户行, 金额) and, in the bank-file chain, its 结算批次号; its totals must add up. Every later entry is checked against it
and refused naming the field. 初审 and the three 复核 are review stages, so the kernel's separation of duties makes each
level a different person from every earlier step (three levels, three people). The 报盘 and 回盘 are `bankfiles.py`.
Chosen (the seed does not say): 出纳制单 enters the rows in the summary's order; a failed 回盘 row is recorded in the case
(failed_lines with the bank's reason) and the payment still completes for the rows paid.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from ybj_kernel.domain.process import Check, Material, ProcessDefinition, Stage, Uniqueness
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import Money, bilingual
from ybj_kernel.errors import InvalidInput
from ybj_kernel.sm3 import sm3_hex
from ybj_settlement import bankfiles
from ybj_settlement.bankfiles import BankBatch
from ybj_settlement.documents.payments import bank_return_statement, payment_summary
from ybj_settlement.payables import PAYABLE

CENT = Decimal("0.01")
BATCH_NO = r"^[A-Za-z0-9\-]{1,20}$"


def _gbk(width: int, name: str) -> Any:
    def check(value: str) -> str:
        if not bankfiles.fits(value, width):
            raise bilingual(f"{name}须能以 GBK 写入 {width} 字节", f"{name} must fit {width} GBK bytes")
        return value

    return check


class PayeeRow(BaseModel):
    """收款人: 户名, 账号, 开户行, 金额 (元)."""

    acct_name: str = Field(min_length=1, description="收款人户名（GBK 不超过 60 字节）")
    bank_acct: str = Field(pattern=r"^\d{6,32}$", description="账号")
    bank_name: str = Field(min_length=1, description="开户行（GBK 不超过 60 字节）")
    amount: Money = Field(gt=0, description="金额（元）")
    payable_key: str | None = Field(
        default=None, max_length=120, description="待支付款项编号（他业务移交的待遇支付，支付后回告来源）"
    )

    _name = field_validator("acct_name")(_gbk(60, "户名"))
    _bank = field_validator("bank_name")(_gbk(60, "开户行"))


class Summary(BaseModel):
    """The signed summary (汇总单/审批表/会议纪要): 笔数, 金额, 用途 and the payees."""

    doc_no: str = Field(min_length=1, max_length=40, description="单据编号（汇总单、审批表或会议纪要）")
    purpose: str = Field(min_length=1, description="用途（GBK 不超过 40 字节）")
    pay_cnt: int = Field(ge=1, description="笔数")
    pay_sumamt: Money = Field(gt=0, description="金额（元）")
    payees: list[PayeeRow] = Field(min_length=1, max_length=999_999, description="收款明细")

    _purpose = field_validator("purpose")(_gbk(40, "用途"))


class SignedSummary(Summary):
    """The summary as signed by the leaders (各部门和分管领导签字)."""

    signed_by: str = Field(min_length=1, max_length=50, description="签字领导")


class BankFileSummary(SignedSummary):
    """The bank-file chain's summary also carries the 结算批次号."""

    setl_batch_no: str = Field(pattern=BATCH_NO, description="结算批次号")


class Totals(BaseModel):
    """笔数 and 金额 as entered at a later step, to be matched against the summary."""

    pay_cnt: int = Field(ge=0, description="笔数")
    pay_sumamt: Money = Field(description="金额（元）")


class Handover(Totals):
    """业务拨付数据交接确认: the system's 笔数、金额、结算批次号."""

    setl_batch_no: str = Field(pattern=BATCH_NO, description="结算批次号")


class Dispatch(BaseModel):
    """银行代发报盘处理: the 支付批次号 the 报盘 is sent under."""

    pay_batch_no: str = Field(pattern=BATCH_NO, description="支付批次号")


class FirstReview(Totals):
    """基金支付审批—初审: 查询支付批次号, 核对金额、笔数."""

    pay_batch_no: str = Field(pattern=BATCH_NO, description="支付批次号")


class BankReturnInput(BaseModel):
    """银行回盘: the 回盘 file, as text or as base64 of its GBK bytes (exactly one)."""

    return_file: str | None = Field(default=None, min_length=1, description="回盘文件（文本）")
    return_file_b64: str | None = Field(default=None, min_length=1, description="回盘文件（GBK 字节的 base64）")

    @model_validator(mode="after")
    def _one_of(self) -> BankReturnInput:
        if (self.return_file is None) == (self.return_file_b64 is None):
            raise bilingual(
                "回盘文件请填写文本或 base64 之一", "give the return file as text or as base64, one of them"
            )
        return self


class Voucher(Totals):
    """出纳制单: 录入收款人户名、账号、开户行、金额."""

    voucher_lines: list[PayeeRow] = Field(min_length=1, description="制单明细")


class Confirmation(Totals):
    """付款确认处理: 输入财务接口流水号, 核对确认数据与纸质单据是否一致."""

    fes_serial_no: str = Field(min_length=1, max_length=40, description="财务接口流水号")


# ---- checks and derivations ----------------------------------------------------------------------------------


def yuan(amount: Decimal | int | str) -> str:
    """Decimal yuan with fen precision as the case stores it."""
    return str(Decimal(str(amount)).quantize(CENT))


def _mismatch(field: str, zh: str, given: Any, signed: Any) -> InvalidInput:
    return InvalidInput(
        "SUMMARY_MISMATCH",
        f"{zh}（{given}）与签字汇总单（{signed}）不一致，不能拨付",
        f"{field} ({given}) differs from the signed summary ({signed})",
        field,
    )


def summary_adds_up(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The summary's 笔数 and 金额 are its payees' count and sum."""
    rows = step["payees"]
    if step["pay_cnt"] != len(rows):
        raise _mismatch("pay_cnt", "笔数", step["pay_cnt"], f"明细 {len(rows)} 笔")
    total = sum((Decimal(r["amount"]) for r in rows), Decimal(0))
    if Decimal(step["pay_sumamt"]) != total:
        raise _mismatch("pay_sumamt", "金额", step["pay_sumamt"], f"明细合计 {yuan(total)}")


def matches_summary(*fields: str) -> Check:
    """The step's `fields` (笔数 pay_cnt, 金额 pay_sumamt, 结算批次号 setl_batch_no, 支付批次号 pay_batch_no) equal the case's."""
    names = {"pay_cnt": "笔数", "pay_sumamt": "金额", "setl_batch_no": "结算批次号", "pay_batch_no": "支付批次号"}

    def check(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
        for f in fields:
            given, signed = step[f], current[f]
            same = Decimal(given) == Decimal(signed) if f == "pay_sumamt" else given == signed
            if not same:
                raise _mismatch(f, names[f], given, signed)

    return check


def voucher_matches(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """出纳制单 enters the summary's rows, in its order, with the same 户名、账号、开户行、金额."""
    matches_summary("pay_cnt", "pay_sumamt")(current, step)
    lines, signed = step["voucher_lines"], current["payees"]
    if len(lines) != len(signed):
        raise _mismatch("voucher_lines", "制单笔数", len(lines), len(signed))
    labels = {"acct_name": "户名", "bank_acct": "账号", "bank_name": "开户行", "amount": "金额"}
    for i, (line, row) in enumerate(zip(lines, signed, strict=True)):
        for f, zh in labels.items():
            same = Decimal(line[f]) == Decimal(row[f]) if f == "amount" else line[f] == row[f]
            if not same:
                raise _mismatch(f"voucher_lines[{i}].{f}", f"第{i + 1}笔{zh}", line[f], row[f])


def batch_of(data: Mapping[str, Any]) -> BankBatch:
    """The 报盘 of a case: its batch numbers, 用途 and payees."""
    payees = tuple(
        bankfiles.Payee(r["acct_name"], r["bank_acct"], r["bank_name"], bankfiles.to_fen(r["amount"]))
        for r in data["payees"]
    )
    return BankBatch(data["setl_batch_no"], data["pay_batch_no"], data["purpose"], payees)


def dispatch_file(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """银行代发报盘: the 报盘 generated from the case's payees (base64 of its GBK bytes) and its SM3 digest."""
    content = bankfiles.bank_file(batch_of({**current, **step}))
    return {"bank_file_b64": base64.b64encode(content).decode("ascii"), "bank_file_sm3": sm3_hex(content)}


def _row(r: bankfiles.ReturnedRow) -> dict[str, Any]:
    p = r.payee
    row = {"seq": r.seq, "acct_name": p.acct_name, "bank_acct": p.bank_acct, "bank_name": p.bank_name}
    return row | {"amount": yuan(Decimal(p.amount_fen) / 100)} | ({"fail_reason": r.fail_reason} if not r.paid else {})


def process_return(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """银行回盘处理: the outcome of every row sent, or the whole file refused (bankfiles.parse_return)."""
    if step.get("return_file_b64") is not None:
        try:
            content: bytes | str = base64.b64decode(step["return_file_b64"], validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput(
                "BANK_RETURN_REFUSED", "回盘文件不是有效的 base64", "not valid base64", "return_file_b64"
            ) from None
    else:
        content = step["return_file"]
    result = bankfiles.parse_return(content, batch_of(current))
    raw = content if isinstance(content, bytes) else content.encode(bankfiles.ENCODING)
    return {
        "return_file_sm3": sm3_hex(raw),
        "paid_lines": [_row(r) for r in result.paid],
        "failed_lines": [_row(r) for r in result.failed],
        "paid_cnt": len(result.paid),
        "paid_sumamt": yuan(Decimal(result.paid_fen) / 100),
        "failed_cnt": len(result.failed),
        "failed_sumamt": yuan(Decimal(result.failed_fen) / 100),
    }


def paid_payables(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """What the bank's return settles, in the `payable` registry (the queue of what is still to be paid):
    - a paid row naming a `payable_key` (a payment another service handed over) marks it paid by this case, which the
      source service learns from the event (its history names this case);
    - a failed row comes back to the queue with the bank's reason: its payable, if it names one, stays pending with the
      failure recorded; a row that named none is queued as a new payable (`returned:<支付批次号>:<序号>`), so that a
      later chain pays it by that key."""
    payees = data.get("payees") or []
    batch = str(data.get("pay_batch_no") or "")
    effects = []
    for line in data.get("paid_lines") or []:
        key = payees[int(line["seq"]) - 1].get("payable_key")
        if key:
            args = {"amount_fen": int(Decimal(str(line["amount"])) * 100), "pay_batch_no": batch}
            effects.append(Effect(PAYABLE, str(key), "pay", args))
    for line in data.get("failed_lines") or []:
        row = payees[int(line["seq"]) - 1]
        failure = {"fail_reason": line["fail_reason"], "pay_batch_no": batch, "seq": int(line["seq"])}
        if row.get("payable_key"):
            effects.append(Effect(PAYABLE, str(row["payable_key"]), "fail", failure))
            continue
        key = f"returned:{batch}:{line['seq']}"
        returned = {
            "key": key,
            "payee": {k: row[k] for k in ("acct_name", "bank_acct", "bank_name")},
            "amount_fen": int(Decimal(str(line["amount"])) * 100),
            "source_service": "settlement",
            "source_event_id": f"bank_return:{batch}:{line['seq']}",
            "last_failure": failure,
        }
        effects.append(Effect(PAYABLE, key, "receive", returned))
    return effects


def payee_lines(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """The payees as printed on the summary form, one line each."""
    lines = [f"{r['acct_name']} {r['bank_acct']} {r['bank_name']} {yuan(r['amount'])}元" for r in step["payees"]]
    return {"payee_lines": lines}


def example_return(summary: Mapping[str, Any], dispatch: Mapping[str, Any]) -> dict[str, Any]:
    """A valid 回盘 for the examples: every row paid (the bank's side, generated by bankfiles.return_file)."""
    content = bankfiles.return_file(batch_of({**summary, **dispatch}), {})
    return {"return_file_b64": base64.b64encode(content).decode("ascii")}


def _reviews(names: tuple[str, str, str]) -> tuple[Stage, ...]:
    """一级复核—二级复核—三级复核: three review stages, so three different people (separation of duties)."""
    return tuple(
        Stage(f"recheck_level_{n}", zh, (f"finance_reviewer_{n}",), f"{en}LevelRecheckApproved", review=True)
        for n, zh, en in zip((1, 2, 3), names, ("First", "Second", "Third"), strict=True)
    )


SETL_BATCH = Uniqueness(
    "fund_payment_setl_batch",
    lambda d: str(d["setl_batch_no"]),
    "setl_batch_no",
    "该结算批次号已有拨付在办或已拨付，不能重复拨付",
    "this 结算批次号 is already being paid or paid",
)


# ---- the builders --------------------------------------------------------------------------------------------


def summary_stage(
    key: str,
    name_zh: str,
    event: str,
    example: Mapping[str, Any],
    *,
    model: type[Summary] = SignedSummary,
    roles: tuple[str, ...] = ("approver",),
    unique: Uniqueness | None = None,
    checks: tuple[Check, ...] = (),
) -> Stage:
    """The stage that records the signed summary (its totals must add up to its payees), after `checks`."""
    return Stage(
        key,
        name_zh,
        roles,
        event,
        input=model,
        checks=(*checks, summary_adds_up),
        derive=payee_lines,
        unique=unique,
        example=example,
    )


def _totals(summary: Mapping[str, Any]) -> dict[str, Any]:
    return {"pay_cnt": summary["pay_cnt"], "pay_sumamt": summary["pay_sumamt"]}


def bank_file_chain(
    *,
    id: str,
    slug: str,
    name_zh: str,
    summary_title: str,
    stage_names: tuple[str, str, str, str, str, str, str, str, str],
    materials: tuple[Material, ...],
    summary_example: Mapping[str, Any],
    pay_batch_no: str,
) -> ProcessDefinition:
    """fund_payment_platform_bank_file: 签字汇总单 → 交接确认 → 报盘 → 初审 → 三级复核 → 回盘 → 支付完成."""
    n = stage_names
    dispatch = {"pay_batch_no": pay_batch_no}
    return ProcessDefinition(
        id=id,
        slug=slug,
        name_zh=name_zh,
        service="settlement",
        materials=materials,
        effects=paid_payables,
        stages=(
            summary_stage(
                "leader_sign_off",
                n[0],
                "PaymentSummarySigned",
                summary_example,
                model=BankFileSummary,
                unique=SETL_BATCH,
            ),
            Stage(
                "disbursement_handover",
                n[1],
                ("finance",),
                "DisbursementDataConfirmed",
                input=Handover,
                checks=(matches_summary("pay_cnt", "pay_sumamt", "setl_batch_no"),),
                example={**_totals(summary_example), "setl_batch_no": summary_example["setl_batch_no"]},
            ),
            Stage(
                "bank_file_dispatch",
                n[2],
                ("finance",),
                "BankFileDispatched",
                input=Dispatch,
                derive=dispatch_file,
                example=dispatch,
            ),
            Stage(
                "payment_first_review",
                n[3],
                ("finance",),
                "PaymentFirstReviewApproved",
                review=True,
                input=FirstReview,
                checks=(matches_summary("pay_batch_no", "pay_cnt", "pay_sumamt"),),
                example={**_totals(summary_example), **dispatch},
            ),
            *_reviews((n[4], n[5], n[6])),
            Stage(
                "bank_return",
                n[7],
                ("bank", "finance"),
                "BankReturnProcessed",
                input=BankReturnInput,
                derive=process_return,
                example=example_return(summary_example, dispatch),
            ),
            Stage("payment_completed", n[8], ("system", "finance"), "PaymentCompleted"),
        ),
        documents=(payment_summary(summary_title, bank_file=True), bank_return_statement()),
    )


def online_banking_chain(
    *,
    id: str,
    slug: str,
    name_zh: str,
    summary_title: str,
    lead: tuple[Stage, ...],
    stage_names: tuple[str, str, str, str, str],
    materials: tuple[Material, ...],
    summary_example: Mapping[str, Any],
    tail: tuple[Stage, ...] = (),
) -> ProcessDefinition:
    """fund_payment_online_banking: `lead` (records the summary) → 出纳制单 → 三级复核 → 审批支付流程完成 → `tail`."""
    n = stage_names
    return ProcessDefinition(
        id=id,
        slug=slug,
        name_zh=name_zh,
        service="settlement",
        materials=materials,
        stages=(
            *lead,
            Stage(
                "cashier_voucher",
                n[0],
                ("finance",),
                "PaymentVoucherPrepared",
                input=Voucher,
                checks=(voucher_matches,),
                example={**_totals(summary_example), "voucher_lines": summary_example["payees"]},
            ),
            *_reviews((n[1], n[2], n[3])),
            Stage("payment_completed", n[4], ("bank", "finance"), "PaymentCompleted"),
            *tail,
        ),
        documents=(payment_summary(summary_title, bank_file=False),),
    )


def confirmation_stage(name_zh: str, summary_example: Mapping[str, Any]) -> Stage:
    """付款确认处理 (P033): 财务接口流水号, and 笔数、金额 checked against the paper summary."""
    return Stage(
        "payment_confirmation",
        name_zh,
        ("finance",),
        "PaymentConfirmed",
        input=Confirmation,
        checks=(matches_summary("pay_cnt", "pay_sumamt"),),
        example={**_totals(summary_example), "fes_serial_no": "CW2026120100001"},  # 示例流水号
    )
