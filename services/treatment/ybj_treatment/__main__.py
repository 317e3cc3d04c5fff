"""Run the treatment service: `python -m ybj_treatment serve|relay`."""

from ybj_kernel.entrypoints.service_main import main
from ybj_treatment.application import TreatmentApplication
from ybj_treatment.ltc_http import ltc_router

if __name__ == "__main__":
    main(TreatmentApplication, routers=(ltc_router,))
