"""P062 贵州省城乡居民重大疾病病种认定: 城乡居民大病登记, one step, on the person's `qualification` (major_disease).

「录入参保人身份证号码或个人编码，点击检索，选择认定的特殊病种类别，录入开始日期、结算日期及服务机构编号，点击保存」,
from the 医院端 or the provincial system, against the 《贵州省城乡居民门诊（住院）重大疾病定点救治确诊单》, which
carries the 「重大疾病病种认定定岗医师诊治意见：」 and the 「医院医保科意见：」, each 「签名（盖章）」. So the step names the
认定定岗医师 who signed it.

Looked up and checked when the step is saved:
- the person (`insured`), insured under 城乡居民基本医疗保险 (390) on the 开始日期;
- the 服务机构 (`institution`), a 城乡居民重大疾病定点救治医院 (P068: designations["major_disease"]) from a day no later
  than the 开始日期, and not paused;
- the signing physician (`expert`), in the 重大疾病病种认定岗医师库 (P087: pools["major_disease_certification"],
  status "in_pool").
「支持逐级回退功能」: stepping the case back withdraws the certification (the engine's step back).
「结算日期」 is the seed's word; it is read as the certification's end date (DOMAIN §6.13).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.identity import certno_problem
from ybj_kernel.domain.process import Lookup, Material, ProcessDefinition, Stage
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import bilingual
from ybj_kernel.errors import Conflict
from ybj_treatment.insured import INSURED, check_insured
from ybj_treatment.processes.p055_chronic_special_disease_benefit_certification import PersonByCertificate, the_person
from ybj_treatment.registries.eligibility import QUALIFICATION_REGISTRY, FixmedinsCode
from ybj_treatment.registries.physicians import CERTIFICATION_EXPERT

RESIDENT = frozenset({"390"})  # 城乡居民基本医疗保险
INSTITUTION_FACT, EXPERT_FACT = "institution", "expert"
MAJOR_DISEASE = "major_disease"  # the P068 designation
CERTIFICATION_POOL, IN_POOL = "major_disease_certification", "in_pool"  # the P087 pool


class MajorDiseaseRegistration(PersonByCertificate):
    """城乡居民大病登记, as the 确诊单 gives it: 特殊病种类别 (and 病种名称、治疗方式), 开始日期, 结算日期, 服务机构编号."""

    major_dise_type: str = Field(min_length=1, max_length=50, description="特殊病种类别")
    major_dise_name: str = Field(min_length=1, max_length=100, description="病种名称")
    trt_way: str | None = Field(default=None, max_length=100, description="治疗方式")
    trt_prd: str | None = Field(default=None, max_length=50, description="治疗周期")
    dept: str | None = Field(default=None, max_length=50, description="接诊科室")
    begndate: date = Field(description="开始日期")
    enddate: date = Field(description="结算日期（认定结束日期）")
    fixmedins_code: FixmedinsCode = Field(description="服务机构编号")
    certifier_certno: str = Field(min_length=1, max_length=50, description="认定定岗医师身份证号码（确诊单签名医师）")
    certifier_name: str | None = Field(default=None, max_length=50, description="认定定岗医师姓名")

    @field_validator("certifier_certno")
    @classmethod
    def _certifier(cls, value: str, info: ValidationInfo) -> str:
        if problem := certno_problem(value.upper(), today=today_of(info)):
            raise bilingual(f"认定定岗医师身份证号码无效：{problem[0]}", f"invalid certifier_certno: {problem[1]}")
        return value.upper()

    @field_validator("enddate")
    @classmethod
    def _period(cls, value: date, info: ValidationInfo) -> date:
        begins = info.data.get("begndate")
        if isinstance(begins, date) and value < begins:
            raise bilingual("结算日期不能早于开始日期", "enddate cannot be before begndate")
        return value


def _institution_facts(state: Mapping[str, Any]) -> dict[str, Any]:
    keep = ("fixmedins_code", "fixmedins_name", "fixmedins_type", "hosp_lv", "status", "designations")
    return {k: state.get(k) for k in keep}


def _expert_facts(state: Mapping[str, Any]) -> dict[str, Any]:
    return {"certno": state.get("certno"), "psn_name": state.get("psn_name"), "pools": state.get("pools") or {}}


LOOKUPS = (
    INSURED,
    Lookup(INSTITUTION_FACT, "institution", lambda d: d.get("fixmedins_code"), pick=_institution_facts),
    Lookup(
        EXPERT_FACT,
        "expert",
        lambda d: str(d["certifier_certno"]).upper() if d.get("certifier_certno") else None,
        pick=_expert_facts,
    ),
)


def resident_on_begndate(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """Insured under 城乡居民基本医疗保险 on the 开始日期."""
    check_insured(step, on=date.fromisoformat(str(step["begndate"])), insutypes=RESIDENT)


def designated_for_major_disease(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The 服务机构 is a 重大疾病定点救治医院 on the 开始日期, and not paused."""
    found = step.get(INSTITUTION_FACT) or {}
    code, begins = step.get("fixmedins_code"), str(step["begndate"])
    designation = (found.get("designations") or {}).get(MAJOR_DISEASE)
    if not found or designation is None or str(designation.get("begndate") or "") > begins:
        raise Conflict(
            "NOT_MAJOR_DISEASE_HOSPITAL",
            f"服务机构 {code} 在 {begins} 不是城乡居民重大疾病定点救治医院",
            f"{code} is not a designated major-disease hospital on {begins}",
            "fixmedins_code",
        )
    if found.get("status") != "active":
        raise Conflict(
            "INSTITUTION_PAUSED",
            f"服务机构 {code}（{found.get('fixmedins_name')}）已暂停定点服务",
            f"{code} is paused as a designated institution",
            "fixmedins_code",
        )


def certified_by_a_pool_physician(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The 确诊单 is signed by a physician in the 重大疾病病种认定岗医师库."""
    pool = ((step.get(EXPERT_FACT) or {}).get("pools") or {}).get(CERTIFICATION_POOL) or {}
    if pool.get("status") != IN_POOL:
        who = step.get("certifier_name") or step.get("certifier_certno")
        raise Conflict(
            "NOT_CERTIFICATION_PHYSICIAN",
            f"{who} 不在城乡居民重大疾病病种认定岗医师库中（或已退出），其签署的确诊单不能用于认定",
            f"{who} is not in the major-disease certification pool",
            "certifier_certno",
        )


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """The 特殊病种类别 certified on the person's qualification entry."""
    args = {
        "psn_no": data["psn_no"],
        "certno": data["certno"],
        "psn_name": data["psn_name"],
        "major_dise_type": data["major_dise_type"],
        "major_dise_name": data["major_dise_name"],
        "trt_way": data.get("trt_way"),
        "begndate": data["begndate"],
        "enddate": data["enddate"],
        "fixmedins_code": data["fixmedins_code"],
        "certifier_certno": data["certifier_certno"],
        "certifier_name": data.get("certifier_name"),
        "process_id": "P062",
    }
    return [
        Effect(
            QUALIFICATION_REGISTRY,
            str(data["psn_no"]),
            "certify_major_disease",
            {k: v for k, v in args.items() if v is not None},
        )
    ]


# 王芳 (enrollment's P019 example, 城乡居民 390) certified for breast cancer at 贵阳市第一人民医院 (designated by the P068
# example) by 赵红 (the P087 example expert): the 病种 and the dates are example values.
EXAMPLE = {
    "certno": "52011519850312002X",
    "major_dise_type": "恶性肿瘤",
    "major_dise_name": "乳腺癌",
    "trt_way": "手术治疗",
    "begndate": "2026-12-05",
    "enddate": "2027-12-04",
    "fixmedins_code": "H52010200001",
    "certifier_certno": CERTIFICATION_EXPERT,
    "certifier_name": "赵红",
}

P062 = ProcessDefinition(
    id="P062",
    slug="major_disease_certification",
    name_zh="贵州省城乡居民重大疾病病种认定",
    service="treatment",
    materials=(
        Material("《贵州省城乡居民门诊（住院）重大疾病定点救治确诊单》"),
        Material("身份证或户口簿原件"),
    ),
    stages=(
        Stage(
            "register",
            "城乡居民大病登记（选择认定的特殊病种类别，录入开始日期、结算日期及服务机构编号，保存）",
            # 「由久远银海医保支付系统医院端或登录贵州省医疗保障信息系统」: the hospital or the bureau's counter.
            ("registrar", "institution"),
            "Registered",
            input=MajorDiseaseRegistration,
            lookups=LOOKUPS,
            checks=(resident_on_begndate, designated_for_major_disease, certified_by_a_pool_physician),
            derive=the_person,
            example=EXAMPLE,
        ),
    ),
    effects=effects,
)
