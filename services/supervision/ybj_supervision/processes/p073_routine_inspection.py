"""P073 日常检查: 「支付类别（住院、门诊）」, then 「对导出的数据进行审核」 (the shared F8 flow, f8_inspection.py)."""

from __future__ import annotations

from ybj_supervision.processes.f8_inspection import example_query, f8_inspection

P073 = f8_inspection(
    "P073",
    "routine_inspection",
    "日常检查",
    export_zh="统计查询—F8费用结算明细（选择开始时间及结束时间、医院编码、支付类别（住院、门诊），检索，导出全部）",
    inspect_zh="对导出的数据进行审核",
    categories=("outpatient", "inpatient"),
    example=example_query("outpatient", "2026-11-01", "2026-11-30", "11", "2026-11-20"),
)
