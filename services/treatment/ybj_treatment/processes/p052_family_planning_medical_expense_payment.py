"""P052 计划生育医疗费支付: 生育津贴核定 (本次报销待遇: 计划生育手术费) → 生育待遇核定审核.

「录入基本信息选择计划生育手术费，后面依次录入手术、拨付对象、银行信息、最后核定」: the 核定 records the operation
with its 收费票据 and 费用明细 and settles them by the rule `reimbursement_settlement` (医疗类别 53 计划生育手术费, the
policy in force on the operation date); the review hands the amount to settlement as a `benefit_payment` to the
person (the guide's account rule is C09). 计划生育手术 concern men and women alike: no gender check.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import Field

from ybj_kernel.domain.process import Material, ProcessDefinition, Stage
from ybj_kernel.domain.registry import Effect
from ybj_treatment.insured import INSURED
from ybj_treatment.processes.p048_outpatient_expense_reimbursement import (
    BANK_MATERIAL,
    HOSPITAL_CODE,
    HOSPITAL_LOOKUP,
    IDENTITY_MATERIAL,
    INVOICE,
    PARAMETERS_LOOKUP,
    FeeDetails,
    Settlement,
    Visit,
    check_visit,
    person_payment,
)
from ybj_treatment.processes.p050_prenatal_checkup_fee_payment import (
    MATERNITY_INSUTYPES,
    MOTHER,
    facts_and_settlement,
)
from ybj_treatment.rules.reimbursement_models import FeeLine, lines_total


class FamilyPlanningClaim(Visit, FeeDetails, Settlement):
    """生育津贴核定（计划生育手术费）: 基本信息, the 手术, 拨付对象 and 银行信息, with the operation's fees."""

    benefit_type: Literal["family_planning_surgery"] = Field(
        default="family_planning_surgery", description="本次报销待遇 (family_planning_surgery 计划生育手术费)"
    )
    med_type: Literal["53"] = Field(default="53", description="医疗类别 (53 计划生育手术费)")
    begndate: date = Field(description="手术日期")
    oprn_oprt_code: str = Field(min_length=1, max_length=30, pattern=r"^[0-9A-Za-z.\-]+$", description="手术操作代码")
    oprn_oprt_name: str = Field(min_length=1, max_length=200, description="手术操作名称")
    payee: Literal["person"] = Field(default="person", description="拨付对象 (person 参保人本人)")


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """Approval pays the 计划生育手术费 (统筹支付) to the person."""
    return person_payment(data, "P052", f"计划生育医疗费支付（{data['oprn_oprt_name']}）", str(data["hifp_pay"]))


SURGERY_LINES = [
    {
        "med_chrgitm_type": "06",
        "hilist_code": "331303011",
        "hilist_name": "宫内节育器放置术",
        "chrgitm_lv": "01",
        "cnt": "1",
        "pric": "180.00",
        "det_item_fee_sumamt": "180.00",
    },
    {
        "med_chrgitm_type": "08",
        "hilist_code": "C1401010000000",
        "hilist_name": "宫内节育器",
        "chrgitm_lv": "02",
        "cnt": "1",
        "pric": "95.00",
        "det_item_fee_sumamt": "95.00",
    },
]

P052 = ProcessDefinition(
    id="P052",
    slug="family_planning_medical_expense_payment",
    name_zh="计划生育医疗费支付",
    service="treatment",
    materials=(
        Material(IDENTITY_MATERIAL),
        Material("医院收费票据"),
        Material("病历资料"),
        Material(
            "费用清单（门诊发票已标注相应费用项目的可不提供）",
            required=False,
            condition_zh="门诊发票未标注相应费用项目",
        ),
        BANK_MATERIAL,
    ),
    stages=(
        Stage(
            "assess",
            "生育津贴核定（选择计划生育手术费，依次录入手术、拨付对象、银行信息，核定）",
            ("registrar", "channel"),
            "BenefitAssessed",
            input=FamilyPlanningClaim,
            lookups=(INSURED, HOSPITAL_LOOKUP, PARAMETERS_LOOKUP),
            checks=(check_visit(MATERNITY_INSUTYPES),),
            derive=facts_and_settlement,
            unique=INVOICE,
            example={
                **MOTHER,
                "fixmedins_code": HOSPITAL_CODE,
                "invoice_no": "MZ2026120300052",
                "begndate": "2026-12-03",
                "oprn_oprt_code": "69.7x00",
                "oprn_oprt_name": "宫内节育器置入",
                "lines": SURGERY_LINES,
                "medfee_sumamt": str(lines_total([FeeLine.model_validate(x) for x in SURGERY_LINES])),
            },
        ),
        Stage("review", "生育待遇核定审核", ("first_reviewer",), "ReviewApproved", review=True),
    ),
    effects=effects,
)
