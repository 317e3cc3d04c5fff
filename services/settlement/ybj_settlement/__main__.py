"""Run the settlement service: `python -m ybj_settlement serve|relay`."""

from ybj_kernel.entrypoints.service_main import main
from ybj_settlement.application import SettlementApplication

if __name__ == "__main__":
    main(SettlementApplication)
