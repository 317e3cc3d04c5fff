"""P065 新增定点医疗机构: 申请 → 定点医药机构新增 (国家平台) → 业务属性新增审核 → 省级系统基本信息新增.

The hospital hands in the 《贵州省基本医疗保险定点医疗机构申请表》 (the `apply` stage carries the form), with its
statements of the last three months (rule `admission_statements`, 「近三个月经营状况统计及会计报表」) and the legal
representative's promise (「法定代表人承诺：所提供的申办资料全部真实有效，如有虚假，视为无效申请，并承担由此造成的后
果」: the form is refused without it). The registrar enters it in the national platform under the 定点医疗机构编号
(H + 医保区划 + sequence; the stage refuses a code already admitted), a reviewer approves it (单次审核 or 批量审核),
and the registrar records it in the provincial system: 机构编号、机构名称 (which must be those of the national
record) and 「继续录入保证金等信息」. Completion opens the `institution` entry (rule of DOMAIN F17).

What the seed leaves open, and what is chosen here (labelled): the 「保证金等信息」 are the 清算保证金预留比例 (the
deposit of P084 is withheld by that ratio) and, for a hospital, its 起付线 and 自付比例 (optional); the provincial
record also says from which date the hospital is designated and which 医保支付类别 open then (the seed names no
category for an admission; without one the hospital could not be used). P066 (pharmacies) shares this flow.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.process import Check, Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.rules import evaluate, refusal
from ybj_kernel.domain.validation import Admdvs, CertNo, Money, Uscc, bilingual
from ybj_kernel.errors import Conflict
from ybj_treatment.registries.institutions import (
    EXAMPLE_HOSPITAL,
    EXAMPLE_HOSPITAL_NAME,
    FIXMEDINS_TYPE_ZH,
    HOSPITAL,
    INSTITUTION,
    INSTITUTION_REGISTRY,
    PREFIX,
    FixmedinsCode,
    HospLv,
    Period,
    Ratio,
    SvcType,
    fen_of,
)
from ybj_treatment.rules.institutions import STATEMENTS

VARIANTS = (Variant("single", "单次审核"), Variant("batch", "批量审核"))
# Who hands in an institution's application: the counter keying in the paper form, or the institution itself online.
APPLICANTS = ("registrar", "institution", "channel")
BIZ_NAT_ZH = {"1": "非营利性", "2": "营利性"}  # 医疗机构经营性质 (codes this platform's, to confirm)


class AdmissionForm(BaseModel):
    """What every 申请表 has: the institution, its legal representative, its settlement account, who applies."""

    admdvs: Admdvs = Field(description="医保区划（机构所在地）")
    fixmedins_name: str = Field(min_length=1, max_length=200, description="机构名称")
    addr: str = Field(min_length=1, max_length=200, description="地址")
    legrep_name: str = Field(min_length=1, max_length=50, description="法定代表人")
    legrep_certno: CertNo = Field(description="法定代表人身份证号码")
    uscc: Uscc = Field(description="营业执照（登记证书）统一社会信用代码")
    acct_name: str = Field(min_length=1, max_length=200, description="开户名称")
    bank_acct: str = Field(pattern=r"^\d{6,40}$", description="开户银行账号")
    bank_code: str = Field(pattern=r"^\d{12}$", description="开户银行行号（12位）")
    bank_name: str | None = Field(default=None, max_length=200, description="开户银行")
    aply_name: str = Field(min_length=1, max_length=50, description="申请人姓名")
    tel: str = Field(pattern=r"^[\d\-+]{5,20}$", description="联系电话")
    stmt_months: list[Period] = Field(description="近三个月经营状况统计及会计报表所属年月 (YYYYMM)")
    legrep_promise: bool = Field(description="法定代表人承诺：所提供的申办资料全部真实有效")

    @field_validator("legrep_promise")
    @classmethod
    def _promised(cls, value: bool) -> bool:
        if not value:
            raise bilingual(
                "须有法定代表人承诺：所提供的申办资料全部真实有效，如有虚假，视为无效申请",
                "the legal representative must promise that the application is true",
            )
        return value

    @model_validator(mode="after")
    def _statements(self, info: ValidationInfo) -> AdmissionForm:
        months = {"stmt_months": self.stmt_months, "applied_on": today_of(info).isoformat()}
        if (error := refusal(evaluate(STATEMENTS, months, today_of(info)))) is not None:
            raise error
        return self


class HospitalApplication(AdmissionForm):
    """《贵州省基本医疗保险定点医疗机构申请表》."""

    prac_lic_no: str | None = Field(default=None, max_length=50, description="执业许可证登记号")
    cert_date: date = Field(description="发证日期")
    medins_type: str = Field(min_length=1, max_length=50, description="医疗机构类别（如综合医院）")
    biz_nat: Literal["1", "2"] = Field(description="医疗机构经营性质 (1 非营利性, 2 营利性)")
    hosp_lv: HospLv = Field(description="医疗机构级别 (01 三级, 02 二级, 03 一级, 09 未定级)")
    bed_cnt: int = Field(ge=0, description="注册床位数")
    pub_hosp_flag: bool = Field(description="是否公立医院")
    doc_cnt: int | None = Field(default=None, ge=0, description="卫技人员：医师总人数")
    nurs_cnt: int | None = Field(default=None, ge=0, description="卫技人员：护士总人数")
    phar_cnt: int | None = Field(default=None, ge=0, description="卫技人员：药师总人数")
    tech_cnt: int | None = Field(default=None, ge=0, description="卫技人员：技师总人数")
    senr_cnt: int | None = Field(default=None, ge=0, description="卫技人员：高级职称合计")
    mid_cnt: int | None = Field(default=None, ge=0, description="卫技人员：中级职称合计")
    jun_cnt: int | None = Field(default=None, ge=0, description="卫技人员：初级职称合计")

    @model_validator(mode="after")
    def _issued_and_counted(self, info: ValidationInfo) -> HospitalApplication:
        if self.cert_date > today_of(info):
            raise bilingual("发证日期不能晚于今天", "cert_date cannot be after today")
        staff = sum(n or 0 for n in (self.doc_cnt, self.nurs_cnt, self.phar_cnt, self.tech_cnt))
        titled = sum(n or 0 for n in (self.senr_cnt, self.mid_cnt, self.jun_cnt))
        if titled > staff:
            raise bilingual(
                f"卫技人员构成中各级职称合计（{titled}）多于总人数（{staff}）",
                f"the staff with titles ({titled}) outnumber the staff ({staff})",
            )
        return self


class NationalRecord(BaseModel):
    """定点医药机构新增 (国家平台): the 定点医药机构编号 the record is entered under."""

    fixmedins_code: FixmedinsCode = Field(description="定点医药机构编号")


class ProvincialRecord(BaseModel):
    """定点医疗服务机构基本信息新增 (省级系统): 机构编号、机构名称, then 保证金等信息."""

    fixmedins_code: FixmedinsCode = Field(description="机构编号")
    fixmedins_name: str = Field(min_length=1, max_length=200, description="机构名称")
    begndate: date = Field(description="定点开始日期（开通医保支付类别及参数执行时间）")
    svc_types: list[SvcType] = Field(min_length=1, description="开通的医保支付类别")
    dpst_prop: Ratio = Field(description="保证金：清算保证金预留比例")


class HospitalProvincialRecord(ProvincialRecord):
    """A hospital's provincial record may also carry its 起付线 and 自付比例 (from the 定点开始日期)."""

    dedc_std: Money | None = Field(default=None, description="起付线（元）")
    selfpay_prop: Ratio | None = Field(default=None, description="自付比例")


def not_admitted(kind: str) -> Check:
    """The national record: a new code, of the institution's type and 医保区划."""

    def check(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
        code = step["fixmedins_code"]
        if step.get("institution"):
            raise Conflict(
                "INSTITUTION_EXISTS",
                f"定点医药机构编号 {code} 已被 {step['institution']['fixmedins_name']} 使用",
                f"fixmedins_code {code} is already admitted ({step['institution']['fixmedins_name']})",
                "fixmedins_code",
            )
        if code[0] != PREFIX[kind]:
            raise Conflict(
                "CODE_TYPE_MISMATCH",
                f"{FIXMEDINS_TYPE_ZH[kind]}的编号应以{PREFIX[kind]}开头",
                f"the code of a {'hospital' if kind == HOSPITAL else 'pharmacy'} starts with {PREFIX[kind]}",
                "fixmedins_code",
            )
        if code[1:7] != current["admdvs"]:
            raise Conflict(
                "CODE_ADMDVS_MISMATCH",
                f"定点医药机构编号中的医保区划（{code[1:7]}）与申请表的医保区划（{current['admdvs']}）不一致",
                f"the admdvs inside the code ({code[1:7]}) is not the application's ({current['admdvs']})",
                "fixmedins_code",
            )

    return check


def same_as_national(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The provincial 机构编号 and 机构名称 are those of the national record."""
    for field, label in (("fixmedins_code", "机构编号"), ("fixmedins_name", "机构名称")):
        if step[field] != current[field]:
            raise Conflict(
                "PROVINCIAL_RECORD_MISMATCH",
                f"省级系统录入的{label}（{step[field]}）与国家平台的（{current[field]}）不一致",
                f"the provincial {field} ({step[field]}) differs from the national record's ({current[field]})",
                field,
            )


def admission_effects(
    kind: str, info_fields: tuple[str, ...]
) -> Callable[[Mapping[str, Any], str | None], list[Effect]]:
    """Completion opens the institution's entry from the 申请表 and the two records."""

    def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
        args: dict[str, Any] = {
            "fixmedins_code": data["fixmedins_code"],
            "fixmedins_name": data["fixmedins_name"],
            "fixmedins_type": kind,
            "hosp_lv": data.get("hosp_lv"),
            "admdvs": data["admdvs"],
            "uscc": data["uscc"],
            "begndate": data["begndate"],
            "svc_types": data["svc_types"],
            "bank": {k: data.get(k) for k in ("acct_name", "bank_acct", "bank_name", "bank_code")},
            "dpst_prop": data["dpst_prop"],
            "info": {k: data[k] for k in info_fields if data.get(k) is not None},
        }
        if data.get("dedc_std") is not None:
            args["dedc_std"] = fen_of(data["dedc_std"])
        if data.get("selfpay_prop") is not None:
            args["selfpay_prop"] = data["selfpay_prop"]
        return [Effect(INSTITUTION_REGISTRY, str(data["fixmedins_code"]), "admit", args)]

    return effects


def admission_stages(
    kind: str,
    names: Mapping[str, str],
    application: type[BaseModel],
    provincial: type[BaseModel],
    examples: Mapping[str, Mapping[str, Any]],
) -> tuple[Stage, ...]:
    """申请 → 国家平台新增 → 业务属性新增审核 (batch) → 省级系统新增, for P065 and P066."""
    return (
        Stage("apply", names["apply"], APPLICANTS, "Applied", input=application, example=examples["apply"]),
        Stage(
            "register",
            names["register"],
            ("registrar",),
            "Registered",
            input=NationalRecord,
            lookups=(INSTITUTION,),
            checks=(not_admitted(kind),),
            derive=lambda _c, _s: {"fixmedins_type": kind},
            example=examples["register"],
        ),
        Stage("review", names["review"], ("first_reviewer",), "ReviewApproved", review=True, batch=True),
        Stage(
            "register_provincial",
            names["register_provincial"],
            ("registrar",),
            "ProvincialRecordCreated",
            input=provincial,
            checks=(same_as_national,),
            example=examples["register_provincial"],
        ),
    )


HOSPITAL_INFO = (
    "addr",
    "legrep_name",
    "prac_lic_no",
    "cert_date",
    "medins_type",
    "biz_nat",
    "bed_cnt",
    "pub_hosp_flag",
    "tel",
    "doc_cnt",
    "nurs_cnt",
    "phar_cnt",
    "tech_cnt",
    "senr_cnt",
    "mid_cnt",
    "jun_cnt",
)
NAMES = {
    "apply": "提交《贵州省基本医疗保险定点医疗机构申请表》及申报资料",
    "register": "定点医药机构新增（根据《贵州省基本医疗保险定点医疗机构申请表》录入基础信息，保存）",
    "review": "业务属性新增审核（单次审核或批量审核，审核标志：通过或不通过）",
    "register_provincial": "贵州省医疗保障信息系统：定点医疗服务机构基本信息新增（录入机构编号、机构名称等信息，继续录入保证金等信息）",
}
# The hospital every area's examples use (H52010200001 贵阳市第一人民医院, 三级, 520102); the other values are examples.
EXAMPLES: dict[str, dict[str, Any]] = {
    "apply": {
        "admdvs": "520102",
        "fixmedins_name": EXAMPLE_HOSPITAL_NAME,
        "addr": "贵阳市云岩区中华北路100号",
        "legrep_name": "王建国",
        "legrep_certno": "520102197003050014",
        "uscc": "12520100429500123Y",
        "cert_date": "2021-06-30",
        "medins_type": "综合医院",
        "biz_nat": "1",
        "hosp_lv": "01",
        "bed_cnt": 1000,
        "pub_hosp_flag": True,
        "acct_name": EXAMPLE_HOSPITAL_NAME,
        "bank_acct": "52050110360000000001",
        "bank_code": "105701000015",
        "bank_name": "中国建设银行贵阳分行营业部",
        "aply_name": "李红",
        "tel": "0851-85550001",
        "doc_cnt": 420,
        "nurs_cnt": 610,
        "phar_cnt": 45,
        "tech_cnt": 80,
        "senr_cnt": 150,
        "mid_cnt": 400,
        "jun_cnt": 500,
        "stmt_months": ["202609", "202610", "202611"],
        "legrep_promise": True,
    },
    "register": {"fixmedins_code": EXAMPLE_HOSPITAL},
    "register_provincial": {
        "fixmedins_code": EXAMPLE_HOSPITAL,
        "fixmedins_name": EXAMPLE_HOSPITAL_NAME,
        "begndate": "2026-12-01",
        "svc_types": ["11", "14", "21", "51", "52"],
        "dpst_prop": "0.05",
        "dedc_std": "800.00",  # example, not policy: the seed gives no 起付线
        "selfpay_prop": "0.15",  # example, not policy
    },
}

P065 = ProcessDefinition(
    id="P065",
    slug="new_designated_medical_institution",
    name_zh="新增定点医疗机构",
    service="treatment",
    variants=VARIANTS,
    materials=(
        Material("《贵州省基本医疗保险定点医疗机构申请表》"),
        Material("《医疗机构执业许可证》副本复印件（查验原件）"),
        Material("《营业执照》复印件（查验原件）（营利性医疗机构）", required=False, condition_zh="营利性医疗机构"),
        Material("法人代表确认文件、身份证复印件（查验原件）"),
        Material("营业服务场所产权或使用权证明材料复印件（查验原件）及场地平面图（标准面积、功能分区等）复印件"),
        Material("实际在职在岗职工花名册（包括姓名、执业资格等内容）"),
        Material("近三个月经营状况统计及会计报表"),
        Material("其他补充材料", required=False),
    ),
    stages=admission_stages(HOSPITAL, NAMES, HospitalApplication, HospitalProvincialRecord, EXAMPLES),
    effects=admission_effects(HOSPITAL, HOSPITAL_INFO),
)
