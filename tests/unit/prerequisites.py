"""What a process's example needs in the registries first: these processes' happy paths are walked before it."""

from __future__ import annotations

# Employers, persons and accounts (P001-P011); each entry: process id -> processes walked first, in order.
EMPLOYER_AND_PERSON: dict[str, tuple[str, ...]] = {"P002": ("P001",)}
# Accounts, transfers, resident changes and fund income (P012-P026).
ACCOUNT_AND_FUNDS: dict[str, tuple[str, ...]] = {}

PREREQUISITES: dict[str, tuple[str, ...]] = {**EMPLOYER_AND_PERSON, **ACCOUNT_AND_FUNDS}
