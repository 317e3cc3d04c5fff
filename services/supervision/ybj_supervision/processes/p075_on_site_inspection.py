"""P075 实地检查: 「支付类别（全部）」, then the records sampled 「按实地检查确定的检查重点」 (the shared F8 flow)."""

from __future__ import annotations

from ybj_supervision.processes.f8_inspection import example_query, f8_inspection

P075 = f8_inspection(
    "P075",
    "on_site_inspection",
    "实地检查",
    export_zh="统计查询—F8费用结算明细（选择开始时间及结束时间、医院编码、支付类别（全部），检索，导出全部）",
    inspect_zh="按实地检查确定的检查重点抽查医疗机构病历或药店的结算数据单",
    categories=("all",),
    example=example_query("all", "2026-10-01", "2026-10-31", "11", "2026-10-15"),
)
