"""P089 维护医保医师库: 信息录入 (医院端) → 初审 → 复审; the approved physician enters the medical_insurance pool.

「各申请医院在久远银海支付系统（医院端）进行医保医师信息录入」, then 「输入医师身份证号码，点击查询，勾选医师信息，点击审核
通过则进入复审或填写未通过原因点击审核未通过」: 初审 passes to 复审, and a rejection records its 未通过原因 (the engine
requires the reason of every rejection). The hospital must be a 定点医疗机构 in effect in the `institution` registry; the
seed sets no level or 职称 for a 医保医师 (unlike the designated pools), so none is checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field

from ybj_kernel.domain.process import ProcessDefinition, Stage
from ybj_kernel.domain.registry import Effect
from ybj_treatment.processes.p090_special_drug_designated_physician_pool import (
    TEL,
    already_in,
    certification,
    from_institution,
    held_in,
)
from ybj_treatment.registries.physicians import (
    EXAMPLE_HOSPITAL,
    HOSPITAL_CODE,
    INSURANCE_PHYSICIAN,
    MEDICAL_INSURANCE,
    PHYSICIAN,
    Title,
)
from ybj_treatment.rules.physicians import INSTITUTION, check_hospital
from ybj_treatment.rules.physicians_inputs import Effective, FormDate, IdCard


class InsurancePhysician(BaseModel):
    """医保医师信息 as the hospital enters it."""

    certno: IdCard = Field(description="医师身份证号码")
    psn_name: str = Field(min_length=1, max_length=50, description="姓名")
    fixmedins_code: str = Field(pattern=HOSPITAL_CODE, description="医疗机构编号")
    pro_tech_duty: Title = Field(description="职称")
    dept: str = Field(min_length=1, max_length=50, description="所在科室")
    prac_cert_no: str = Field(min_length=1, max_length=50, description="执业证书编号")
    qua_cert_no: str | None = Field(default=None, min_length=1, max_length=50, description="资格证书编号")
    tel: str | None = Field(default=None, pattern=TEL, description="联系电话")
    dcla_date: FormDate = Field(description="录入日期（默认当日）")


def admissible(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The hospital is a 定点医疗机构 in effect, and the physician is not yet a 医保医师."""
    data = {**current, **step}
    check_hospital(data)
    if (held := held_in(MEDICAL_INSURANCE, data)) is not None:
        raise already_in(MEDICAL_INSURANCE, data, held)


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """The physician certified into the 医保医师库, from the 复审's date."""
    return [certification(MEDICAL_INSURANCE, data, ())]


P089 = ProcessDefinition(
    id="P089",
    slug="insurance_physician_pool_maintenance",
    name_zh="维护医保医师库",
    service="treatment",
    stages=(
        Stage(
            "register",
            "各申请医院在久远银海支付系统（医院端）进行医保医师信息录入",
            ("institution",),
            "Registered",
            input=InsurancePhysician,
            lookups=(INSTITUTION, PHYSICIAN),
            checks=(admissible,),
            derive=from_institution,
            example={
                "certno": INSURANCE_PHYSICIAN,
                "psn_name": "王强",
                "fixmedins_code": EXAMPLE_HOSPITAL,
                "pro_tech_duty": "主治医师",
                "dept": "心血管内科",
                "prac_cert_no": "110520100000404",  # 示例编号
            },
        ),
        Stage(
            "first_review",
            "医保医师信息初审（审核通过进入复审，或填写未通过原因审核未通过）",
            ("first_reviewer",),
            "FirstReviewApproved",
            review=True,
        ),
        Stage(
            "second_review",
            "医保医师信息复审",
            ("second_reviewer",),
            "SecondReviewApproved",
            review=True,
            input=Effective,
            lookups=(INSTITUTION, PHYSICIAN),
            checks=(admissible,),
        ),
    ),
    effects=effects,
)
