"""Cycle months written ``YYYY-MM``, and arithmetic on them.

A month is exactly four and two ASCII digits: no surrounding space and no trailing newline (a
``$`` would allow one, and a cycle named ``"2026-12\n"`` would follow), no other digits.
"""

from __future__ import annotations

import re
from datetime import date

from rules.values import EARLIEST_DATE, LATEST_DATE

_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")


class MonthError(ValueError):
    pass


def parse_month(text: str) -> tuple[int, int]:
    """``"2026-11"`` -> ``(2026, 11)``; anything else raises :class:`MonthError`."""
    match = _MONTH.fullmatch(text) if isinstance(text, str) else None
    if not match or match.group(1) == "0000":
        raise MonthError(f"month must be written YYYY-MM (e.g. 2026-11), not {text!r}")
    return int(match.group(1)), int(match.group(2))


def format_month(year: int, month: int) -> str:
    if not 1 <= year <= 9999 or not 1 <= month <= 12:
        raise MonthError(f"no such month: year {year!r}, month {month!r}")
    return f"{year:04d}-{month:02d}"


def add_months(month: str, count: int) -> str:
    year, mon = parse_month(month)
    index = year * 12 + (mon - 1) + count
    return format_month(index // 12, index % 12 + 1)


def parse_programme_month(text: str) -> str:
    """A month the programme can act on (``"2026-11"``): written as :func:`parse_month` wants
    and within the years of ``rules.values``' dates, since due dates and re-audits are counted
    on from it (a month of 9999 runs off the calendar); else :class:`MonthError`."""
    month = format_month(*parse_month(text))
    first, last = format_month(EARLIEST_DATE.year, 1), format_month(LATEST_DATE.year, 12)
    if not first <= month <= last:
        raise MonthError(f"{month} is not between {first} and {last}")
    return month


def adjacent_months(month: str) -> tuple[str | None, str | None]:
    """The programme months before and after ``month``; None past the first or last (1900-01,
    2199-12), so that a page of the last month still has a link back and none onwards."""

    def step(count: int) -> str | None:
        try:
            return parse_programme_month(add_months(month, count))
        except MonthError:
            return None

    return step(-1), step(1)


def month_of(day: date) -> str:
    return format_month(day.year, day.month)


def months_before(month: str, count: int) -> list[str]:
    """The ``count`` months before ``month``, nearest first."""
    return [add_months(month, -offset) for offset in range(1, count + 1)]
