"""P068 新增城乡居民重大疾病定点救治医院: 服务开通（勾选重大疾病住院） → 服务机构相关信息审核 → 银海公司匹配待遇.

The registrar opens the hospital's 「重大疾病住院」 category with the 病种 it applied for (申请认定病种, from the
《贵州省城乡居民重大疾病定点救治医疗机构申请表》, 「申请表须经市（州）级医保经办机构审核意见（盖章）」); a reviewer
approves it (审核类型 定点服务类别审核); 「新增城乡居民重大疾病病种、治疗方式及待遇由银海公司后台匹配」 on the red-headed
document. Completion designates the hospital `major_disease` (with its 病种) and opens 重大疾病住院 from 执行时间.
Only an admitted, active hospital can be designated (a pharmacy cannot).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from ybj_kernel.domain.process import Material, ProcessDefinition, Stage
from ybj_kernel.domain.registry import Effect
from ybj_treatment.processes.p063_designated_medical_institution_parameter_maintenance import ReviewOpinion
from ybj_treatment.registries.institutions import (
    EXAMPLE_HOSPITAL,
    INSTITUTION,
    INSTITUTION_REGISTRY,
    MAJOR_DISEASE,
    MAJOR_DISEASE_INPATIENT,
    FixmedinsCode,
    about,
    designable,
)

SERVICE_CATEGORY_REVIEW = "定点服务类别审核"  # 「审核类型选择定点服务类别审核」


class MajorDiseaseService(BaseModel):
    """定点医疗服务机构服务开通: 医疗机构编号, 勾选重大疾病住院 (from 执行时间) for the 病种 applied for."""

    fixmedins_code: FixmedinsCode = Field(description="医疗机构编号")
    dise_names: list[str] = Field(min_length=1, max_length=50, description="申请认定病种")
    exe_time: date = Field(description="执行时间")


class BenefitsMatching(BaseModel):
    """开放待遇: the red-headed document handed to 银海公司, which matches 病种、治疗方式及待遇."""

    doc_no: str = Field(min_length=1, max_length=100, description="新增城乡居民重大疾病红头文件文号")
    match_note: str | None = Field(default=None, max_length=500, description="匹配说明（病种、治疗方式及待遇）")


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """The hospital is designated (first) and its 重大疾病住院 category opens (it opens only with the designation)."""
    code = str(data["fixmedins_code"])
    detail = {"diseases": data["dise_names"], "doc_no": data["doc_no"]}
    return [
        Effect(
            INSTITUTION_REGISTRY,
            code,
            "designate",
            {"kind": MAJOR_DISEASE, "begndate": data["exe_time"], "detail": detail},
        ),
        Effect(
            INSTITUTION_REGISTRY,
            code,
            "open_services",
            {"svc_types": [MAJOR_DISEASE_INPATIENT], "exe_time": data["exe_time"]},
        ),
    ]


P068 = ProcessDefinition(
    id="P068",
    slug="new_major_disease_designated_hospital",
    name_zh="新增城乡居民重大疾病定点救治医院",
    service="treatment",
    materials=(
        Material("《贵州省城乡居民重大疾病定点救治医疗机构申请表》"),
        Material("《医疗机构执业许可证》副本复印件"),
        Material("《营业执照》复印件（营利性医疗机构）", required=False, condition_zh="营利性医疗机构"),
        Material("医疗机构等级确认文件"),
        Material("法人代表确认文件、身份证复印件"),
        Material("医疗设备清单"),
        Material("医护技人员从业资格证复印件"),
        Material("其他补充材料", required=False),
    ),
    stages=(
        Stage(
            "register",
            "定点医疗服务机构服务开通（输入医疗机构编号，勾选重大疾病住院选项，保存）",
            ("registrar",),
            "Registered",
            input=MajorDiseaseService,
            lookups=(INSTITUTION,),
            checks=(designable(MAJOR_DISEASE),),
            derive=about,
            example={
                "fixmedins_code": EXAMPLE_HOSPITAL,
                "dise_names": ["儿童急性白血病", "终末期肾病"],  # examples: the seed names no 病种
                "exe_time": "2026-12-01",
            },
        ),
        Stage(
            "review",
            "服务机构相关信息审核（审核类型：定点服务类别审核，审核标志：通过或不通过）",
            ("first_reviewer",),
            "ReviewApproved",
            review=True,
            input=ReviewOpinion,
            derive=lambda _c, _s: {"chk_type": SERVICE_CATEGORY_REVIEW},
            example={"aprv_opnn": "同意"},
        ),
        Stage(
            "open_benefits",
            "开放待遇：新增城乡居民重大疾病红头文件提交银海公司，后台匹配病种、治疗方式及待遇",
            ("vendor",),
            "BenefitsMatched",
            input=BenefitsMatching,
            example={"doc_no": "黔医保发〔2026〕30号"},  # example
        ),
    ),
    effects=effects,
)
