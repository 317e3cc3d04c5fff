"""Enrollment policy parameters the seeds do not give, as data files beside the code, loaded and checked at import."""
