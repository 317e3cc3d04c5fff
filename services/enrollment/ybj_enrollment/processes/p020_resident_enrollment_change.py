"""P020 参保信息变更登记 (城乡居民): 单个模式 (按证件号码查询, 变更人员基本信息) and 批量模式 (导盘 per 参保单位).

Either changes the resident's 人员基本信息 and the 参保信息 of their 390 relation in the person registry; a changed
证件号码 moves the certno index with it. The batch file names each row's 参保单位编号 and 个人参保编号, which cannot
change (「此表明确参保单位编号和个人参保编号不能变更」): a row naming another unit, or a 人员编号 that is not the
证件号码's, is refused. Stepping a completed case back (or cancelling it) restores the record as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from ybj_enrollment.processes.fields import CertType
from ybj_enrollment.registries.codes import psn_no_for
from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.identity import birth_date_of, certno_problem, gender_of
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import bilingual
from ybj_kernel.errors import InvalidInput

RESIDENT = "390"  # 城乡居民基本医疗保险
INFO = {  # 人员基本信息 entered as → the person record's field
    "new_psn_name": "psn_name",
    "new_gend": "gend",
    "new_naty": "naty",
    "new_brdy": "brdy",
    "new_psn_cert_type": "psn_cert_type",
    "new_certno": "certno",
    "tel": "tel",
    "addr": "addr",
}
TERMS = ("psn_type", "clct_grade", "clct_way")  # 参保信息 of the 390 relation


class ResidentChange(BaseModel):
    """人员查询 (证件号码), then the 人员基本信息 and 参保信息 that change (those left out stay as they are)."""

    psn_cert_type: CertType = Field(default="01", description="证件类型 (01 居民身份证)")
    certno: str = Field(min_length=1, max_length=50, description="证件号码")
    psn_no: str | None = Field(default=None, max_length=30, description="个人参保编号 (不填按证件号码查找)")
    emp_no: str | None = Field(default=None, max_length=30, description="参保单位编号 (核对，不能变更)")
    new_psn_cert_type: CertType | None = Field(default=None, description="证件类型（变更后）")
    new_certno: str | None = Field(default=None, min_length=1, max_length=50, description="证件号码（变更后）")
    new_psn_name: str | None = Field(default=None, min_length=1, max_length=50, description="姓名（变更后）")
    new_gend: Literal["1", "2", "9"] | None = Field(default=None, description="性别（变更后） (1 男, 2 女)")
    new_naty: str | None = Field(default=None, pattern=r"^\d{2}$", description="民族（变更后） (01 汉族 …)")
    new_brdy: date | None = Field(default=None, description="出生日期（变更后）")
    tel: str | None = Field(default=None, pattern=r"^[\d\-+]{5,20}$", description="联系电话")
    addr: str | None = Field(default=None, min_length=1, max_length=200, description="联系地址")
    psn_type: str | None = Field(default=None, min_length=1, max_length=6, description="人员类别")
    clct_grade: str | None = Field(default=None, min_length=1, max_length=6, description="缴费档次")
    clct_way: str | None = Field(default=None, min_length=1, max_length=6, description="征收方式")

    @field_validator("certno")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @field_validator("new_certno")
    @classmethod
    def _new_certno(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("new_psn_cert_type") or info.data.get("psn_cert_type", "01")
        if value is None or kind != "01":
            return value
        if problem := certno_problem(value.upper(), today=today_of(info)):
            raise bilingual(f"证件号码无效：{problem[0]}", f"invalid 居民身份证号: {problem[1]}")
        return value.upper()

    @field_validator("new_gend")
    @classmethod
    def _gend(cls, value: str | None, info: ValidationInfo) -> str | None:
        certno = _identity_certno(info)
        if value is not None and certno and value != gender_of(certno):
            raise bilingual("性别与身份证号不一致", "new_gend does not match the 17th digit of the certno")
        return value

    @field_validator("new_brdy")
    @classmethod
    def _brdy(cls, value: date | None, info: ValidationInfo) -> date | None:
        certno = _identity_certno(info)
        if value is not None and certno and value != birth_date_of(certno):
            raise bilingual("出生日期与身份证号不一致", "new_brdy does not match the birth date inside the certno")
        return value


class ResidentBatchRow(ResidentChange):
    """批量参保人员变更信息表 row: 参保单位编号 and 个人参保编号 are given, and cannot change."""

    psn_no: str = Field(min_length=1, max_length=30, description="个人参保编号 (不能变更)")
    emp_no: str = Field(min_length=1, max_length=30, description="参保单位编号 (确定属地，不能变更)")


def _identity_certno(info: ValidationInfo) -> str | None:
    """The 居民身份证号 the person will hold after the change, whose 性别 and 出生日期 the others must match."""
    kind = info.data.get("new_psn_cert_type") or info.data.get("psn_cert_type", "01")
    certno = info.data.get("new_certno") or info.data.get("certno")
    return str(certno) if kind == "01" and certno and not certno_problem(str(certno)) else None


def something_changes(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """A change must change something."""
    if not any(step.get(k) is not None for k in (*INFO, *TERMS)):
        raise InvalidInput("NOTHING_CHANGES", "没有需要变更的信息", "nothing to change", "new_psn_name")


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """The 390 relation is checked (in effect, under the unit named) and changed; then the person's information."""
    certno = str(data["certno"])
    psn_no = str(data.get("psn_no") or psn_no_for(certno))
    relation = {"insutype": RESIDENT, "certno": certno, "emp_no": data.get("emp_no")}
    relation.update({k: data[k] for k in TERMS if data.get(k) is not None})
    found = [Effect("person", psn_no, "change_relation", {k: v for k, v in relation.items() if v is not None})]
    info = {field: data[k] for k, field in INFO.items() if data.get(k) is not None}
    if info:
        found.append(Effect("person", psn_no, "change_info", info))
    new_certno = data.get("new_certno")
    if new_certno and new_certno != certno:  # the certno index moves with it
        found += [
            Effect("certno", certno, "release", {"target": psn_no}),
            Effect("certno", str(new_certno), "hold", {"target": psn_no}),
        ]
    return found


RESIDENT_CERTNO = "52011519850312002X"  # P019's example resident
SINGLE_EXAMPLE = {"certno": RESIDENT_CERTNO, "new_psn_name": "王芳芳", "tel": "13985001234", "clct_grade": "2"}
BATCH_EXAMPLE = {
    "psn_no": psn_no_for(RESIDENT_CERTNO),
    "emp_no": "52011500001",  # P019's example 居民单位
    "certno": RESIDENT_CERTNO,
    "addr": "贵阳市花溪区金华园社区3栋",
    "psn_type": "12",
}

P020 = ProcessDefinition(
    id="P020",
    slug="urban_rural_resident_enrollment_change_registration",
    name_zh="参保信息变更登记",
    service="enrollment",
    variants=(Variant("single", "单个模式"), Variant("batch", "批量模式")),
    materials=(
        Material(
            "有效身份证件（有效身份证件包括身份证、居住证、户口簿、护照、港澳居民来往内地通行证、港澳台居民居住证、"
            "外国人永久居留证等）或社保卡、医保电子凭证"
        ),
        Material("《XX市/州基本医疗保险城乡居民参保信息变更登记表》"),
        Material(
            "代办人身份证原件和办理人员有效身份证件复印件或社保卡复印件（代办）", required=False, condition_zh="代办"
        ),
    ),
    stages=(
        Stage(
            "change",
            "城乡居民参保维护（个人模式：按证件号码查询，变更人员基本信息，保存）",
            ("registrar", "channel"),
            "EnrollmentInfoChanged",
            input=ResidentChange,
            checks=(something_changes,),
            variants=frozenset({"single"}),
            example=SINGLE_EXAMPLE,
        ),
        Stage(
            "batch_change",
            "城乡居民参保维护（批量模式：导盘模式，输入参保单位编号确定属地，批量导入，核对校验通过信息后保存）",
            ("registrar",),
            "EnrollmentInfoChanged",
            input=ResidentBatchRow,
            checks=(something_changes,),
            variants=frozenset({"batch"}),
            batch=True,
            example=BATCH_EXAMPLE,
        ),
    ),
    effects=effects,
)
