"""Run the settlement service: `python -m ybj_settlement serve|relay|react`."""

from ybj_kernel.entrypoints.service_main import main
from ybj_settlement.application import SettlementApplication
from ybj_settlement.http import reconciliation_router, records_router

if __name__ == "__main__":
    main(SettlementApplication, routers=(records_router, reconciliation_router))
