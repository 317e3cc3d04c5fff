"""P045 异地长期居住人员异地就医备案: the shared remote-care filing flow (see P044), 异地就医类别 异地长期居住人员."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ybj_kernel.domain.process import Material
from ybj_treatment.processes.p044_relocated_retiree_filing import (
    AGENT,
    FILING_FORM,
    IDENTITY,
    ResettlementChange,
    ResettlementFiling,
    filing_process,
)


class LongTermResidentFiling(ResettlementFiling):
    """异地安置登记 for a person living long-term elsewhere: 「异地就医类别（异地长期居住人员）」."""

    remote_care_type: Literal["异地长期居住人员"] = Field(default="异地长期居住人员", description="异地就医类别")


P045 = filing_process(
    id="P045",
    slug="long_term_resident_remote_care_filing",
    name_zh="异地长期居住人员异地就医备案",
    filing_type="异地长期居住",
    register_zh="信息录入（异地安置登记：录入异地就医类别、安置地医保区划、登记生效开始日期，提交保存）",
    review_zh="信息审核（异地安置登记审核：单次审核或批量审核）",
    model=LongTermResidentFiling,
    change=ResettlementChange,
    materials=(IDENTITY, FILING_FORM, Material("长期居住认定材料（居住证明或个人承诺书）"), AGENT),
    # 王芳 (enrollment's P019 example: 城乡居民 390 from 2026-01-01, insured in 贵阳 (520115)) living in 成都: example values only.
    example={
        "certno": "52011519850312002X",
        "psn_name": "王芳",
        "admdvs": "520115",
        "resettle_admdvs": "510100",
        "begndate": "2026-12-10",
        "resettle_addr": "成都市武侯区示例街2号",
    },
)
