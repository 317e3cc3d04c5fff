"""P042 城乡居民基金支出: the inputs of its stages and the checks between them (the definition is in p042_urban_…).

Every step after 审核情况汇总 that names 笔数 and 金额 must name the summary's: 「笔数、金额、结算批次号必须一致，数据一致则可
进行拨付」 (seeds/001 L1522-1524, DOMAIN R14). Amounts are compared exactly, as Decimal yuan.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, model_validator

from ybj_kernel.domain.validation import Admdvs, Money
from ybj_kernel.errors import InvalidInput

YM = r"^\d{4}(0[1-9]|1[0-2])$"
NO = r"^\S{1,40}$"
ZERO = Decimal("0.00")


class InstitutionLine(BaseModel):
    """One institution's 申报费用 after 审核: 申报, 扣款, 拨付 (元), and its 单位账户 and 开户行."""

    fixmedins_code: str = Field(pattern=r"^H\d{11}$", description="定点医疗机构编号")
    fixmedins_name: str = Field(min_length=1, max_length=200, description="单位名称")
    bank_name: str = Field(min_length=1, max_length=200, description="开户行")
    bank_acct: str = Field(pattern=r"^\d{8,32}$", description="单位账户")
    declared_amt: Money = Field(gt=0, description="申报金额（元）")
    deducted_amt: Money = Field(default=ZERO, description="审核扣款（元）")
    approved_amt: Money = Field(description="审核拨付金额（元）")

    @model_validator(mode="after")
    def _adds_up(self) -> InstitutionLine:
        if self.declared_amt - self.deducted_amt != self.approved_amt:
            raise InvalidInput(
                "LINE_DOES_NOT_ADD_UP",
                f"{self.fixmedins_code}：申报 {self.declared_amt} − 扣款 {self.deducted_amt} ≠ 拨付 {self.approved_amt}",
                f"{self.fixmedins_code}: declared − deducted ≠ approved",
                "approved_amt",
            )
        return self


class FeeAudit(BaseModel):
    """费用审核: the period, the 结算批次号 and each audited institution."""

    setl_ym: str = Field(pattern=YM, description="结算期号 (YYYYMM)")
    admdvs: Admdvs = Field(description="统筹区医保区划")
    setl_batch_no: str = Field(pattern=NO, description="结算批次号")
    institutions: list[InstitutionLine] = Field(min_length=1, max_length=2000, description="定点医疗机构审核结果")

    @model_validator(mode="after")
    def _once_each(self) -> FeeAudit:
        codes = [i.fixmedins_code for i in self.institutions]
        if len(set(codes)) != len(codes):
            raise InvalidInput(
                "INSTITUTION_LISTED_TWICE", "同一定点医疗机构列出两次", "an institution is listed twice", "institutions"
            )
        return self


class CountAndAmount(BaseModel):
    """笔数 and 金额 as this step counts them."""

    line_count: int = Field(ge=1, description="笔数")
    total_amt: Money = Field(gt=0, description="金额（元）")


class PendingSummary(CountAndAmount):
    """本期审核待拨付汇总表."""

    pending_summary_no: str = Field(pattern=NO, description="待拨付汇总表编号")


class SignOff(BaseModel):
    """各部门和分管领导签字."""

    dept_signers: list[str] = Field(min_length=1, max_length=20, description="签字部门负责人")
    leader: str = Field(min_length=1, max_length=50, description="分管领导")


class Handover(CountAndAmount):
    """业务拨付数据交接确认: 笔数、金额、结算批次号."""

    setl_batch_no: str = Field(pattern=NO, description="结算批次号")


class BankFile(BaseModel):
    """银行代发报盘."""

    pay_batch_no: str = Field(pattern=NO, description="支付批次号")
    bank_file_no: str = Field(pattern=NO, description="报盘文件号")


class FirstReview(CountAndAmount):
    """基金支付审批—初审: 查询支付批次号, 核对金额、笔数 (单位名称、单位账户、开户行 are the audited lines')."""

    pay_batch_no: str = Field(pattern=NO, description="支付批次号")


class BankReturn(BaseModel):
    """银行回盘: which lines failed (by 定点医疗机构编号); the rest were paid."""

    failed_codes: list[str] = Field(default_factory=list, max_length=2000, description="拨付失败的定点医疗机构编号")


class Voucher(CountAndAmount):
    """出纳制单 (户名、账号、开户行 are the audited lines'; 金额 and 笔数 are checked against the summary)."""

    voucher_no: str = Field(pattern=NO, description="制单凭证号")


class BankReceipt(BaseModel):
    """审批支付流程完成: the bank's receipt."""

    bank_receipt_no: str = Field(pattern=NO, description="银行回单号")


def summarise(current: Mapping[str, Any], _step: Mapping[str, Any]) -> dict[str, Any]:
    """审核情况汇总: the count and the totals, to the fen (the lines are exact, so the sums are)."""
    lines = current["institutions"]
    total = {k: sum((Decimal(i[k]) for i in lines), ZERO) for k in ("declared_amt", "deducted_amt", "approved_amt")}
    return {
        "institution_count": len(lines),
        "declared_total": str(total["declared_amt"]),
        "deducted_total": str(total["deducted_amt"]),
        "approved_total": str(total["approved_amt"]),
        "institution_lines": [
            f"{i['fixmedins_code']} {i['fixmedins_name']} {i['declared_amt']} {i['deducted_amt']} {i['approved_amt']}"
            for i in lines
        ],
    }


def check_count_and_amount(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """笔数 and 金额 are the summary's."""
    count, amount = current["institution_count"], current["approved_total"]
    if step["line_count"] != count or Decimal(step["total_amt"]) != Decimal(amount):
        raise InvalidInput(
            "COUNT_OR_AMOUNT_MISMATCH",
            f"笔数/金额与审核汇总（{count}笔，{amount}元）不一致",
            f"count/amount differ from the audit summary ({count} lines, {amount})",
            "total_amt" if step["line_count"] == count else "line_count",
        )


def check_batch_no(field: str, source: str) -> Any:
    """The step's `field` is the one recorded earlier under `source` (结算批次号, 支付批次号)."""

    def check(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
        if step[field] != current[source]:
            raise InvalidInput(
                "BATCH_NO_MISMATCH",
                f"{field} {step[field]} 与记录的 {current[source]} 不一致",
                f"{field} {step[field]} differs from the recorded {current[source]}",
                field,
            )

    return check


def bank_return(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """回盘: paid and failed lines; paid + failed = the approved total, to the fen."""
    lines = {i["fixmedins_code"]: Decimal(i["approved_amt"]) for i in current["institutions"]}
    unknown = [c for c in step.get("failed_codes", []) if c not in lines]
    if unknown:
        raise InvalidInput(
            "UNKNOWN_INSTITUTION",
            f"回盘失败的机构 {unknown[0]} 不在本批次中",
            f"{unknown[0]} is not a line of this batch",
            "failed_codes",
        )
    failed = set(step.get("failed_codes", []))
    failed_total = sum((a for c, a in lines.items() if c in failed), ZERO)
    return {
        "paid_count": len(lines) - len(failed),
        "paid_total": str(sum(lines.values(), ZERO) - failed_total),
        "failed_count": len(failed),
        "failed_total": str(failed_total),
    }


def completed(current: Mapping[str, Any], _step: Mapping[str, Any]) -> dict[str, Any]:
    """支付流程完成: paid in full, or partly (the failed lines go back to the business side, DOMAIN §2.2)."""
    return {"payment_status": "partly_paid" if current.get("failed_count") else "paid"}
