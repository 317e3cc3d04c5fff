"""P060 审核参保人特殊药品用药资格: 特殊药品用药资格申请 (登记) → 特殊药品用药资格审核, under the 「五定」.

The clerk selects the insured person, enters 「医院、开单医保医师（特殊药品指定医师）」 and the drug (「药品通用项目名称
或医保通用项目编码」) from the 《申请表》, which 「须有指定医师意见及医院医保部门意见」. At the application and again at
the review the platform looks up the person (`insured`), the hospital (`institution`) and the physician (`physician`),
and rule R28 (`special_drug_five_fixes`) refuses, naming the field: a hospital not designated for 特药 by P069, a
physician not certified in the P090/P061 special-drug pool at that hospital or below 副主任医师, a drug that is not
theirs. The approved review grants the eligibility (`special_drug_eligibility`), which settlement reads as the
定患者、定药品. 定用量 has no number in the seeds and is not checked. The case belongs to the 医保区划 of the clerk who
opens it: 「长期异地安置人员，转外就医疾病确诊人员直接向参保地社保经办机构申请办理」.

Variants: the catalogue lists the guide's four headings. 申请 and 审核 are the two stages of one flow (a case opened under
either runs both and grants). 审核登记查询 and 用药历史情况查询 are read-only in the seed (「不设阶段」), but every variant
here runs the catalogue's two stages: a case under them records who asked about which person's drug, and completes
only if that eligibility is registered, changing nothing (the answers themselves are the registry reads).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, Field, field_validator

from ybj_kernel.domain.process import Lookup, Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect
from ybj_treatment.insured import INSURED, check_insured, psn_no_of
from ybj_treatment.registries.physicians import EXAMPLE_DRUG, EXAMPLE_HOSPITAL, SPECIAL_DRUG_PHYSICIAN, certno_key
from ybj_treatment.rules.physicians import (
    INSTITUTION,
    INSTITUTION_FACT,
    PHYSICIAN_FACT,
    check_five_fixes,
)
from ybj_treatment.rules.physicians_inputs import Effective, FormDate, IdCard

# The prescribing physician, as the physician registry holds them.
PRESCRIBER = Lookup(PHYSICIAN_FACT, "physician", certno_key("bilg_dr_certno"))
GRANTING = frozenset({"apply", "review"})  # the variants whose completed case grants the eligibility


class SpecialDrugApplication(BaseModel):
    """《贵州省医疗保险特殊药品用药资格申请表》 as entered: the person, the hospital, the physician, the drug, the opinions."""

    certno: str = Field(min_length=1, max_length=50, description="参保人身份证号码（社会保障号）")
    fixmedins_code: str = Field(pattern=r"^H\d{11}$", description="医院（定点医疗机构编号）")
    bilg_dr_certno: IdCard = Field(description="开单医保医师（特殊药品指定医师）身份证号码")
    hilist_code: str = Field(pattern=r"^[A-Z0-9]{1,50}$", description="医保通用项目编码")
    hilist_name: str = Field(min_length=1, max_length=200, description="药品通用项目名称")
    diag_name: str = Field(min_length=1, max_length=200, description="疾病诊断名称")
    trt_desc: str | None = Field(default=None, max_length=2000, description="疾病诊治情况及病历资料")
    dr_opinion: str = Field(min_length=1, max_length=500, description="指定医师意见")
    hosp_insu_opinion: str = Field(min_length=1, max_length=500, description="医院医保部门意见")
    appl_date: FormDate = Field(description="申请日期（默认当日）")

    @field_validator("certno")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.strip().upper()


def eligible(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The person insured on the application date, and the 五定 on what the registries hold now."""
    data = {**current, **step}
    on = date.fromisoformat(str(data["appl_date"]))
    check_insured(data, on=on)
    check_five_fixes(data, on=on)


def named(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """人员编号 and 姓名 of the person, the physician's and the hospital's names, as looked up."""
    return {
        "psn_no": psn_no_of(step),
        "psn_name": (step.get("insured") or {}).get("psn_name"),
        "bilg_dr_name": (step.get(PHYSICIAN_FACT) or {}).get("psn_name"),
        "fixmedins_name": (step.get(INSTITUTION_FACT) or {}).get("fixmedins_name"),
    }


_GRANTED: tuple[str, ...] = (
    "certno",
    "psn_no",
    "psn_name",
    "hilist_code",
    "hilist_name",
    "fixmedins_code",
    "bilg_dr_certno",
)
_GRANTED += ("bilg_dr_name", "diag_name", "begndate")


def effects(data: Mapping[str, Any], variant: str | None) -> list[Effect]:
    """审核通过 grants the eligibility; a query variant checks that it is registered, changing nothing."""
    certno = str(data["certno"])
    if variant in GRANTING or variant is None:
        return [Effect("special_drug_eligibility", certno, "grant", {k: data[k] for k in _GRANTED})]
    return [Effect("special_drug_eligibility", certno, "check_held", {"hilist_code": data["hilist_code"]})]


LOOKUPS = (INSURED, INSTITUTION, PRESCRIBER)

P060 = ProcessDefinition(
    id="P060",
    slug="special_drug_eligibility_review",
    name_zh="审核参保人特殊药品用药资格",
    service="treatment",
    variants=(
        Variant("apply", "特殊药品用药资格申请"),
        Variant("review", "特殊药品用药资格审核"),
        Variant("registration_query", "特殊药品用药资格审核登记查询"),
        Variant("history_query", "特殊药品用药历史情况查询"),
    ),
    materials=(
        Material("《贵州省医疗保险特殊药品用药资格申请表》"),
        Material(
            "符合特殊药品使用条件的疾病诊断资料，如出院小结、疾病证明书、病理报告等（第一次报销特殊药品时，从零星报销资料中提供）",
            required=False,
            condition_zh="第一次报销特殊药品时（从零星报销资料中提供）",
        ),
    ),
    stages=(
        Stage(
            "apply",
            "特殊药品用药资格申请（选择参保人，录入医院、开单医保医师，选择申请药品，点击申请）",
            ("registrar",),
            "Applied",
            input=SpecialDrugApplication,
            lookups=LOOKUPS,
            checks=(eligible,),
            derive=named,
            example={
                "certno": "52011519850312002X",  # 王芳, 城乡居民 (P019's example resident)
                "fixmedins_code": EXAMPLE_HOSPITAL,
                "bilg_dr_certno": SPECIAL_DRUG_PHYSICIAN,
                **EXAMPLE_DRUG,
                "diag_name": "乳腺恶性肿瘤（HER2阳性）",
                "dr_opinion": "符合该特殊药品使用条件，同意申请",
                "hosp_insu_opinion": "经核实，同意申报",
            },
        ),
        Stage(
            "review",
            "特殊药品用药资格审核（符合条件审核通过，不符合审核未通过）",
            ("first_reviewer",),
            "ReviewApproved",
            review=True,
            input=Effective,
            lookups=LOOKUPS,
            checks=(eligible,),
        ),
    ),
    effects=effects,
)
