"""电子处方流转 (service items 82-89): the e-prescription, its 流转 to a pharmacy, and the pharmacies that take them.

Processes S082 处方购药 (the patient's choice of pharmacy, through a channel), S085 电子处方流转信息上传 (institutions
upload: 开具, 购药, 作废, 失效) and S086 电子处方流转定点药店开通/关闭; registries `prescription` (registries/
prescriptions.py) and `rx_pharmacy` (registries/rx_pharmacies.py); example policy: the validity period
(policy/prescriptions_example.yaml). No rules to try yet.
"""

from __future__ import annotations

from typing import Any

from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.registry import Registry
from ybj_kernel.domain.rules import Rule
from ybj_treatment.processes.s082_prescription_drug_purchase import S082
from ybj_treatment.processes.s085_e_prescription_upload import S085
from ybj_treatment.processes.s086_e_prescription_pharmacy import S086
from ybj_treatment.registries.prescriptions import PRESCRIPTIONS
from ybj_treatment.registries.rx_pharmacies import RX_PHARMACIES

PROCESSES: tuple[ProcessDefinition, ...] = (S082, S085, S086)
REGISTRIES: tuple[Registry, ...] = (PRESCRIPTIONS, RX_PHARMACIES)
RULES: tuple[Rule[Any, Any], ...] = ()
# The examples' prescription is 王芳's (P019's example resident), issued by 贵阳市第一人民医院 (P065) and bought at
# 贵阳大药房云岩店 (P066), which S086's example enables for e-prescriptions.
_ISSUED = ("P065", "S085:issue")
_CHOSEN = ("P065", "P066", "S086:enable", "S085:issue", "S082")
EXAMPLE_PREREQUISITES: dict[str, tuple[str, ...]] = {
    "S085": ("P065",),  # the first variant, issue
    "S085:issue": ("P065",),
    "S085:revoke": _ISSUED,
    "S085:expire": _ISSUED,
    "S085:dispense": _CHOSEN,
    "S082": _CHOSEN[:-1],
    "S086": ("P066",),
    "S086:enable": ("P066",),
    "S086:disable": ("P066", "S086:enable"),
}
