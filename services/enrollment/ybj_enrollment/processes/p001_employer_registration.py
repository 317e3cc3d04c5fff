"""P001 单位参保登记: one step, 单位参保登记 (basic, contact and registration information, 险种), into the employer registry."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from ybj_enrollment.processes.fields import filing_flags
from ybj_enrollment.registries.codes import emp_no_for
from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import Admdvs, Uscc

UnitInsutype = Literal[
    "510", "310", "330", "340"
]  # 生育, 职工基本医疗, 大额医疗费用补助, 补充医疗 (340 to be confirmed)


class EmployerRegistration(BaseModel):
    """单位基本信息、联系信息、注册信息, 选填银行及上级单位, 选择险种."""

    admdvs: Admdvs = Field(description="参保所属医保区划")
    emp_mgt_type: str = Field(min_length=1, max_length=6, description="单位管理类型")
    emp_type: str = Field(min_length=1, max_length=6, description="单位类型")
    uscc: Uscc = Field(description="统一社会信用代码")
    emp_name: str = Field(min_length=1, max_length=200, description="单位名称")
    contact_name: str = Field(min_length=1, max_length=50, description="联系人姓名")
    tel: str = Field(pattern=r"^[\d\-+]{5,20}$", description="联系电话")
    admin_region: str = Field(min_length=1, max_length=100, description="所属行政区")
    addr: str = Field(min_length=1, max_length=200, description="单位详细地址")
    legrep_name: str = Field(min_length=1, max_length=50, description="法定代表人姓名")
    legrep_cert_type: str = Field(default="01", max_length=6, description="法定代表人证件类型")
    legrep_certno: str = Field(min_length=1, max_length=50, description="法定代表人证件号码")
    legrep_mob: str = Field(pattern=r"^1\d{10}$", description="法定代表人移动电话")
    bank_info: str | None = Field(default=None, max_length=200, description="银行信息（选填）")
    parent_emp_no: str | None = Field(default=None, max_length=30, description="上级单位编号（选填）")
    insutypes: list[UnitInsutype] = Field(
        min_length=1, description="险种：510 生育、310 职工基本医疗、330 大额、340 补充"
    )
    founded_on: date | None = Field(default=None, description="单位成立日期（30日内登记）")
    filing_due: str | None = Field(default=None, description="应登记日期（系统计算）")
    filing_late: bool | None = Field(default=None, description="逾期登记（系统计算）")

    @model_validator(mode="after")
    def _thirty_days(self, info: ValidationInfo) -> EmployerRegistration:
        flags = filing_flags(self.founded_on, today_of(info))
        self.filing_due, self.filing_late = flags.get("filing_due"), flags.get("filing_late")  # type: ignore[assignment]
        return self


def employer_number(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """单位编号 given at registration."""
    return {"emp_no": emp_no_for(step["uscc"], step["admdvs"])}


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """The employer enters the registry, and its credit code the index that keeps it unique."""
    info = {k: data.get(k) for k in _EMPLOYER_FIELDS}
    return [
        Effect("uscc", data["uscc"], "hold", {"target": data["emp_no"]}),
        Effect("employer", data["emp_no"], "register", info),
    ]


_EMPLOYER_FIELDS = (
    "emp_no",
    "uscc",
    "emp_name",
    "emp_type",
    "emp_mgt_type",
    "admdvs",
    "contact_name",
    "tel",
    "admin_region",
    "addr",
    "legrep_name",
    "legrep_cert_type",
    "legrep_certno",
    "legrep_mob",
    "bank_info",
    "parent_emp_no",
    "insutypes",
    "founded_on",
)

EXAMPLE = {
    "admdvs": "520102",
    "emp_mgt_type": "01",
    "emp_type": "10",
    "uscc": "91520102MA6DKQ123T",
    "emp_name": "贵阳云岩数智科技有限公司",
    "contact_name": "李娜",
    "tel": "0851-85551234",
    "admin_region": "贵阳市云岩区",
    "addr": "贵阳市云岩区中华北路1号",
    "legrep_name": "张伟",
    "legrep_certno": "520102198001010013",
    "legrep_mob": "13800000000",
    "insutypes": ["310", "510"],
    "founded_on": "2026-11-20",
}

P001 = ProcessDefinition(
    id="P001",
    slug="unit_enrollment_registration",
    name_zh="单位参保登记",
    service="enrollment",
    materials=(
        Material("单位统一社会信用代码证或单位批准成立的文件"),
        Material("《基本医疗保险单位参保信息登记表》（加盖单位公章）"),
        Material(
            "省医疗保险局待遇保障处出具同意该单位参加省级医疗保险的公函（省本级）",
            required=False,
            condition_zh="省本级参保登记",
        ),
        Material("省财政厅社保处出具享受财政补助的公函（省本级）", required=False, condition_zh="省本级参保登记"),
    ),
    stages=(
        Stage(
            "register",
            "单位参保登记（填写单位基本信息、联系信息、注册信息，选择险种，保存）",
            ("registrar", "channel"),
            "Registered",
            input=EmployerRegistration,
            derive=employer_number,
            example=EXAMPLE,
        ),
    ),
    effects=effects,
)
