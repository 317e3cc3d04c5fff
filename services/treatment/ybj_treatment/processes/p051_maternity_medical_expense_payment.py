"""P051 生育医疗费支付: 审批登记 → 明细录入 → 初审确认费用明细 → 费用明细复审 → 复审确认 → 结算 → 拨付.

「审批登记、明细录入、初审确认费用明细、复审、复审确认、结算均为独立模块…且支持逆向回退操作」: each is its own
stage, and any may be stepped back. 结算 is the rule `reimbursement_settlement` (生育门诊 51 / 生育住院 52, the policy
in force on the visit date). The 拨付 is one of three variants (the flowchart): the 《社会保障卡》金融账户, FES, or
「凭留存的结算发票原件和…打印的拨付单据，到贵阳市中心财务部进行拨款」 (the 《拨付单据》 is printed for it).
Completing the case hands the amount to settlement as a `benefit_payment`, with the 拨付 route.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from ybj_kernel.domain.process import Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import bilingual
from ybj_kernel.errors import InvalidInput
from ybj_treatment.documents.reimbursement import DISBURSEMENT_SLIP
from ybj_treatment.insured import INSURED
from ybj_treatment.payments import payment_effect
from ybj_treatment.processes.p048_outpatient_expense_reimbursement import (
    HOSPITAL_CODE,
    HOSPITAL_LOOKUP,
    IDENTITY_MATERIAL,
    INVOICE,
    PARAMETERS_LOOKUP,
    FeeDetails,
    Settlement,
    Visit,
    bank_of,
    not_after_today,
    settled,
    visit_facts,
)
from ybj_treatment.processes.p050_prenatal_checkup_fee_payment import MATERNITY_INSUTYPES, MOTHER, maternity_checks
from ybj_treatment.rules.reimbursement_models import FeeLine, fen, lines_total

SS_CARD, FES, COUNTER = "ss_card", "fes", "counter"


class MaternityClaim(Visit):
    """审批登记: the mother, the hospital, 生育门诊 or 生育住院, the 出生医学证明 and the 参保人员银行账号."""

    med_type: Literal["51", "52"] = Field(description="医疗类别 (51 生育门诊, 52 生育住院)")
    begndate: date = Field(description="就诊日期（住院为入院日期）")
    enddate: date | None = Field(default=None, description="出院日期（生育住院）")
    birth_cert: Literal["obtained", "provided", "promise"] = Field(
        default="obtained",
        description="出生医学证明 (obtained 经办平台通过其他部门获得, provided 办理人提供, promise 无法提供，个人承诺书)",
    )

    @field_validator("enddate")
    @classmethod
    def _discharged(cls, value: date | None, info: ValidationInfo) -> date | None:
        admitted = info.data.get("begndate")
        if value is not None and admitted is not None and value < admitted:
            raise bilingual("出院日期不能早于入院日期", "enddate cannot be before begndate")
        return None if value is None else not_after_today(value, info, "出院日期")

    @model_validator(mode="after")
    def _account_given(self) -> MaternityClaim:
        """所需材料 「参保人员银行账号」: always, whatever the 拨付 route."""
        missing = next((f for f in ("acct_name", "bank_name", "bank_acct") if not getattr(self, f)), None)
        if missing is not None:
            raise InvalidInput(
                "BANK_ACCOUNT_REQUIRED",
                "生育医疗费支付须提供参保人员银行账号",
                "the mother's bank account is required",
                missing,
            )
        if self.med_type == "52" and self.enddate is None:
            raise InvalidInput("MISSING_FIELD", "生育住院须填写出院日期", "a stay needs its enddate", "enddate")
        return self


def facts_of(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """Who and where, as P048 keeps them, under 310."""
    return visit_facts(MATERNITY_INSUTYPES)(current, step)


class Disbursement(BaseModel):
    """拨付: the day the money went out."""

    paid_on: date = Field(description="拨付日期")

    @field_validator("paid_on")
    @classmethod
    def _paid(cls, value: date, info: ValidationInfo) -> date:
        return not_after_today(value, info, "拨付日期")


class FesDisbursement(Disbursement):
    """FES拨付（医疗、生育）: with the FES 流水号."""

    fin_intf_sn: str = Field(min_length=1, max_length=50, pattern=r"^[0-9A-Za-z\-]+$", description="FES财务接口流水号")


class CounterDisbursement(Disbursement):
    """到中心财务部拨款: 「凭留存的结算发票原件和…打印的拨付单据」, both seen."""

    invoice_original_seen: Literal[True] = Field(description="已核验留存的结算发票原件")
    slip_seen: Literal[True] = Field(description="已核验网上办事大厅打印的拨付单据")


def effects(data: Mapping[str, Any], variant: str | None) -> list[Effect]:
    """The settled amount, paid to the mother by the variant's route (社保卡 for 《社会保障卡》金融账户拨付)."""
    if (amount := fen(str(data["hifp_pay"]))) <= 0:
        return []
    return [
        payment_effect(
            f"P051-{data['fixmedins_code']}-{data['invoice_no']}",
            payee_type="person",
            payee_name=str(data["psn_name"]),
            payee_id=str(data["psn_no"]),
            amount_fen=amount,
            bank={**bank_of(data), "via_social_security_card": variant == SS_CARD},
            source_process="P051",
            reason_zh=f"生育医疗费支付（{ROUTES_ZH.get(str(variant), '')}）",
            admdvs=str(data["admdvs"]),
        )
    ]


ROUTES_ZH = {
    SS_CARD: "《社会保障卡》金融账户拨付",
    FES: "FES拨付（医疗、生育）",
    COUNTER: "凭结算发票原件和拨付单据到贵阳市中心财务部拨款",
}
DELIVERY_LINES = [
    {
        "med_chrgitm_type": "01",
        "hilist_code": "110900001",
        "hilist_name": "普通病房床位费",
        "chrgitm_lv": "01",
        "cnt": "3",
        "pric": "45.00",
        "det_item_fee_sumamt": "135.00",
    },
    {
        "med_chrgitm_type": "06",
        "hilist_code": "331300001",
        "hilist_name": "单胎顺产接生",
        "chrgitm_lv": "01",
        "cnt": "1",
        "pric": "1200.00",
        "det_item_fee_sumamt": "1200.00",
    },
    {
        "med_chrgitm_type": "09",
        "hilist_code": "XH02BBO040B002010100372",
        "hilist_name": "缩宫素注射液",
        "chrgitm_lv": "02",
        "cnt": "4",
        "pric": "3.15",
        "det_item_fee_sumamt": "12.60",
    },
]


DISBURSE_ZH = {
    SS_CARD: ROUTES_ZH[SS_CARD],
    FES: ROUTES_ZH[FES],
    COUNTER: "凭留存的结算发票原件和网上办事大厅打印的拨付单据，到贵阳市中心财务部进行拨款",
}


def _disburse(key: str, variant: str, model: type[Disbursement], example: dict[str, Any]) -> Stage:
    return Stage(
        key,
        DISBURSE_ZH[variant],
        ("finance",),
        "Disbursed",
        input=model,
        variants=frozenset({variant}),
        example={"paid_on": "2026-12-05", **example},
    )


P051 = ProcessDefinition(
    id="P051",
    slug="maternity_medical_expense_payment",
    name_zh="生育医疗费支付",
    service="treatment",
    variants=(Variant(SS_CARD, ROUTES_ZH[SS_CARD]), Variant(FES, ROUTES_ZH[FES]), Variant(COUNTER, ROUTES_ZH[COUNTER])),
    materials=(
        Material(IDENTITY_MATERIAL),
        Material("医院收费票据"),
        Material("病历资料"),
        Material("费用清单"),
        Material("参保人员银行账号"),
        Material(
            "出生医学证明等（无法通过其他部门获得的由办理人提供，无法提供的需提供个人承诺书）",
            required=False,
            condition_zh="经办平台无法通过其他部门获得",
        ),
    ),
    stages=(
        Stage(
            "register",
            "审批登记",
            ("registrar", "channel"),
            "Registered",
            input=MaternityClaim,
            lookups=(INSURED, HOSPITAL_LOOKUP),
            checks=maternity_checks("生育医疗费支付"),
            derive=facts_of,
            unique=INVOICE,
            example={
                **MOTHER,
                "fixmedins_code": HOSPITAL_CODE,
                "invoice_no": "ZY2026120400018",
                "med_type": "52",
                "begndate": "2026-12-01",
                "enddate": "2026-12-04",
                "acct_name": "陈静",
                "bank_name": "中国工商银行贵阳中华北路支行",
                "bank_acct": "6222022402001234567",
            },
        ),
        Stage(
            "detail_entry",
            "明细录入",
            ("registrar",),
            "DetailsEntered",
            input=FeeDetails,
            example={
                "lines": DELIVERY_LINES,
                "medfee_sumamt": str(lines_total([FeeLine.model_validate(x) for x in DELIVERY_LINES])),
            },
        ),
        Stage("first_review", "初审确认费用明细", ("first_reviewer",), "FirstReviewApproved", review=True),
        Stage("second_review", "费用明细复审", ("second_reviewer",), "SecondReviewApproved", review=True),
        Stage("second_review_confirm", "复审确认", ("second_reviewer",), "SecondReviewConfirmed"),
        Stage(
            "settle",
            "结算",
            ("registrar",),
            "Settled",
            input=Settlement,
            lookups=(PARAMETERS_LOOKUP,),
            derive=settled,
            example={"fund_paid_ytd": "0.00"},
        ),
        _disburse("disburse_social_security_card", SS_CARD, Disbursement, {}),
        _disburse("disburse_fes", FES, FesDisbursement, {"fin_intf_sn": "FES202612050001"}),
        _disburse(
            "disburse_at_counter",
            COUNTER,
            CounterDisbursement,
            {"invoice_original_seen": True, "slip_seen": True},
        ),
    ),
    effects=effects,
    documents=(DISBURSEMENT_SLIP,),
)
