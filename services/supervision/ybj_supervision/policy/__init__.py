"""Supervision's data files (EXAMPLE values: the seeds give no item limits), loaded and checked at import."""
