"""The physicians area's rules (DOMAIN R27, R28) as pure functions staff can try (试算) and the processes run.

R27 (P090, P091; P061 enters the same pool): 「管理范围」「二级及以上定点医疗机构」 and 「专业条件」「原则上为主任或副主任
医师」. R28 (P060): the 「五定」 of a 特殊药品用药资格: the hospital is a 特药指定医院 (P069), the prescribing physician
(「开单医保医师（特殊药品指定医师）」) is certified in the 特殊药品定岗医师库 at that hospital, is a 主任 or 副主任医师,
and the drug is one of theirs (「定岗医师只负责与自身疾病诊治专业方向相对应的特殊药品处方开具和特殊药品用药资格认定
办理」). The seeds give no number for these rules; 定用量 has none at all, so it is not checked.

「原则上」 admits exceptions without saying who grants them or how: the rules refuse, and an exception route is an
open point, not modelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ybj_kernel.domain.process import Lookup
from ybj_kernel.domain.rules import Reason, Rule, RuleContext, Verdict, evaluate, refusal
from ybj_kernel.errors import Conflict
from ybj_treatment.registries.physicians import CERTIFIED, HOSPITAL_CODE, SENIOR_TITLES, SPECIAL_DRUG, Title

SEED = "seeds/001_42c4e4a66414dc3e.txt"
# hosp_lv as the `institution` registry writes it (the agreed shape: 01 三级, 02 二级, 03 一级, 09 未定级; the
# institutions area confirms the codes against the national 代码表). Only this table changes if they differ.
HOSP_LV_ZH = {"01": "三级", "02": "二级", "03": "一级", "09": "未定级"}
SECOND_LEVEL_OR_ABOVE = frozenset({"01", "02"})  # 「二级及以上」
MEDICAL_INSTITUTION = "1"  # fixmedins_type: 1 定点医疗机构, 2 定点零售药店
ACTIVE = "active"
SPECIAL_DRUG_DESIGNATION = "special_drug"  # institution.designations key written by P069
INSTITUTION_FACT = "institution"
PHYSICIAN_FACT = "physician"
# The parts of an `institution` entry these rules read, and a case keeps as read.
_INSTITUTION_PARTS = (
    "fixmedins_code",
    "fixmedins_name",
    "fixmedins_type",
    "hosp_lv",
    "admdvs",
    "status",
    "designations",
)


def _institution_parts(state: Mapping[str, Any]) -> dict[str, Any]:
    return {k: state.get(k) for k in _INSTITUTION_PARTS}


def institution_lookup(field: str = INSTITUTION_FACT, code_field: str = "fixmedins_code") -> Lookup:
    """The 定点医药机构 whose 编号 a step gives under `code_field`, looked up as `field` (None: not registered)."""

    def key(data: Mapping[str, Any]) -> str | None:
        code = data.get(code_field)
        return str(code).upper() if code else None

    return Lookup(field, "institution", key, pick=_institution_parts)


INSTITUTION = institution_lookup()


class _Input(BaseModel):
    # A misspelt field in a trial must be an error, not silently ignored.
    model_config = ConfigDict(extra="forbid")


# ---- R27 定岗医师资质: 二级及以上定点医疗机构, 主任或副主任医师 --------------------------------------------------


class DesignatedPhysicianInput(_Input):
    """The hospital declaring the physician (its type and 医院等级) and the physician's 职称."""

    fixmedins_code: str = Field(pattern=HOSPITAL_CODE, description="医疗机构编号")
    fixmedins_type: Literal["1", "2"] = Field(default="1", description="定点医药机构类型（1 医疗机构，2 零售药店）")
    hosp_lv: str = Field(default="", max_length=6, description="医院等级（01 三级，02 二级，03 一级，09 未定级）")
    pro_tech_duty: Title = Field(description="职称")


class DesignatedPhysicianOutput(Verdict):
    """Whether the hospital and the 职称 qualify."""

    hospital_eligible: bool = Field(description="二级及以上定点医疗机构")
    title_eligible: bool = Field(description="主任或副主任医师")


def designated_physician_verdict(inp: DesignatedPhysicianInput, _: RuleContext) -> DesignatedPhysicianOutput:
    """R27: a designated (特药 / 特门) physician works at a 二级及以上 定点医疗机构 and is a 主任 or 副主任医师."""
    reasons = []
    hospital_ok = inp.fixmedins_type == MEDICAL_INSTITUTION and inp.hosp_lv in SECOND_LEVEL_OR_ABOVE
    if not hospital_ok:
        level = HOSP_LV_ZH.get(inp.hosp_lv, inp.hosp_lv or "未定级")
        what = "零售药店" if inp.fixmedins_type != MEDICAL_INSTITUTION else f"{level}医疗机构"
        reasons.append(
            Reason(
                code="HOSPITAL_LEVEL_TOO_LOW",
                message_zh=f"{inp.fixmedins_code}为{what}，定岗医师的管理范围为二级及以上定点医疗机构",
                message_en=f"{inp.fixmedins_code} is not a level-2-or-above designated hospital (hosp_lv {inp.hosp_lv})",
                field="fixmedins_code",
            )
        )
    title_ok = inp.pro_tech_duty in SENIOR_TITLES
    if not title_ok:
        reasons.append(
            Reason(
                code="TITLE_NOT_ELIGIBLE",
                message_zh=f"定岗医师原则上为主任或副主任医师，{inp.pro_tech_duty}不符合专业条件",
                message_en=f"a designated physician must be 主任医师 or 副主任医师, not {inp.pro_tech_duty}",
                field="pro_tech_duty",
            )
        )
    return DesignatedPhysicianOutput(
        allowed=not reasons, reasons=reasons, hospital_eligible=hospital_ok, title_eligible=title_ok
    )


DESIGNATED_PHYSICIAN = Rule(
    id="designated_physician_eligibility",
    process_id="P090",
    also_applies_to=("P091", "P061"),
    name_zh="定岗医师资质（二级及以上定点医疗机构，主任或副主任医师）",
    name_en="designated physician: level-2-or-above hospital, chief or associate chief physician",
    source_zh="P090「一、管理范围 二级及以上定点医疗机构。」「（二）专业条件。原则上为主任或副主任医师，并且只负责与自身疾病"
    "诊治专业方向相对应的特殊药品处方开具和特殊药品用药资格认定办理。」P091「原则上为主任或副主任医师，并且只负责与自身疾病"
    "诊治专业方向相对应的特殊门诊诊疗。」",
    source_ref=f"{SEED} L5379-5401, L5454-5476",
    input_model=DesignatedPhysicianInput,
    output_model=DesignatedPhysicianOutput,
    fn=designated_physician_verdict,
    example={"fixmedins_code": "H52010200001", "hosp_lv": "01", "pro_tech_duty": "主任医师"},
    parameters={"hosp_lv": sorted(SECOND_LEVEL_OR_ABOVE), "pro_tech_duty": sorted(SENIOR_TITLES)},
)


# ---- R28 五定: 定医院、定医师、定药品 (定患者 is the eligibility itself; 定用量 has no number in the seeds) ----------


class FiveFixesInput(_Input):
    """The application (hospital, physician, drug, date) and what the registries say about the hospital and physician."""

    fixmedins_code: str = Field(pattern=HOSPITAL_CODE, description="医院（申请医院）")
    special_drug_from: date | None = Field(
        default=None, description="该医院特殊药品指定医院开始时间（P069；未指定为空）"
    )
    appl_date: date = Field(description="申请日期")
    bilg_dr_certno: str = Field(min_length=1, max_length=18, description="开单医保医师（特殊药品指定医师）身份证号码")
    pool_status: Literal["certified", "removed"] | None = Field(
        default=None, description="该医师在特殊药品定岗医师库的状态（未入库为空）"
    )
    pool_fixmedins_code: str | None = Field(default=None, description="该医师定岗的医疗机构编号")
    pro_tech_duty: Title | None = Field(default=None, description="该医师职称")
    pool_drugs: list[str] = Field(default_factory=list, description="该医师定岗的特殊药品（医保通用项目编码）")
    hilist_code: str = Field(min_length=1, max_length=50, description="申请药品（医保通用项目编码）")


def five_fixes_verdict(inp: FiveFixesInput, _: RuleContext) -> Verdict:
    """R28: 定医院 (a 特药指定医院 on the date), 定医师 (certified there, 主任或副主任医师), 定药品 (one of theirs)."""
    reasons = []
    if inp.special_drug_from is None or inp.special_drug_from > inp.appl_date:
        since = f"（自{inp.special_drug_from.isoformat()}起）" if inp.special_drug_from else ""
        reasons.append(
            Reason(
                code="HOSPITAL_NOT_DESIGNATED",
                message_zh=f"{inp.fixmedins_code}在{inp.appl_date.isoformat()}不是特殊药品指定医院{since}",
                message_en=f"{inp.fixmedins_code} is not designated for special drugs on {inp.appl_date.isoformat()}",
                field="fixmedins_code",
            )
        )
    if inp.pro_tech_duty is not None and inp.pro_tech_duty not in SENIOR_TITLES:
        reasons.append(
            Reason(
                code="TITLE_NOT_ELIGIBLE",
                message_zh=f"开单医保医师职称为{inp.pro_tech_duty}，低于副主任医师，不能办理特殊药品用药资格",
                message_en=f"the prescribing physician is a {inp.pro_tech_duty}, below 副主任医师",
                field="bilg_dr_certno",
            )
        )
    if inp.pool_status != CERTIFIED:
        reasons.append(
            Reason(
                code="PHYSICIAN_NOT_IN_POOL",
                message_zh=f"开单医保医师 {inp.bilg_dr_certno} 不在特殊药品定岗医师库中",
                message_en=f"the prescribing physician {inp.bilg_dr_certno} is not in the special-drug physician pool",
                field="bilg_dr_certno",
            )
        )
    if inp.pool_status == CERTIFIED and inp.pool_fixmedins_code != inp.fixmedins_code:
        reasons.append(
            Reason(
                code="PHYSICIAN_AT_ANOTHER_HOSPITAL",
                message_zh=f"开单医保医师定岗于{inp.pool_fixmedins_code}，不是申请医院{inp.fixmedins_code}",
                message_en=f"the physician is designated at {inp.pool_fixmedins_code}, not {inp.fixmedins_code}",
                field="bilg_dr_certno",
            )
        )
    if inp.pool_status == CERTIFIED and inp.hilist_code not in inp.pool_drugs:
        reasons.append(
            Reason(
                code="DRUG_NOT_DESIGNATED",
                message_zh=f"药品 {inp.hilist_code} 不是该定岗医师负责的特殊药品",
                message_en=f"{inp.hilist_code} is not among the physician's designated special drugs",
                field="hilist_code",
            )
        )
    return Verdict(allowed=not reasons, reasons=reasons)


FIVE_FIXES = Rule(
    id="special_drug_five_fixes",
    process_id="P060",
    also_applies_to=("P090",),
    name_zh="特殊药品“五定”（定医院、定医师、定药品）",
    name_en="special drugs: the designated hospital, physician and drug",
    source_zh="P090「特殊药品使用实行定医院、定医师、定患者、定药品、定用量的“五定”管理机制。」「原则上为主任或副主任医师，"
    "并且只负责与自身疾病诊治专业方向相对应的特殊药品处方开具和特殊药品用药资格认定办理。」P060「根据《贵州省医疗保险特殊"
    "药品用药资格申请表》录入医院、开单医保医师（特殊药品指定医师）」",
    source_ref=f"{SEED} L5371-5373, L5399-5401, L2838-2842",
    input_model=FiveFixesInput,
    output_model=Verdict,
    fn=five_fixes_verdict,
    example={
        "fixmedins_code": "H52010200001",
        "special_drug_from": "2026-12-01",
        "appl_date": "2026-12-05",
        "bilg_dr_certno": "520102197503150011",
        "pool_status": "certified",
        "pool_fixmedins_code": "H52010200001",
        "pro_tech_duty": "主任医师",
        "pool_drugs": ["XL01XC032B001010104418"],
        "hilist_code": "XL01XC032B001010104418",
    },
)

RULES = (DESIGNATED_PHYSICIAN, FIVE_FIXES)


# ---- The same rules on a stage's looked-up facts ------------------------------------------------------------------


def check_hospital(
    data: Mapping[str, Any], fact: str = INSTITUTION_FACT, code_field: str = "fixmedins_code", *, active: bool = True
) -> None:
    """The 医疗机构编号 entered under `code_field` is a 定点医疗机构 (looked up as `fact`), in effect when `active`."""
    found, code = data.get(fact), data.get(code_field)
    if not found:
        raise Conflict(
            "INSTITUTION_NOT_FOUND",
            f"{code}不是已登记的定点医药机构",
            f"{code} is not a registered designated institution",
            code_field,
        )
    if found.get("fixmedins_type") != MEDICAL_INSTITUTION:
        raise Conflict(
            "NOT_A_HOSPITAL",
            f"{code}（{found.get('fixmedins_name')}）不是定点医疗机构",
            f"{code} is not a designated medical institution",
            code_field,
        )
    if active and found.get("status") != ACTIVE:
        raise Conflict(
            "INSTITUTION_NOT_ACTIVE",
            f"{code}（{found.get('fixmedins_name')}）定点状态为{found.get('status')}，不能办理",
            f"{code} is not active ({found.get('status')})",
            code_field,
        )


def check_designated_physician(data: Mapping[str, Any], on: date) -> None:
    """R27 on a stage: the looked-up hospital (in effect, 二级及以上) and the 职称 entered (or held)."""
    check_hospital(data)
    fact = data[INSTITUTION_FACT]
    raw = {
        "fixmedins_code": data["fixmedins_code"],
        "fixmedins_type": fact.get("fixmedins_type"),
        "hosp_lv": fact.get("hosp_lv") or "",
        "pro_tech_duty": data["pro_tech_duty"],
    }
    if (error := refusal(evaluate(DESIGNATED_PHYSICIAN, raw, on))) is not None:
        raise error


def five_fixes_input(data: Mapping[str, Any]) -> dict[str, Any]:
    """The R28 input from a P060 step: what it names, and the hospital and physician as looked up."""
    hospital = data.get(INSTITUTION_FACT) or {}
    designation = (hospital.get("designations") or {}).get(SPECIAL_DRUG_DESIGNATION) or {}
    physician = data.get(PHYSICIAN_FACT) or {}
    pool = (physician.get("pools") or {}).get(SPECIAL_DRUG) or {}
    return {
        "fixmedins_code": data["fixmedins_code"],
        "special_drug_from": designation.get("begndate"),
        "appl_date": data["appl_date"],
        "bilg_dr_certno": data["bilg_dr_certno"],
        "pool_status": pool.get("status"),
        "pool_fixmedins_code": pool.get("fixmedins_code"),
        "pro_tech_duty": physician.get("pro_tech_duty"),
        "pool_drugs": [d["hilist_code"] for d in pool.get("drugs") or []],
        "hilist_code": data["hilist_code"],
    }


def check_five_fixes(data: Mapping[str, Any], on: date) -> None:
    """R28 on a P060 step: the hospital in effect, then 定医院、定医师、定药品."""
    check_hospital(data)
    if (error := refusal(evaluate(FIVE_FIXES, five_fixes_input(data), on))) is not None:
        raise error
