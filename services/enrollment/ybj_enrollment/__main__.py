"""Run the enrollment service: `python -m ybj_enrollment serve|relay`."""

from ybj_enrollment.application import EnrollmentApplication
from ybj_kernel.entrypoints.service_main import main

if __name__ == "__main__":
    main(EnrollmentApplication)
