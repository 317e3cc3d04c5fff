"""P076 年终检查: 「选择开始时间及结束时间（全年）」, 「支付类别（全部）」, then 「按年终检查确定的检查重点」抽查."""

from __future__ import annotations

from ybj_supervision.processes.f8_inspection import example_query, f8_inspection

P076 = f8_inspection(
    "P076",
    "year_end_inspection",
    "年终检查",
    export_zh="统计查询—F8费用结算明细（选择开始时间及结束时间（全年）、医院编码、支付类别（全部），检索，导出全部）",
    inspect_zh="按年终检查确定的检查重点抽查医疗机构病历或药店的结算数据单",
    categories=("all",),
    example=example_query("all", "2026-01-01", "2026-12-31", "21", "2026-06-15"),
    whole_year=True,
)
