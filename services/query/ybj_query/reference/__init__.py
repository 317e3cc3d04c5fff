"""Reference data the query service serves and never changes through cases (药品和医用耗材分类与代码, 限价, 政策文件,
经办机构): loaded from files in the national formats (`python -m ybj_query.reference import <kind> <file>`), the
shipped examples loaded into any kind still empty at start-up. The formats are in docs/reference-data.md."""

from __future__ import annotations

from ybj_query.reference.routes import reference_router

__all__ = ["reference_router"]
