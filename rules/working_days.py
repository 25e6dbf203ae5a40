"""Working days: Monday to Friday, less the bank holidays of England and Wales.

Bank holidays come from the ``holidays`` library, which computes them (substitute days, Easter,
one-off royal occasions) without any network access at run time.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> dict[date, str]:
    """The bank holidays of England and Wales in ``year``, by date."""
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return {day: str(name) for day, name in sorted(calendar.items())}


def is_bank_holiday(day: date) -> bool:
    return day in bank_holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def next_working_day(day: date) -> date:
    """The first working day strictly after ``day``."""
    return add_working_days(day, 1)


def previous_working_day(day: date) -> date:
    """The last working day strictly before ``day``."""
    return add_working_days(day, -1)


# Cached: a chase run asks the same few questions (the ladder of one due date) for thousands of
# audits, and each answer walks the calendar a day at a time.
@lru_cache(maxsize=8192)
def add_working_days(day: date, count: int) -> date:
    """The date ``count`` working days after ``day`` (before it when ``count`` is negative).

    ``day`` itself need not be a working day; with ``count == 0`` it is returned unchanged.
    """
    step = timedelta(days=1 if count >= 0 else -1)
    remaining = abs(count)
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


@lru_cache(maxsize=8192)
def working_days_between(start: date, end: date) -> int:
    """How many working days fall after ``start`` up to and including ``end``.

    Negative when ``end`` is before ``start`` (then the working days after ``end`` up to and
    including ``start``), so ``working_days_between(a, b) == -working_days_between(b, a)``.
    The inverse of :func:`add_working_days`: ``add_working_days(start, n) == end`` for a working
    day ``end``, and for ``n < 0`` when ``start`` is a working day too.
    """
    if end < start:
        return -working_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def first_working_day_of_month(year: int, month: int) -> date:
    day = date(year, month, 1)
    return day if is_working_day(day) else next_working_day(day)


def last_working_day_of_month(year: int, month: int) -> date:
    next_month = date(year + month // 12, month % 12 + 1, 1)
    return previous_working_day(next_month)
