"""P003 灵活就业人员参保登记: 单个模式 (后台校验证件号码, then 登记) and 批量模式 (批量导入, then 保存提交).

A flexible worker has no employer of their own: they are enrolled under their 统筹区's 灵活就业人员虚拟单位 (set-up
data: `codes.VIRTUAL_UNITS`, whose units are examples), in 310 and whichever other 险种 the unit offers. The unit's
参保信息 defaults apply unless the clerk enters others (「默认不进行修改，各统筹可结合参保人实际或统筹区政策进行修改录入」).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from ybj_enrollment.processes.fields import CertType, PersonIdentity, checked_certno
from ybj_enrollment.processes.uniqueness import BASIC_MEDICAL_ENROLLMENT
from ybj_enrollment.registries.codes import FLEXIBLE_WORKER_UNIT, Insutype, psn_no_for, virtual_unit
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import bilingual
from ybj_kernel.errors import InvalidInput

BASIC = "310"  # 职工基本医疗保险: the 险种 a flexible worker's enrollment is for


class CertificateCheck(BaseModel):
    """选择证件类型并录入证件号码, checked by the platform (后台校验证件号码) before the rest is entered."""

    psn_cert_type: CertType = Field(default="01", description="证件类型 (01 居民身份证)")
    certno: str = Field(min_length=1, max_length=50, description="证件号码")

    @field_validator("certno")
    @classmethod
    def _certno(cls, value: str, info: ValidationInfo) -> str:
        return checked_certno(value, info)


class FlexibleWorkerEnrollment(PersonIdentity):
    """单位信息 (虚拟单位), 人员基本信息, 联系/银行信息 (选录), 险种 and 参保信息 (defaults from the unit)."""

    emp_no: str = Field(min_length=1, max_length=30, description="虚拟单位编号 (灵活就业人员虚拟单位)")
    emp_name: str = Field(min_length=1, max_length=200, description="虚拟单位名称")
    fir_work_date: date = Field(description="首次参工日期")
    tel: str | None = Field(default=None, pattern=r"^[\d\-+]{5,20}$", description="联系电话（选录）")
    addr: str | None = Field(default=None, max_length=200, description="联系地址（选录）")
    bank_acct: str | None = Field(default=None, max_length=40, description="银行信息（选录）")
    insutypes: list[Insutype] | None = Field(
        default=None,
        validate_default=True,
        description="参保险种 (不填为虚拟单位开办的全部险种; 310 职工基本医疗保险必选)",
    )
    begndate: date = Field(description="本次参保日期")
    fst_insu_ym: str | None = Field(default=None, pattern=r"^\d{6}$", description="首次参保年月 (不填为本次参保年月)")
    hi_type: str | None = Field(default=None, min_length=1, max_length=6, description="医疗保险类别 (不填为单位默认)")
    psn_type: str | None = Field(default=None, min_length=1, max_length=6, description="人员类型 (不填为单位默认)")
    clct_rule: str | None = Field(default=None, min_length=1, max_length=6, description="征缴规则 (不填为单位默认)")
    base_rule: str | None = Field(default=None, min_length=1, max_length=6, description="基数核定规则 (不填为单位默认)")

    @field_validator("emp_no")
    @classmethod
    def _virtual_unit(cls, value: str) -> str:
        if virtual_unit(value, FLEXIBLE_WORKER_UNIT) is None:
            raise bilingual(f"{value} 不是灵活就业人员虚拟单位编号", f"{value} is not a flexible workers' virtual unit")
        return value

    @field_validator("fst_insu_ym")
    @classmethod
    def _month(cls, value: str | None) -> str | None:
        if value is not None and not 1 <= int(value[4:]) <= 12:
            raise bilingual("首次参保年月的月份应为01至12", "the month of fst_insu_ym must be 01 to 12")
        return value

    @field_validator("insutypes", mode="before")
    @classmethod
    def _from_cell(cls, value: Any) -> Any:
        """A template cell holds the codes as text (「310、330」): split it, as the list they are."""
        if isinstance(value, str):
            return [code for code in re.split(r"[\s,，、;；]+", value) if code] or None
        return value

    @field_validator("insutypes")
    @classmethod
    def _offered(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        unit = virtual_unit(str(info.data.get("emp_no")), FLEXIBLE_WORKER_UNIT)
        if unit is None:
            return value  # emp_no is refused already
        chosen = sorted(set(value or unit.insutypes))
        if BASIC not in chosen or not set(chosen) <= set(unit.insutypes):
            raise bilingual(
                f"参保险种须包含310，且只能从虚拟单位开办的险种（{'、'.join(unit.insutypes)}）中选择",
                f"insutypes must include 310 and be among the unit's ({', '.join(unit.insutypes)})",
            )
        return chosen

    @field_validator("begndate")
    @classmethod
    def _after_birth(cls, value: date, info: ValidationInfo) -> date:
        born = info.data.get("brdy")
        if born is not None and value < born:
            raise bilingual("本次参保日期早于出生日期", "begndate is before the birth date")
        return value

    @model_validator(mode="after")
    def _unit_defaults(self) -> FlexibleWorkerEnrollment:
        """参保信息 left blank takes the unit's default (首次参保年月: this enrollment's month)."""
        unit = virtual_unit(self.emp_no, FLEXIBLE_WORKER_UNIT)
        assert unit is not None  # checked on emp_no
        self.fst_insu_ym = self.fst_insu_ym or f"{self.begndate:%Y%m}"
        self.hi_type = self.hi_type or unit.hi_type
        self.psn_type = self.psn_type or unit.psn_type
        self.clct_rule = self.clct_rule or unit.clct_rule
        self.base_rule = self.base_rule or unit.base_rule
        return self


def person_number(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """人员编号 given at the first enrollment (fixed thereafter)."""
    return {"psn_no": psn_no_for(step["certno"])}


def same_certificate(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """登记 is for the certificate the platform checked; another number must be checked first (step back)."""
    if (step["psn_cert_type"], step["certno"]) != (current.get("psn_cert_type"), current.get("certno")):
        raise InvalidInput(
            "CERTNO_NOT_VALIDATED",
            "证件号码与后台校验通过的不一致，请回退后重新校验",
            "certno is not the one the platform checked; step back and check it first",
            "certno",
        )


_PERSON = ("psn_cert_type", "certno", "psn_name", "gend", "naty", "brdy", "tel", "addr", "fir_work_date", "bank_acct")
_RELATION = ("emp_no", "begndate", "psn_type", "fst_insu_ym", "hi_type", "clct_rule", "base_rule")


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """The certno is indexed and the person enrolled under the virtual unit in each chosen 险种."""
    psn_no = str(data["psn_no"])
    unit = virtual_unit(str(data["emp_no"]), FLEXIBLE_WORKER_UNIT)
    args = {k: data[k] for k in (*_PERSON, *_RELATION) if data.get(k) is not None}
    terms = {"psn_no": psn_no, **args, "clct_way": unit.clct_way if unit else None}
    return [
        Effect("certno", str(data["certno"]), "hold", {"target": psn_no}),
        *(Effect("person", psn_no, "enroll", {**terms, "insutype": t}) for t in data["insutypes"]),
    ]


UNIT = {"emp_no": "52010099000001", "emp_name": "贵阳市灵活就业人员虚拟单位（示例）"}
SINGLE_EXAMPLE = {
    **UNIT,
    "certno": "520102198804150036",
    "psn_name": "刘洋",
    "gend": "1",
    "brdy": "1988-04-15",
    "fir_work_date": "2010-07-01",
    "tel": "13985000001",
    "begndate": "2026-12-01",
}
BATCH_EXAMPLE = {
    **UNIT,
    "certno": "520102197606230014",
    "psn_name": "赵军",
    "gend": "1",
    "brdy": "1976-06-23",
    "fir_work_date": "1996-09-01",
    "insutypes": ["310"],
    "begndate": "2026-12-01",
}

P003 = ProcessDefinition(
    id="P003",
    slug="flexible_worker_enrollment_registration",
    name_zh="灵活就业人员参保登记",
    service="enrollment",
    variants=(Variant("single", "单个模式"), Variant("batch", "批量模式")),
    materials=(
        Material("《职工基本医疗保险参保登记表》"),
        Material(
            "参保人员有效身份证件复印件（有效身份证件包括身份证、居住证、户口簿、护照、港澳居民来往内地通行证、"
            "港澳台居民居住证、外国人永久居留证等）"
        ),
        Material(
            "委托人及代理人身份证件原件及委托人授权委托书（委托办理的）", required=False, condition_zh="委托办理的"
        ),
    ),
    stages=(
        Stage(
            "certificate_validation",
            "后台校验证件号码",
            # The platform checks the number the clerk keys in; a counter without a system identity opens it as the clerk.
            ("system", "registrar", "channel"),
            "CertificateValidated",
            input=CertificateCheck,
            derive=person_number,
            variants=frozenset({"single"}),
            example={"certno": SINGLE_EXAMPLE["certno"]},
        ),
        Stage(
            "register",
            "灵活就业人员参保登记（单个模式：录入单位信息、人员基本信息、险种、参保信息，保存）",
            ("registrar", "channel"),
            "Registered",
            input=FlexibleWorkerEnrollment,
            checks=(same_certificate,),
            unique=BASIC_MEDICAL_ENROLLMENT,
            variants=frozenset({"single"}),
            example=SINGLE_EXAMPLE,
        ),
        Stage(
            "batch_import",
            "批量导入（下载《灵活就业人员批量参保模板》，填写后批量导入，文件校验显示成功及失败信息）",
            ("registrar",),
            "BatchImportValidated",
            input=FlexibleWorkerEnrollment,
            derive=person_number,
            unique=BASIC_MEDICAL_ENROLLMENT,
            variants=frozenset({"batch"}),
            batch=True,
            example=BATCH_EXAMPLE,
        ),
        Stage(
            "batch_register",
            "确认无误后保存提交，完成灵活就业人员批量参保登记",
            ("registrar",),
            "Registered",
            variants=frozenset({"batch"}),
            batch=True,
        ),
    ),
    effects=effects,
)
