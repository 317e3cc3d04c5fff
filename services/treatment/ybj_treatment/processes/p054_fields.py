"""P054's shared pieces: the variants, the person, their 一卡通 (or an institution's 对公账户), one visit's 结算信息."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.identity import certno_problem
from ybj_kernel.domain.validation import Money, bilingual
from ybj_kernel.errors import InvalidInput
from ybj_treatment.rules.assistance import check_funds_within_scope, compliant_selfpay, yuan

RESIDENT = frozenset({"390"})
V_BATCH, V_SINGLE, V_ONSITE, V_IDENTIFIED, V_UNIDENTIFIED = (
    "subsidy_batch",
    "subsidy_single",
    "onsite_settlement",
    "identified",
    "unidentified",
)
HOSPITAL = "1"  # fixmedins_type 定点医疗机构


def not_after_today(value: date, info: ValidationInfo) -> date:
    """A date a clerk enters cannot be after the application's today."""
    if value > today_of(info):
        raise bilingual("日期不能晚于今天", f"{info.field_name} cannot be after today")
    return value


def resident_certno(value: str, info: ValidationInfo) -> str:
    """A 居民身份证号 (证件类型 01) is checked whole and upper-cased."""
    if info.data.get("psn_cert_type", "01") == "01" and (
        problem := certno_problem(value.upper(), today=today_of(info))
    ):
        raise bilingual(f"证件号码无效：{problem[0]}", f"invalid 居民身份证号: {problem[1]}")
    return value.upper()


class OneCard(BaseModel):
    """收款人“一卡通”银行账户信息 (or, for an institution, its 对公账户)."""

    acct_name: str = Field(min_length=1, max_length=100, description="收款人（账户户名）")
    bank_name: str = Field(min_length=1, max_length=100, description="开户银行")
    bank_acct: str = Field(pattern=r"^\d{8,32}$", description="银行账号")


class Person(BaseModel):
    """证件类型、证件号码、姓名."""

    psn_cert_type: Literal["01", "02", "03", "04", "05", "06", "07", "08"] = Field(default="01", description="证件类型")
    certno: str = Field(min_length=1, max_length=50, description="证件号码")
    psn_name: str = Field(min_length=1, max_length=50, description="姓名")

    @field_validator("certno")
    @classmethod
    def _certno(cls, value: str, info: ValidationInfo) -> str:
        return resident_certno(value, info)


class Settlement(BaseModel):
    """结算信息 of one visit (national 结算 names)."""

    setl_id: str = Field(min_length=1, max_length=40, description="结算ID（非定点医疗机构填发票号码）")
    setl_date: date = Field(description="结算日期")
    medfee_sumamt: Money = Field(description="医疗费总额（元）")
    inscp_scp_amt: Money = Field(description="符合政策范围金额（元）")
    hifp_pay: Money = Field(description="基本医疗保险统筹基金支出（元）")
    hifmi_pay: Money = Field(default=Decimal("0.00"), description="居民大病保险资金支出（元）")
    hifob_pay: Money = Field(default=Decimal("0.00"), description="职工大额医疗费用补助基金支出（元）")

    @field_validator("setl_date")
    @classmethod
    def _past(cls, value: date, info: ValidationInfo) -> date:
        return not_after_today(value, info)

    @model_validator(mode="after")
    def _figures_agree(self) -> Settlement:
        if self.inscp_scp_amt > self.medfee_sumamt:
            raise bilingual("符合政策范围金额不能超过医疗费总额", "inscp_scp_amt exceeds medfee_sumamt")
        check_funds_within_scope(self.inscp_scp_amt, self.hifp_pay, self.hifmi_pay, self.hifob_pay)
        return self


def listed(values: list[str], among: list[str], field: str, what_zh: str) -> None:
    """Refuse 证件号码 that are not among those of a list (naming the list and the field)."""
    if unknown := sorted({v.upper() for v in values} - set(among)):
        raise InvalidInput(
            "NOT_LISTED",
            f"不在{what_zh}中：{'、'.join(unknown)}",
            f"not in the list: {', '.join(unknown)}",
            field,
        )


def certnos(rows: Any) -> list[str]:
    """The 证件号码 of a list of rows."""
    return [str(r["certno"]).upper() for r in rows or []]


def bank_of(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """The account a payment goes to (payments.BankAccount's fields)."""
    return {
        "acct_name": data[f"{prefix}acct_name"],
        "bank_name": data[f"{prefix}bank_name"],
        "bank_acct": data[f"{prefix}bank_acct"],
    }


# Example data: 王芳 is P019's resident (390 from 2026-01-01); the hospital is the one P065's example admits.
WANG_FANG = {"certno": "52011519850312002X", "psn_name": "王芳"}
ONE_CARD = {"acct_name": "王芳", "bank_name": "贵州省农村信用社", "bank_acct": "6224120012345678"}
HOSPITAL_EXAMPLE = {"fixmedins_code": "H52010200001", "fixmedins_name": "贵阳市第一人民医院"}
VISIT = {
    "setl_id": "520115202611200001",
    "setl_date": "2026-11-20",
    "medfee_sumamt": "12000.00",
    "inscp_scp_amt": "10000.00",
    "hifp_pay": "6000.00",
    "hifmi_pay": "1000.00",
}


def selfpay_of(row: Mapping[str, Any]) -> Decimal:
    """就医合规个人自付费用 of a visit as the case data holds it."""
    return compliant_selfpay(
        yuan(row["inscp_scp_amt"]), yuan(row["hifp_pay"]), yuan(row["hifmi_pay"]), yuan(row["hifob_pay"])
    )
