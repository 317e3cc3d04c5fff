"""P005 单位参保信息变更登记: five variants, each one step that changes the employer registry (and its people).

统一社会信用代码变更 (the credit-code index moves with it), 法人变更, 单位合并 (the absorbed unit is closed and its
people move to the surviving unit), 单位分户 (the new unit is registered and the 被分户人员 move to it) and 单位注销
(the people still paying under the unit are stopped, 停保, so that a new unit can take them on: 续保). The people who
move or stop are named in the case (a front end pre-fills them from the registry), so that what completion does is a
function of the case alone. 「应当自变更或终止之日起30日内」: a late filing is accepted and flagged.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from ybj_enrollment.processes.fields import filing_flags
from ybj_enrollment.registries.codes import emp_no_for, psn_no_for
from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import Admdvs, Uscc, bilingual
from ybj_kernel.errors import InvalidInput


class UnitChange(BaseModel):
    """单位信息 and the date the change (or the termination) took effect, from which the 30 days run."""

    changed_on_field: ClassVar[str]

    emp_no: str = Field(min_length=1, max_length=30, description="单位编号")
    emp_name: str = Field(min_length=1, max_length=200, description="单位名称")
    filing_due: str | None = Field(default=None, description="应办理日期（系统计算，变更或终止之日起30日）")
    filing_late: bool | None = Field(default=None, description="逾期办理（系统计算）")

    @model_validator(mode="after")
    def _thirty_days(self, info: ValidationInfo) -> UnitChange:
        flags = filing_flags(getattr(self, self.changed_on_field), today_of(info))
        self.filing_due, self.filing_late = flags["filing_due"], flags["filing_late"]  # type: ignore[assignment]
        return self


def _distinct(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise bilingual("人员编号重复", "a psn_no is listed twice")
    return values


class CreditCodeChange(UnitChange):
    """统一社会信用代码变更 (单位基本信息): the code held now and the new one."""

    changed_on_field = "chg_date"

    uscc: Uscc = Field(description="原统一社会信用代码")
    new_uscc: Uscc = Field(description="变更后统一社会信用代码")
    chg_date: date = Field(description="变更日期")

    @field_validator("new_uscc")
    @classmethod
    def _changes(cls, value: str, info: ValidationInfo) -> str:
        if value == info.data.get("uscc"):
            raise bilingual("统一社会信用代码未变化", "the new credit code is the same as the old one")
        return value


class LegalRepresentativeChange(UnitChange):
    """法人变更 (单位注册信息): 法定代表人证件类型、证件号码、移动电话."""

    changed_on_field = "chg_date"

    legrep_name: str | None = Field(default=None, min_length=1, max_length=50, description="法定代表人姓名")
    legrep_cert_type: str = Field(default="01", min_length=1, max_length=6, description="法定代表人证件类型")
    legrep_certno: str = Field(min_length=1, max_length=50, description="法定代表人证件号码")
    legrep_mob: str = Field(pattern=r"^1\d{10}$", description="法定代表人移动电话")
    chg_date: date = Field(description="变更日期")


class Merger(UnitChange):
    """单位合并: 合并单位 (continues) and 被合并单位 (closed), 合并时间, and the people who move with it."""

    changed_on_field = "merge_date"

    merged_emp_no: str = Field(min_length=1, max_length=30, description="被合并单位编号")
    merged_emp_name: str = Field(min_length=1, max_length=200, description="被合并单位名称")
    merge_date: date = Field(description="合并时间")
    psn_nos: list[str] = Field(default_factory=list, description="被合并单位参保人员（人员编号，转入合并单位）")

    @field_validator("merged_emp_no")
    @classmethod
    def _two_units(cls, value: str, info: ValidationInfo) -> str:
        if value == info.data.get("emp_no"):
            raise bilingual("合并单位与被合并单位不能相同", "the two units must differ")
        return value

    @field_validator("psn_nos")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        return _distinct(value)


class Split(UnitChange):
    """单位分户: 分户单位 (the unit split), 被分户单位 (the new unit's 基本信息), 分户时间 and 被分户人员."""

    changed_on_field = "split_date"

    new_admdvs: Admdvs = Field(description="被分户单位参保所属医保区划")
    new_emp_mgt_type: str = Field(min_length=1, max_length=6, description="被分户单位单位管理类型")
    new_emp_type: str = Field(min_length=1, max_length=6, description="被分户单位单位类型")
    new_uscc: Uscc = Field(description="被分户单位统一社会信用代码")
    new_emp_name: str = Field(min_length=1, max_length=200, description="被分户单位名称")
    split_date: date = Field(description="分户时间")
    psn_nos: list[str] = Field(min_length=1, description="被分户人员（人员编号，转入被分户单位）")

    @field_validator("psn_nos")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        return _distinct(value)


class Deregistration(UnitChange):
    """单位注销: 注销日期、注销原因, and the people still paying under the unit, who are stopped (停保)."""

    changed_on_field = "dereg_date"

    dereg_date: date = Field(description="注销日期")
    dereg_rea: str = Field(min_length=1, max_length=200, description="注销原因")
    psn_nos: list[str] = Field(default_factory=list, description="单位在册参保人员（人员编号，注销时停保）")

    @field_validator("psn_nos")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        return _distinct(value)


def new_unit_number(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """单位编号 of the 被分户单位, given as at registration (P001)."""
    new_emp_no = emp_no_for(step["new_uscc"], step["new_admdvs"])
    if new_emp_no == step["emp_no"]:
        raise InvalidInput(
            "SAME_EMPLOYER", "被分户单位与分户单位不能相同", "the new unit must differ from the unit split", "new_uscc"
        )
    return {"new_emp_no": new_emp_no}


def _moves(data: Mapping[str, Any], from_emp_no: str, to_emp_no: str, on: str) -> list[Effect]:
    args = {"from_emp_no": from_emp_no, "to_emp_no": to_emp_no, "on": on}
    return [Effect("person", str(p), "move_employer", args) for p in data.get("psn_nos", [])]


def _lineage(emp_no: str, other: str, on: str, role: str) -> Effect:
    return Effect("employer", emp_no, "record_lineage", {"other_emp_no": other, "on": on, "role": role})


def effects(data: Mapping[str, Any], variant: str | None) -> list[Effect]:
    """What each kind of change does to the employers, the credit-code index and the people of the units."""
    emp_no = str(data["emp_no"])
    if variant == "uscc":
        return [
            Effect("employer", emp_no, "change_uscc", {"uscc": data["new_uscc"]}),
            Effect("uscc", str(data["uscc"]), "release", {"target": emp_no}),
            Effect("uscc", str(data["new_uscc"]), "hold", {"target": emp_no}),
        ]
    if variant == "legal_representative":
        keys = ("legrep_name", "legrep_cert_type", "legrep_certno", "legrep_mob")
        return [Effect("employer", emp_no, "change_legal_representative", {k: data.get(k) for k in keys})]
    if variant == "merge":
        absorbed, on = str(data["merged_emp_no"]), str(data["merge_date"])
        return [
            # The surviving unit first: a 注销 or already merged survivor refuses before anything moves.
            _lineage(emp_no, absorbed, on, "survivor"),
            _lineage(absorbed, emp_no, on, "absorbed"),
            *_moves(data, absorbed, emp_no, on),
        ]
    if variant == "split":
        new, on = str(data["new_emp_no"]), str(data["split_date"])
        unit = {
            "emp_no": new,
            "uscc": data["new_uscc"],
            "emp_name": data["new_emp_name"],
            "emp_type": data["new_emp_type"],
            "emp_mgt_type": data["new_emp_mgt_type"],
            "admdvs": data["new_admdvs"],
            "founded_on": on,
        }
        return [
            _lineage(emp_no, new, on, "origin"),
            Effect("uscc", str(data["new_uscc"]), "hold", {"target": new}),
            Effect("employer", new, "register", unit),
            _lineage(new, emp_no, on, "split_off"),
            *_moves(data, emp_no, new, on),
        ]
    on, reason = str(data["dereg_date"]), f"单位注销：{data['dereg_rea']}"
    return [
        Effect("employer", emp_no, "deregister", {"dereg_date": on, "dereg_rea": data["dereg_rea"]}),
        *(
            Effect("person", str(p), "leave_employer", {"emp_no": emp_no, "on": on, "reason": reason})
            for p in data.get("psn_nos", [])
        ),
    ]


UNIT = {"emp_no": "52010213594430", "emp_name": "贵阳云岩数智科技有限公司"}  # P001's example unit
EMPLOYEE = psn_no_for("520102199003070022")  # P002's example employee
SPLIT_OFF = {"new_uscc": "91520102MA6DKQ4568", "new_admdvs": "520102"}
SPLIT_OFF_EMP_NO = emp_no_for(SPLIT_OFF["new_uscc"], SPLIT_OFF["new_admdvs"])


def _stage(key: str, name_zh: str, event: str, model: type[BaseModel], variant: str, example: dict[str, Any]) -> Stage:
    derive = new_unit_number if variant == "split" else None
    return Stage(
        key,
        name_zh,
        ("registrar", "channel"),
        event,
        input=model,
        derive=derive,
        variants=frozenset({variant}),
        example={**UNIT, **example},
    )


P005 = ProcessDefinition(
    id="P005",
    slug="unit_enrollment_change_registration",
    name_zh="单位参保信息变更登记",
    service="enrollment",
    variants=(
        Variant("uscc", "统一社会信用代码变更"),
        Variant("legal_representative", "法人变更"),
        Variant("merge", "单位合并"),
        Variant("split", "单位分户"),
        Variant("deregister", "单位注销"),
    ),
    materials=(
        Material("《基本医疗保险参保单位信息变更登记表》（加盖单位公章）"),
        Material(
            "《医疗保险参保信息变动表》（加盖单位公章）（解散、破产、合并、分立等终止参保的）",
            required=False,
            condition_zh="解散、破产、合并、分立等涉及医疗保险关系及账户转移或其他情形终止参保的",
        ),
        Material(
            "根据注销类型提供相应材料（工商部门的注销通知、法院裁定企业破产等法律文书）",
            required=False,
            condition_zh="单位注销",
        ),
        Material("单位主管部门批准解散、撤销、终止的有关文件", required=False, condition_zh="解散、撤销、终止"),
    ),
    stages=(
        _stage(
            "change_credit_code",
            "统一社会信用代码变更（单位信息维护）",
            "UnitCreditCodeChanged",
            CreditCodeChange,
            "uscc",
            {"uscc": "91520102MA6DKQ123T", "new_uscc": "91520102MA6DKQ124X", "chg_date": "2026-11-20"},
        ),
        _stage(
            "change_legal_representative",
            "法人变更（单位信息维护：法定代表人证件类型、证件号码、移动电话）",
            "LegalRepresentativeChanged",
            LegalRepresentativeChange,
            "legal_representative",
            {
                "legrep_name": "王强",
                "legrep_certno": "520102198501010052",
                "legrep_mob": "13900000001",
                "chg_date": "2026-11-25",
            },
        ),
        _stage(
            "merge_units",
            "单位合并（填写合并单位及被合并单位信息、合并时间）",
            "UnitsMerged",
            Merger,
            "merge",
            {
                "merged_emp_no": SPLIT_OFF_EMP_NO,  # the unit the split example created, taken back with its people
                "merged_emp_name": "贵阳云岩数智软件有限公司",
                "merge_date": "2026-12-01",
                "psn_nos": [EMPLOYEE],
            },
        ),
        _stage(
            "split_unit",
            "单位分户（填写分户单位及被分户单位信息、分户时间，选择被分户人员）",
            "UnitSplit",
            Split,
            "split",
            {
                **SPLIT_OFF,
                "new_emp_mgt_type": "01",
                "new_emp_type": "10",
                "new_emp_name": "贵阳云岩数智软件有限公司",
                "split_date": "2026-11-30",
                "psn_nos": [EMPLOYEE],
            },
        ),
        _stage(
            "deregister_unit",
            "单位注销（填写注销日期、注销原因）",
            "UnitDeregistered",
            Deregistration,
            "deregister",
            {"dereg_date": "2026-12-01", "dereg_rea": "依法破产", "psn_nos": [EMPLOYEE]},
        ),
    ),
    effects=effects,
)
