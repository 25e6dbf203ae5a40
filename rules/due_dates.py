"""A cycle's dates: allocation on its first working day, and the due date by policy."""

from __future__ import annotations

from datetime import date

from rules.months import parse_month
from rules.policy import DueDatePolicy
from rules.working_days import (
    add_working_days,
    first_working_day_of_month,
    last_working_day_of_month,
)


def allocation_date(month: str) -> date:
    """A cycle is allocated on the first working day of its month."""
    return first_working_day_of_month(*parse_month(month))


def due_date(month: str, policy: DueDatePolicy) -> date:
    """The due date of the audits allocated in ``month``.

    ``last_working_day``: the last working day of the month. ``working_days_after_allocation``:
    N working days after the allocation date.
    """
    if policy.policy == "working_days_after_allocation":
        return add_working_days(allocation_date(month), policy.working_days_after_allocation)
    return last_working_day_of_month(*parse_month(month))
