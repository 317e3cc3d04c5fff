"""The 114 便民服务事项 (service_items.yaml beside this module, a copy of the catalogue's), read once at import."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any, Literal

import yaml

Kind = Literal["application", "query"]


@dataclass(frozen=True)
class ServiceItem:
    """One item of the table: its number, 一级功能 (group), 二级功能 (name) and whether it submits or only reads."""

    no: int
    group_zh: str
    name_zh: str
    slug: str
    kind: Kind
    service: str  # the service that carries it out (every query item: the query service)
    process_ids: tuple[str, ...]
    note: str | None = None

    def describe(self) -> dict[str, Any]:
        """The item as a channel sees it in the list."""
        return {"no": self.no, "group_zh": self.group_zh, "name_zh": self.name_zh, "kind": self.kind}


def parse_items(document: Any) -> dict[int, ServiceItem]:
    """The items of a service_items.yaml document by number; a malformed or incomplete table is a ValueError."""
    rows = document.get("service_items") if isinstance(document, dict) else None
    if not isinstance(rows, list):
        raise ValueError("service_items.yaml: a list `service_items` is expected")
    items: dict[int, ServiceItem] = {}
    for row in rows:
        item = ServiceItem(
            no=int(row["no"]),
            group_zh=str(row["group_zh"]),
            name_zh=str(row["name_zh"]),
            slug=str(row["slug"]),
            kind=row["kind"],
            service=str(row["service"]),
            process_ids=tuple(str(p) for p in row.get("process_ids") or ()),
            note=row.get("note"),
        )
        if item.kind not in ("application", "query") or item.no in items:
            raise ValueError(f"service_items.yaml: item {item.no} is listed twice or has an unknown kind")
        items[item.no] = item
    if sorted(items) != list(range(1, len(items) + 1)):
        raise ValueError("service_items.yaml: the items must be numbered 1, 2, … without gaps")
    return items


def load_items(name: str = "service_items.yaml") -> MappingProxyType[int, ServiceItem]:
    """Read and check the table beside this module."""
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return MappingProxyType(parse_items(yaml.safe_load(text)))


ITEMS = load_items()
ITEM_NUMBERS = frozenset(ITEMS)
