"""P091 维护贵州省特殊门诊定岗医师库: the same flow as P090 (资格申报 in four stages, 库人员维护 in one), for 特殊门诊.

「管理范围：二级及以上定点医疗机构」 and 「原则上为主任或副主任医师，并且只负责与自身疾病诊治专业方向相对应的特殊门诊
诊疗」: rule R27 again. The physician's 执业范围 (the 申报表's column) is kept with their entry in the
special_outpatient pool, which P055/P070 read for the 门诊慢特病 signatures.
"""

from __future__ import annotations

from pydantic import Field

from ybj_kernel.domain.process import Material, Variant
from ybj_treatment.processes.p090_special_drug_designated_physician_pool import (
    Declaration,
    Maintenance,
    designated_pool_process,
)
from ybj_treatment.registries.physicians import EXAMPLE_HOSPITAL, SPECIAL_OUTPATIENT, SPECIAL_OUTPATIENT_PHYSICIAN


class SpecialOutpatientDeclaration(Declaration):
    """《特殊门诊定岗医师库申报表》: the physician and their 执业范围."""

    scope: str = Field(min_length=1, max_length=100, description="执业范围")


class SpecialOutpatientMaintenance(Maintenance):
    """库人员维护 of a 特殊门诊定岗医师: also the 执业范围."""

    scope: str | None = Field(default=None, min_length=1, max_length=100, description="执业范围")


DECLARED = "资格申报"
P091 = designated_pool_process(
    id="P091",
    slug="special_outpatient_designated_physician_pool",
    name_zh="维护贵州省特殊门诊定岗医师库",
    pool=SPECIAL_OUTPATIENT,
    variants=(Variant("declare", "特殊门诊医师资格申报"), Variant("maintain", "特殊门诊医师库人员维护")),
    stage_names=(
        "医疗机构进入系统完整填写特殊门诊医师信息，提交申报，同时报送《特殊门诊定岗医师库申报表》及复印件",
        "医保经办机构根据系统申报内容和报送材料进行初审",
        "复审",
        "对符合条件的进行认定并通知申报的医疗机构；不符合条件的予以退回",
        "医保经办机构对定岗医师库信息进行适时维护（修改、完善、删除）",
    ),
    declaration=SpecialOutpatientDeclaration,
    maintenance=SpecialOutpatientMaintenance,
    facts=("scope",),
    materials=(
        Material("《特殊门诊定岗医师库申报表》", required=False, condition_zh=DECLARED),
        Material(
            "医师身份证、资格证书、执业证书及医疗机构执业许可证复印件（经医疗机构审核与原件一致并盖章）",
            required=False,
            condition_zh=DECLARED,
        ),
        Material("职称、专业方向的证明材料", required=False, condition_zh=DECLARED),
    ),
    examples=(
        {
            "psn_name": "张丽",
            "certno": SPECIAL_OUTPATIENT_PHYSICIAN,
            "qua_cert_no": "200152110520103197806220028",  # 示例编号
            "prac_cert_no": "110520100000202",  # 示例编号
            "fixmedins_code": EXAMPLE_HOSPITAL,
            "pro_tech_duty": "副主任医师",
            "dept": "内分泌科",
            "tel": "0851-85550202",
            "scope": "内科专业",
        },
        {"certno": SPECIAL_OUTPATIENT_PHYSICIAN, "maint_type": "complete", "prac_cert_no": "110520100000203"},
    ),
)
