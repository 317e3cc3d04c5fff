"""P053 生育津贴支付: 生育津贴核定 (本次报销待遇: 个人津贴) → 生育待遇核定审核.

「录入基本信息本次报销待遇选择个人津贴，后面依次录入基本信息、拨付对象、银行信息、最后核定」: the 核定 runs the rule
`maternity_allowance` (月平均工资 ÷ 折算日数 × 产假天数; EXAMPLE configuration, the seeds give no formula) and the
拨付对象 is the rule `maternity_allowance_payee` (C10): 机关事业单位 staff are paid themselves, 企业 and 自收自支事业单位
staff through their employer's 对公账户. The woman must be insured under 310 on the day of the birth, with the employer
she names; one allowance per birth. The review hands the allowance to settlement as a `benefit_payment`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage, Uniqueness
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.rules import evaluate, refusal, run
from ybj_kernel.domain.validation import Money
from ybj_kernel.errors import Conflict
from ybj_treatment.insured import INSURED, check_insured, psn_no_of
from ybj_treatment.payments import payment_effect
from ybj_treatment.processes.p048_outpatient_expense_reimbursement import (
    IDENTITY_MATERIAL,
    Claimant,
    bank_of,
    not_after_today,
)
from ybj_treatment.processes.p050_prenatal_checkup_fee_payment import MATERNITY_INSUTYPES, MOTHER, check_woman
from ybj_treatment.rules.reimbursement import MATERNITY_ALLOWANCE, MATERNITY_PAYEE
from ybj_treatment.rules.reimbursement_models import Birth, EmpType, fen

ONE_PER_BIRTH = Uniqueness(
    "maternity_allowance",
    key=lambda d: f"{d['certno']}:{d['birth_date']}",
    field="birth_date",
    message_zh="该参保人此次生育的生育津贴已核定，不能重复支付",
    message_en="the maternity allowance for this birth has already been assessed",
)


class AllowanceClaim(Claimant):
    """生育津贴核定: 基本信息 (the woman, her employer), the birth, the wage it is paid on, 拨付对象 and 银行信息."""

    benefit_type: Literal["maternity_allowance"] = Field(
        default="maternity_allowance", description="本次报销待遇 (maternity_allowance 个人津贴)"
    )
    emp_no: str = Field(min_length=1, max_length=30, description="单位编号")
    emp_name: str = Field(min_length=1, max_length=200, description="单位名称")
    emp_type: EmpType = Field(
        description="单位类型 (enterprise 企业, government 机关, public_institution 事业单位, "
        "self_funded_institution 自收自支事业单位)"
    )
    birth_date: date = Field(description="生育（流产）日期")
    birth_type: Birth = Field(
        default="birth",
        description="生育类型 (birth 生育, miscarriage_early 怀孕未满4个月流产, miscarriage_late 怀孕满4个月流产)",
    )
    dystocia: bool = Field(default=False, description="难产")
    babies: int = Field(default=1, ge=1, le=9, description="生育婴儿数")
    avg_wage: Money = Field(gt=0, description="用人单位上年度职工月平均工资（元）")
    has_ss_card: bool = Field(default=True, description="个人持有社会保障卡（金融账户）")
    first_claim: bool = Field(default=False, description="个人首次报销")
    employer_account_on_file: bool = Field(default=False, description="单位职工报销过（单位对公账户已提供）")
    acct_name: str | None = Field(default=None, max_length=200, description="开户名称（个人或单位）")
    bank_name: str | None = Field(default=None, max_length=200, description="开户银行")
    bank_acct: str | None = Field(default=None, pattern=r"^\d{8,32}$", description="银行账号（个人或单位对公账户）")
    bank_code: str | None = Field(default=None, pattern=r"^\d{3,20}$", description="开户银行行号")

    @field_validator("birth_date")
    @classmethod
    def _born(cls, value: date, info: ValidationInfo) -> date:
        return not_after_today(value, info, "生育日期")

    @model_validator(mode="after")
    def _c10(self, info: ValidationInfo) -> AllowanceClaim:
        """C10 through the rule staff try: the account the payee needs, refused naming bank_acct."""
        raw = {
            "emp_type": self.emp_type,
            "has_ss_card": self.has_ss_card,
            "first_claim": self.first_claim,
            "employer_account_on_file": self.employer_account_on_file,
            "bank_acct": self.bank_acct,
        }
        if (error := refusal(evaluate(MATERNITY_PAYEE, raw, today_of(info)))) is not None:
            raise error
        return self


def check_mother(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """A woman insured under 310 on the day of the birth, employed by the unit she names."""
    on = date.fromisoformat(str(step["birth_date"]))
    check_insured(step, on=on, insutypes=MATERNITY_INSUTYPES)
    check_woman(step, "生育津贴支付")
    relation = (step["insured"].get("relations") or {}).get("310") or {}
    if relation.get("emp_no") != step["emp_no"]:
        raise Conflict(
            "EMPLOYER_MISMATCH",
            f"参保人的职工医保参保单位为 {relation.get('emp_no')}，与所填单位编号 {step['emp_no']} 不符",
            f"the person is insured through unit {relation.get('emp_no')}, not {step['emp_no']}",
            "emp_no",
        )


def assessed(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """核定: the allowance (rule maternity_allowance) and the payee (rule maternity_allowance_payee), as trials give them."""
    on = date.fromisoformat(str(step["birth_date"]))
    allowance_in = {k: step[k] for k in ("avg_wage", "birth_type", "dystocia", "babies")}
    payee_in = {
        k: step.get(k) for k in ("emp_type", "has_ss_card", "first_claim", "employer_account_on_file", "bank_acct")
    }
    allowance = run(MATERNITY_ALLOWANCE, allowance_in, on)
    payee = run(MATERNITY_PAYEE, payee_in, on)
    return {
        "psn_no": psn_no_of(step),
        "psn_name": step["insured"].get("psn_name"),
        "allowance": allowance,
        "allowance_amt": allowance["allowance"],
        "leave_days": allowance["leave_days"],
        "payee": payee["payee"],
    }


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """Approval pays the allowance to the person, or to her employer's 对公账户 (C10)."""
    to_employer = data["payee"] == "employer"
    bank = {**bank_of(data), "via_social_security_card": not to_employer and bool(data.get("has_ss_card"))}
    return [
        payment_effect(
            f"P053-{data['psn_no']}-{data['birth_date']}",
            # An employer's 对公账户 goes as "institution" (对公账户) until the payments module has an employer payee.
            payee_type="employer" if to_employer else "person",
            payee_name=str(data["emp_name"] if to_employer else data["psn_name"]),
            payee_id=str(data["emp_no"] if to_employer else data["psn_no"]),
            amount_fen=fen(str(data["allowance_amt"])),
            bank=bank,
            source_process="P053",
            reason_zh=f"生育津贴（{data['psn_name']}，产假{data['leave_days']}天）",
            admdvs=str(data["admdvs"]),
        )
    ]


P053 = ProcessDefinition(
    id="P053",
    slug="maternity_allowance_payment",
    name_zh="生育津贴支付",
    service="treatment",
    materials=(
        Material(IDENTITY_MATERIAL),
        Material("病历资料"),
        Material(
            "银行账户（机关事业单位人员：无社保卡的个人银行账号；企业和自收自支事业单位人员：本单位对公账户信息）"
        ),
    ),
    stages=(
        Stage(
            "assess",
            "生育津贴核定（本次报销待遇选择个人津贴，依次录入基本信息、拨付对象、银行信息，核定）",
            ("registrar", "channel"),
            "BenefitAssessed",
            input=AllowanceClaim,
            lookups=(INSURED,),
            checks=(check_mother,),
            derive=assessed,
            unique=ONE_PER_BIRTH,
            example={
                **MOTHER,
                "emp_no": "52010213594430",  # P001's example unit, 陈静's employer
                "emp_name": "贵阳云岩数智科技有限公司",
                "emp_type": "enterprise",
                "birth_date": "2026-12-02",
                "avg_wage": "6500.00",
                "acct_name": "贵阳云岩数智科技有限公司",
                "bank_name": "中国建设银行贵阳云岩支行",
                "bank_acct": "52050100360009000001",
            },
        ),
        Stage("review", "生育待遇核定审核", ("first_reviewer",), "ReviewApproved", review=True),
    ),
    effects=effects,
)
