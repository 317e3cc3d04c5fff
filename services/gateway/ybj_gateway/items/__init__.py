"""The service items the gateway serves today, by number; every other item answers ITEM_NOT_AVAILABLE (501).

Served: 54 定点药店信息查询 and 55 定点医疗机构信息查询 (public, institutions.py), 68 参保险种 (the person's 参保关系 per
险种, read through the query service and checked against the three identifiers the request names), 108 本年累计医疗费用
查询 and 113 年度医疗费用结算汇总 (the person's year of settlement records, expenses.py) and 114 受理类服务进度查询 (a
case's progress by 受理号). The other 108 items of the catalogue come with the later parts of issue 9.
"""

from __future__ import annotations

from ybj_gateway.items.call import ItemCall, ItemHandler, QueryReads
from ybj_gateway.items.expenses import annual_summary, year_to_date
from ybj_gateway.items.institutions import hospitals, pharmacies
from ybj_gateway.items.insured import insured_types
from ybj_gateway.items.progress import acceptance_progress

HANDLERS: dict[int, ItemHandler] = {
    54: pharmacies,
    55: hospitals,
    68: insured_types,
    108: year_to_date,
    113: annual_summary,
    114: acceptance_progress,
}
AVAILABLE = frozenset(HANDLERS)

__all__ = ["AVAILABLE", "HANDLERS", "ItemCall", "ItemHandler", "QueryReads"]
