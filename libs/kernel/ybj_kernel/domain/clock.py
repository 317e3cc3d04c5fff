"""The application's date as validators see it: handed in as pydantic validation context, never the machine's clock."""

from __future__ import annotations

from datetime import date

from pydantic import ValidationInfo


def today_of(info: ValidationInfo) -> date:
    """Return the date the application validates against (`context={"today": ...}`)."""
    today = (info.context or {}).get("today")
    if not isinstance(today, date):
        raise RuntimeError("validated without the application's clock: pass context={'today': date}")
    return today
