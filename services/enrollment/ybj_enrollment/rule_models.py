"""Input and output models of enrollment's rules (`ybj_enrollment.rules`), published as JSON Schema for 试算."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.rules import Reason, Verdict
from ybj_kernel.domain.validation import Money, bilingual


def _year_month(value: str) -> str:
    match = re.fullmatch(r"(\d{4})-?(\d{2})", value)
    if match is None or not 1 <= int(match[2]) <= 12:
        raise bilingual(f"年月格式应为 YYYY-MM：{value}", f"a year and month is written YYYY-MM: {value}")
    return f"{match[1]}-{match[2]}"


# A month such as 开始年月 / 期号: "YYYY-MM" (the seeds' "YYYYMM" is accepted too), kept as "YYYY-MM".
YearMonth = Annotated[
    str, Field(json_schema_extra={"pattern": r"^\d{4}-?\d{2}$"}, examples=["2026-03"]), AfterValidator(_year_month)
]


def _period(value: str) -> str:
    if not 1 <= int(value[4:]) <= 12:
        raise bilingual(f"期号（年月）格式应为 YYYYMM：{value}", f"a period is written YYYYMM: {value}")
    return value


# 期号 / 年月 as the guides' forms write it (DOMAIN §0.1): "YYYYMM", kept so; a rule's YearMonth accepts it as is.
# (A six-digit pattern is what the batch templates read as a 年月 column.)
Period = Annotated[str, Field(pattern=r"^\d{6}$", examples=["202603"]), AfterValidator(_period)]


def month_number(ym: str) -> int:
    """A month as a count of months, so that differences are month spans."""
    return int(ym[:4]) * 12 + int(ym[5:7]) - 1


def year_month(number: int) -> str:
    """The inverse of `month_number`."""
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


class _Input(BaseModel):
    # A misspelt field in a trial must be an error, not silently ignored.
    model_config = ConfigDict(extra="forbid")


def _not_after_today(value: date | None, info: ValidationInfo, what_zh: str) -> date | None:
    if value is not None and value > today_of(info):
        raise bilingual(f"{what_zh}不能晚于今天", f"{info.field_name} cannot be after today")
    return value


class FilingInput(_Input):
    """登记时限 input: the date the clock starts from and, optionally, the filing date."""

    occurred_on: date = Field(description="起算日：单位成立之日 / 人员录用之日 / 变更或终止之日")
    filed_on: date | None = Field(default=None, description="办理登记之日，缺省为今天")

    @field_validator("filed_on")
    @classmethod
    def _filed_not_in_future(cls, value: date | None, info: ValidationInfo) -> date | None:
        return _not_after_today(value, info, "办理登记之日")


class FilingOutput(BaseModel):
    """登记时限 output: the due date and whether the filing is late (accepted, but flagged)."""

    due_on: date = Field(description="登记截止日（含当日）")
    filed_on: date
    late: bool = Field(description="是否逾期（逾期仍受理，但予以标记）")
    days_late: int = Field(ge=0, description="逾期天数")


class LateFeeInput(_Input):
    """滞纳金 input: the arrears in yuan and the dates it ran between."""

    arrears_amount: Money = Field(description="欠缴金额（元，精确到分）")
    arrears_date: date = Field(description="欠缴之日（计入）")
    pay_date: date = Field(description="补缴之日（不计入）")

    @field_validator("pay_date")
    @classmethod
    def _pay_after_arrears(cls, value: date, info: ValidationInfo) -> date:
        arrears = info.data.get("arrears_date")
        if arrears is not None and value < arrears:
            raise bilingual("补缴之日不能早于欠缴之日", "pay_date cannot be before arrears_date")
        return value


class LateFeeOutput(BaseModel):
    """滞纳金 output: the days charged, the daily rate and the fee in yuan."""

    days: int = Field(ge=0, description="计收天数：欠缴之日（含）至补缴之日（不含）的自然日数")
    daily_rate: Decimal = Field(description="日费率")
    late_fee: Decimal = Field(description="滞纳金（元），四舍五入到分")


class RestorationInput(_Input):
    """恢复待遇 input: the first unpaid month and the day the arrears were paid in full."""

    interrupted_from: YearMonth = Field(description="中断缴费起始年月（第一个未缴费的月份）")
    paid_on: date = Field(description="补足所欠基本医疗保险费之日")

    @field_validator("paid_on")
    @classmethod
    def _paid_after_interruption(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("interrupted_from")
        if start is not None and value.year * 12 + value.month - 1 < month_number(start):
            raise bilingual("补足之日不能早于中断缴费起始年月", "paid_on cannot be before interrupted_from")
        return value


class RestorationOutput(BaseModel):
    """恢复待遇 output: the months interrupted, whether benefits resume, and from which month."""

    interrupted_months: int = Field(ge=0, description="中断月数：起始年月至补足当月之前的月数")
    eligible: bool = Field(description="补足后是否恢复待遇")
    restored_from: str | None = Field(description="恢复待遇起始年月（补足的次月，YYYY-MM）")
    reasons: list[Reason] = Field(default_factory=list, description="不能恢复的原因")


class DeferralInput(_Input):
    """缓缴期限 input: the first and last month of the deferral."""

    start_ym: YearMonth = Field(description="缓缴开始年月")
    end_ym: YearMonth = Field(description="缓缴结束年月（含）")

    @field_validator("end_ym")
    @classmethod
    def _end_after_start(cls, value: str, info: ValidationInfo) -> str:
        start = info.data.get("start_ym")
        if start is not None and month_number(value) < month_number(start):
            raise bilingual("结束年月不能早于开始年月", "end_ym cannot be before start_ym")
        return value


class DeferralOutput(Verdict):
    """缓缴期限 output: the months asked for and whether that is allowed."""

    months: int = Field(ge=1, description="缓缴月数（起止月份均计入）")
    max_months: int = Field(description="缓缴期限上限（月）")


class TransferInput(_Input):
    """关系转移接续 input: the acceptance date and, once known, when each paper arrived."""

    accepted_on: date = Field(description="转入地经办机构受理之日")
    letter_received_on: date | None = Field(
        default=None, description="转出地收到《联系函》之日（未收到则按应发出日计）"
    )
    info_sheet_received_on: date | None = Field(
        default=None, description="转入地收到《信息表》和转移资金之日（两者都到的较晚一日；未收到则按应发出日计）"
    )

    @field_validator("letter_received_on", "info_sheet_received_on")
    @classmethod
    def _received_in_order(cls, value: date | None, info: ValidationInfo) -> date | None:
        earlier = info.data.get("letter_received_on") or info.data.get("accepted_on")
        if value is not None and earlier is not None and value < earlier:
            raise bilingual("收到日期早于前一环节", f"{info.field_name} is before the step it follows")
        return _not_after_today(value, info, "收到日期")


class TransferOutput(BaseModel):
    """关系转移接续 output: each leg's due date and the day its clock started."""

    contact_letter_due: date = Field(description="《联系函》发出时限（受理后5个工作日）")
    info_sheet_counted_from: date = Field(description="《信息表》时限的起算日")
    info_sheet_due: date = Field(description="《信息表》发出及资金划转时限（收到《联系函》后10个工作日）")
    completion_counted_from: date = Field(description="办结时限的起算日")
    completion_due: date = Field(description="办结时限（收到《信息表》和资金后5个工作日）")


class InterestInput(_Input):
    """结息 input (P017): the principal on the account and the period it earns interest for."""

    principal: Money = Field(description="本金：个人账户余额（元，精确到分）")
    begin_on: date = Field(description="起息日（计入）")
    end_on: date = Field(description="结息日（不计入）")

    @field_validator("end_on")
    @classmethod
    def _end_after_begin(cls, value: date, info: ValidationInfo) -> date:
        begin = info.data.get("begin_on")
        if begin is not None and value < begin:
            raise bilingual("结息日不能早于起息日", "end_on cannot be before begin_on")
        return value


class InterestOutput(BaseModel):
    """结息 output: the days counted, the configured rate and the interest in yuan."""

    days: int = Field(ge=0, description="计息天数：起息日（含）至结息日（不含）的自然日数")
    annual_rate: Decimal = Field(description="年利率（示例配置）")
    day_basis: int = Field(description="年计息天数（示例配置）")
    interest: Decimal = Field(description="利息金额（元），四舍五入到分")


class OverpaymentInput(_Input):
    """个人账户多划账 input (P018): the balance as queried and the amount allocated too much."""

    balc: Money = Field(description="个人账户余额（元）")
    ovpay_amt: Money = Field(gt=0, description="多划拨金额（元）")


class OverpaymentOutput(BaseModel):
    """个人账户多划账 output: which flow applies, and the figures of each."""

    plan: Literal["deduction", "recovery"] = Field(
        description="处理方式 (deduction 扣款流程：余额能冲抵; recovery 追缴流程：余额不足以冲抵)"
    )
    freeze: bool = Field(description="是否冻结个人账户（两种流程均先冻结）")
    dedc_amt: Decimal = Field(description="从个人账户扣款金额（元）")
    rfnd_amt: Decimal = Field(description="扣款后的余额（元），办理个人账户一次性清退")
    shortfall_amt: Decimal = Field(description="余额不足以冲抵的差额（元），供填写追回金额参考")
