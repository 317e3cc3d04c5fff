"""The service items the gateway serves today, by number; every other item answers ITEM_NOT_AVAILABLE (501).

Served: 68 参保险种 (the person's 参保关系 per 险种, read through the query service and checked against the three
identifiers the request names) and 114 受理类服务进度查询 (a case's progress by 受理号). The other 112 items of the
catalogue come with the later parts of issue 9.
"""

from __future__ import annotations

from ybj_gateway.items.call import ItemCall, ItemHandler, QueryReads
from ybj_gateway.items.insured import insured_types
from ybj_gateway.items.progress import acceptance_progress

HANDLERS: dict[int, ItemHandler] = {68: insured_types, 114: acceptance_progress}
AVAILABLE = frozenset(HANDLERS)

__all__ = ["AVAILABLE", "HANDLERS", "ItemCall", "ItemHandler", "QueryReads"]
