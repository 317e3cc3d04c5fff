"""P064 定点零售药店参数维护: P063's five kinds of upkeep for an admitted pharmacy (`upkeep_process`).

The same flow as the hospitals' (the pharmacy guide keeps the hospital guide's headings, 「定点医疗服务机构基本信息修改」),
without 起付线、自付比例 (「药店无起付线、自付比例修改」): its parameter screens are 服务停止 → 服务开通 (「勾选药店购药」) →
清算保证金预留比例修改 → 服务机构相关信息审核. The 变更登记表 lists 名称、法人代表、地址、经营范围. The catalogue notes that the
guide's national step cites the hospital form (「根据《贵州省基本医疗保险定点医疗机构变更登记表》」); the pharmacy form
is meant, and is the one printed here. 「以上所有操作均支持反向逐级回退」.
"""

from __future__ import annotations

from typing import Any

from ybj_kernel.domain.process import Material
from ybj_treatment.processes.p063_designated_medical_institution_parameter_maintenance import NAMES, upkeep_process
from ybj_treatment.registries.institutions import EXAMPLE_PHARMACY, EXAMPLE_PHARMACY_NAME, PHARMACY

PHARMACY_NAMES = {
    **NAMES,
    "basic_info_entry": "业务属性维护经办（输入定点零售药店编号，根据变更登记表录入变更信息，提交）",
    "service_open": "定点医疗服务机构服务开通（录入执行时间，勾选开通的医保支付类别：药店购药）",
    "bank_account_entry": "银行账户维护经办（根据《贵州省基本医疗保险定点零售药店资金结算账户信息变动表》录入变更信息，保存）",
}
_APPLICANT = {"fixmedins_code": EXAMPLE_PHARMACY, "aply_name": "赵敏", "tel": "0851-85552002", "chg_time": "2026-12-01"}
# Example values: P066's example admitted the pharmacy with 药店购药 open and 预留比例 0.05 from 2026-12-01; the
# parameter example changes only the ratio (the screens before it are passed with nothing ticked).
EXAMPLES: dict[str, dict[str, Any]] = {
    "basic_info_entry": {**_APPLICANT, "new_legrep_name": "周强"},
    "basic_info_entry_provincial": {**_APPLICANT, "new_addr": "贵阳市云岩区延安中路8号"},
    "basic_info_review_provincial": {"aprv_opnn": "同意变更"},
    "service_stop": {"fixmedins_code": EXAMPLE_PHARMACY},
    "service_open": {},
    "deposit_ratio_change": {"dpst_prop": "0.06", "exe_prd": "202701"},
    "param_review": {"aprv_opnn": "同意"},
    "service_toggle_entry": {
        "fixmedins_code": EXAMPLE_PHARMACY,
        "toggle": "pause",
        "exe_time": "2027-01-01",
        "chg_rea": "店面装修暂停营业",
    },
    "bank_account_entry": {
        "fixmedins_code": EXAMPLE_PHARMACY,
        "chg_rea": "结算账户变更",
        "acct_name": EXAMPLE_PHARMACY_NAME,
        "bank_acct": "52050110360009876543",
        "bank_name": "中国建设银行贵阳延安中路支行",
        "bank_code": "105701000231",
        "bank_hq_code": "105100000017",
    },
}

P064 = upkeep_process(
    id="P064",
    slug="designated_retail_pharmacy_parameter_maintenance",
    name_zh="定点零售药店参数维护",
    kind=PHARMACY,
    materials=(
        Material("《贵州省基本医疗保险定点零售药店变更登记表》", required=False, condition_zh="基本信息修改"),
        Material(
            "《药品经营许可证》、《营业执照》复印件（查验原件）（变更药店名称、法人代表（负责人）或经营地址的）",
            required=False,
            condition_zh="变更药店名称、法人代表（负责人）或经营地址",
        ),
        Material("法人代表身份证复印件", required=False, condition_zh="变更药店名称、法人代表等信息"),
        Material("对应的佐证资料（变更其他基本信息的）", required=False, condition_zh="变更其他基本信息"),
        Material("定点零售药店参数变更申请", required=False, condition_zh="定点医疗服务机构参数"),
        Material("参数变更相关佐证资料（如药品经营许可证等）", required=False, condition_zh="定点医疗服务机构参数"),
        Material(
            "《贵州省基本医疗保险定点零售药店资金结算账户信息变动表》", required=False, condition_zh="银行账户变更"
        ),
    ),
    names=PHARMACY_NAMES,
    examples=EXAMPLES,
)
