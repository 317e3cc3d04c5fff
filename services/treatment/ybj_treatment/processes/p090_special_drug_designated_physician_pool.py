"""P090 维护贵州省特殊药品定岗医师库: 资格申报 (申报 → 初审 → 复审 → 认定并通知) and 库人员维护 (修改、完善、删除).

「特殊药品定岗医师由符合条件的定点医疗机构向所属医保经办机构申报，医保经办机构负责审核和日常维护。」 The hospital
declares the physician; rule R27 (`designated_physician_eligibility`) refuses a hospital not in the `institution` registry
or below 二级, and a physician below 副主任医师, when the hospital declares and again when the agency certifies (the
facts may change in between). Certification puts the physician in the `physician` registry's special_drug pool with
their 特殊药品 (the 定医师、定药品 that P060 reads); 「不符合条件的予以退回」 is that stage's rejection
(DeclarationReturned). 维护 is one step with no review: the seed names none. P091 (特殊门诊) is built by the same
`designated_pool_process`; P061 certifies into the same pool through the system's 资格审核.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from ybj_kernel.domain.identity import gender_of
from ybj_kernel.domain.process import Check, Derive, Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import bilingual
from ybj_kernel.errors import Conflict
from ybj_treatment.registries.physicians import (
    CERTIFIED,
    EXAMPLE_DRUG,
    EXAMPLE_HOSPITAL,
    HOSPITAL_CODE,
    PHYSICIAN,
    POOL_ZH,
    SPECIAL_DRUG,
    SPECIAL_DRUG_PHYSICIAN,
    Drug,
    Title,
)
from ybj_treatment.rules.physicians import INSTITUTION, INSTITUTION_FACT, PHYSICIAN_FACT, check_designated_physician
from ybj_treatment.rules.physicians_inputs import Effective, FormDate, IdCard

TEL = r"^[\d\-+]{5,20}$"


class Declaration(BaseModel):
    """「完整填写…医师信息，含姓名、身份证号、资格证书编号、执业证书编号、医疗机构编号、医疗机构名称等关键信息」."""

    psn_name: str = Field(min_length=1, max_length=50, description="姓名")
    certno: IdCard = Field(description="身份证号")
    qua_cert_no: str = Field(min_length=1, max_length=50, description="资格证书编号")
    prac_cert_no: str = Field(min_length=1, max_length=50, description="执业证书编号")
    fixmedins_code: str = Field(pattern=HOSPITAL_CODE, description="医疗机构编号（名称取自定点医药机构登记簿）")
    pro_tech_duty: Title = Field(description="职称")
    dept: str = Field(min_length=1, max_length=50, description="所在科室")
    tel: str = Field(pattern=TEL, description="联系电话")
    dcla_date: FormDate = Field(description="申报日期（默认当日）")


def _distinct_drugs(drugs: list[Drug] | None) -> list[Drug] | None:
    codes = [d.hilist_code for d in drugs or []]
    if len(set(codes)) != len(codes):
        raise bilingual("特殊药品不能重复填写", "a special drug is listed twice")
    return drugs


class SpecialDrugDeclaration(Declaration):
    """《特殊药品定岗医师库申报表》: the physician, 专业方向 and the 特殊药品 they prescribe."""

    spec: str = Field(min_length=1, max_length=100, description="专业方向")
    drugs: list[Drug] = Field(min_length=1, description="特殊药品名称（以黔医保发〔2019〕79号等文件为准）")

    _drugs = field_validator("drugs")(_distinct_drugs)


MaintenanceType = Literal["modify", "complete", "delete"]


class Maintenance(BaseModel):
    """库人员维护: 修改 (modify) or 完善 (complete) the facts given, or 删除 (delete) the physician from the pool."""

    certno: IdCard = Field(description="身份证号")
    maint_type: MaintenanceType = Field(description="维护类型（modify 修改、complete 完善、delete 删除）")
    maint_date: FormDate = Field(description="维护日期（默认当日）")
    maint_rea: str | None = Field(
        default=None, max_length=500, validate_default=True, description="维护原因（删除必填）"
    )
    pro_tech_duty: Title | None = Field(default=None, description="职称")
    fixmedins_code: str | None = Field(default=None, pattern=HOSPITAL_CODE, description="医疗机构编号")
    dept: str | None = Field(default=None, min_length=1, max_length=50, description="所在科室")
    tel: str | None = Field(default=None, pattern=TEL, description="联系电话")
    qua_cert_no: str | None = Field(default=None, min_length=1, max_length=50, description="资格证书编号")
    prac_cert_no: str | None = Field(default=None, min_length=1, max_length=50, description="执业证书编号")

    def changes(self) -> dict[str, Any]:
        """The facts this maintenance changes."""
        fixed = {"certno", "maint_type", "maint_date", "maint_rea"}
        return self.model_dump(mode="json", exclude_none=True, exclude=fixed)

    @field_validator("maint_rea")
    @classmethod
    def _reason_of_a_deletion(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("maint_type") == "delete" and not (value or "").strip():
            raise bilingual("删除定岗医师须填写维护原因", "a deletion needs a reason (maint_rea)")
        return value

    @model_validator(mode="after")
    def _what_it_does(self) -> Maintenance:
        if self.maint_type == "delete":
            if self.changes():
                raise bilingual("删除时不能同时修改医师信息", "a deletion changes no other field")
        elif not self.changes():
            raise bilingual("修改、完善至少需要填写一项医师信息", "a modification must change at least one field")
        return self


class SpecialDrugMaintenance(Maintenance):
    """库人员维护 of a 特殊药品定岗医师: also 专业方向 and the 特殊药品."""

    spec: str | None = Field(default=None, min_length=1, max_length=100, description="专业方向")
    drugs: list[Drug] | None = Field(default=None, min_length=1, description="特殊药品名称（维护后的全部）")

    _drugs = field_validator("drugs")(_distinct_drugs)


# ---- Checks and effects shared by the designated pools (P090, P091) and P061 -----------------------------------------


def held_in(pool: str, data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The looked-up physician's entry in `pool`, when they are certified in it."""
    held = ((data.get(PHYSICIAN_FACT) or {}).get("pools") or {}).get(pool)
    return held if held and held.get("status") == CERTIFIED else None


def declarable(pool: str, date_field: str) -> Check:
    """R27 on the hospital looked up and the 职称, and the physician not yet in `pool`."""

    def check(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
        data = {**current, **step}
        check_designated_physician(data, on=date.fromisoformat(str(data[date_field])))
        if (held := held_in(pool, data)) is not None:
            raise already_in(pool, data, held)

    return check


def already_in(pool: str, data: Mapping[str, Any], held: Mapping[str, Any]) -> Conflict:
    """The refusal of a second certification into a pool (a change is a 维护)."""
    return Conflict(
        "ALREADY_IN_POOL",
        f"{data.get('psn_name')}（{data['certno']}）已在{POOL_ZH[pool]}中（{held.get('fixmedins_code')}），请办理库人员维护",
        f"{data['certno']} is already certified in {pool} at {held.get('fixmedins_code')}",
        "certno",
    )


def from_institution(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """医疗机构名称 and the case's 医保区划 from the registry; 性别 from the 身份证号."""
    found = step.get(INSTITUTION_FACT) or {}
    derived = {"fixmedins_name": found.get("fixmedins_name"), "gend": gender_of(str(step["certno"]))}
    return derived | ({"admdvs": found["admdvs"]} if found.get("admdvs") else {})


def maintainable(pool: str) -> Check:
    """The physician is in `pool`; a new hospital passes R27 with the 职称 they will hold."""

    def check(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
        held = held_in(pool, step)
        if held is None:
            raise Conflict(
                "NOT_IN_POOL",
                f"{step['certno']} 不在{POOL_ZH[pool]}中，不能维护",
                f"{step['certno']} is not certified in {pool}",
                "certno",
            )
        if step.get("fixmedins_code"):
            title = step.get("pro_tech_duty") or (step.get(PHYSICIAN_FACT) or {}).get("pro_tech_duty")
            check_designated_physician({**step, "pro_tech_duty": title}, on=date.fromisoformat(str(step["maint_date"])))

    return check


def new_hospital_name(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """The new hospital's name, when a maintenance moves the physician."""
    found = step.get(INSTITUTION_FACT)
    return {"fixmedins_name": found["fixmedins_name"]} if step.get("fixmedins_code") and found else {}


_IDENTITY = ("certno", "psn_name", "gend", "pro_tech_duty", "fixmedins_code", "fixmedins_name", "dept", "tel")
_CHANGEABLE = ("pro_tech_duty", "fixmedins_code", "fixmedins_name", "dept", "tel", "qua_cert_no", "prac_cert_no")


def certification(pool: str, data: Mapping[str, Any], facts: tuple[str, ...]) -> Effect:
    """The physician certified into `pool` from the declaration, effective from the certifying stage's date."""
    args = {k: data[k] for k in (*_IDENTITY, "qua_cert_no", "prac_cert_no", *facts) if data.get(k) is not None}
    return Effect("physician", str(data["certno"]), "certify", {**args, "pool": pool, "begndate": data["begndate"]})


def pool_effects(pool: str, facts: tuple[str, ...]) -> Callable[[Mapping[str, Any], str | None], list[Effect]]:
    """资格申报 certifies; 维护 changes or deletes (「修改、完善、删除」)."""

    def effects(data: Mapping[str, Any], variant: str | None) -> list[Effect]:
        certno = str(data["certno"])
        if variant != "maintain":
            return [certification(pool, data, facts)]
        if data["maint_type"] == "delete":
            return [
                Effect(
                    "physician", certno, "remove", {"pool": pool, "on": data["maint_date"], "reason": data["maint_rea"]}
                )
            ]
        changes = {k: data[k] for k in (*_CHANGEABLE, *facts) if data.get(k) is not None}
        return [Effect("physician", certno, "maintain", {**changes, "pool": pool})]

    return effects


def designated_pool_process(
    *,
    id: str,
    slug: str,
    name_zh: str,
    pool: str,
    variants: tuple[Variant, Variant],
    stage_names: tuple[str, str, str, str, str],
    declaration: type[Declaration],
    maintenance: type[Maintenance],
    facts: tuple[str, ...],
    materials: tuple[Material, ...],
    examples: tuple[Mapping[str, Any], Mapping[str, Any]],
) -> ProcessDefinition:
    """A designated-physician pool (P090 特药, P091 特门): 资格申报 in four stages, 库人员维护 in one."""
    declare, maintain = frozenset({variants[0].key}), frozenset({variants[1].key})
    lookups = (INSTITUTION, PHYSICIAN)
    derive: Derive = from_institution
    return ProcessDefinition(
        id=id,
        slug=slug,
        name_zh=name_zh,
        service="treatment",
        variants=variants,
        materials=materials,
        stages=(
            Stage(
                "declare",
                stage_names[0],
                ("institution",),
                "Declared",
                input=declaration,
                lookups=lookups,
                checks=(declarable(pool, "dcla_date"),),
                derive=derive,
                variants=declare,
                example=examples[0],
            ),
            Stage(
                "first_review",
                stage_names[1],
                ("first_reviewer",),
                "FirstReviewApproved",
                review=True,
                variants=declare,
            ),
            Stage(
                "second_review",
                stage_names[2],
                ("second_reviewer",),
                "SecondReviewApproved",
                review=True,
                variants=declare,
            ),
            Stage(
                "certify_and_notify",
                stage_names[3],
                ("registrar",),
                "PhysicianCertified",
                review=True,
                reject_event="DeclarationReturned",  # 「不符合条件的予以退回」
                input=Effective,
                lookups=lookups,
                checks=(declarable(pool, "begndate"),),
                variants=declare,
            ),
            Stage(
                "maintain",
                stage_names[4],
                ("registrar",),
                "PoolMaintained",
                input=maintenance,
                lookups=lookups,
                checks=(maintainable(pool),),
                derive=new_hospital_name,
                variants=maintain,
                example=examples[1],
            ),
        ),
        effects=pool_effects(pool, facts),
    )


DECLARED = "资格申报"
P090 = designated_pool_process(
    id="P090",
    slug="special_drug_designated_physician_pool",
    name_zh="维护贵州省特殊药品定岗医师库",
    pool=SPECIAL_DRUG,
    variants=(Variant("declare", "特殊药品用药医师资格申报"), Variant("maintain", "特殊药品用药医师库人员维护")),
    stage_names=(
        "医疗机构进入系统完整填写特殊药品用药医师信息，提交申报，同时报送《特殊药品定岗医师库申报表》及复印件",
        "医保经办机构根据系统申报内容和报送材料进行初审",
        "复审",
        "对符合条件的进行认定并通知申报的医疗机构；不符合条件的予以退回",
        "医保经办机构对定岗医师库信息进行适时维护（修改、完善、删除）",
    ),
    declaration=SpecialDrugDeclaration,
    maintenance=SpecialDrugMaintenance,
    facts=("spec", "drugs"),
    materials=(
        Material("《特殊药品定岗医师库申报表》", required=False, condition_zh=DECLARED),
        Material(
            "医师身份证、资格证书、执业证书及医疗机构执业许可证复印件（经医疗机构审核与原件一致并盖章）",
            required=False,
            condition_zh=DECLARED,
        ),
        Material("职称、专业方向的证明材料", required=False, condition_zh=DECLARED),
    ),
    examples=(
        {
            "psn_name": "李明",
            "certno": SPECIAL_DRUG_PHYSICIAN,
            "qua_cert_no": "199852110520102197503150011",  # 示例编号
            "prac_cert_no": "110520100000101",  # 示例编号
            "fixmedins_code": EXAMPLE_HOSPITAL,
            "pro_tech_duty": "主任医师",
            "dept": "肿瘤科",
            "tel": "0851-85550101",
            "spec": "乳腺肿瘤内科治疗",
            "drugs": [EXAMPLE_DRUG],
        },
        {"certno": SPECIAL_DRUG_PHYSICIAN, "maint_type": "modify", "dept": "肿瘤内科", "maint_rea": "科室调整"},
    ),
)
