"""P048 门诊费用报销 (零星报销: 普通门诊 / 门诊慢特病), and the claim pieces every 零星报销 and 生育 claim shares.

登记: the person must be insured on the visit date, the hospital is looked up in the `institution` registry by
定点医疗机构编码, and a policy must be in force on that date; 「保存成功后存在一个受理号」 is the case's 受理号. A
hospital's 收费票据 is claimed once (across P048-P052). 明细录入 takes every line in one step, each 金额 = 数量 × 单价
to the fen, summing to the 票据. 结算 runs the rule `reimbursement_settlement` exactly as a trial does (POST
/api/v1/rules/reimbursement_settlement/trial with the case's `settlement_input` gives the case's `settlement`), with
the policy in force ON THE VISIT DATE and the hospital's own parameters read at that moment. 结算审核 「可批量审核」:
POST /api/v1/cases/batch-actions approves many cases, each on its own (an approval needs no input). Completing the
case hands the 统筹支付 to settlement as a `benefit_payment`.

The kernel gives a stage no sight of the case's variant, so the 医疗类别 is entered (普通门诊 11, 门诊慢特病 14) and
is what the calculation reads; the variant is the menu the claim came in by.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.identity import certno_problem
from ybj_kernel.domain.process import Check, Lookup, Material, ProcessDefinition, Stage, Uniqueness, Variant
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.rules import evaluate, refusal, run
from ybj_kernel.domain.validation import Admdvs, Money, bilingual
from ybj_kernel.errors import Conflict, InvalidInput
from ybj_treatment.documents.reimbursement import REIMBURSEMENT_RECEIPT
from ybj_treatment.insured import INSURED, check_insured, insured_relations, psn_no_of
from ybj_treatment.payments import payment_effect
from ybj_treatment.policy.cost_share import MED_TYPE_ZH, TABLE
from ybj_treatment.rules.reimbursement import BANK_ACCOUNT, SETTLEMENT, no_policy
from ybj_treatment.rules.reimbursement_models import MAX_LINES, FeeLine, fen, lines_total

BASIC_INSUTYPES = frozenset({"310", "390"})


def fixmedins_code_of(data: Mapping[str, Any]) -> str | None:
    """The 定点医疗机构编码 a step names (the `institution` registry's key), or None."""
    code = data.get("fixmedins_code")
    return str(code).upper() if code else None


def _hospital(state: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("fixmedins_code", "fixmedins_name", "fixmedins_type", "hosp_lv", "admdvs", "status")
    return {k: state.get(k) for k in keys}


# Read when the claim is registered (who the hospital is) and when it is settled (its parameters then).
HOSPITAL_LOOKUP = Lookup("institution", "institution", fixmedins_code_of, pick=_hospital)
PARAMETERS_LOOKUP = Lookup(
    "institution_parameters", "institution", fixmedins_code_of, pick=lambda s: list(s.get("parameters") or [])
)
# A hospital's 收费票据 is claimed once, whichever of P048-P052 claims it.
INVOICE = Uniqueness(
    "medical_invoice",
    key=lambda d: f"{d['fixmedins_code']}:{d['invoice_no']}",
    field="invoice_no",
    message_zh="该定点医疗机构的这张收费票据已申报报销，不能重复报销",
    message_en="this invoice of this institution has already been claimed",
)


def not_after_today(value: date, info: ValidationInfo, what_zh: str) -> date:
    """A date that has happened (the application's clock)."""
    if value > today_of(info):
        raise bilingual(f"{what_zh}不能晚于今天", f"{info.field_name} cannot be after today")
    return value


class Claimant(BaseModel):
    """Who claims: 就医凭证, 证件类型 + 证件号码 (or the 医保电子凭证), and the 参保地医保区划 the claim is handled in."""

    mdtrt_cert_type: Literal["01", "02", "03"] = Field(
        default="02", description="就医凭证类型 (01 医保电子凭证, 02 身份证, 03 社保卡)"
    )
    psn_cert_type: Literal["01", "02", "03", "04", "05", "06", "07", "08"] = Field(default="01", description="证件类型")
    certno: str = Field(min_length=1, max_length=50, description="证件号码")
    ec_token: str | None = Field(default=None, max_length=200, description="医保电子凭证令牌 ecToken")
    admdvs: Admdvs = Field(description="参保地医保区划")

    @field_validator("certno")
    @classmethod
    def _certno(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("psn_cert_type", "01") == "01" and (
            problem := certno_problem(value.upper(), today=today_of(info))
        ):
            raise bilingual(f"证件号码无效：{problem[0]}", f"invalid 居民身份证号: {problem[1]}")
        return value.upper()


class Payout(BaseModel):
    """Where the money goes: the 社保卡 (金融账户), or a bank account (C09: 「无社保卡的需提供银行账号，首次报销提供」)."""

    has_ss_card: bool = Field(default=True, description="持有社会保障卡（金融账户）")
    first_claim: bool = Field(default=False, description="首次报销")
    acct_name: str | None = Field(default=None, max_length=200, description="开户名称")
    bank_name: str | None = Field(default=None, max_length=200, description="开户银行")
    bank_acct: str | None = Field(default=None, pattern=r"^\d{8,32}$", description="银行账号")
    bank_code: str | None = Field(default=None, pattern=r"^\d{3,20}$", description="开户银行行号")

    @model_validator(mode="after")
    def _c09(self, info: ValidationInfo) -> Payout:
        """C09 through the rule staff try: a missing account is refused naming bank_acct."""
        raw = {"has_ss_card": self.has_ss_card, "first_claim": self.first_claim, "bank_acct": self.bank_acct}
        if (error := refusal(evaluate(BANK_ACCOUNT, raw, today_of(info)))) is not None:
            raise error
        return self


class Visit(Claimant, Payout):
    """The visit: the hospital (定点医疗机构编码), its 收费票据, the visit date and the diagnosis."""

    fixmedins_code: str = Field(pattern=r"^H\d{11}$", description="定点医疗机构编码")
    invoice_no: str = Field(min_length=1, max_length=50, pattern=r"^[0-9A-Za-z\-]+$", description="医院收费票据号码")
    begndate: date = Field(description="就诊日期")
    dise_name: str | None = Field(default=None, max_length=200, description="诊断")

    @field_validator("invoice_no")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @field_validator("begndate")
    @classmethod
    def _visited(cls, value: date, info: ValidationInfo) -> date:
        return not_after_today(value, info, "就诊日期")


class ManualClaim(Visit):
    """零星报销登记: the visit, and whether it was an accident (意外伤害) or an emergency (急诊)."""

    injury: bool = Field(default=False, description="意外伤害就医")
    injury_evidence: Literal["certificate", "promise"] | None = Field(
        default=None, description="意外伤害证明 (certificate 公检法部门出具的相关证明材料, promise 个人承诺书)"
    )
    emergency: bool = Field(default=False, description="急诊")

    @model_validator(mode="after")
    def _injury_evidenced(self) -> ManualClaim:
        """「意外伤害就医的应提供…相关证明材料复印件一份，无法提供的应填写个人承诺书」."""
        if self.injury and self.injury_evidence is None:
            raise InvalidInput(
                "INJURY_EVIDENCE_REQUIRED",
                "意外伤害就医的应提供公检法部门出具的相关证明材料，无法提供的应填写个人承诺书",
                "an accident needs the authorities' papers, or the person's written undertaking",
                "injury_evidence",
            )
        return self


class OutpatientClaim(ManualClaim):
    """门诊: 「医疗类别选择普通门诊或者门诊慢特病」."""

    med_type: Literal["11", "14"] = Field(description="医疗类别 (11 普通门诊, 14 门诊慢特病)")


class FeeDetails(BaseModel):
    """明细录入: every line of the 费用明细 at once, and the 票据 total they must add up to."""

    lines: list[FeeLine] = Field(min_length=1, max_length=MAX_LINES, description="费用明细")
    medfee_sumamt: Money = Field(gt=0, description="医院收费票据金额合计（元）")

    @model_validator(mode="after")
    def _adds_up(self) -> FeeDetails:
        if (total := lines_total(self.lines)) != self.medfee_sumamt:
            raise InvalidInput(
                "LINES_DO_NOT_ADD_UP",
                f"费用明细合计 {total} 元与票据金额 {self.medfee_sumamt} 元不符",
                f"the lines add up to {total}, not the invoice's {self.medfee_sumamt}",
                "medfee_sumamt",
            )
        return self


class Settlement(BaseModel):
    """结算: what the fund has already paid this year for the 医疗类别 (for the 封顶线)."""

    fund_paid_ytd: Money = Field(
        default=Decimal("0.00"), description="本年度该医疗类别统筹基金已支付（元，计算封顶线剩余额度）"
    )


def insutype_on(step: Mapping[str, Any], on: date, insutypes: frozenset[str]) -> str:
    """The 险种 (of `insutypes`) the looked-up person is insured under on `on` (after check_insured)."""
    return insured_relations(step.get("insured"), on, insutypes)[0]


def check_hospital(step: Mapping[str, Any]) -> None:
    """The looked-up hospital must be in the `institution` registry (an `H` code is a 定点医疗机构's, never a pharmacy's)."""
    if not step.get("institution"):
        code = step.get("fixmedins_code")
        raise Conflict(
            "INSTITUTION_NOT_FOUND",
            f"定点医疗机构 {code} 不存在或未生效",
            f"there is no designated institution {code} in effect",
            "fixmedins_code",
        )


def check_visit(insutypes: frozenset[str] = BASIC_INSUTYPES) -> Check:
    """Insured (under `insutypes`) on the visit date, at a designated hospital, with a policy in force that day."""

    def check(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
        on = date.fromisoformat(str(step["begndate"]))
        check_insured(step, on=on, insutypes=insutypes)
        check_hospital(step)
        insutype, hosp_lv = insutype_on(step, on, insutypes), str(step["institution"].get("hosp_lv"))
        if TABLE.row_for(insutype, hosp_lv, str(step["med_type"]), on) is None:
            raise no_policy(insutype, hosp_lv, str(step["med_type"]), on)

    return check


def visit_facts(
    insutypes: frozenset[str] = BASIC_INSUTYPES,
) -> Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]:
    """What the claim keeps from the facts it read: 人员编号, 姓名, 险种 on the visit date, the hospital and its level."""

    def derive(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
        person, hospital = step["insured"], step["institution"]
        on = date.fromisoformat(str(step["begndate"]))
        return {
            "psn_no": psn_no_of(step),
            "psn_name": person.get("psn_name"),
            "gend": person.get("gend"),
            "insutype": insutype_on(step, on, insutypes),
            "fixmedins_name": hospital.get("fixmedins_name"),
            "hosp_lv": hospital.get("hosp_lv"),
        }

    return derive


# The figures the receipt prints, kept at the top of the case's data beside the whole `settlement`.
FIGURES = (
    "medfee_sumamt",
    "fulamt_ownpay_amt",
    "preselfpay_amt",
    "inscp_scp_amt",
    "act_pay_dedc",
    "hifp_pay",
    "psn_selfpay",
    "psn_part_amt",
)


def settlement_input(data: Mapping[str, Any]) -> dict[str, Any]:
    """The rule's input from the case: the trial that replays it gives the case's figures."""
    return {
        "insutype": data["insutype"],
        "hosp_lv": data["hosp_lv"],
        "med_type": data["med_type"],
        "begndate": data["begndate"],
        "lines": data["lines"],
        "fund_paid_ytd": data.get("fund_paid_ytd", "0.00"),
        "inst_params": data.get("institution_parameters") or [],
    }


def settled(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """结算: the rule `reimbursement_settlement` on the case's lines, its whole output kept, the totals on top."""
    raw = settlement_input({**current, **step})
    out = run(SETTLEMENT, raw, date.fromisoformat(str(raw["begndate"])))
    return {"settlement_input": raw, "settlement": out, **{k: out[k] for k in FIGURES}}


def bank_of(data: Mapping[str, Any]) -> dict[str, Any]:
    """The account the payment goes to: the 社保卡, or the bank account given (none: the one given at the first claim)."""
    account = {k: data[k] for k in ("acct_name", "bank_name", "bank_acct", "bank_code") if data.get(k)}
    return {**account, "via_social_security_card": bool(data.get("has_ss_card"))}


def person_payment(data: Mapping[str, Any], process_id: str, reason_zh: str, amount: str) -> list[Effect]:
    """The approved amount handed to settlement for the person, keyed by the claim (process, hospital, 票据)."""
    if (amount_fen := fen(amount)) <= 0:
        return []  # nothing for the fund to pay (the whole claim is within the 起付线 or 自费)
    return [
        payment_effect(
            f"{process_id}-{data['fixmedins_code']}-{data['invoice_no']}",
            payee_type="person",
            payee_name=str(data["psn_name"]),
            payee_id=str(data["psn_no"]),
            amount_fen=amount_fen,
            bank=bank_of(data),
            source_process=process_id,
            reason_zh=reason_zh,
            admdvs=str(data["admdvs"]),
        )
    ]


def claim_effects(process_id: str, name_zh: str) -> Callable[[Mapping[str, Any], str | None], list[Effect]]:
    """A completed 零星报销 pays its 统筹支付 to the person."""

    def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
        reason = f"{name_zh}统筹支付（{MED_TYPE_ZH.get(str(data['med_type']), data['med_type'])}）"
        return person_payment(data, process_id, reason, str(data["hifp_pay"]))

    return effects


IDENTITY_MATERIAL = "医保电子凭证或有效身份证件或社保卡"
BANK_MATERIAL = Material("银行账号（无社保卡的，首次报销提供）", required=False, condition_zh="无社保卡的首次报销")
INJURY_MATERIALS = (
    Material(
        "交警事故认定书、法院判决书、调解协议书等公检法部门出具的相关证明材料复印件一份（意外伤害就医的）",
        required=False,
        condition_zh="意外伤害就医",
    ),
    Material(
        "个人承诺书（意外伤害就医无法提供证明材料的）", required=False, condition_zh="意外伤害就医无法提供证明材料"
    ),
)

# Examples: 王芳 (城乡居民 390 from 2026-01-01) at 贵阳市第一人民医院 (P065's example hospital).
CLAIMANT = {"certno": "52011519850312002X", "admdvs": "520115"}
HOSPITAL_CODE = "H52010200001"
OUTPATIENT_LINES = [
    {
        "med_chrgitm_type": "02",
        "hilist_code": "110200002",
        "hilist_name": "门诊诊查费",
        "chrgitm_lv": "01",
        "cnt": "1",
        "pric": "25.00",
        "det_item_fee_sumamt": "25.00",
    },
    {
        "med_chrgitm_type": "04",
        "hilist_code": "250101001",
        "hilist_name": "血常规",
        "chrgitm_lv": "01",
        "cnt": "1",
        "pric": "30.00",
        "det_item_fee_sumamt": "30.00",
    },
    {
        "med_chrgitm_type": "09",
        "hilist_code": "XJ01CAA040A001010101445",
        "hilist_name": "阿莫西林胶囊",
        "chrgitm_lv": "02",
        "cnt": "3",
        "pric": "25.50",
        "det_item_fee_sumamt": "76.50",
    },
]


def claim_stages(
    register: type[ManualClaim], register_example: Mapping[str, Any], lines: list[dict[str, Any]], settle_zh: str
) -> tuple[Stage, ...]:
    """The six 零星报销 stages (P048 and P049 differ in the 登记 form and the 结算 menu)."""
    total = str(lines_total([FeeLine.model_validate(line) for line in lines]))
    return (
        Stage(
            "register",
            "零星报销登记（录入证件号码或扫描医保电子凭证，就医信息中输入定点医疗机构编码、选择医疗类别，保存后生成受理号）",
            ("registrar", "channel"),
            "Registered",
            input=register,
            lookups=(INSURED, HOSPITAL_LOOKUP),
            checks=(check_visit(),),
            derive=visit_facts(),
            unique=INVOICE,
            example=register_example,
        ),
        Stage(
            "detail_entry",
            "明细录入（输入受理编号，录入费用明细）",
            ("registrar",),
            "DetailsEntered",
            input=FeeDetails,
            example={"lines": lines, "medfee_sumamt": total},
        ),
        Stage(
            "detail_review",
            "明细审核（输入受理编号，核定录入信息）",
            ("first_reviewer",),
            "DetailsReviewed",
            review=True,
        ),
        Stage(
            "settle",
            settle_zh,
            ("registrar",),
            "Settled",
            input=Settlement,
            lookups=(PARAMETERS_LOOKUP,),
            derive=settled,
            example={"fund_paid_ytd": "0.00"},
        ),
        Stage(
            "settlement_review",
            "结算审核（可批量审核）",
            ("second_reviewer",),
            "SettlementReviewApproved",
            review=True,
            batch=True,
        ),
        Stage("print_receipt", "个人零星报销单据打印", ("registrar",), "ReimbursementReceiptPrinted"),
    )


P048 = ProcessDefinition(
    id="P048",
    slug="outpatient_expense_reimbursement",
    name_zh="门诊费用报销",
    service="treatment",
    variants=(Variant("general", "普通门诊"), Variant("chronic", "门诊慢特病")),
    materials=(
        Material(IDENTITY_MATERIAL),
        Material("医院收费票据"),
        Material(
            "门急诊费用清单（门诊发票已标注相应费用项目的可不提供）",
            required=False,
            condition_zh="门诊发票未标注相应费用项目",
        ),
        Material(
            "处方明细（门诊发票已标注相应费用项目的可不提供）",
            required=False,
            condition_zh="门诊发票未标注相应费用项目",
        ),
        BANK_MATERIAL,
        *INJURY_MATERIALS,
        Material("急诊诊断证明（急诊）", required=False, condition_zh="急诊（可要求提供）"),
    ),
    stages=claim_stages(
        OutpatientClaim,
        {
            **CLAIMANT,
            "fixmedins_code": HOSPITAL_CODE,
            "invoice_no": "MZ2026112000017",
            "begndate": "2026-11-20",
            "med_type": "11",
            "dise_name": "急性上呼吸道感染",
        },
        OUTPATIENT_LINES,
        "门诊结算（输入受理编号，点击结算）",
    ),
    effects=claim_effects("P048", "门诊费用报销"),
    documents=(REIMBURSEMENT_RECEIPT,),
)
