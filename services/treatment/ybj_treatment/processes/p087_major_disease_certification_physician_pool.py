"""P087 维护贵州省城乡居民重大疾病病种认定岗医师库: 专家入库, 专家信息维护 and 专家退出 of the `expert` registry.

入库 and 维护 each pass 初审 then 复审 (「初审核通过进入复审」); 退出 has one review only (「退出申请审核」: the seed's
flow names a single 审核 after the 退出申请). The 退出申请书 needs the hospital's opinion (「医院医保科意见」), so the
exit takes it as a required field. The expert's 第一 (and 第二) 执业医院 must be a 定点医疗机构 in the `institution`
registry (its 机构编码 is what the form asks for); the name is taken from there. The last review of each flow reads
the expert again, so two cases racing for the same expert cannot both pass. P088 (现场评审) is the same flow on its
own pool, built by `expert_pool_process`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, Field, model_validator

from ybj_kernel.domain.identity import birth_date_of, gender_of
from ybj_kernel.domain.process import Check, Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import bilingual
from ybj_kernel.errors import Conflict
from ybj_treatment.processes.p090_special_drug_designated_physician_pool import TEL
from ybj_treatment.registries.physicians import (
    CERTIFICATION_EXPERT,
    EXAMPLE_HOSPITAL,
    EXPERT,
    HOSPITAL_CODE,
    IN_POOL,
    MAJOR_DISEASE_CERTIFICATION,
    POOL_ZH,
    Disease,
    Title,
)
from ybj_treatment.rules.physicians import INSTITUTION, INSTITUTION_FACT, check_hospital, institution_lookup
from ybj_treatment.rules.physicians_inputs import Effective, FormDate, IdCard, OnOrToday

SECOND_INSTITUTION = institution_lookup("second_institution", "second_fixmedins_code")


class _Practice(BaseModel):
    """第二执业医院 (optional): its 机构编码, 职务 and 所属科室."""

    second_fixmedins_code: str | None = Field(default=None, pattern=HOSPITAL_CODE, description="第二执业医院机构编码")
    second_duty: str | None = Field(default=None, min_length=1, max_length=50, description="第二执业医院职务")
    second_dept: str | None = Field(default=None, min_length=1, max_length=50, description="第二执业医院所属科室")

    @model_validator(mode="after")
    def _second_hospital(self) -> _Practice:
        first = getattr(self, "fixmedins_code", None)
        if self.second_fixmedins_code is not None and self.second_fixmedins_code == first:
            raise bilingual("第二执业医院不能与第一执业医院相同", "the second hospital must differ from the first")
        if self.second_fixmedins_code is None and (self.second_duty or self.second_dept):
            raise bilingual("填写第二执业医院的职务、科室须同时填写其机构编码", "give the second hospital's code")
        return self


class ExpertApplication(_Practice):
    """《…医师申请表》: the expert, the 病种, the 执业医院, 职称 and 专业领域 (性别、年龄 from the 身份证号)."""

    psn_name: str = Field(min_length=1, max_length=50, description="专家姓名")
    certno: IdCard = Field(description="身份证号")
    tel: str = Field(pattern=TEL, description="电话")
    prac_cert_no: str = Field(min_length=1, max_length=50, description="执业证编号")
    qua_cert_no: str = Field(min_length=1, max_length=50, description="资格证编号")
    diseases: list[Disease] = Field(min_length=1, description="病种（类别、名称、治疗方式）")
    fixmedins_code: str = Field(pattern=HOSPITAL_CODE, description="第一执业医院机构编码")
    duty: str = Field(min_length=1, max_length=50, description="第一执业医院职务")
    dept: str = Field(min_length=1, max_length=50, description="第一执业医院所属科室")
    pro_tech_duty: Title = Field(description="职称")
    spec: str = Field(min_length=1, max_length=100, description="专业领域")
    appl_date: FormDate = Field(description="申请日期（默认当日）")


class ExpertChange(_Practice):
    """《…医师信息变更表》: 变更时间 and the items ticked, with their new values."""

    certno: IdCard = Field(description="身份证号")
    chg_date: OnOrToday = Field(description="变更时间（默认当日）")
    tel: str | None = Field(default=None, pattern=TEL, description="联系电话")
    fixmedins_code: str | None = Field(default=None, pattern=HOSPITAL_CODE, description="执业机构编码")
    duty: str | None = Field(default=None, min_length=1, max_length=50, description="职务")
    dept: str | None = Field(default=None, min_length=1, max_length=50, description="所属科室")
    pro_tech_duty: Title | None = Field(default=None, description="职称")
    spec: str | None = Field(default=None, min_length=1, max_length=100, description="专业领域")
    diseases: list[Disease] | None = Field(default=None, min_length=1, description="病种（变更后的全部）")

    @model_validator(mode="after")
    def _something_changes(self) -> ExpertChange:
        if not self.model_dump(exclude_none=True, exclude={"certno", "chg_date"}):
            raise bilingual("信息变更至少需要变更一项内容", "a change must change at least one item")
        return self


class ExpertExitApplication(BaseModel):
    """《…医师退出申请书》: 申请退出原因 and 医院医保科意见."""

    certno: IdCard = Field(description="身份证号")
    exit_rea: str = Field(min_length=1, max_length=500, description="申请退出原因")
    hosp_insu_opinion: str = Field(min_length=1, max_length=500, description="医院医保科意见")
    exit_date: FormDate = Field(description="申请日期（默认当日）")


def _in_pool(pool: str, data: Mapping[str, Any]) -> bool:
    held = ((data.get("expert") or {}).get("pools") or {}).get(pool) or {}
    return held.get("status") == IN_POOL


def _hospitals(data: Mapping[str, Any]) -> None:
    if data.get("fixmedins_code"):
        check_hospital(data, active=False)
    if data.get("second_fixmedins_code"):
        check_hospital(data, "second_institution", "second_fixmedins_code", active=False)


def admissible(pool: str) -> Check:
    """The hospitals are 定点医疗机构, and the expert is not yet in `pool`."""

    def check(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
        data = {**current, **step}
        _hospitals(step)
        if _in_pool(pool, data):
            raise Conflict(
                "EXPERT_ALREADY_IN_POOL",
                f"{data.get('psn_name')}（{data['certno']}）已在{POOL_ZH[pool]}中，如需变更请办理专家信息维护",
                f"{data['certno']} is already in {pool}",
                "certno",
            )

    return check


def in_pool(pool: str) -> Check:
    """The expert is in `pool` (a change or an exit needs it); new hospitals are 定点医疗机构."""

    def check(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
        data = {**current, **step}
        _hospitals(step)
        if not _in_pool(pool, data):
            raise Conflict(
                "EXPERT_NOT_IN_POOL",
                f"{data['certno']} 不在{POOL_ZH[pool]}中",
                f"{data['certno']} is not in {pool}",
                "certno",
            )

    return check


def hospital_names(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """The names of the 执业医院 entered, as the registry holds them."""
    names = {}
    for fact, field in ((INSTITUTION_FACT, "fixmedins_name"), ("second_institution", "second_fixmedins_name")):
        if found := step.get(fact):
            names[field] = found.get("fixmedins_name")
    return names


def applicant_facts(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """The hospitals' names, and 性别 and 出生日期 (the form's 年龄) from the 身份证号."""
    certno = str(step["certno"])
    return {**hospital_names(current, step), "gend": gender_of(certno), "brdy": birth_date_of(certno).isoformat()}


_ADMITTED: tuple[str, ...] = (
    "certno",
    "psn_name",
    "gend",
    "brdy",
    "tel",
    "prac_cert_no",
    "qua_cert_no",
    "pro_tech_duty",
    "spec",
)
_ADMITTED += ("fixmedins_code", "fixmedins_name", "duty", "dept", "diseases")
_ADMITTED += ("second_fixmedins_code", "second_fixmedins_name", "second_duty", "second_dept")


def expert_effects(pool: str) -> Callable[[Mapping[str, Any], str | None], list[Effect]]:
    """入库 admits, 维护 changes, 退出 exits the expert from `pool`."""

    def effects(data: Mapping[str, Any], variant: str | None) -> list[Effect]:
        certno = str(data["certno"])
        if variant == "exit":
            args = {k: data[k] for k in ("exit_date", "exit_rea", "hosp_insu_opinion")}
            return [Effect("expert", certno, "exit", {**args, "pool": pool})]
        facts = {k: data[k] for k in _ADMITTED if data.get(k) is not None}
        if variant == "update":
            facts.pop("certno")
            return [Effect("expert", certno, "update", {**facts, "pool": pool, "chg_date": data["chg_date"]})]
        return [Effect("expert", certno, "admit", {**facts, "pool": pool, "begndate": data["begndate"]})]

    return effects


def expert_pool_process(
    *,
    id: str,
    slug: str,
    name_zh: str,
    pool: str,
    stage_names: tuple[str, str, str, str, str, str, str, str],
    materials: tuple[Material, Material, Material],
    examples: tuple[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]],
) -> ProcessDefinition:
    """An expert pool (P087 病种认定, P088 现场评审): 入库 and 维护 with two reviews, 退出 with one."""
    admission, update, exit_ = frozenset({"admission"}), frozenset({"update"}), frozenset({"exit"})
    entered = (EXPERT, INSTITUTION, SECOND_INSTITUTION)

    def review(key: str, i: int, role: str, event: str, variants: frozenset[str], check: Check | None = None) -> Stage:
        if check is None:
            return Stage(key, stage_names[i], (role,), event, review=True, variants=variants)
        return Stage(
            key,
            stage_names[i],
            (role,),
            event,
            review=True,
            variants=variants,
            input=Effective if variants == admission else None,  # 入库 takes effect from the 复审's date
            lookups=(EXPERT,),
            checks=(check,),
        )

    return ProcessDefinition(
        id=id,
        slug=slug,
        name_zh=name_zh,
        service="treatment",
        variants=(Variant("admission", "专家入库"), Variant("update", "专家信息维护"), Variant("exit", "专家退出")),
        materials=materials,
        stages=(
            Stage(
                "admission_apply",
                stage_names[0],
                ("registrar",),
                "AdmissionApplied",
                input=ExpertApplication,
                lookups=entered,
                checks=(admissible(pool),),
                derive=applicant_facts,
                variants=admission,
                example=examples[0],
            ),
            review("admission_first_review", 1, "first_reviewer", "FirstReviewApproved", admission),
            review(
                "admission_second_review", 2, "second_reviewer", "SecondReviewApproved", admission, admissible(pool)
            ),
            Stage(
                "update_apply",
                stage_names[3],
                ("registrar",),
                "UpdateApplied",
                input=ExpertChange,
                lookups=entered,
                checks=(in_pool(pool),),
                derive=hospital_names,
                variants=update,
                example=examples[1],
            ),
            review("update_first_review", 4, "first_reviewer", "FirstReviewApproved", update),
            review("update_second_review", 5, "second_reviewer", "SecondReviewApproved", update, in_pool(pool)),
            Stage(
                "exit_apply",
                stage_names[6],
                ("registrar",),
                "ExitApplied",
                input=ExpertExitApplication,
                lookups=(EXPERT,),
                checks=(in_pool(pool),),
                variants=exit_,
                example=examples[2],
            ),
            # 「专家退出仅一级审核」: one review, and the expert leaves the pool.
            review("exit_review", 7, "first_reviewer", "ReviewApproved", exit_, in_pool(pool)),
        ),
        effects=expert_effects(pool),
    )


P087 = expert_pool_process(
    id="P087",
    slug="major_disease_certification_physician_pool",
    name_zh="维护贵州省城乡居民重大疾病病种认定岗医师库",
    pool=MAJOR_DISEASE_CERTIFICATION,
    stage_names=(
        "专家入库申请（填写专家信息，选择专家库类别：贵州省城乡居民重大疾病病种认定专家，上传申请表）",
        "入库申请初审（填写审核意见，审核通过或审核失败）",
        "入库申请复审",
        "信息维护申请（查询专家，编辑需变更的信息，保存）",
        "信息维护初审",
        "信息维护复审",
        "专家退出申请（查询专家，点击退出）",
        "退出申请审核",
    ),
    materials=(
        Material("《贵州省城乡居民重大疾病病种认定医师申请表》（专家入库）", required=False, condition_zh="专家入库"),
        Material(
            "《贵州省城乡居民重大疾病病种认定医师信息变更表》（专家信息维护）",
            required=False,
            condition_zh="专家信息维护",
        ),
        Material(
            "《贵州省城乡居民重大疾病病种认定医师退出申请书》（专家退出）", required=False, condition_zh="专家退出"
        ),
    ),
    examples=(
        {
            "psn_name": "赵红",
            "certno": CERTIFICATION_EXPERT,
            "tel": "0851-85550501",
            "prac_cert_no": "110520100000505",  # 示例编号
            "qua_cert_no": "199452110520102197001010043",  # 示例编号
            # 示例病种: the seeds name none of the provincial 重大疾病 病种.
            "diseases": [{"dise_type": "恶性肿瘤", "dise_name": "乳腺癌", "trt_way": "手术治疗"}],
            "fixmedins_code": EXAMPLE_HOSPITAL,
            "duty": "科主任",
            "dept": "乳腺外科",
            "pro_tech_duty": "主任医师",
            "spec": "乳腺肿瘤外科",
        },
        {"certno": CERTIFICATION_EXPERT, "tel": "13985550501", "dept": "甲状腺乳腺外科"},
        {"certno": CERTIFICATION_EXPERT, "exit_rea": "工作调动，申请退出", "hosp_insu_opinion": "情况属实，同意退出"},
    ),
)
