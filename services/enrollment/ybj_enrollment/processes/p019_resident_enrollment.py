"""P019 城乡居民参保登记 (参保个人信息录入), single mode: 参保属地信息录入 → 居民参保信息录入."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from ybj_enrollment.processes.fields import checked_certno
from ybj_enrollment.processes.uniqueness import BASIC_MEDICAL_ENROLLMENT
from ybj_enrollment.registries.codes import psn_no_for
from ybj_kernel.domain.identity import birth_date_of, gender_of
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import Admdvs, bilingual

RESIDENT_INSUTYPE: Literal["390"] = "390"  # 城乡居民基本医疗保险, the system default (参保险种系统默认)


class ResidenceUnit(BaseModel):
    """参保属地信息录入: the 居民单位 (village or community) the resident is enrolled under."""

    emp_no: str = Field(min_length=1, max_length=30, description="单位编号")
    emp_name: str = Field(min_length=1, max_length=200, description="单位名称")
    emp_mgt_type: str | None = Field(default=None, max_length=6, description="单位管理类型")
    admdvs: Admdvs = Field(description="医保区划")


class ResidentEnrollment(BaseModel):
    """居民参保信息录入: the person, the insurance type and the enrollment period."""

    psn_cert_type: Literal["01", "02", "03", "04", "05", "06", "07", "08"] = Field(
        default="01", description="证件类型 (01 居民身份证)"
    )
    certno: str = Field(min_length=1, max_length=50, description="证件号码")
    psn_name: str = Field(min_length=1, max_length=50, description="姓名")
    naty: str = Field(pattern=r"^\d{2}$", description="民族 (01 汉族 …)")
    gend: Literal["1", "2", "9"] = Field(description="性别 (1 男, 2 女)")
    brdy: date = Field(description="出生日期")
    tel: str | None = Field(default=None, pattern=r"^[\d\-+]{5,20}$", description="联系电话")
    bank_acct: str | None = Field(default=None, max_length=40, description="银行信息")
    insutype: Literal["390"] = Field(default=RESIDENT_INSUTYPE, description="参保险种")
    begndate: date = Field(description="本次参保日期")
    fst_insu_ym: str = Field(pattern=r"^\d{6}$", description="首次参保年月 (YYYYMM)")
    psn_type: str = Field(min_length=1, max_length=6, description="人员类别")
    clct_grade: str = Field(min_length=1, max_length=6, description="缴费档次")
    clct_way: str = Field(min_length=1, max_length=6, description="征收方式")
    max_acct_prd: str = Field(pattern=r"^\d{6}$", description="最大做账期号 (YYYYMM)")

    @field_validator("certno")
    @classmethod
    def _certno(cls, value: str, info: ValidationInfo) -> str:
        return checked_certno(value, info)

    @field_validator("gend")
    @classmethod
    def _gend_matches_certno(cls, value: str, info: ValidationInfo) -> str:
        certno = _resident_certno(info)
        if certno and value != gender_of(certno):
            raise bilingual("性别与身份证号不一致", "gend does not match the 17th digit of certno")
        return value

    @field_validator("brdy")
    @classmethod
    def _brdy_matches_certno(cls, value: date, info: ValidationInfo) -> date:
        certno = _resident_certno(info)
        if certno and value != birth_date_of(certno):
            raise bilingual("出生日期与身份证号不一致", "brdy does not match the birth date inside certno")
        return value

    @field_validator("begndate")
    @classmethod
    def _begins_after_birth(cls, value: date, info: ValidationInfo) -> date:
        born = info.data.get("brdy")
        if born is not None and value < born:
            raise bilingual("本次参保日期早于出生日期", "begndate is before the birth date")
        return value


def _resident_certno(info: ValidationInfo) -> str | None:
    """The validated 居民身份证号, when the person presented one."""
    if info.data.get("psn_cert_type", "01") != "01":
        return None
    certno = info.data.get("certno")
    return str(certno) if certno else None


PERSON_EXAMPLE = {
    "certno": "52011519850312002X",
    "psn_name": "王芳",
    "naty": "01",
    "gend": "2",
    "brdy": "1985-03-12",
    "begndate": "2026-01-01",
    "fst_insu_ym": "202601",
    "psn_type": "11",
    "clct_grade": "1",
    "clct_way": "1",
    "max_acct_prd": "202612",
}


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """The resident is enrolled in 390 under their 居民单位 (the person opened on first enrollment)."""
    psn_no = psn_no_for(str(data["certno"]))
    enrollment = {
        "psn_no": psn_no,
        **{k: data.get(k) for k in ("psn_cert_type", "certno", "psn_name", "gend", "naty", "brdy", "tel")},
        "insutype": RESIDENT_INSUTYPE,
        "emp_no": data["emp_no"],
        "begndate": data["begndate"],
        "psn_type": data["psn_type"],
    }
    return [
        Effect("certno", str(data["certno"]), "hold", {"target": psn_no}),
        Effect("person", psn_no, "enroll", enrollment),
    ]


P019 = ProcessDefinition(
    id="P019",
    slug="urban_rural_resident_enrollment_registration",
    name_zh="参保个人信息录入（城乡居民参保登记）",
    service="enrollment",
    variants=(Variant("single", "单个模式"), Variant("batch", "批量模式")),
    materials=(
        Material(
            "有效身份证件（有效身份证件包括身份证、居住证、户口簿、护照、港澳居民来往内地通行证、港澳台居民居住证、"
            "外国人永久居留证等）或社保卡、医保电子凭证"
        ),
        Material("《XX地区城乡居民基本医疗保险参保登记表》"),
        Material(
            "代办人身份证原件和办理人员有效身份证件复印件或社保卡复印件（代办）", required=False, condition_zh="代办"
        ),
    ),
    stages=(
        Stage(
            "select_residence_unit",
            "参保属地信息录入（居民单位信息）",
            ("registrar", "channel"),
            "ResidenceUnitSelected",
            input=ResidenceUnit,
            example={"emp_no": "52011500001", "emp_name": "金华园社区", "admdvs": "520115"},
        ),
        Stage(
            "register",
            "居民参保信息录入（单个模式）",
            ("registrar", "channel"),
            "Registered",
            input=ResidentEnrollment,
            unique=BASIC_MEDICAL_ENROLLMENT,
            variants=frozenset({"single"}),
            example=PERSON_EXAMPLE,
        ),
        Stage(
            "batch_register",
            "居民参保信息录入（批量模式：下载模板、填写、导入）",
            ("registrar",),
            "Registered",
            input=ResidentEnrollment,
            unique=BASIC_MEDICAL_ENROLLMENT,
            variants=frozenset({"batch"}),
            batch=True,
            example=PERSON_EXAMPLE,
        ),
    ),
    effects=effects,
)
