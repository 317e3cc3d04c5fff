"""P046 常驻异地工作人员异地就医备案: the shared remote-care filing flow (see P044), 异地就医类别 常驻异地工作人员."""

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


class RemoteWorkerFiling(ResettlementFiling):
    """异地安置登记 for a person working elsewhere: 「异地就医类别（常驻异地工作人员）」."""

    remote_care_type: Literal["常驻异地工作人员"] = Field(default="常驻异地工作人员", description="异地就医类别")


P046 = filing_process(
    id="P046",
    slug="resident_remote_worker_remote_care_filing",
    name_zh="常驻异地工作人员异地就医备案",
    filing_type="常驻异地工作",
    register_zh="信息录入（异地安置登记：录入异地就医类别、安置地医保区划、登记生效开始日期，提交保存）",
    review_zh="信息审核（异地安置登记审核：单次审核或批量审核）",
    model=RemoteWorkerFiling,
    change=ResettlementChange,
    materials=(
        IDENTITY,
        FILING_FORM,
        Material("异地工作证明材料（参保地工作单位派出证明、异地工作单位证明、工作合同任选其一或个人承诺书）"),
        AGENT,
    ),
    # 陈静 (enrollment's P002 example: 职工 310 from 2026-12-01 at a 云岩区 unit) posted to 杭州: example values only.
    example={
        "certno": "520102199003070022",
        "psn_name": "陈静",
        "admdvs": "520102",
        "resettle_admdvs": "330100",
        "begndate": "2026-12-01",
        "tel": "13800000001",
    },
)
