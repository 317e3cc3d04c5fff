"""医师/专家库 (E20): the physician and expert registries of the physicians area, changed only by cases.

`physician` (key 身份证号 `certno`): `{certno, psn_name, gend, pro_tech_duty (职称), fixmedins_code, fixmedins_name,
dept, tel, qua_cert_no, prac_cert_no, pools: {"medical_insurance" | "special_drug" | "special_outpatient": {"status":
"certified" | "removed", "fixmedins_code", "begndate", "drugs": [{"hilist_code", "hilist_name"}] and "spec" (special_drug),
"scope" (special_outpatient)}}}` (P089, P090, P091, P061).
`expert` (key `certno`): `{certno, psn_name, gend, brdy, tel, pro_tech_duty, spec, fixmedins_code, fixmedins_name,
duty, dept, second_fixmedins_code …, pools: {"major_disease_certification" | "major_disease_review": {"status": "in_pool"
| "exited", "diseases": [{"dise_type", "dise_name", "trt_way"}], "fixmedins_code", "begndate"}}}` (P087, P088).

A designated pool (特药, 特门) holds only a 「主任或副主任医师」: every operation keeps that invariant, so a 职称 can
never be lowered under a physician still in one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from ybj_kernel.domain.process import Lookup
from ybj_kernel.domain.registry import Op, Registry
from ybj_kernel.errors import Conflict

# ---- Example physicians and experts (examples, not seed data): valid 身份证号, put in by the processes' examples ----
EXAMPLE_HOSPITAL = "H52010200001"  # 贵阳市第一人民医院, hosp_lv 01 (the institutions area's P065 example)
SPECIAL_DRUG_PHYSICIAN = "520102197503150011"  # 李明, 主任医师, 肿瘤科 (P090's example 特药定岗医师)
SPECIAL_DRUG_PHYSICIAN_2 = "520102198008080065"  # 陈红, 副主任医师, 肿瘤科 (P061's example, 资格审核)
SPECIAL_OUTPATIENT_PHYSICIAN = "520103197806220028"  # 张丽, 副主任医师, 内分泌科 (P091's example 特门定岗医师)
INSURANCE_PHYSICIAN = "520102198509100036"  # 王强, 主治医师, 心血管内科 (P089's example 医保医师)
CERTIFICATION_EXPERT = "520102197001010043"  # 赵红, 主任医师 (P087's example 病种认定专家)
ONSITE_REVIEW_EXPERT = "520102196811200055"  # 刘伟, 主任医师 (P088's example 现场评审专家)
# 示例 special drug (a 医保通用项目编码 in the national format's shape; the code itself is an example, verify it).
EXAMPLE_DRUG = {"hilist_code": "XL01XC032B001010104418", "hilist_name": "注射用曲妥珠单抗"}

# ---- Pools and their statuses ---------------------------------------------------------------------------------
MEDICAL_INSURANCE, SPECIAL_DRUG, SPECIAL_OUTPATIENT = "medical_insurance", "special_drug", "special_outpatient"
MAJOR_DISEASE_CERTIFICATION, MAJOR_DISEASE_REVIEW = "major_disease_certification", "major_disease_review"
POOL_ZH = {
    MEDICAL_INSURANCE: "医保医师库",
    SPECIAL_DRUG: "特殊药品定岗医师库",
    SPECIAL_OUTPATIENT: "特殊门诊定岗医师库",
    MAJOR_DISEASE_CERTIFICATION: "城乡居民重大疾病病种认定岗医师库",
    MAJOR_DISEASE_REVIEW: "城乡居民重大疾病现场评审医师库",
}
PhysicianPool = Literal["medical_insurance", "special_drug", "special_outpatient"]
ExpertPool = Literal["major_disease_certification", "major_disease_review"]
DESIGNATED_POOLS = frozenset({SPECIAL_DRUG, SPECIAL_OUTPATIENT})  # 「原则上为主任或副主任医师」
CERTIFIED, REMOVED = "certified", "removed"
IN_POOL, EXITED = "in_pool", "exited"

# 职称 (医师系列专业技术职务; GB/T 8561 codes them 231-235: verify before exchanging codes instead of names).
Title = Literal["主任医师", "副主任医师", "主治医师", "医师", "医士"]
SENIOR_TITLES = frozenset({"主任医师", "副主任医师"})

# ---- Shared field types ---------------------------------------------------------------------------------------
HOSPITAL_CODE = r"^H\d{11}$"  # 定点医疗机构编号 of a hospital: "H" + 11 digits (the `institution` key)


class Drug(BaseModel):
    """一种特殊药品: 医保通用项目编码 and 药品通用项目名称."""

    hilist_code: str = Field(pattern=r"^[A-Z0-9]{1,50}$", description="医保通用项目编码")
    hilist_name: str = Field(min_length=1, max_length=200, description="药品通用项目名称")


class Disease(BaseModel):
    """A 城乡居民重大疾病 病种 the expert certifies or reviews: 病种类别, 病种名称, 治疗方式."""

    dise_type: str = Field(min_length=1, max_length=50, description="病种类别")
    dise_name: str = Field(min_length=1, max_length=100, description="病种名称")
    trt_way: str = Field(min_length=1, max_length=100, description="治疗方式")


def refuse(code: str, zh: str, en: str, field: str) -> Conflict:
    """A registry refusal naming the field the clerk entered."""
    return Conflict(code, zh, en, field)


# ---- physician --------------------------------------------------------------------------------------------------


class PhysicianFacts(BaseModel):
    """What a hospital declares about a physician (the changeable parts are optional in a maintenance)."""

    psn_name: str | None = Field(default=None, min_length=1, max_length=50)
    gend: Literal["1", "2"] | None = None
    pro_tech_duty: Title | None = None
    fixmedins_code: str | None = Field(default=None, pattern=HOSPITAL_CODE)
    fixmedins_name: str | None = Field(default=None, max_length=200)
    dept: str | None = Field(default=None, min_length=1, max_length=50)
    tel: str | None = Field(default=None, pattern=r"^[\d\-+]{5,20}$")
    qua_cert_no: str | None = Field(default=None, max_length=50)
    prac_cert_no: str | None = Field(default=None, max_length=50)
    spec: str | None = Field(default=None, max_length=100, description="专业方向")
    drugs: list[Drug] | None = Field(default=None, description="特殊药品（特药库）")
    scope: str | None = Field(default=None, max_length=100, description="执业范围（特门库）")


class Certification(PhysicianFacts):
    """认定入库: the pool, and the physician as certified (name, 职称, hospital and 科室 required)."""

    pool: PhysicianPool
    certno: str = Field(min_length=18, max_length=18)
    psn_name: str = Field(min_length=1, max_length=50)
    pro_tech_duty: Title
    fixmedins_code: str = Field(pattern=HOSPITAL_CODE)
    dept: str = Field(min_length=1, max_length=50)
    begndate: date


class Maintenance(PhysicianFacts):
    """库人员维护 (修改、完善): the pool and the facts that change."""

    pool: PhysicianPool


class Removal(BaseModel):
    """库人员维护 (删除): the pool, when and why."""

    pool: PhysicianPool
    on: date
    reason: str = Field(min_length=1, max_length=500)


_BASE: tuple[str, ...] = ("certno", "psn_name", "gend", "pro_tech_duty", "fixmedins_code", "fixmedins_name", "dept")
_BASE += ("tel", "qua_cert_no", "prac_cert_no")
_POOL_FACTS = {SPECIAL_DRUG: ("spec", "drugs"), SPECIAL_OUTPATIENT: ("scope",), MEDICAL_INSURANCE: ()}


def _certified_in(state: dict[str, Any], pool: str) -> dict[str, Any] | None:
    held = (state.get("pools") or {}).get(pool)
    return held if held and held.get("status") == CERTIFIED else None


def _keep_designated_titles(state: dict[str, Any]) -> None:
    """The invariant: a physician certified in a designated pool is a 主任 or 副主任医师."""
    pools = [p for p in sorted(DESIGNATED_POOLS) if _certified_in(state, p)]
    if pools and state.get("pro_tech_duty") not in SENIOR_TITLES:
        names = "、".join(POOL_ZH[p] for p in pools)
        raise refuse(
            "TITLE_NOT_ELIGIBLE",
            f"{state.get('psn_name')}在{names}中，职称须为主任或副主任医师，不能为{state.get('pro_tech_duty')}",
            f"{state.get('psn_name')} is in {', '.join(pools)}: the title must be 主任医师 or 副主任医师",
            "pro_tech_duty",
        )


def _certify(state: dict[str, Any], args: dict[str, Any]) -> None:
    pool = args["pool"]
    if (held := _certified_in(state, pool)) is not None:
        raise refuse(
            "ALREADY_IN_POOL",
            f"{args['psn_name']}已在{POOL_ZH[pool]}中（{held['fixmedins_code']}），如需变更请办理库人员维护",
            f"{args['certno']} is already certified in {pool} (at {held['fixmedins_code']})",
            "certno",
        )
    if pool == SPECIAL_DRUG and not args.get("drugs"):
        raise refuse("DRUGS_MISSING", "特殊药品定岗医师须填写特殊药品名称", "name the special drugs", "drugs")
    if pool == SPECIAL_OUTPATIENT and not args.get("scope"):
        raise refuse("SCOPE_MISSING", "特殊门诊定岗医师须填写执业范围", "give the scope of practice", "scope")
    state.update({k: args[k] for k in _BASE if k in args})
    entry = {"status": CERTIFIED, "fixmedins_code": args["fixmedins_code"], "begndate": args["begndate"]}
    entry.update({k: args[k] for k in _POOL_FACTS[pool] if k in args})
    state.setdefault("pools", {})[pool] = entry
    _keep_designated_titles(state)


def _maintain(state: dict[str, Any], args: dict[str, Any]) -> None:
    pool = args["pool"]
    held = _certified_in(state, pool)
    if held is None:
        raise refuse(
            "NOT_IN_POOL",
            f"{state.get('psn_name') or '该医师'}不在{POOL_ZH[pool]}中",
            f"the physician is not certified in {pool}",
            "certno",
        )
    base = {k: args[k] for k in _BASE if k in args and k != "certno"}
    facts = {k: args[k] for k in _POOL_FACTS[pool] if k in args}
    if "fixmedins_code" in args:
        facts["fixmedins_code"] = args["fixmedins_code"]
    if all(state.get(k) == v for k, v in base.items()) and all(held.get(k) == v for k, v in facts.items()):
        raise refuse("NOTHING_CHANGES", "没有需要维护的医师信息", "nothing to change", "certno")
    if pool == SPECIAL_DRUG and "drugs" in facts and not facts["drugs"]:
        raise refuse("DRUGS_MISSING", "特殊药品定岗医师须保留至少一种特殊药品", "keep at least one drug", "drugs")
    state.update(base)
    held.update(facts)
    _keep_designated_titles(state)


def _remove(state: dict[str, Any], args: dict[str, Any]) -> None:
    pool = args["pool"]
    held = _certified_in(state, pool)
    if held is None:
        raise refuse(
            "NOT_IN_POOL",
            f"{state.get('psn_name') or '该医师'}不在{POOL_ZH[pool]}中，无需删除",
            f"the physician is not certified in {pool}",
            "certno",
        )
    held.update(status=REMOVED, removed_on=args["on"], remove_rea=args["reason"])


PHYSICIANS = Registry(
    "physician",
    "医师库",
    {
        "certify": Op("医师认定入库", "PhysicianCertified", Certification, _certify),
        "maintain": Op("库人员维护（修改、完善）", "PhysicianPoolEntryMaintained", Maintenance, _maintain),
        "remove": Op("库人员维护（删除）", "PhysicianRemovedFromPool", Removal, _remove),
    },
    frozenset({"certify"}),
)

# ---- expert -----------------------------------------------------------------------------------------------------


class ExpertFacts(BaseModel):
    """An expert's 申请表 / 信息变更表 facts (optional here; required where a process enters them)."""

    psn_name: str | None = Field(default=None, min_length=1, max_length=50)
    gend: Literal["1", "2"] | None = None
    brdy: date | None = None
    tel: str | None = Field(default=None, pattern=r"^[\d\-+]{5,20}$")
    prac_cert_no: str | None = Field(default=None, max_length=50)
    qua_cert_no: str | None = Field(default=None, max_length=50)
    pro_tech_duty: Title | None = None
    spec: str | None = Field(default=None, max_length=100, description="专业领域")
    fixmedins_code: str | None = Field(default=None, pattern=HOSPITAL_CODE)
    fixmedins_name: str | None = Field(default=None, max_length=200)
    duty: str | None = Field(default=None, max_length=50, description="职务")
    dept: str | None = Field(default=None, max_length=50, description="所属科室")
    second_fixmedins_code: str | None = Field(default=None, pattern=HOSPITAL_CODE)
    second_fixmedins_name: str | None = Field(default=None, max_length=200)
    second_duty: str | None = Field(default=None, max_length=50)
    second_dept: str | None = Field(default=None, max_length=50)
    diseases: list[Disease] | None = None


class ExpertAdmission(ExpertFacts):
    """专家入库: the pool and the expert as admitted."""

    pool: ExpertPool
    certno: str = Field(min_length=18, max_length=18)
    psn_name: str = Field(min_length=1, max_length=50)
    fixmedins_code: str = Field(pattern=HOSPITAL_CODE)
    diseases: list[Disease] = Field(min_length=1)
    begndate: date


class ExpertUpdate(ExpertFacts):
    """专家信息维护: the pool, 变更时间, and the facts that change."""

    pool: ExpertPool
    chg_date: date


class ExpertExit(BaseModel):
    """专家退出: the pool, when, why, and the hospital's 医保科意见."""

    pool: ExpertPool
    exit_date: date
    exit_rea: str = Field(min_length=1, max_length=500)
    hosp_insu_opinion: str = Field(min_length=1, max_length=500)


_EXPERT_BASE = tuple(k for k in ExpertFacts.model_fields if k != "diseases")


def _in_pool(state: dict[str, Any], pool: str) -> dict[str, Any] | None:
    held = (state.get("pools") or {}).get(pool)
    return held if held and held.get("status") == IN_POOL else None


def _not_in_pool(state: dict[str, Any], pool: str) -> Conflict:
    return refuse(
        "EXPERT_NOT_IN_POOL",
        f"{state.get('psn_name') or '该专家'}不在{POOL_ZH[pool]}中",
        f"the expert is not in {pool}",
        "certno",
    )


def _admit(state: dict[str, Any], args: dict[str, Any]) -> None:
    pool = args["pool"]
    if _in_pool(state, pool) is not None:
        raise refuse(
            "EXPERT_ALREADY_IN_POOL",
            f"{args['psn_name']}已在{POOL_ZH[pool]}中，如需变更请办理专家信息维护",
            f"{args['certno']} is already in {pool}",
            "certno",
        )
    state.update({k: args[k] for k in ("certno", *_EXPERT_BASE) if k in args})
    entry = {
        "status": IN_POOL,
        "diseases": args["diseases"],
        "fixmedins_code": args["fixmedins_code"],
        "begndate": args["begndate"],
    }
    state.setdefault("pools", {})[pool] = entry


def _update_expert(state: dict[str, Any], args: dict[str, Any]) -> None:
    pool = args["pool"]
    held = _in_pool(state, pool)
    if held is None:
        raise _not_in_pool(state, pool)
    base = {k: args[k] for k in _EXPERT_BASE if k in args}
    changes = {"diseases": args["diseases"]} if "diseases" in args else {}
    if "fixmedins_code" in base:
        changes["fixmedins_code"] = base["fixmedins_code"]
    if all(state.get(k) == v for k, v in base.items()) and all(held.get(k) == v for k, v in changes.items()):
        raise refuse("NOTHING_CHANGES", "没有需要变更的专家信息", "nothing to change", "certno")
    state.update(base)
    held.update(changes, chg_date=args["chg_date"])


def _exit(state: dict[str, Any], args: dict[str, Any]) -> None:
    pool = args["pool"]
    held = _in_pool(state, pool)
    if held is None:
        raise _not_in_pool(state, pool)
    held.update(
        status=EXITED,
        exit_date=args["exit_date"],
        exit_rea=args["exit_rea"],
        hosp_insu_opinion=args["hosp_insu_opinion"],
    )


EXPERTS = Registry(
    "expert",
    "专家库",
    {
        "admit": Op("专家入库", "ExpertAdmitted", ExpertAdmission, _admit),
        "update": Op("专家信息维护", "ExpertInfoUpdated", ExpertUpdate, _update_expert),
        "exit": Op("专家退出", "ExpertExited", ExpertExit, _exit),
    },
    frozenset({"admit"}),
)

REGISTRIES = (PHYSICIANS, EXPERTS)


def certno_key(field: str) -> Callable[[Mapping[str, Any]], str | None]:
    """The lookup key under `field` of a step (a 身份证号, upper case), or None when it names none."""

    def key(data: Mapping[str, Any]) -> str | None:
        value = data.get(field)
        return str(value).upper() if value else None

    return key


# The physician / expert a step names, as the registry holds them (None: never certified or admitted).
PHYSICIAN = Lookup("physician", PHYSICIANS.name, certno_key("certno"))
EXPERT = Lookup("expert", EXPERTS.name, certno_key("certno"))
