"""Dates written with their weekday in the tables of the rules tests."""

from __future__ import annotations

import calendar
from datetime import date

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def day(label: str) -> date:
    """``"Fri 2026-12-25 Christmas Day"`` -> ``date(2026, 12, 25)``, checking the weekday, so a
    slip in a hand-written table fails rather than testing the wrong date."""
    weekday, iso = label.split()[:2]
    result = date.fromisoformat(iso)
    actual = WEEKDAYS[calendar.weekday(result.year, result.month, result.day)]
    assert actual == weekday, f"table error: {iso} is a {actual}, not a {weekday}"
    return result
