"""P047 异地转诊人员异地就医备案: the shared remote-care filing flow (see P044) on the 转诊转院备案 screens.

转诊转院登记 records 「转出医药机构编号、登记生效开始日期、转往医药机构编号、疾病诊断编码」. The referral comes from
「具有转诊资质的定点医疗机构」: the 转出医药机构 is looked up in the `institution` registry and must be a 定点医疗机构
(not a pharmacy) in effect and not paused. The seeds keep no list of 转诊资质 apart from the designation itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.process import Lookup, Material
from ybj_kernel.domain.validation import Admdvs, bilingual
from ybj_kernel.errors import Conflict
from ybj_treatment.processes.p044_relocated_retiree_filing import (
    AGENT,
    FILING_FORM,
    IDENTITY,
    TEL_PATTERN,
    FilingRegistration,
    check_remote,
    filing_process,
)
from ybj_treatment.registries.eligibility import FixmedinsCode

REFERRING = "referring_institution"  # the looked-up 转出医药机构
HOSPITAL, ACTIVE = "1", "active"  # fixmedins_type 定点医疗机构; institution status
DiagCode = Field(pattern=r"^[A-Z][0-9A-Za-z.+\-]{1,29}$", description="疾病诊断编码（ICD-10 医保版）")


class ReferralFiling(FilingRegistration):
    """转诊转院登记: from which 定点医疗机构 to which, for which diagnosis, from when."""

    remote_care_type: Literal["转诊转院"] = Field(default="转诊转院", description="异地就医类别")
    fixmedins_code: FixmedinsCode = Field(description="转出医药机构编号")
    reflin_medins_no: FixmedinsCode = Field(description="转往医药机构编号")
    diag_code: str = DiagCode
    diag_name: str | None = Field(default=None, max_length=100, description="疾病诊断名称")
    mdtrtarea_admdvs: Admdvs | None = Field(default=None, description="转往地医保区划（可空）")

    @field_validator("reflin_medins_no")
    @classmethod
    def _another_institution(cls, value: str, info: ValidationInfo) -> str:
        if value == info.data.get("fixmedins_code"):
            raise bilingual("转往医药机构不能与转出医药机构相同", "reflin_medins_no must differ from fixmedins_code")
        return value

    @model_validator(mode="after")
    def _elsewhere(self, info: ValidationInfo) -> ReferralFiling:
        if self.mdtrtarea_admdvs is not None:
            check_remote(self.admdvs, self.mdtrtarea_admdvs, today_of(info), "mdtrtarea_admdvs")
        return self


class ReferralChange(BaseModel):
    """备案变更 of a referral: where to, for what, and the dates."""

    reflin_medins_no: FixmedinsCode | None = Field(default=None, description="转往医药机构编号")
    diag_code: str | None = Field(default=None, pattern=r"^[A-Z][0-9A-Za-z.+\-]{1,29}$", description="疾病诊断编码")
    diag_name: str | None = Field(default=None, max_length=100, description="疾病诊断名称")
    mdtrtarea_admdvs: Admdvs | None = Field(default=None, description="转往地医保区划")
    begndate: date | None = Field(default=None, description="登记生效开始日期")
    enddate: date | None = Field(default=None, description="登记生效结束日期")
    tel: str | None = Field(default=None, pattern=TEL_PATTERN, description="联系电话")

    @model_validator(mode="after")
    def _something_changes(self) -> ReferralChange:
        if not self.model_dump(exclude_none=True):
            raise bilingual("备案变更至少需要修改一项信息", "an amendment must change at least one field")
        return self


def _institution_facts(state: Mapping[str, Any]) -> dict[str, Any]:
    keep = ("fixmedins_code", "fixmedins_name", "fixmedins_type", "hosp_lv", "admdvs", "status")
    return {k: state.get(k) for k in keep}


REFERRING_INSTITUTION = Lookup(REFERRING, "institution", lambda d: d.get("fixmedins_code"), pick=_institution_facts)


def referred_by_a_designated_hospital(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The 转出医药机构 is a 定点医疗机构 in effect and not paused."""
    found = step.get(REFERRING)
    code = step.get("fixmedins_code")
    if not found or found.get("fixmedins_type") != HOSPITAL:
        raise Conflict(
            "NOT_DESIGNATED_HOSPITAL",
            f"转出医药机构 {code} 不是定点医疗机构，不能开具转诊转院证明",
            f"{code} is not a designated hospital: it cannot refer a patient",
            "fixmedins_code",
        )
    if found.get("status") != ACTIVE:
        raise Conflict(
            "INSTITUTION_PAUSED",
            f"转出医药机构 {code}（{found.get('fixmedins_name')}）已暂停定点服务",
            f"{code} is paused as a designated institution",
            "fixmedins_code",
        )


P047 = filing_process(
    id="P047",
    slug="referral_remote_care_filing",
    name_zh="异地转诊人员异地就医备案",
    filing_type="转诊转院",
    register_zh="信息录入（转诊转院备案—转诊转院登记：录入转出医药机构编号、登记生效开始日期、转往医药机构编号、疾病诊断编码，提交保存）",
    review_zh="信息审核（转诊转院审核：单次审核或批量审核）",
    model=ReferralFiling,
    change=ReferralChange,
    materials=(IDENTITY, FILING_FORM, Material("具有转诊资质的定点医疗机构开具的转诊转院证明材料"), AGENT),
    # 陈静 (enrollment's P002 example) referred by 贵阳市第一人民医院 (the P065 example hospital) to a hospital in 上海
    # for a lung tumour: the 转往 code and the diagnosis are example values only.
    example={
        "certno": "520102199003070022",
        "psn_name": "陈静",
        "admdvs": "520102",
        "fixmedins_code": "H52010200001",
        "reflin_medins_no": "H31010400001",
        "diag_code": "C34.900",
        "diag_name": "支气管和肺恶性肿瘤",
        "mdtrtarea_admdvs": "310104",
        "begndate": "2026-12-05",
    },
    lookups=(REFERRING_INSTITUTION,),
    checks=(referred_by_a_designated_hospital,),
)
