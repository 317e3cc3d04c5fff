"""P066 新增定点零售药店: P065's admission flow for a pharmacy, from the 《贵州省基本医疗保险定点零售药店申请表》.

申请 (the form, 「近三个月经营状况统计及会计报表」 and the 法定代表人承诺) → 定点医药机构新增 under a `P` code → 业务属性新增
审核 (单次 or 批量) → 省级系统基本信息新增 (机构编号、机构名称、保证金等信息). A pharmacy has no 医疗机构级别 and no 起付线 or
自付比例; its only 医保支付类别 is 药店购药 (「勾选药店购药」, P064).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import Field, ValidationInfo, model_validator

from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.process import Material, ProcessDefinition
from ybj_kernel.domain.validation import bilingual
from ybj_treatment.processes.p065_new_designated_medical_institution import (
    VARIANTS,
    AdmissionForm,
    ProvincialRecord,
    admission_effects,
    admission_stages,
)
from ybj_treatment.registries.institutions import EXAMPLE_PHARMACY, EXAMPLE_PHARMACY_NAME, PHARMACY


class PharmacyApplication(AdmissionForm):
    """《贵州省基本医疗保险定点零售药店申请表》."""

    uscc_date: date = Field(description="营业执照发证日期")
    drug_lic_no: str = Field(min_length=1, max_length=50, description="药品经营许可证号")
    drug_lic_date: date = Field(description="药品经营许可证发证日期")
    biz_scp: str = Field(min_length=1, max_length=500, description="经营认证范围")
    chain_flag: bool = Field(description="是否连锁企业")
    biz_area: Decimal = Field(gt=0, max_digits=10, decimal_places=2, description="营业面积（平方米）")
    pharm_name: str = Field(min_length=1, max_length=50, description="执业药师姓名")
    pharm_cert_no: str = Field(min_length=1, max_length=50, description="执业药师证书编号")
    phar_cnt: int | None = Field(default=None, ge=0, description="人员构成：药师总人数")
    clerk_cnt: int | None = Field(default=None, ge=0, description="人员构成：营业员总人数")

    @model_validator(mode="after")
    def _issued(self, info: ValidationInfo) -> PharmacyApplication:
        for day, label in ((self.uscc_date, "营业执照发证日期"), (self.drug_lic_date, "药品经营许可证发证日期")):
            if day > today_of(info):
                raise bilingual(f"{label}不能晚于今天", "an issue date cannot be after today")
        return self


PHARMACY_INFO = (
    "addr",
    "legrep_name",
    "uscc_date",
    "drug_lic_no",
    "drug_lic_date",
    "biz_scp",
    "chain_flag",
    "biz_area",
    "pharm_name",
    "pharm_cert_no",
    "tel",
    "phar_cnt",
    "clerk_cnt",
)
NAMES = {
    "apply": "提交《贵州省基本医疗保险定点零售药店申请表》及申报资料",
    "register": "定点医药机构新增（根据《贵州省基本医疗保险定点零售药店申请表》录入基础信息，保存）",
    "review": "业务属性新增审核（单次审核或批量审核，审核标志：通过或不通过）",
    "register_provincial": "贵州省医疗保障信息系统：定点医疗服务机构基本信息新增（录入机构编号、机构名称等信息，继续录入保证金等信息）",
}
# The pharmacy every area's examples use (P52010200001 贵阳大药房云岩店, 520102); the other values are examples.
EXAMPLES: dict[str, dict[str, Any]] = {
    "apply": {
        "admdvs": "520102",
        "fixmedins_name": EXAMPLE_PHARMACY_NAME,
        "addr": "贵阳市云岩区延安中路20号",
        "legrep_name": "陈芳",
        "legrep_certno": "520102197511200023",
        "uscc": "91520102MA6GYD8K1B",
        "uscc_date": "2020-03-18",
        "drug_lic_no": "黔AA8510001",
        "drug_lic_date": "2020-05-06",
        "biz_scp": "中成药、化学药制剂、抗生素制剂、生化药品、生物制品（除疫苗）",
        "chain_flag": True,
        "biz_area": "120.00",
        "pharm_name": "刘梅",
        "pharm_cert_no": "ZY00520100123",
        "phar_cnt": 3,
        "clerk_cnt": 5,
        "acct_name": EXAMPLE_PHARMACY_NAME,
        "bank_acct": "2402000109200098765",
        "bank_code": "102701000131",
        "bank_name": "中国工商银行贵阳中华北路支行",
        "aply_name": "赵敏",
        "tel": "0851-85552002",
        "stmt_months": ["202609", "202610", "202611"],
        "legrep_promise": True,
    },
    "register": {"fixmedins_code": EXAMPLE_PHARMACY},
    "register_provincial": {
        "fixmedins_code": EXAMPLE_PHARMACY,
        "fixmedins_name": EXAMPLE_PHARMACY_NAME,
        "begndate": "2026-12-01",
        "svc_types": ["41"],
        "dpst_prop": "0.05",  # example, not policy
    },
}

P066 = ProcessDefinition(
    id="P066",
    slug="new_designated_retail_pharmacy",
    name_zh="新增定点零售药店",
    service="treatment",
    variants=VARIANTS,
    materials=(
        Material("《贵州省基本医疗保险定点零售药店申请表》"),
        Material("《药品经营许可证》、《营业执照》复印件（查验原件）"),
        Material("法人代表确认文件、身份证复印件（查验原件）"),
        Material("营业服务场所产权或使用权证明材料复印件（查验原件）及场地平面图复印件（标准面积、功能分区等）"),
        Material("实际在职在岗职工花名册"),
        Material("近三个月经营状况统计及会计报表"),
        Material("其他补充材料", required=False),
    ),
    stages=admission_stages(PHARMACY, NAMES, PharmacyApplication, ProvincialRecord, EXAMPLES),
    effects=admission_effects(PHARMACY, PHARMACY_INFO),
)
