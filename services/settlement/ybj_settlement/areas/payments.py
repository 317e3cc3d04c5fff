"""Fund payment chains (P027-P040): 银行报盘 and 网银 chains with three review levels, bank files and returns."""

from __future__ import annotations

from typing import Any

from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.registry import Registry
from ybj_kernel.domain.rules import Rule
from ybj_settlement.processes.p027_monthly_settlement_fund_payment import P027
from ybj_settlement.processes.p028_annual_deposit_fund_payment import P028
from ybj_settlement.processes.p029_year_end_clearing_fund_payment import P029
from ybj_settlement.processes.p030_centralized_procurement_prepayment_payment import P030
from ybj_settlement.processes.p031_remote_care_expense_transfer_to_treasury import P031
from ybj_settlement.processes.p032_personal_account_refund_fund_payment import P032
from ybj_settlement.processes.p033_transfer_out_fund_payment import P033
from ybj_settlement.processes.p034_unit_reimbursement_fund_payment import P034
from ybj_settlement.processes.p035_bridging_fund_fiscal_subsidy_payment import P035
from ybj_settlement.processes.p036_railway_power_account_refund_payment import P036
from ybj_settlement.processes.p037_railway_power_reimbursement_payment import P037
from ybj_settlement.processes.p038_out_of_province_resettlement_account_refund_payment import P038
from ybj_settlement.processes.p039_remote_institution_monthly_settlement_payment import P039
from ybj_settlement.processes.p040_remote_institution_prepayment_payment import P040

PROCESSES: tuple[ProcessDefinition, ...] = (
    P027,
    P028,
    P029,
    P030,
    P031,
    P032,
    P033,
    P034,
    P035,
    P036,
    P037,
    P038,
    P039,
    P040,
)
REGISTRIES: tuple[Registry, ...] = ()
RULES: tuple[Rule[Any, Any], ...] = ()
EXAMPLE_PREREQUISITES: dict[str, tuple[str, ...]] = {}
