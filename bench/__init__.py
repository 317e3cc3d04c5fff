"""Benchmarks of the ybj platform beside the physical limits of its infrastructure (`make bench`)."""
