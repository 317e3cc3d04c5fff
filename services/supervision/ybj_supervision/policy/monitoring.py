"""The monitoring rules' item data (monitoring_examples.yaml beside this module: EXAMPLE values, the seeds give none).

Loaded and checked at import: a malformed file never reaches a rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from types import MappingProxyType
from typing import Any

import yaml

SEXES = MappingProxyType({"1": "男", "2": "女"})


@dataclass(frozen=True)
class ItemPolicy:
    """示例 (example) item data: each item's quantity limit and the items for one sex only."""

    quantity_limits: Mapping[str, tuple[str, Decimal]]  # med_list_codg -> (name, max cnt a line)
    sex_specific: Mapping[str, tuple[str, str]]  # med_list_codg -> (name, gend allowed)
    example: bool = True

    def describe(self) -> dict[str, Any]:
        """The data as JSON, marked as examples."""
        return {
            "example": self.example,
            "quantity_limits": {
                c: {"med_list_name": n, "max_cnt": str(m)} for c, (n, m) in self.quantity_limits.items()
            },
            "sex_specific": {c: {"med_list_name": n, "gend": g} for c, (n, g) in self.sex_specific.items()},
        }


def parse_policy(loaded: Any) -> ItemPolicy:
    """Check and build the item data; a bad row raises ValueError naming it."""
    if not isinstance(loaded, dict) or loaded.get("example") is not True:
        raise ValueError("monitoring item data must be a mapping marked `example: true`")
    limits: dict[str, tuple[str, Decimal]] = {}
    for row in loaded.get("quantity_limits") or []:
        code = str(row["med_list_codg"])
        try:
            most = Decimal(str(row["max_cnt"]))
        except InvalidOperation:
            raise ValueError(f"quantity_limits {code}: max_cnt is not a number") from None
        if most <= 0 or code in limits:
            raise ValueError(f"quantity_limits {code}: max_cnt must be above 0 and the item listed once")
        limits[code] = (str(row["med_list_name"]), most)
    sexes: dict[str, tuple[str, str]] = {}
    for row in loaded.get("sex_specific") or []:
        code, gend = str(row["med_list_codg"]), str(row["gend"])
        if gend not in SEXES or code in sexes:
            raise ValueError(f"sex_specific {code}: gend must be 1 or 2 and the item listed once")
        sexes[code] = (str(row["med_list_name"]), gend)
    return ItemPolicy(MappingProxyType(limits), MappingProxyType(sexes))


def load_policy(name: str = "monitoring_examples.yaml") -> ItemPolicy:
    """Read and check a data file beside this module."""
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return parse_policy(yaml.safe_load(text))


ITEMS = load_policy()
