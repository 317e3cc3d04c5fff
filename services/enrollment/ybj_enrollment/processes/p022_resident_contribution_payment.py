"""P022 城乡医保个人缴费: a resident's yearly contribution, collected through the tax bureau and verified monthly.

采集缴费人登记基础信息（税务客户端）→ 打印《银行端查询微税凭证》交缴费人 → 缴费人缴费 → 税务部门反馈参保登记基础信息 →
每月25日数据核实（医税平台：缴费人数、金额明细、实收款项）→ 县（市、新区）医保局核实特殊人群政府资助款项与资助缴费人数台账.
Completion records the year's payment on the resident's 390 relation (缴费记录, in fen); someone not enrolled in 390
is refused by the person registry. A step back or a cancel removes the record again.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from ybj_enrollment.documents import DOCUMENTS
from ybj_enrollment.processes.fields import PersonLookup, fen
from ybj_enrollment.processes.fund_income import PastDate
from ybj_enrollment.registries.codes import psn_no_for
from ybj_kernel.domain.deadlines import DayOfMonth
from ybj_kernel.domain.process import Check, Material, ProcessDefinition, Stage, Uniqueness
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import Admdvs, Money, bilingual
from ybj_kernel.errors import InvalidInput

RESIDENT: Literal["390"] = "390"  # 城乡居民基本医疗保险
# 居民医保按年度缴费: the year's contribution is recorded under the year's first period (YYYY01).
ANNUAL_PERIOD_MONTH = "01"
# R11 「每月25日提取医保信息系统内数据，通过医税平台核对」: no holiday shift is stated, so none is made.
MONTHLY_EXTRACTION = DayOfMonth(25, roll_forward=False)


class PayerInfo(PersonLookup):
    """缴费人登记基础信息 as collected with the tax bureau's client software, and the voucher it produced."""

    admdvs: Admdvs = Field(description="参保所属医保区划（县（市、新区））")
    psn_name: str = Field(min_length=1, max_length=50, description="姓名")
    insutype: Literal["390"] = Field(default=RESIDENT, description="险种类型 (390 城乡居民基本医疗保险)")
    clct_year: int = Field(ge=2000, le=2100, description="缴费年度")
    clct_grade: str = Field(min_length=1, max_length=6, description="缴费档次")
    psn_clct_amt: Money = Field(description="个人缴费标准（元，本年度本档次）")
    sbsy_amt: Money = Field(default=Decimal("0.00"), description="政府资助金额（元，特殊人群全额代缴或差额补助）")
    psn_idet_type: str | None = Field(
        default=None, max_length=6, validate_default=True, description="特殊人群身份类别（享受资助时必填）"
    )
    tax_vchr_no: str = Field(min_length=1, max_length=40, description="凭证号码（银行端查询微税凭证）")
    tel: str | None = Field(default=None, pattern=r"^[\d\-+]{5,20}$", description="联系电话")

    @field_validator("sbsy_amt")
    @classmethod
    def _within_standard(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        standard = info.data.get("psn_clct_amt")
        if standard is not None and value > standard:
            raise bilingual("政府资助金额超过个人缴费标准", "the subsidy exceeds the contribution standard")
        return value

    @field_validator("psn_idet_type")
    @classmethod
    def _special_group(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("sbsy_amt", 0) > 0 and not value:
            raise bilingual("享受政府资助的须填写特殊人群身份类别", "a subsidised payer needs psn_idet_type")
        return value


class VoucherHandover(BaseModel):
    """打印《银行端查询微税凭证》交缴费人."""

    recv_name: str | None = Field(default=None, max_length=50, description="领取人姓名（代办时填写）")


class Payment(BaseModel):
    """缴费人缴费 (at the bank, with the voucher)."""

    pay_amt: Money = Field(description="实缴金额（元）")
    pay_date: PastDate = Field(description="缴费日期")


class TaxFeedback(BaseModel):
    """税务部门缴费成功后反馈参保登记基础信息."""

    tax_pay_sn: str = Field(min_length=1, max_length=40, description="电子税票号码")
    fdbk_date: PastDate = Field(description="反馈日期")


class MonthlyVerification(BaseModel):
    """每月25日 医税平台核对: the tax bureau's figures for this payer in the month's push."""

    vrf_ym: str = Field(pattern=r"^\d{4}(0[1-9]|1[0-2])$", description="核对期号 (YYYYMM)")
    tax_rcv_amt: Money = Field(description="税务推送实收金额（元）")


class SpecialGroupVerification(BaseModel):
    """县（市、新区）医保局核实: the 资助缴费人数台账 amount for this payer (0 for a payer with no subsidy)."""

    sbsy_ledger_amt: Money = Field(description="资助台账金额（元，非特殊人群填 0）")


def payer_figures(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """人员编号, and 个人应缴金额 = 个人缴费标准 − 政府资助金额."""
    due = Decimal(str(step["psn_clct_amt"])) - Decimal(str(step.get("sbsy_amt", "0")))
    return {"psn_no": step.get("psn_no") or psn_no_for(str(step["certno"])), "psn_pay_amt": str(due)}


def _same_amount(field: str, expected: str, zh: str, en: str) -> Check:
    """This step's amount must be the one an earlier step fixed, to the fen."""

    def check(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
        want = Decimal(str(current.get(expected, "0")))
        if Decimal(str(step[field])) != want:
            raise InvalidInput(
                "AMOUNT_MISMATCH", f"{zh} {step[field]} 元与应为的 {want} 元不一致", f"{en} ({want})", field
            )

    return check


def verified_after_payment(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """A month's extraction cannot verify a payment made after that month."""
    if step["vrf_ym"] < str(current["pay_date"])[:7].replace("-", ""):
        raise InvalidInput("INVALID_FIELD", "核对期号早于缴费月份", "vrf_ym is before the month of payment", "vrf_ym")


def fed_back_after_payment(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The tax bureau feeds back a payment that has been made."""
    if str(step["fdbk_date"]) < str(current["pay_date"]):
        raise InvalidInput("INVALID_FIELD", "反馈日期早于缴费日期", "fdbk_date is before pay_date", "fdbk_date")


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """The year's contribution on the resident's 390 relation: 应缴 the standard, 实缴 what was paid plus the subsidy."""
    paid = fen(Decimal(str(data["pay_amt"]))) + fen(Decimal(str(data.get("sbsy_ledger_amt", "0"))))
    contribution = {
        "insutype": RESIDENT,
        "ym": f"{data['clct_year']}{ANNUAL_PERIOD_MONTH}",
        "due": fen(Decimal(str(data["psn_clct_amt"]))),
        "paid": paid,
        "late_fee": 0,
        "paid_on": data["pay_date"],
    }
    psn_no = str(data["psn_no"])
    return [
        Effect("person", psn_no, "check_exists", {"certno": data["certno"]}),  # someone never enrolled: named by certno
        Effect("person", psn_no, "record_contribution", contribution),
    ]


# One P022 payment per resident and 缴费年度 in effect (a second one would overwrite the year's record).
RESIDENT_CONTRIBUTION = Uniqueness(
    scope="resident_contribution",
    key=lambda data: f"{str(data['certno']).upper()}:{data['clct_year']}",
    field="certno",
    message_zh="该人员本缴费年度已有城乡医保个人缴费业务",
    message_en="this person already has a resident contribution case for the year",
)

P022 = ProcessDefinition(
    id="P022",
    slug="urban_rural_resident_contribution_payment",
    name_zh="城乡医保个人缴费",
    service="enrollment",
    materials=(
        Material("有效身份证件"),
        Material("办理人员有效身份证件复印件（代办人）", required=False, condition_zh="代办"),
    ),
    stages=(
        Stage(
            "collect_payer_info",
            "通过税务部门提供的客户端软件采集缴费人登记基础信息",
            ("registrar",),
            "PayerInfoCollected",
            input=PayerInfo,
            derive=payer_figures,
            unique=RESIDENT_CONTRIBUTION,
            example={
                "admdvs": "520115",
                "certno": "52011519850312002X",  # P019's example resident
                "psn_name": "王芳",
                "clct_year": 2027,
                "clct_grade": "1",
                "psn_clct_amt": "400.00",  # an example figure: the grade's amount comes from the tax client
                "tax_vchr_no": "352026120500012345",
            },
        ),
        Stage(
            "print_payment_voucher",
            "打印《银行端查询微税凭证》交缴费人",
            ("registrar",),
            "PaymentVoucherPrinted",
            input=VoucherHandover,
            example={},
        ),
        Stage(
            "pay",
            "缴费人缴费",
            ("applicant",),
            "ContributionPaid",
            input=Payment,
            checks=(_same_amount("pay_amt", "psn_pay_amt", "实缴金额", "pay_amt differs from psn_pay_amt"),),
            example={"pay_amt": "400.00", "pay_date": "2026-12-01"},
        ),
        Stage(
            "feed_back_enrollment",
            "缴费成功后完成参保登记基础信息反馈医保信息系统",
            ("tax_bureau",),
            "EnrollmentInfoFedBack",
            input=TaxFeedback,
            checks=(fed_back_after_payment,),
            example={"tax_pay_sn": "352026120100088888", "fdbk_date": "2026-12-02"},
        ),
        Stage(
            "monthly_verification",
            "数据核实：每月25日提取医保信息系统内数据，通过医税平台核对税务部门推送缴费人数、金额明细和实收款项",
            ("registrar",),
            "PaymentsVerified",
            input=MonthlyVerification,
            checks=(
                verified_after_payment,
                _same_amount("tax_rcv_amt", "pay_amt", "税务推送实收金额", "tax_rcv_amt differs from pay_amt"),
            ),
            due=MONTHLY_EXTRACTION,
            example={"vrf_ym": "202612", "tax_rcv_amt": "400.00"},
        ),
        Stage(
            "special_group_verification",
            "特殊人群核实：由各县（市、新区）医保局核实特殊人群政府资助全额代缴或差额补助款项与资助缴费人数台账是否一致",
            ("county_bureau",),
            "SpecialGroupSubsidyVerified",
            input=SpecialGroupVerification,
            checks=(
                _same_amount("sbsy_ledger_amt", "sbsy_amt", "资助台账金额", "sbsy_ledger_amt differs from sbsy_amt"),
            ),
            example={"sbsy_ledger_amt": "0.00"},
        ),
    ),
    effects=effects,
    documents=DOCUMENTS["P022"],
)
