"""Remote-care filings (P044-P047) and benefit qualifications (P055-P059, P062).

Registries: `filing` and `qualification` (registries/eligibility.py, both keyed by 人员编号). Rules: R25, R29 and the
异地 check (rules/eligibility.py). Printed forms: the 医疗证 (documents/eligibility.py).
"""

from __future__ import annotations

from typing import Any

from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.registry import Registry
from ybj_kernel.domain.rules import Rule
from ybj_treatment.processes.p044_relocated_retiree_filing import P044
from ybj_treatment.processes.p045_long_term_resident_remote_care_filing import P045
from ybj_treatment.processes.p046_resident_remote_worker_remote_care_filing import P046
from ybj_treatment.processes.p047_referral_remote_care_filing import P047
from ybj_treatment.processes.p055_chronic_special_disease_benefit_certification import P055
from ybj_treatment.processes.p056_chronic_special_disease_annual_review import P056
from ybj_treatment.processes.p057_chronic_special_disease_proxy_registration import P057
from ybj_treatment.processes.p058_chronic_special_disease_designated_hospital_change import P058
from ybj_treatment.processes.p059_chronic_special_disease_certificate_reissue import P059
from ybj_treatment.processes.p062_major_disease_certification import P062
from ybj_treatment.registries import eligibility as registries
from ybj_treatment.rules import eligibility as rules

PROCESSES: tuple[ProcessDefinition, ...] = (P044, P045, P046, P047, P055, P056, P057, P058, P059, P062)
REGISTRIES: tuple[Registry, ...] = registries.REGISTRIES
RULES: tuple[Rule[Any, Any], ...] = rules.RULES
# The example persons come from enrollment (fed to treatment by the tests); the example institution and expert from
# the institutions and physicians areas: P065 admits 贵阳市第一人民医院, P068 / P070 designate it (重大疾病, 门慢申办),
# P087 puts the certifying expert in the pool. The qualification processes start from P055's provincial example
# (陈静 holding 支气管哮喘), which needs no institution.
EXAMPLE_PREREQUISITES: dict[str, tuple[str, ...]] = {
    "P047": ("P065",),
    "P055": ("P065", "P070"),
    "P055:national_revoke": ("P065", "P070", "P055:national_register"),
    "P055:provincial_online": (),
    "P056": ("P055:provincial_online",),
    "P057": ("P055:provincial_online",),
    "P058": ("P055:provincial_online",),
    "P059": ("P055:provincial_online",),
    "P062": ("P065", "P068", "P087"),
}
