"""P055 门诊慢特病病种待遇认定: three sub-flows over the person's `qualification` entry (门慢门特 part).

- 国家医疗保障信息平台—门慢门特登记: 登记 (病种代码、认定定点医药机构编号、定点医药机构编号) → 审核 (单次或批量,
  审核标志 通过/不通过). On approval the 病种 is in effect with its hospitals.
- 国家医疗保障信息平台—门慢门特撤销: 撤销 (查询确认信息后点击撤销) → 撤销审核. On approval the 病种 is revoked.
- 贵州省医疗保障信息系统—慢特病联网申请: 申报资料上传 (医院端 or 政务大厅) → 初审 → 复审 (「同意申办，请打印医疗证」)
  → 特殊疾病资格审批登记 (申办病种、选定医院) → 特殊疾病处方本编号 → optionally 资格审批登记撤销 (病种 or 选定医院).
  「不符合申办条件，填写审批意见，点击审核不通过，退回至医院端或上传端用户」: a review's rejection, its comment the 审批意见.

Both applications carry the 《贵州省门诊慢特病病种待遇认定申请表》: the latest 出院记录 must be 「近两年内」 (rule
`chronic_disease_recent_records`) and the 定点医疗机构审核意见 signed by a 「副主任（及以上）医师」 (rule
`chronic_disease_signer_title`). The national 认定定点医药机构 must be a 门诊慢特病病种申办指定定点医疗机构 (P070: the
institution's designations["chronic_disease"]). The person must be insured on the day the qualification begins.
The 医疗证 is printed once a qualification is granted.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.identity import certno_problem
from ybj_kernel.domain.process import Lookup, Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.rules import evaluate, refusal
from ybj_kernel.domain.validation import bilingual
from ybj_kernel.errors import Conflict
from ybj_treatment.documents.eligibility import P055_CERTIFICATE
from ybj_treatment.insured import INSURED, INSURED_FACT, check_insured, psn_no_of
from ybj_treatment.registries.eligibility import QUALIFICATION_REGISTRY, DiseaseCode, FixmedinsCode
from ybj_treatment.rules.eligibility import RECENT_RECORDS, SIGNER_TITLE, Title

NATIONAL_REGISTER, NATIONAL_REVOKE, PROVINCIAL = "national_register", "national_revoke", "provincial_online"
IDE_INSTITUTION = "ide_institution"  # the looked-up 认定定点医药机构
CHRONIC_DESIGNATION = "chronic_disease"  # P070 门诊慢特病病种申办指定定点医疗机构
APPROVED_OPINION = "同意申办，请打印医疗证"
# 特殊病种类型 ([A] codes of this platform; the 申请表 separates 「慢性疾病」 and 「规定疾病」).
OPSP_TYPES = {"1": "门诊慢性病", "2": "门诊特殊病（规定病种）"}


class PersonByCertificate(BaseModel):
    """证件类型（默认居民身份证）+ 证件号码, or the 医保电子凭证."""

    mdtrt_cert_type: Literal["01", "02", "03"] = Field(
        default="02", description="就医凭证类型 (01 医保电子凭证, 02 身份证, 03 社保卡)"
    )
    psn_cert_type: Literal["01", "02", "03", "04", "05", "06", "07", "08"] = Field(
        default="01", description="证件类型（默认居民身份证）"
    )
    certno: str = Field(min_length=1, max_length=50, description="证件号码（身份证号码）")
    ec_token: str | None = Field(default=None, max_length=200, description="医保电子凭证令牌 ecToken")

    @field_validator("certno")
    @classmethod
    def _certno(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("psn_cert_type", "01") == "01" and (
            problem := certno_problem(value.upper(), today=today_of(info))
        ):
            raise bilingual(f"证件号码无效：{problem[0]}", f"invalid 居民身份证号: {problem[1]}")
        return value.upper()


def _distinct(codes: list[str], what_zh: str) -> list[str]:
    if len(set(codes)) != len(codes):
        raise bilingual(f"{what_zh}重复", f"{what_zh}: a code is listed twice")
    return codes


def check_rule_inputs(rule_input: Mapping[str, Any], rule: Any, today: date) -> None:
    """Run one of the area's rules on a model's values, raising its refusal (naming the form's field)."""
    if (error := refusal(evaluate(rule, rule_input, today))) is not None:
        raise error


class ApplicationForm(PersonByCertificate):
    """The 申请表's checks: the latest 出院记录 and who signed the 定点医疗机构审核意见."""

    dscg_date: date = Field(description="近期出院记录（检查、化验报告）日期")
    ide_dr_name: str = Field(min_length=1, max_length=50, description="定点医疗机构审核医师姓名")
    ide_dr_title: Title = Field(description="定点医疗机构审核医师职称（副主任及以上）")

    @model_validator(mode="after")
    def _form_rules(self, info: ValidationInfo) -> ApplicationForm:
        today = today_of(info)
        check_rule_inputs({"record_date": self.dscg_date, "applied_on": today}, RECENT_RECORDS, today)
        check_rule_inputs({"title": self.ide_dr_title}, SIGNER_TITLE, today)
        return self


class Disease(BaseModel):
    """One 病种 and its 选定医院, from when."""

    opsp_dise_code: DiseaseCode = Field(description="病种代码（申办病种）")
    opsp_dise_name: str = Field(min_length=1, max_length=100, description="病种名称")
    fixmedins_codes: list[FixmedinsCode] = Field(min_length=1, description="定点医药机构编号（选定医院，可多个）")
    begndate: date | None = Field(default=None, description="认定开始日期（默认当天）")

    @field_validator("fixmedins_codes")
    @classmethod
    def _once(cls, value: list[str]) -> list[str]:
        return _distinct(value, "选定医院")

    @model_validator(mode="after")
    def _from_today(self, info: ValidationInfo) -> Disease:
        if self.begndate is None:
            self.begndate = today_of(info)
        return self


class ChronicRegistration(ApplicationForm, Disease):
    """门慢门特登记: the person, the 病种, the 认定定点医药机构 and the 定点医药机构, per the 申请表."""

    opsp_type: Literal["1", "2"] | None = Field(default=None, description="特殊病种类型 (1 门诊慢性病, 2 门诊特殊病)")
    ide_fixmedins_no: FixmedinsCode = Field(description="认定定点医药机构编号")


class ChronicRevocationRequest(PersonByCertificate):
    """门慢门特撤销: which 病种, why, and from when."""

    opsp_dise_code: DiseaseCode = Field(description="病种代码")
    rvk_rea: str = Field(min_length=1, max_length=200, description="撤销原因")
    enddate: date | None = Field(default=None, description="撤销生效日期（默认当天）")

    @model_validator(mode="after")
    def _from_today(self, info: ValidationInfo) -> ChronicRevocationRequest:
        if self.enddate is None:
            self.enddate = today_of(info)
        return self


class MaterialsUpload(ApplicationForm):
    """慢特病申报资料上传: 特殊病种类型, 网络地址 (e.g. 01-政务大厅) and the 材料类型 photographed and uploaded."""

    opsp_type: Literal["1", "2"] = Field(description="特殊病种类型 (1 门诊慢性病, 2 门诊特殊病)")
    ntwk_addr: str = Field(pattern=r"^\d{2}$", description="网络地址（如 01 政务大厅）")
    mat_types: list[str] = Field(min_length=1, description="材料类型（已拍摄上传）")

    @field_validator("mat_types")
    @classmethod
    def _named(cls, value: list[str]) -> list[str]:
        if any(not m.strip() or len(m) > 50 for m in value):
            raise bilingual("材料类型不能为空且不超过50字", "each 材料类型 is 1-50 characters")
        return _distinct(value, "材料类型")


class ReviewOpinion(BaseModel):
    """审批意见 (a rejection's opinion is its comment)."""

    aprv_opnn: str | None = Field(default=None, max_length=200, description="审批意见")


class SecondReviewOpinion(BaseModel):
    """复审: 「符合申办条件，填写审批意见：同意申办，请打印医疗证，点击审核通过」."""

    aprv_opnn: str = Field(default=APPROVED_OPINION, min_length=1, max_length=200, description="审批意见")


class QualificationRegistration(Disease):
    """特殊疾病资格审批登记: 申办病种、选定医院 (「选定多个医院的，按上述步骤重复录入」: one list here)."""


class QualificationRevocation(BaseModel):
    """特殊疾病资格审批登记撤销: 「勾选需要撤销的病种或选定的医院」 (no hospital listed: the whole 病种)."""

    rvk_dise_code: DiseaseCode = Field(description="撤销的病种代码")
    rvk_fixmedins_codes: list[FixmedinsCode] = Field(default_factory=list, description="撤销的选定医院（空：撤销病种）")
    rvk_rea: str = Field(min_length=1, max_length=200, description="撤销原因")
    rvk_date: date | None = Field(default=None, description="撤销生效日期（默认当天）")

    @model_validator(mode="after")
    def _from_today(self, info: ValidationInfo) -> QualificationRevocation:
        if self.rvk_date is None:
            self.rvk_date = today_of(info)
        return self


def _designation_facts(state: Mapping[str, Any]) -> dict[str, Any]:
    keep = ("fixmedins_code", "fixmedins_name", "fixmedins_type", "status", "designations")
    return {k: state.get(k) for k in keep}


IDE = Lookup(IDE_INSTITUTION, "institution", lambda d: d.get("ide_fixmedins_no"), pick=_designation_facts)


def insured_from_begndate(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """Insured on the day the qualification begins (the person as looked up by this step or an earlier one)."""
    check_insured({**current, **step}, on=date.fromisoformat(str(step["begndate"])))


def known_person(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """Someone the platform knows (a revocation does not need them insured still)."""
    if not step.get(INSURED_FACT):
        raise Conflict(
            "NOT_INSURED",
            f"证件号码 {step.get('certno')} 未在本省参保登记",
            f"{step.get('certno')} is not enrolled here",
            "certno",
        )


def designated_for_chronic_disease(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The 认定定点医药机构 is a 门诊慢特病病种申办指定定点医疗机构 (P070), active."""
    found = step.get(IDE_INSTITUTION)
    code = step.get("ide_fixmedins_no")
    if not found or CHRONIC_DESIGNATION not in (found.get("designations") or {}) or found.get("status") != "active":
        raise Conflict(
            "NOT_CHRONIC_DESIGNATED",
            f"认定定点医药机构 {code} 不是门诊慢特病病种申办指定定点医疗机构（或已暂停）",
            f"{code} is not (or no longer) designated to certify chronic/special diseases",
            "ide_fixmedins_no",
        )


def the_person(_: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """人员编号 and 姓名 from the looked-up person."""
    return {"psn_no": psn_no_of(step), "psn_name": str((step.get(INSURED_FACT) or {}).get("psn_name") or "")}


def disease_list(code: Any, name: Any) -> list[str]:
    """The 病种 as the 医疗证 lists them."""
    return [f"{code} {name}"]


def on_certificate(step: Mapping[str, Any]) -> dict[str, Any]:
    """What the 医疗证 shows of a 病种 granted: the 病种 and its 选定医院."""
    return {
        "dise_list": disease_list(step["opsp_dise_code"], step["opsp_dise_name"]),
        "cert_fixmedins_codes": list(step["fixmedins_codes"]),
    }


def registered(_: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """The person, and the 病种 as the certificate shows it."""
    return {**the_person(_, step), **on_certificate(step)}


def qualified(_: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """The 病种 as the certificate shows it."""
    return on_certificate(step)


def after_revocation(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """The certificate without what this step revoked of the 病种 the case granted (another 病种: unchanged)."""
    if step["rvk_dise_code"] != current.get("opsp_dise_code"):
        return {}
    if not step.get("rvk_fixmedins_codes"):
        return {"dise_list": [], "cert_fixmedins_codes": []}
    dropped = set(step["rvk_fixmedins_codes"])
    return {"cert_fixmedins_codes": [c for c in current["cert_fixmedins_codes"] if c not in dropped]}


def book_number(current: Mapping[str, Any], _: Mapping[str, Any]) -> dict[str, Any]:
    """特殊疾病处方本编号, given by the system on 保存 ([A] this platform's format: 人员编号-病种代码)."""
    return {"prescription_book_no": f"{current['psn_no']}-{current['opsp_dise_code']}"}


def chronic_args(data: Mapping[str, Any], channel: str) -> dict[str, Any]:
    """The `register_chronic` arguments of a granted 病种."""
    args = {
        "psn_no": data["psn_no"],
        "certno": data["certno"],
        "psn_name": data["psn_name"],
        "opsp_dise_code": data["opsp_dise_code"],
        "opsp_dise_name": data["opsp_dise_name"],
        "opsp_type": data.get("opsp_type"),
        "ide_fixmedins_no": data.get("ide_fixmedins_no") if channel == "national" else None,
        "fixmedins_codes": list(data["fixmedins_codes"]),
        "begndate": data["begndate"],
        "channel": channel,
        "prescription_book_no": data.get("prescription_book_no"),
        "process_id": "P055",
    }
    return {k: v for k, v in args.items() if v is not None}


def effects(data: Mapping[str, Any], variant: str | None) -> list[Effect]:
    """Granting (or revoking) the 病种 on the person's qualification entry."""
    psn_no = str(data["psn_no"])
    if variant == NATIONAL_REVOKE:
        revocation = {"opsp_dise_code": data["opsp_dise_code"], "fixmedins_codes": [], "on": data["enddate"]}
        return [Effect(QUALIFICATION_REGISTRY, psn_no, "revoke_chronic", revocation)]
    channel = "national" if variant == NATIONAL_REGISTER else "provincial"
    granted = [Effect(QUALIFICATION_REGISTRY, psn_no, "register_chronic", chronic_args(data, channel))]
    if variant == PROVINCIAL and data.get("rvk_dise_code"):
        revocation = {
            "opsp_dise_code": data["rvk_dise_code"],
            "fixmedins_codes": list(data.get("rvk_fixmedins_codes") or []),
            "on": data["rvk_date"],
        }
        granted.append(Effect(QUALIFICATION_REGISTRY, psn_no, "revoke_chronic", revocation))
    return granted


# 陈静 (enrollment's P002 example: 职工 310 from 2026-12-01) applying for 支气管哮喘, one of the two diseases the seed's
# 年审表 names. The 病种代码 are example values (check them against the national 门慢门特病种代码表).
PERSON = {"certno": "520102199003070022"}
FORM = {"dscg_date": "2026-10-20", "ide_dr_name": "李明", "ide_dr_title": "副主任医师"}
ASTHMA = {"opsp_dise_code": "M00001", "opsp_dise_name": "支气管哮喘"}
HOSPITAL = "H52010200001"  # 贵阳市第一人民医院: admitted by the P065 example, designated by P070's
SECOND_HOSPITAL = "H52010300001"  # a second 选定医院: example value
NATIONAL, REVOKE, ONLINE = frozenset({NATIONAL_REGISTER}), frozenset({NATIONAL_REVOKE}), frozenset({PROVINCIAL})

P055 = ProcessDefinition(
    id="P055",
    slug="chronic_special_disease_benefit_certification",
    name_zh="门诊慢特病病种待遇认定",
    service="treatment",
    variants=(
        Variant(NATIONAL_REGISTER, "国家医疗保障信息平台—门慢门特登记"),
        Variant(NATIONAL_REVOKE, "国家医疗保障信息平台—门慢门特撤销"),
        Variant(PROVINCIAL, "贵州省医疗保障信息系统—慢特病联网申请"),
    ),
    materials=(
        Material("《贵州省门诊慢特病病种待遇认定申请表》", required=False, condition_zh="申办"),
        Material(
            "近两年内的出院记录及相关检查、化验报告原件（复印件需要医院盖章）", required=False, condition_zh="申办"
        ),
        Material("社会保障卡（申办、领证时出示）", required=False, condition_zh="申办、领证"),
    ),
    stages=(
        Stage(
            "register",
            "门慢门特登记（录入病种代码、认定定点医药机构编号、定点医药机构编号等必填信息，提交保存）",
            ("registrar", "channel"),
            "Registered",
            input=ChronicRegistration,
            lookups=(INSURED, IDE),
            checks=(insured_from_begndate, designated_for_chronic_disease),
            derive=registered,
            variants=NATIONAL,
            example={
                **PERSON,
                **FORM,
                **ASTHMA,
                "opsp_type": "1",
                "ide_fixmedins_no": HOSPITAL,
                "fixmedins_codes": [HOSPITAL],
                "begndate": "2026-12-05",
            },
        ),
        Stage(
            "review",
            "门慢门特登记审核（单次审核或批量审核，审核标志：通过或不通过）",
            ("first_reviewer",),
            "ReviewApproved",
            review=True,
            batch=True,
            variants=NATIONAL,
        ),
        Stage(
            "revoke",
            "门慢门特撤销（查询确认信息后点击撤销）",
            ("registrar",),
            "RevocationRegistered",
            input=ChronicRevocationRequest,
            lookups=(INSURED,),
            checks=(known_person,),
            derive=the_person,
            variants=REVOKE,
            example={**PERSON, "opsp_dise_code": ASTHMA["opsp_dise_code"], "rvk_rea": "本人申请撤销"},
        ),
        Stage(
            "revoke_review",
            "门慢门特撤销审核（单次审核或批量审核）",
            ("first_reviewer",),
            "RevocationApproved",
            review=True,
            batch=True,
            variants=REVOKE,
        ),
        Stage(
            "upload_materials",
            "慢特病申报资料上传（医院端或上传端拍摄并上传申报材料）",
            # 「久远银海系统医院端进行参保人员信息上传或登录贵州省医疗保障信息系统」 (网络地址 01-政务大厅: a counter).
            ("registrar", "institution", "channel"),
            "MaterialsUploaded",
            input=MaterialsUpload,
            lookups=(INSURED,),
            checks=(known_person,),
            derive=the_person,
            variants=ONLINE,
            example={**PERSON, **FORM, "opsp_type": "1", "ntwk_addr": "01", "mat_types": ["申请表", "出院记录"]},
        ),
        Stage(
            "first_review",
            "慢特病联网申请初审（不符合的填写审批意见，退回至医院端或上传端用户）",
            ("first_reviewer",),
            "FirstReviewApproved",
            review=True,
            input=ReviewOpinion,
            variants=ONLINE,
        ),
        Stage(
            "second_review",
            "慢特病联网申请复审（审批意见：同意申办，请打印医疗证）",
            ("second_reviewer",),
            "SecondReviewApproved",
            review=True,
            input=SecondReviewOpinion,
            variants=ONLINE,
        ),
        Stage(
            "qualification_registration",
            "特殊疾病资格审批登记（录入申办病种、选定医院；选定多个医院的重复录入）",
            ("registrar",),
            "QualificationRegistered",
            input=QualificationRegistration,
            checks=(insured_from_begndate,),
            derive=qualified,
            variants=ONLINE,
            example={**ASTHMA, "fixmedins_codes": [HOSPITAL, SECOND_HOSPITAL], "begndate": "2026-12-05"},
        ),
        Stage(
            "prescription_book_numbering",
            "特殊疾病处方本编号",
            ("registrar",),
            "PrescriptionBookNumbered",
            derive=book_number,
            variants=ONLINE,
        ),
        Stage(
            "qualification_revocation",
            "特殊疾病资格审批登记撤销（勾选需要撤销的病种或选定的医院）",
            ("registrar",),
            "QualificationRevoked",
            optional=True,
            input=QualificationRevocation,
            derive=after_revocation,
            variants=ONLINE,
            example={
                "rvk_dise_code": ASTHMA["opsp_dise_code"],
                "rvk_fixmedins_codes": [SECOND_HOSPITAL],
                "rvk_rea": "不再选定该医院",
            },
        ),
    ),
    effects=effects,
    documents=(P055_CERTIFICATE,),
)
