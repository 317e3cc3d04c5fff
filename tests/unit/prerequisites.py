"""What a process's example needs in the registries first: these processes' happy paths are walked before it.

Each entry: process id (or "P0NN:variant") -> processes (or "P0NN:variant") walked first, in order. One dict per
group of processes, so that each group's author edits only its own.
"""

from __future__ import annotations

# Employers and persons: registration and changes (P001-P006, P020).
EMPLOYER_AND_PERSON: dict[str, tuple[str, ...]] = {
    "P002": ("P001",),
    "P006": ("P001", "P002"),
    "P006:resume": ("P001", "P002", "P006:stop"),
}
# Contributions, bases, deferrals and arrears (P007-P011), queries (P014, P015).
CONTRIBUTIONS: dict[str, tuple[str, ...]] = {}
# Personal accounts: injections, transfers, withdrawals, deductions (P012, P013, P016-P018).
ACCOUNTS: dict[str, tuple[str, ...]] = {}
# Resident contributions and fund income (P022-P026).
FUND_INCOME: dict[str, tuple[str, ...]] = {}

PREREQUISITES: dict[str, tuple[str, ...]] = {**EMPLOYER_AND_PERSON, **CONTRIBUTIONS, **ACCOUNTS, **FUND_INCOME}
