"""Supervision's rules: pure functions staff can list and try (试算), with their input and output models."""
