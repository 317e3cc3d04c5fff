"""P049 住院费用报销 (零星报销, 普通住院): the P048 flow, with the 入院/出院 dates and 「医疗类别选择普通住院」.

A stay is settled with the policy in force on its 入院日期 (begndate), the first day of the stay, whenever it is
settled; the hospital's own 起付线/自付比例 (P063) from their 执行日期 replace the table's. Completing the case hands
the 统筹支付 to settlement as a `benefit_payment`.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from ybj_kernel.domain.process import Material, ProcessDefinition
from ybj_kernel.domain.validation import bilingual
from ybj_treatment.documents.reimbursement import REIMBURSEMENT_RECEIPT
from ybj_treatment.processes.p048_outpatient_expense_reimbursement import (
    BANK_MATERIAL,
    CLAIMANT,
    HOSPITAL_CODE,
    IDENTITY_MATERIAL,
    INJURY_MATERIALS,
    ManualClaim,
    claim_effects,
    claim_stages,
    not_after_today,
)


class InpatientClaim(ManualClaim):
    """住院: 普通住院, admitted on begndate (入院日期) and discharged on enddate (出院日期)."""

    med_type: Literal["21"] = Field(default="21", description="医疗类别 (21 普通住院)")
    begndate: date = Field(description="入院日期：按该日执行的待遇政策计算")
    enddate: date = Field(description="出院日期")

    @field_validator("enddate")
    @classmethod
    def _discharged(cls, value: date, info: ValidationInfo) -> date:
        admitted = info.data.get("begndate")
        if admitted is not None and value < admitted:
            raise bilingual("出院日期不能早于入院日期", "enddate cannot be before begndate")
        return not_after_today(value, info, "出院日期")


def _line(code: str, kind: str, name: str, level: str, cnt: str, pric: str, amount: str) -> dict[str, str]:
    return {
        "med_chrgitm_type": kind,
        "hilist_code": code,
        "hilist_name": name,
        "chrgitm_lv": level,
        "cnt": cnt,
        "pric": pric,
        "det_item_fee_sumamt": amount,
    }


INPATIENT_LINES = [
    _line("110900001", "01", "普通病房床位费（三人间）", "01", "6", "45.00", "270.00"),
    _line("120100001", "07", "Ⅰ级护理", "01", "6", "28.00", "168.00"),
    _line("311201001", "06", "腹腔镜下阑尾切除术", "01", "1", "2860.00", "2860.00"),
    _line("XJ01DCC090B002010104523", "09", "注射用头孢呋辛钠", "02", "12", "18.36", "220.32"),
]

P049 = ProcessDefinition(
    id="P049",
    slug="inpatient_expense_reimbursement",
    name_zh="住院费用报销",
    service="treatment",
    materials=(
        Material(IDENTITY_MATERIAL),
        Material("医院收费票据"),
        Material("住院费用清单"),
        Material("加盖医疗机构公章的出院小结"),
        BANK_MATERIAL,
        *INJURY_MATERIALS,
    ),
    stages=claim_stages(
        InpatientClaim,
        {
            **CLAIMANT,
            "fixmedins_code": HOSPITAL_CODE,
            "invoice_no": "ZY2026051600042",
            "begndate": "2026-05-10",
            "enddate": "2026-05-16",
            "dise_name": "急性阑尾炎",
        },
        INPATIENT_LINES,
        "住院结算（输入受理编号，点击结算）",
    ),
    effects=claim_effects("P049", "住院费用报销"),
    documents=(REIMBURSEMENT_RECEIPT,),
)
