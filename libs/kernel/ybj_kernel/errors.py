"""Errors that reach users: a code, a message in Chinese and English, the field, and an HTTP status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass
class YbjError(Exception):
    """Base error carried from the domain to the edge unchanged."""

    code: str
    message_zh: str
    message_en: str
    field: str | None = None
    status: ClassVar[int] = 400

    def __str__(self) -> str:
        where = f" [{self.field}]" if self.field else ""
        return f"{self.code}{where}: {self.message_en}"

    def to_dict(self) -> dict[str, Any]:
        """Render as the public error body {code, message_zh, message_en, field?}."""
        body: dict[str, Any] = {
            "code": self.code,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }
        if self.field is not None:
            body["field"] = self.field
        return body


class InvalidInput(YbjError):
    """The request's data is invalid (422)."""

    status = 422


class Conflict(YbjError):
    """The request conflicts with the case's current state or version (409)."""

    status = 409


class Forbidden(YbjError):
    """The caller may not do this (403)."""

    status = 403


class Unauthenticated(YbjError):
    """No valid identity was presented (401)."""

    status = 401


class NotFound(YbjError):
    """The addressed thing does not exist (404)."""

    status = 404


class Unavailable(YbjError):
    """A dependency is down; the client should retry later (503)."""

    status = 503
