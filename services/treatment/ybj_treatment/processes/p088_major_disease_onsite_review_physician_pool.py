"""P088 维护贵州省城乡居民重大疾病现场评审医师库: the flow of P087 on the 现场评审 pool (评审病种 instead of 认定病种).

The experts of this pool do the 实地评审 of the hospitals applying for the 重大疾病 designation (P068); the
`expert` registry keeps them under major_disease_review, beside (and independent of) the 认定 pool.
"""

from __future__ import annotations

from ybj_kernel.domain.process import Material
from ybj_treatment.processes.p087_major_disease_certification_physician_pool import expert_pool_process
from ybj_treatment.registries.physicians import EXAMPLE_HOSPITAL, MAJOR_DISEASE_REVIEW, ONSITE_REVIEW_EXPERT

P088 = expert_pool_process(
    id="P088",
    slug="major_disease_onsite_review_physician_pool",
    name_zh="维护贵州省城乡居民重大疾病现场评审医师库",
    pool=MAJOR_DISEASE_REVIEW,
    stage_names=(
        "专家入库申请（填写专家信息，选择专家库类别：贵州省城乡居民重大疾病指定医疗机构实地评审专家，上传申请表）",
        "入库申请初审（填写审核意见，审核通过或审核失败）",
        "入库申请复审",
        "信息维护申请（查询专家，编辑需变更的信息，保存）",
        "信息维护初审",
        "信息维护复审",
        "专家退出申请（查询专家，点击退出）",
        "退出申请审核",
    ),
    materials=(
        Material(
            "《贵州省城乡居民重大疾病病种现场评审医师申请表》（专家入库）", required=False, condition_zh="专家入库"
        ),
        Material(
            "《贵州省城乡居民重大疾病病种现场评审医师信息变更表》（专家信息维护）",
            required=False,
            condition_zh="专家信息维护",
        ),
        Material(
            "《贵州省城乡居民重大疾病病种现场评审医师退出申请书》（专家退出）", required=False, condition_zh="专家退出"
        ),
    ),
    examples=(
        {
            "psn_name": "刘伟",
            "certno": ONSITE_REVIEW_EXPERT,
            "tel": "0851-85550606",
            "prac_cert_no": "110520100000606",  # 示例编号
            "qua_cert_no": "199352110520102196811200055",  # 示例编号
            # 示例病种: the seeds name none of the provincial 重大疾病 病种.
            "diseases": [{"dise_type": "终末期肾病", "dise_name": "终末期肾病", "trt_way": "血液透析"}],
            "fixmedins_code": EXAMPLE_HOSPITAL,
            "duty": "副院长",
            "dept": "肾内科",
            "pro_tech_duty": "主任医师",
            "spec": "肾脏病学",
        },
        {"certno": ONSITE_REVIEW_EXPERT, "pro_tech_duty": "主任医师", "spec": "肾脏病与血液净化"},
        {"certno": ONSITE_REVIEW_EXPERT, "exit_rea": "退休，申请退出", "hosp_insu_opinion": "同意退出"},
    ),
)
