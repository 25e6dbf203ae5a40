"""A cycle's allocation date and due date, by policy.

Every expected date was counted by hand on ``calendar.month(...)``; each label names its weekday and
``day`` checks it against the calendar.
"""

from __future__ import annotations

import calendar
from datetime import date

import pytest

from rules.due_dates import allocation_date, due_date
from rules.months import MonthError
from rules.policy import DueDatePolicy
from rules.working_days import is_working_day, working_days_between
from tests.rules.labelled_dates import day


def after_allocation(n: int) -> DueDatePolicy:
    return DueDatePolicy(policy="working_days_after_allocation", working_days_after_allocation=n)


LAST_WORKING_DAY = DueDatePolicy(policy="last_working_day")

# --- allocation date: the first working day of the month -----------------------------------------

ALLOCATION = [
    ("2026-01", "Fri 2026-01-02 (Thu 1 Jan New Year's Day)"),
    ("2026-04", "Wed 2026-04-01"),
    ("2026-05", "Fri 2026-05-01"),
    ("2026-06", "Mon 2026-06-01"),
    ("2026-08", "Mon 2026-08-03 (1-2 Aug weekend)"),
    ("2026-09", "Tue 2026-09-01"),
    ("2026-11", "Mon 2026-11-02 (1 Nov Sunday)"),
    ("2026-12", "Tue 2026-12-01"),
    ("2027-01", "Mon 2027-01-04 (Fri 1 Jan New Year's Day, then weekend)"),
    ("2027-03", "Mon 2027-03-01"),
    ("2027-05", "Tue 2027-05-04 (weekend, then Mon 3 May bank holiday)"),
    ("2027-12", "Wed 2027-12-01"),
    ("2028-01", "Tue 2028-01-04 (weekend, then Mon 3 Jan substitute day)"),
]


@pytest.mark.parametrize(
    ("month", "expected"), ALLOCATION, ids=[f"{m} -> {label}" for m, label in ALLOCATION]
)
def test_allocation_date_is_first_working_day(month: str, expected: str) -> None:
    assert allocation_date(month) == day(expected)


# --- due date: last working day of the month (the default) ---------------------------------------

DUE_LAST_WORKING_DAY = [
    ("2026-04", "Thu 2026-04-30"),
    ("2026-05", "Fri 2026-05-29 (30-31 May weekend)"),
    ("2026-06", "Tue 2026-06-30"),
    ("2026-08", "Fri 2026-08-28 (Mon 31 Aug Summer bank holiday)"),
    ("2026-10", "Fri 2026-10-30"),
    ("2026-11", "Mon 2026-11-30"),
    ("2026-12", "Thu 2026-12-31"),
    ("2027-01", "Fri 2027-01-29"),
    ("2027-03", "Wed 2027-03-31"),
    ("2027-05", "Fri 2027-05-28 (Mon 31 May Spring bank holiday)"),
    ("2027-08", "Tue 2027-08-31"),
    ("2027-12", "Fri 2027-12-31"),
]


@pytest.mark.parametrize(
    ("month", "expected"),
    DUE_LAST_WORKING_DAY,
    ids=[f"{m} -> {label}" for m, label in DUE_LAST_WORKING_DAY],
)
def test_due_date_last_working_day(month: str, expected: str) -> None:
    assert due_date(month, LAST_WORKING_DAY) == day(expected)


@pytest.mark.parametrize(
    ("month", "expected"),
    DUE_LAST_WORKING_DAY,
    ids=[f"{m} -> {label}" for m, label in DUE_LAST_WORKING_DAY],
)
def test_due_date_policy_defaults_to_last_working_day(month: str, expected: str) -> None:
    assert DueDatePolicy().policy == "last_working_day"
    assert due_date(month, DueDatePolicy()) == day(expected)


# --- due date: N working days after allocation ---------------------------------------------------

DUE_AFTER_ALLOCATION = [
    # December 2026: allocated Tue 1 Dec; Christmas Fri 25 and Mon 28 (Boxing Day substitute).
    ("2026-12", 1, "Wed 2026-12-02"),
    ("2026-12", 10, "Tue 2026-12-15"),
    ("2026-12", 15, "Tue 2026-12-22"),
    ("2026-12", 17, "Thu 2026-12-24"),
    ("2026-12", 18, "Tue 2026-12-29 (over Christmas)"),
    ("2026-12", 20, "Thu 2026-12-31"),
    ("2026-12", 21, "Mon 2027-01-04 (over New Year's Day)"),
    # August 2026: allocated Mon 3 Aug; Mon 31 Aug Summer bank holiday.
    ("2026-08", 1, "Tue 2026-08-04"),
    ("2026-08", 10, "Mon 2026-08-17"),
    ("2026-08", 15, "Mon 2026-08-24"),
    ("2026-08", 19, "Fri 2026-08-28"),
    ("2026-08", 20, "Tue 2026-09-01 (over the Summer bank holiday)"),
    # April 2026: allocated Wed 1 Apr; Good Friday 3 Apr and Easter Monday 6 Apr.
    ("2026-04", 1, "Thu 2026-04-02"),
    ("2026-04", 2, "Tue 2026-04-07 (over Easter)"),
    ("2026-04", 10, "Fri 2026-04-17"),
    ("2026-04", 15, "Fri 2026-04-24"),
    # May 2027: allocated Tue 4 May (Mon 3 May bank holiday); Mon 31 May Spring bank holiday.
    ("2027-05", 1, "Wed 2027-05-05"),
    ("2027-05", 10, "Tue 2027-05-18"),
    ("2027-05", 15, "Tue 2027-05-25"),
    ("2027-05", 18, "Fri 2027-05-28"),
    ("2027-05", 19, "Tue 2027-06-01 (over the Spring bank holiday)"),
    # March 2027: allocated Mon 1 Mar; Good Friday 26 Mar and Easter Monday 29 Mar.
    ("2027-03", 18, "Thu 2027-03-25"),
    ("2027-03", 19, "Tue 2027-03-30 (over Easter)"),
    ("2027-03", 20, "Wed 2027-03-31"),
    # January 2027: allocated Mon 4 Jan.
    ("2027-01", 15, "Mon 2027-01-25"),
    # December 2027: allocated Wed 1 Dec; Christmas substitutes Mon 27 and Tue 28 Dec.
    ("2027-12", 17, "Fri 2027-12-24"),
    ("2027-12", 18, "Wed 2027-12-29 (over both substitute days)"),
    ("2027-12", 21, "Tue 2028-01-04 (over the New Year substitute day)"),
]


@pytest.mark.parametrize(
    ("month", "n", "expected"),
    DUE_AFTER_ALLOCATION,
    ids=[f"{m} +{n} -> {label}" for m, n, label in DUE_AFTER_ALLOCATION],
)
def test_due_date_working_days_after_allocation(month: str, n: int, expected: str) -> None:
    assert due_date(month, after_allocation(n)) == day(expected)


def test_working_days_after_allocation_defaults_to_15() -> None:
    policy = DueDatePolicy(policy="working_days_after_allocation")
    assert policy.working_days_after_allocation == 15
    assert due_date("2026-12", policy) == day("Tue 2026-12-22")


def test_the_number_is_ignored_by_the_last_working_day_policy() -> None:
    policy = DueDatePolicy(policy="last_working_day", working_days_after_allocation=3)
    assert due_date("2026-12", policy) == day("Thu 2026-12-31")


# --- invariants over three years -----------------------------------------------------------------

MONTHS = [f"{y}-{m:02d}" for y in (2026, 2027, 2028) for m in range(1, 13)]


@pytest.mark.parametrize("month", MONTHS)
def test_allocation_and_due_date_fall_on_working_days_in_the_month(month: str) -> None:
    year, mon = int(month[:4]), int(month[5:])
    allocated = allocation_date(month)
    due = due_date(month, LAST_WORKING_DAY)
    assert is_working_day(allocated) and is_working_day(due)
    assert (allocated.year, allocated.month) == (due.year, due.month) == (year, mon)
    assert allocated < due
    assert not any(is_working_day(date(year, mon, d)) for d in range(1, allocated.day))
    last = calendar.monthrange(year, mon)[1]
    assert not any(is_working_day(date(year, mon, d)) for d in range(due.day + 1, last + 1))


@pytest.mark.parametrize("month", MONTHS)
@pytest.mark.parametrize("n", [1, 5, 10, 15, 25])
def test_due_date_is_n_working_days_after_allocation(month: str, n: int) -> None:
    allocated = allocation_date(month)
    due = due_date(month, after_allocation(n))
    assert is_working_day(due)
    assert working_days_between(allocated, due) == n


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "Dec 2026", ""])
def test_bad_month(month: str) -> None:
    with pytest.raises(MonthError):
        allocation_date(month)
    with pytest.raises(MonthError):
        due_date(month, LAST_WORKING_DAY)
