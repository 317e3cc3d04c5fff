"""Run the enrollment service: `python -m ybj_enrollment serve|relay`."""

from ybj_kernel.entrypoints.service_main import main

from ybj_enrollment.application import EnrollmentApplication

if __name__ == "__main__":
    main(EnrollmentApplication)
