"""Sensitive data in channel answers: 证件号码 shows its first 6 and last 4, a phone or bank account its last 4."""

from __future__ import annotations


def mask_certno(certno: str) -> str:
    """110105********002X."""
    return certno[:6] + "*" * max(len(certno) - 10, 0) + certno[-4:] if len(certno) > 10 else "*" * len(certno)


def mask_tail(value: str) -> str:
    """*******1234 (a phone number, a bank account)."""
    return "*" * max(len(value) - 4, 0) + value[-4:]
