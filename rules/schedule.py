"""Which scheduled runs should act today: Prefect's schedules cannot say "working day".

The deployments (issue 6) run each flow on every candidate day (cron, Europe/London) and the
flow asks these functions first; on any other day it does nothing and says why in its log.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from rules.pauses import PauseSpell, pause_on
from rules.working_days import (
    bank_holidays,
    first_working_day_of_month,
    is_working_day,
    last_working_day_of_month,
)

#: Cron expressions (Europe/London) of the days a flow may have to act on: a superset, narrowed
#: by the guards below. The first working day is at the latest the 7th (a long Easter or
#: Christmas never pushes it further); the last is at the earliest the 22nd.
ALLOCATION_CRON = "0 7 1-7 * 1-5"
CHASE_CRON = "0 8 * * 1-5"
REPORT_CRON = "0 17 22-31 * 1-5"
#: The case export is imported every night, weekends too, before the working day's runs.
IMPORT_CRON = "0 2 * * *"
#: Schedules are read in this timezone, so 07:00 stays 07:00 across the clock changes.
TIMEZONE = "Europe/London"


def allocation_skip_reason(today: date) -> str | None:
    """None when ``today`` is the month's first working day; otherwise why not to allocate."""
    first = first_working_day_of_month(today.year, today.month)
    if today != first:
        return f"{today} is not the first working day of the month ({first} is)"
    return None


def chase_skip_reason(today: date, pauses: Iterable[PauseSpell] = ()) -> str | None:
    """None when reminders go on ``today``; otherwise why not: not a working day, or the
    programme is paused (docs/domain.md: nothing is chased on weekends, bank holidays or during a
    pause)."""
    if not is_working_day(today):
        name = bank_holidays(today.year).get(today)
        what = f"a bank holiday ({name})" if name else "a weekend"
        return f"{today:%a} {today.day} {today:%b %Y} is {what}"
    pause = pause_on(today, pauses)
    if pause is not None:
        return f"the programme is paused from {pause.starts_on} to {pause.last_day}: {pause.reason}"
    return None


def report_skip_reason(today: date) -> str | None:
    """None when ``today`` is the month's last working day; otherwise why not to report."""
    last = last_working_day_of_month(today.year, today.month)
    if today != last:
        return f"{today} is not the last working day of the month ({last} is)"
    return None
