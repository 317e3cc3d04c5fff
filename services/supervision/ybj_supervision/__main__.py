"""Run the supervision service: `python -m ybj_supervision serve|relay`."""

from ybj_kernel.entrypoints.service_main import main
from ybj_supervision.application import SupervisionApplication
from ybj_supervision.http import inspections_router

if __name__ == "__main__":
    main(SupervisionApplication, routers=(inspections_router,))
