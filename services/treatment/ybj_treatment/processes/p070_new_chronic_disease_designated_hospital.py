"""P070 新增门诊慢特病病种申办指定定点医院: 提交申请表 → 由银海公司后台匹配上线.

The hospital hands in the 《贵州省门诊慢特病病种申办指定定点医疗机构申请表》 (机构名称、地址、编号、级别、类别、性质、法人、
医保科负责人); the stage looks the hospital up: it must be admitted, active and not yet designated, and the form's
名称 and 级别 must be those on record (a mismatch means a wrong 机构编号 or a change not yet registered, P063).
「由银海公司后台匹配上线，开放成为贵州省门诊规定（慢性）病种申办指定定点医疗机构」: completion designates it
`chronic_disease` from the date it went online.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from ybj_kernel.domain.process import Material, ProcessDefinition, Stage
from ybj_kernel.domain.registry import Effect
from ybj_kernel.errors import Conflict
from ybj_treatment.processes.p065_new_designated_medical_institution import APPLICANTS
from ybj_treatment.registries.institutions import (
    CHRONIC_DISEASE,
    EXAMPLE_HOSPITAL,
    EXAMPLE_HOSPITAL_NAME,
    HOSP_LV_ZH,
    INSTITUTION,
    INSTITUTION_REGISTRY,
    FixmedinsCode,
    HospLv,
    about,
    designable,
)


class ChronicDiseaseApplication(BaseModel):
    """《贵州省门诊慢特病病种申办指定定点医疗机构申请表》."""

    fixmedins_name: str = Field(min_length=1, max_length=200, description="医疗机构名称")
    addr: str = Field(min_length=1, max_length=200, description="医疗机构地址")
    fixmedins_code: FixmedinsCode = Field(description="机构编号")
    hosp_lv: HospLv = Field(description="机构级别 (01 三级, 02 二级, 03 一级, 09 未定级)")
    medins_type: str = Field(min_length=1, max_length=50, description="机构类别")
    biz_nat: Literal["1", "2"] = Field(description="机构性质 (1 非营利性, 2 营利性)")
    legrep_name: str = Field(min_length=1, max_length=50, description="法人姓名")
    tel: str = Field(pattern=r"^[\d\-+]{5,20}$", description="联系电话")
    hi_dept_head: str = Field(min_length=1, max_length=50, description="医保科负责人")
    hi_dept_tel: str = Field(pattern=r"^[\d\-+]{5,20}$", description="医保科负责人联系电话")


class Activation(BaseModel):
    """银海公司后台匹配上线: the date the designation took effect."""

    begndate: date = Field(description="上线日期")


def as_registered(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The form names the hospital as it is registered (名称, 级别)."""
    inst = step["institution"]
    if step["fixmedins_name"] != inst["fixmedins_name"]:
        raise Conflict(
            "NAME_MISMATCH",
            f"申请表的医疗机构名称（{step['fixmedins_name']}）与登记的（{inst['fixmedins_name']}）不一致",
            f"the form's name ({step['fixmedins_name']}) is not the registered one ({inst['fixmedins_name']})",
            "fixmedins_name",
        )
    if step["hosp_lv"] != inst.get("hosp_lv"):
        registered = HOSP_LV_ZH.get(str(inst.get("hosp_lv")), inst.get("hosp_lv"))
        raise Conflict(
            "HOSP_LV_MISMATCH",
            f"申请表的机构级别（{HOSP_LV_ZH[step['hosp_lv']]}）与登记的（{registered}）不一致",
            f"the form's hosp_lv ({step['hosp_lv']}) is not the registered one ({inst.get('hosp_lv')})",
            "hosp_lv",
        )


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """The hospital becomes a 门诊慢特病病种申办指定定点医疗机构 from the 上线日期."""
    args = {"kind": CHRONIC_DISEASE, "begndate": data["begndate"], "detail": {"hi_dept_head": data["hi_dept_head"]}}
    return [Effect(INSTITUTION_REGISTRY, str(data["fixmedins_code"]), "designate", args)]


P070 = ProcessDefinition(
    id="P070",
    slug="new_chronic_disease_designated_hospital",
    name_zh="新增门诊慢特病病种申办指定定点医院",
    service="treatment",
    materials=(
        Material("《贵州省门诊慢特病病种申办指定定点医疗机构申请表》"),
        Material("《医疗机构执业许可证》正、副本复印件"),
        Material("明确指定医疗机构等级的证明材料"),
        Material("指定定岗医生花名册"),
    ),
    stages=(
        Stage(
            "apply",
            "提交《贵州省门诊慢特病病种申办指定定点医疗机构申请表》及资料",
            APPLICANTS,
            "Applied",
            input=ChronicDiseaseApplication,
            lookups=(INSTITUTION,),
            checks=(designable(CHRONIC_DISEASE), as_registered),
            derive=about,
            example={
                "fixmedins_name": EXAMPLE_HOSPITAL_NAME,
                "addr": "贵阳市云岩区中华北路100号",
                "fixmedins_code": EXAMPLE_HOSPITAL,
                "hosp_lv": "01",
                "medins_type": "综合医院",
                "biz_nat": "1",
                "legrep_name": "王建国",
                "tel": "0851-85550001",
                "hi_dept_head": "张丽",
                "hi_dept_tel": "0851-85550010",
            },
        ),
        Stage(
            "activate",
            "由银海公司后台匹配上线，开放成为贵州省门诊规定（慢性）病种申办指定定点医疗机构",
            ("vendor",),
            "DesignationActivated",
            input=Activation,
            example={"begndate": "2026-12-01"},
        ),
    ),
    effects=effects,
)
