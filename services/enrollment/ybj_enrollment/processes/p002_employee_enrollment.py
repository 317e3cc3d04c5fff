"""P002 城镇职工参保登记: one step (单位、人员、用工信息) that enrolls the employee under an open unit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import Field, ValidationInfo, model_validator

from ybj_enrollment.processes.fields import PersonIdentity, fen, filing_flags
from ybj_enrollment.processes.uniqueness import BASIC_MEDICAL_ENROLLMENT
from ybj_enrollment.registries.codes import psn_no_for
from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import Money

EMPLOYEE_INSUTYPE = "310"  # 职工基本医疗保险


class EmployeeEnrollment(PersonIdentity):
    """单位基本信息 + 人员基本信息 + 联系/银行信息（选填）+ 用工信息."""

    emp_no: str = Field(min_length=1, max_length=30, description="单位编号")
    emp_name: str = Field(min_length=1, max_length=200, description="单位名称")
    emp_mgt_type: str = Field(min_length=1, max_length=6, description="单位管理类型")
    fir_work_date: date = Field(description="首次参工日期")
    tel: str | None = Field(default=None, pattern=r"^[\d\-+]{5,20}$", description="联系电话（选填）")
    bank_acct: str | None = Field(default=None, max_length=40, description="银行信息（选填）")
    decl_wage: Money = Field(description="申报工资（元）")
    emp_fom: str = Field(min_length=1, max_length=6, description="用工形式")
    hired_on: date = Field(description="人员录用日期（30日内登记）")
    begndate: date = Field(description="本次参保日期")
    filing_due: str | None = Field(default=None, description="应登记日期（系统计算）")
    filing_late: bool | None = Field(default=None, description="逾期登记（系统计算）")

    @model_validator(mode="after")
    def _thirty_days(self, info: ValidationInfo) -> EmployeeEnrollment:
        flags = filing_flags(self.hired_on, today_of(info))
        self.filing_due, self.filing_late = flags["filing_due"], flags["filing_late"]  # type: ignore[assignment]
        return self


def person_number(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """人员编号 given at the first enrollment (fixed thereafter)."""
    return {"psn_no": psn_no_for(step["certno"]), "insutype": EMPLOYEE_INSUTYPE}


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """The unit must be registered and open; the person is enrolled in 310 and their certno indexed."""
    enrollment = {
        "psn_no": data["psn_no"],
        "psn_cert_type": data["psn_cert_type"],
        "certno": data["certno"],
        "psn_name": data["psn_name"],
        "gend": data["gend"],
        "naty": data["naty"],
        "brdy": data["brdy"],
        "tel": data.get("tel"),
        "fir_work_date": data["fir_work_date"],
        "insutype": EMPLOYEE_INSUTYPE,
        "emp_no": data["emp_no"],
        "begndate": data["begndate"],
        "clct_base": fen(Decimal(str(data["decl_wage"]))),
    }
    return [
        Effect("employer", data["emp_no"], "check_open", {}),
        Effect("certno", data["certno"], "hold", {"target": data["psn_no"]}),
        Effect("person", data["psn_no"], "enroll", enrollment),
    ]


P002 = ProcessDefinition(
    id="P002",
    slug="employee_enrollment_registration",
    name_zh="城镇职工参保登记",
    service="enrollment",
    materials=(
        Material("《职工基本医疗保险参保登记表》（含增加、中断、终止、恢复、在职转退休）（加盖单位公章）"),
        Material("参保人员有效身份证件复印件"),
    ),
    stages=(
        Stage(
            "register",
            "职工参保登记（填写单位基本信息、人员基本信息、用工信息，保存）",
            ("registrar", "channel"),
            "Registered",
            input=EmployeeEnrollment,
            derive=person_number,
            unique=BASIC_MEDICAL_ENROLLMENT,
            example={
                "emp_no": "52010213594430",  # P001's example unit
                "emp_name": "贵阳云岩数智科技有限公司",
                "emp_mgt_type": "01",
                "certno": "520102199003070022",
                "psn_name": "陈静",
                "gend": "2",
                "brdy": "1990-03-07",
                "fir_work_date": "2012-07-01",
                "decl_wage": "6500.00",
                "emp_fom": "01",
                "hired_on": "2026-11-25",
                "begndate": "2026-12-01",
            },
        ),
    ),
    effects=effects,
)
