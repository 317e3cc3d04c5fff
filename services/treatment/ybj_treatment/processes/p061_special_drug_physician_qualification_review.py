"""P061 审核特殊药品医师资格: 信息录入 (医院端) → 初审 → 复审, 单次审核 or 批量审核, into the 特殊药品定岗医师库.

「各申请医院在久远银海支付系统（医院端）进行特殊药品用药指定医师信息录入」: the hospital enters the physician with the
facts of P090's 申报表; the agency reviews them under the 审核标志 「初审中、复审中」, one at a time (单次审核, by 医师身份证
号码) or many at once (批量审核). 「若上传内容不齐或者错误等点击审核未通过」 is the rejection, with its reason. Rule R27
holds at entry and again at 复审; the completed case certifies the physician into the special_drug pool, the same pool
P090's paper 申报 certifies into: one pool, two ways in, and a physician already in it is refused (a change is P090's
维护).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ybj_kernel.domain.process import ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect
from ybj_treatment.processes.p090_special_drug_designated_physician_pool import (
    SpecialDrugDeclaration,
    certification,
    declarable,
    from_institution,
)
from ybj_treatment.registries.physicians import (
    EXAMPLE_DRUG,
    EXAMPLE_HOSPITAL,
    PHYSICIAN,
    SPECIAL_DRUG,
    SPECIAL_DRUG_PHYSICIAN_2,
)
from ybj_treatment.rules.physicians import INSTITUTION
from ybj_treatment.rules.physicians_inputs import Effective


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """The physician certified into the 特殊药品定岗医师库 with their drugs, from the 复审's date."""
    return [certification(SPECIAL_DRUG, data, ("spec", "drugs"))]


P061 = ProcessDefinition(
    id="P061",
    slug="special_drug_physician_qualification_review",
    name_zh="审核特殊药品医师资格",
    service="treatment",
    variants=(Variant("single", "单次审核"), Variant("batch", "批量审核")),
    stages=(
        Stage(
            "register",
            "各申请医院在久远银海支付系统（医院端）进行特殊药品用药指定医师信息录入",
            ("institution",),
            "Registered",
            input=SpecialDrugDeclaration,
            lookups=(INSTITUTION, PHYSICIAN),
            checks=(declarable(SPECIAL_DRUG, "dcla_date"),),
            derive=from_institution,
            example={
                "psn_name": "陈红",
                "certno": SPECIAL_DRUG_PHYSICIAN_2,
                "qua_cert_no": "200552110520102198008080065",  # 示例编号
                "prac_cert_no": "110520100000303",  # 示例编号
                "fixmedins_code": EXAMPLE_HOSPITAL,
                "pro_tech_duty": "副主任医师",
                "dept": "肿瘤科",
                "tel": "0851-85550303",
                "spec": "乳腺肿瘤内科治疗",
                "drugs": [EXAMPLE_DRUG],
            },
        ),
        Stage(
            "first_review",
            "特殊药品医师资格申请审核（审核标志：初审中）",
            ("first_reviewer",),
            "FirstReviewApproved",
            review=True,
            batch=True,
        ),
        Stage(
            "second_review",
            "特殊药品医师资格申请审核（审核标志：复审中）",
            ("second_reviewer",),
            "SecondReviewApproved",
            review=True,
            batch=True,
            input=Effective,
            lookups=(INSTITUTION, PHYSICIAN),
            checks=(declarable(SPECIAL_DRUG, "begndate"),),
        ),
    ),
    effects=effects,
)
