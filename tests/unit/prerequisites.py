"""What a process's example needs in the registries first: these processes' happy paths are walked before it.

Each entry: process id (or "P0NN:variant") -> processes (or "P0NN:variant") walked first, in order. One dict per
group of processes, so that each group's author edits only its own.
"""

from __future__ import annotations

from ybj_settlement.areas import EXAMPLE_PREREQUISITES as SETTLEMENT_EXAMPLES
from ybj_supervision.areas import EXAMPLE_PREREQUISITES as SUPERVISION_EXAMPLES
from ybj_treatment.areas import EXAMPLE_PREREQUISITES as TREATMENT_EXAMPLES

# Employers and persons: registration and changes (P001-P006, P020).
EMPLOYER_AND_PERSON: dict[str, tuple[str, ...]] = {
    "P002": ("P001",),
    "P006": ("P001", "P002"),
    "P006:resume": ("P001", "P002", "P006:stop"),
    "P004": ("P001", "P002", "P006:stop"),
    "P004:online": ("P001", "P002", "P006:stop", "P004:offline"),
    "P005": ("P001",),
    "P005:split": ("P001", "P002"),
    "P005:merge": ("P001", "P002", "P005:split"),
    "P005:deregister": ("P001", "P002"),
    "P020": ("P019",),
}
# Contributions, bases, deferrals and arrears (P007-P011), queries (P014, P015).
CONTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "P007": ("P001", "P002"),
    "P008": ("P001", "P002"),
    "P009": ("P001", "P002"),
    "P010": ("P001",),
    "P011": ("P001", "P002"),
    "P014": ("P001",),
    "P015": ("P001", "P002"),
}
# Personal accounts: injections, transfers, withdrawals, deductions (P012, P013, P016-P018).
ACCOUNTS: dict[str, tuple[str, ...]] = {
    "P012": ("P001", "P002"),
    "P013": ("P001", "P002"),
    "P016": ("P001", "P002", "P012"),  # the example transfers the 1000.00 P012's example injected
    "P017": ("P001", "P002", "P012"),
    "P018": ("P001", "P002", "P012"),
}
# Resident contributions and fund income (P022-P026).
FUND_INCOME: dict[str, tuple[str, ...]] = {"P022": ("P019",)}  # P022 pays for P019's example resident
# 个人账户共济 (S096, S097, S111): P002's employee binds P019's resident; the 代缴 spends what P012 injected.
MUTUAL_AID: dict[str, tuple[str, ...]] = {
    "S097": ("P001", "P002", "P019"),
    "S097:unbind": ("P001", "P002", "P019", "S097:bind"),
    "S096": ("P001", "P002", "P019", "S097:bind"),
    "S111": ("P001", "P002", "P012", "P019", "S097:bind"),
}

# Treatment, settlement and supervision: each area of a service lists what its examples need (<service>/areas/).
PREREQUISITES: dict[str, tuple[str, ...]] = {
    **EMPLOYER_AND_PERSON,
    **CONTRIBUTIONS,
    **ACCOUNTS,
    **FUND_INCOME,
    **MUTUAL_AID,
    **TREATMENT_EXAMPLES,
    **SETTLEMENT_EXAMPLES,
    **SUPERVISION_EXAMPLES,
}
