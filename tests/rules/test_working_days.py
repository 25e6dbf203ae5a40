"""Working days in England and Wales: Monday to Friday, less the bank holidays.

Table-driven in the style of MoJ's govuk-bank-holidays: every row names the weekday, so a table
that says "Fri 2026-12-25" is checked against the calendar (``test_table_labels``) before any rule
is. Every expected date below was worked out by hand from ``calendar.month(...)``, not copied from
the code's output.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.working_days import (
    add_working_days,
    bank_holidays,
    first_working_day_of_month,
    is_bank_holiday,
    is_working_day,
    last_working_day_of_month,
    next_working_day,
    previous_working_day,
    working_days_between,
)
from tests.rules.labelled_dates import WEEKDAYS, day

# --- The bank holidays themselves (gov.uk/bank-holidays, England and Wales) -------------------

# The weekday bank holidays as published on gov.uk, substitute days included.
GOV_UK_BANK_HOLIDAYS = {
    2026: [
        "Thu 2026-01-01 New Year's Day",
        "Fri 2026-04-03 Good Friday",
        "Mon 2026-04-06 Easter Monday",
        "Mon 2026-05-04 Early May bank holiday",
        "Mon 2026-05-25 Spring bank holiday",
        "Mon 2026-08-31 Summer bank holiday",
        "Fri 2026-12-25 Christmas Day",
        "Mon 2026-12-28 Boxing Day (substitute day)",
    ],
    2027: [
        "Fri 2027-01-01 New Year's Day",
        "Fri 2027-03-26 Good Friday",
        "Mon 2027-03-29 Easter Monday",
        "Mon 2027-05-03 Early May bank holiday",
        "Mon 2027-05-31 Spring bank holiday",
        "Mon 2027-08-30 Summer bank holiday",
        "Mon 2027-12-27 Christmas Day (substitute day)",
        "Tue 2027-12-28 Boxing Day (substitute day)",
    ],
}


@pytest.mark.parametrize("year", sorted(GOV_UK_BANK_HOLIDAYS))
def test_weekday_bank_holidays_match_gov_uk(year: int) -> None:
    expected = {day(label) for label in GOV_UK_BANK_HOLIDAYS[year]}
    on_weekdays = {d for d in bank_holidays(year) if d.weekday() < 5}
    assert on_weekdays == expected


@pytest.mark.parametrize(
    "label",
    [
        "Fri 2026-12-25 Christmas Day",
        "Mon 2026-12-28 Boxing Day (substitute day)",
        "Mon 2027-12-27 Christmas Day (substitute day)",
        "Tue 2027-12-28 Boxing Day (substitute day)",
        "Mon 2028-01-03 New Year's Day (substitute day)",
    ],
    ids=lambda label: label,
)
def test_is_bank_holiday(label: str) -> None:
    assert is_bank_holiday(day(label))


@pytest.mark.parametrize(
    "label",
    [
        "Thu 2026-12-24 Christmas Eve",
        "Tue 2026-12-29",
        "Thu 2026-12-31 New Year's Eve",
        "Wed 2027-12-29",
        "Sat 2026-06-06 an ordinary Saturday",
    ],
    ids=lambda label: label,
)
def test_is_not_bank_holiday(label: str) -> None:
    assert not is_bank_holiday(day(label))


# --- is_working_day ------------------------------------------------------------------------------

IS_WORKING_DAY = [
    # Christmas 2026: Christmas Day on a Friday, Boxing Day on Saturday -> substitute Monday 28.
    ("Wed 2026-12-23", True),
    ("Thu 2026-12-24 Christmas Eve", True),
    ("Fri 2026-12-25 Christmas Day", False),
    ("Sat 2026-12-26 Boxing Day", False),
    ("Sun 2026-12-27", False),
    ("Mon 2026-12-28 Boxing Day (substitute day)", False),
    ("Tue 2026-12-29", True),
    ("Thu 2026-12-31 New Year's Eve", True),
    # New Year 2027 on a Friday.
    ("Fri 2027-01-01 New Year's Day", False),
    ("Sat 2027-01-02", False),
    ("Sun 2027-01-03", False),
    ("Mon 2027-01-04", True),
    # Christmas 2027: both on the weekend -> substitutes Monday 27 and Tuesday 28.
    ("Fri 2027-12-24 Christmas Eve", True),
    ("Sat 2027-12-25 Christmas Day", False),
    ("Sun 2027-12-26 Boxing Day", False),
    ("Mon 2027-12-27 Christmas Day (substitute day)", False),
    ("Tue 2027-12-28 Boxing Day (substitute day)", False),
    ("Wed 2027-12-29", True),
    ("Fri 2027-12-31 New Year's Eve", True),
    # New Year 2028 on a Saturday -> substitute Monday 3 January.
    ("Sat 2028-01-01 New Year's Day", False),
    ("Mon 2028-01-03 New Year's Day (substitute day)", False),
    ("Tue 2028-01-04", True),
    # Easter 2026 and 2027.
    ("Thu 2026-04-02", True),
    ("Fri 2026-04-03 Good Friday", False),
    ("Mon 2026-04-06 Easter Monday", False),
    ("Tue 2026-04-07", True),
    ("Thu 2027-03-25", True),
    ("Fri 2027-03-26 Good Friday", False),
    ("Sat 2027-03-27", False),
    ("Sun 2027-03-28 Easter Sunday", False),
    ("Mon 2027-03-29 Easter Monday", False),
    ("Tue 2027-03-30", True),
    # Early May and Spring bank holidays.
    ("Fri 2026-05-01", True),
    ("Mon 2026-05-04 Early May bank holiday", False),
    ("Tue 2026-05-05", True),
    ("Mon 2026-05-25 Spring bank holiday", False),
    ("Fri 2026-05-29", True),
    ("Mon 2027-05-03 Early May bank holiday", False),
    ("Tue 2027-05-04", True),
    ("Mon 2027-05-31 Spring bank holiday", False),
    # Summer bank holiday.
    ("Fri 2026-08-28", True),
    ("Mon 2026-08-31 Summer bank holiday", False),
    ("Tue 2026-09-01", True),
    ("Mon 2027-08-30 Summer bank holiday", False),
    ("Tue 2027-08-31", True),
    # An ordinary week in June 2026.
    ("Mon 2026-06-01", True),
    ("Tue 2026-06-02", True),
    ("Wed 2026-06-03", True),
    ("Thu 2026-06-04", True),
    ("Fri 2026-06-05", True),
    ("Sat 2026-06-06", False),
    ("Sun 2026-06-07", False),
]


@pytest.mark.parametrize(
    ("label", "expected"), IS_WORKING_DAY, ids=[label for label, _ in IS_WORKING_DAY]
)
def test_is_working_day(label: str, expected: bool) -> None:
    assert is_working_day(day(label)) is expected


# --- add_working_days ----------------------------------------------------------------------------

ADD_WORKING_DAYS = [
    # zero leaves the day alone, working day or not
    ("Wed 2026-06-10", 0, "Wed 2026-06-10"),
    ("Sat 2026-06-06", 0, "Sat 2026-06-06"),
    ("Fri 2026-12-25 Christmas Day", 0, "Fri 2026-12-25"),
    # forward over an ordinary week and weekend
    ("Mon 2026-06-01", 1, "Tue 2026-06-02"),
    ("Mon 2026-06-01", 4, "Fri 2026-06-05"),
    ("Mon 2026-06-01", 5, "Mon 2026-06-08"),
    ("Mon 2026-06-01", 10, "Mon 2026-06-15"),
    ("Fri 2026-06-05", 1, "Mon 2026-06-08"),
    ("Sat 2026-06-06", 1, "Mon 2026-06-08"),
    ("Sun 2026-06-07", 1, "Mon 2026-06-08"),
    # backward over a weekend
    ("Mon 2026-06-08", -1, "Fri 2026-06-05"),
    ("Sun 2026-06-07", -1, "Fri 2026-06-05"),
    ("Sat 2026-06-06", -1, "Fri 2026-06-05"),
    ("Mon 2026-06-15", -10, "Mon 2026-06-01"),
    # Christmas 2026
    ("Wed 2026-12-23", 1, "Thu 2026-12-24"),
    ("Thu 2026-12-24", 1, "Tue 2026-12-29"),
    ("Thu 2026-12-24", 2, "Wed 2026-12-30"),
    ("Sat 2026-12-26 Boxing Day", 1, "Tue 2026-12-29"),
    ("Tue 2026-12-29", -1, "Thu 2026-12-24"),
    ("Tue 2026-12-29", -2, "Wed 2026-12-23"),
    # New Year 2027, across the year boundary
    ("Thu 2026-12-31", 1, "Mon 2027-01-04"),
    ("Wed 2026-12-30", 2, "Mon 2027-01-04"),
    ("Mon 2027-01-04", -1, "Thu 2026-12-31"),
    ("Mon 2027-01-04", -2, "Wed 2026-12-30"),
    ("Tue 2026-12-01", 20, "Thu 2026-12-31"),
    ("Tue 2026-12-01", 21, "Mon 2027-01-04"),
    # Christmas 2027 and New Year 2028
    ("Fri 2027-12-24", 1, "Wed 2027-12-29"),
    ("Sun 2027-12-26 Boxing Day", -1, "Fri 2027-12-24"),
    ("Wed 2027-12-29", -1, "Fri 2027-12-24"),
    ("Fri 2027-12-31", 1, "Tue 2028-01-04"),
    ("Tue 2028-01-04", -1, "Fri 2027-12-31"),
    # Easter 2027
    ("Thu 2027-03-25", 1, "Tue 2027-03-30"),
    ("Wed 2027-03-24", 3, "Wed 2027-03-31"),
    ("Tue 2027-03-30", -1, "Thu 2027-03-25"),
    ("Wed 2027-03-31", -3, "Wed 2027-03-24"),
    # Easter 2026
    ("Thu 2026-04-02", 1, "Tue 2026-04-07"),
    ("Tue 2026-04-07", -1, "Thu 2026-04-02"),
    # Early May and Summer bank holidays
    ("Fri 2026-05-01", 1, "Tue 2026-05-05"),
    ("Fri 2027-04-30", 1, "Tue 2027-05-04"),
    ("Fri 2026-08-28", 1, "Tue 2026-09-01"),
    ("Tue 2026-09-01", -1, "Fri 2026-08-28"),
    ("Mon 2026-08-03", 20, "Tue 2026-09-01"),
]


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    ADD_WORKING_DAYS,
    ids=[f"{start} {count:+d} -> {end}" for start, count, end in ADD_WORKING_DAYS],
)
def test_add_working_days(start: str, count: int, expected: str) -> None:
    assert add_working_days(day(start), count) == day(expected)


# --- next_working_day / previous_working_day -----------------------------------------------------

NEXT_WORKING_DAY = [
    ("Wed 2026-06-10", "Thu 2026-06-11"),
    ("Fri 2026-06-12", "Mon 2026-06-15"),
    ("Sat 2026-06-13", "Mon 2026-06-15"),
    ("Sun 2026-06-14", "Mon 2026-06-15"),
    ("Thu 2026-12-24 Christmas Eve", "Tue 2026-12-29"),
    ("Fri 2026-12-25 Christmas Day", "Tue 2026-12-29"),
    ("Mon 2026-12-28 Boxing Day (substitute day)", "Tue 2026-12-29"),
    ("Thu 2026-12-31 New Year's Eve", "Mon 2027-01-04"),
    ("Fri 2027-01-01 New Year's Day", "Mon 2027-01-04"),
    ("Fri 2027-12-24 Christmas Eve", "Wed 2027-12-29"),
    ("Fri 2027-12-31 New Year's Eve", "Tue 2028-01-04"),
    ("Thu 2027-03-25 before Good Friday", "Tue 2027-03-30"),
    ("Thu 2026-04-02 before Good Friday", "Tue 2026-04-07"),
    ("Fri 2026-05-01 before Early May bank holiday", "Tue 2026-05-05"),
    ("Fri 2027-04-30 before Early May bank holiday", "Tue 2027-05-04"),
    ("Fri 2026-08-28 before Summer bank holiday", "Tue 2026-09-01"),
]


@pytest.mark.parametrize(
    ("start", "expected"),
    NEXT_WORKING_DAY,
    ids=[f"{start} -> {end}" for start, end in NEXT_WORKING_DAY],
)
def test_next_working_day(start: str, expected: str) -> None:
    assert next_working_day(day(start)) == day(expected)


PREVIOUS_WORKING_DAY = [
    ("Thu 2026-06-11", "Wed 2026-06-10"),
    ("Mon 2026-06-15", "Fri 2026-06-12"),
    ("Sun 2026-06-14", "Fri 2026-06-12"),
    ("Sat 2026-06-13", "Fri 2026-06-12"),
    ("Tue 2026-12-29", "Thu 2026-12-24"),
    ("Mon 2026-12-28 Boxing Day (substitute day)", "Thu 2026-12-24"),
    ("Mon 2027-01-04", "Thu 2026-12-31"),
    ("Wed 2027-12-29", "Fri 2027-12-24"),
    ("Tue 2028-01-04", "Fri 2027-12-31"),
    ("Tue 2027-03-30 after Easter Monday", "Thu 2027-03-25"),
    ("Tue 2026-04-07 after Easter Monday", "Thu 2026-04-02"),
    ("Tue 2026-05-05 after Early May bank holiday", "Fri 2026-05-01"),
    ("Tue 2027-06-01 after Spring bank holiday", "Fri 2027-05-28"),
    ("Tue 2026-09-01 after Summer bank holiday", "Fri 2026-08-28"),
]


@pytest.mark.parametrize(
    ("start", "expected"),
    PREVIOUS_WORKING_DAY,
    ids=[f"{start} -> {end}" for start, end in PREVIOUS_WORKING_DAY],
)
def test_previous_working_day(start: str, expected: str) -> None:
    assert previous_working_day(day(start)) == day(expected)


# --- working_days_between ------------------------------------------------------------------------

WORKING_DAYS_BETWEEN = [
    ("Wed 2026-06-10", "Wed 2026-06-10", 0),
    ("Wed 2026-06-10", "Thu 2026-06-11", 1),
    ("Fri 2026-06-12", "Sun 2026-06-14", 0),
    ("Sat 2026-06-13", "Sun 2026-06-14", 0),
    ("Fri 2026-06-12", "Mon 2026-06-15", 1),
    ("Mon 2026-06-01", "Mon 2026-06-08", 5),
    ("Mon 2026-06-01", "Tue 2026-06-30", 21),
    ("Thu 2026-12-24", "Tue 2026-12-29", 1),
    ("Wed 2026-12-23", "Thu 2026-12-31", 4),
    ("Tue 2026-12-01", "Thu 2026-12-31", 20),
    ("Thu 2026-12-31", "Mon 2027-01-04", 1),
    ("Fri 2027-12-24", "Wed 2027-12-29", 1),
    ("Wed 2027-12-01", "Fri 2027-12-31", 20),
    ("Fri 2027-12-31", "Tue 2028-01-04", 1),
    ("Thu 2027-03-25", "Tue 2027-03-30", 1),
    ("Mon 2027-03-01", "Wed 2027-03-31", 20),
    ("Wed 2026-04-01", "Thu 2026-04-30", 19),
    ("Mon 2026-08-03", "Fri 2026-08-28", 19),
    ("Mon 2026-08-03", "Mon 2026-08-31 Summer bank holiday", 19),
    ("Mon 2026-08-03", "Tue 2026-09-01", 20),
    # whole years: 261 weekdays less 8 weekday bank holidays
    ("Wed 2025-12-31", "Thu 2026-12-31", 253),
    ("Thu 2026-12-31", "Fri 2027-12-31", 253),
]
BETWEEN_IDS = [f"{start} .. {end} = {n}" for start, end, n in WORKING_DAYS_BETWEEN]


@pytest.mark.parametrize(("start", "end", "expected"), WORKING_DAYS_BETWEEN, ids=BETWEEN_IDS)
def test_working_days_between(start: str, end: str, expected: int) -> None:
    assert working_days_between(day(start), day(end)) == expected


@pytest.mark.parametrize(("start", "end", "expected"), WORKING_DAYS_BETWEEN, ids=BETWEEN_IDS)
def test_working_days_between_is_negative_backwards(start: str, end: str, expected: int) -> None:
    assert working_days_between(day(end), day(start)) == -expected


@pytest.mark.parametrize(("start", "end", "expected"), WORKING_DAYS_BETWEEN, ids=BETWEEN_IDS)
def test_working_days_between_inverts_add_working_days(start: str, end: str, expected: int) -> None:
    first, last = day(start), day(end)
    if is_working_day(last):
        assert add_working_days(first, expected) == last
    if is_working_day(first) and is_working_day(last):
        assert add_working_days(last, -expected) == first


def test_working_days_between_going_back_from_a_weekend() -> None:
    # Backwards from a day off, that day is not counted: one working day back from Sat 13 June
    # is Fri 12 June, and Sat 13 June counts no working days back to it.
    saturday = day("Sat 2026-06-13")
    assert add_working_days(saturday, -1) == day("Fri 2026-06-12")
    assert working_days_between(saturday, day("Fri 2026-06-12")) == 0
    assert working_days_between(saturday, day("Thu 2026-06-11")) == -1


SPAN = st.dates(min_value=date(2025, 11, 1), max_value=date(2028, 2, 28))


@given(start=SPAN, count=st.integers(min_value=-30, max_value=30))
def test_add_then_count_gives_the_count_back(start: date, count: int) -> None:
    end = add_working_days(start, count)
    assert is_working_day(end) or count == 0
    assert (end > start) == (count > 0) and (end < start) == (count < 0)
    if count >= 0 or is_working_day(start):
        assert working_days_between(start, end) == count


@given(start=SPAN, end=SPAN)
def test_working_days_between_is_antisymmetric(start: date, end: date) -> None:
    assert working_days_between(start, end) == -working_days_between(end, start)


@given(start=SPAN, end=SPAN)
def test_working_days_between_counts_like_the_calendar(start: date, end: date) -> None:
    low, high = sorted((start, end))
    days = (low + timedelta(days=i) for i in range(1, (high - low).days + 1))
    count = sum(1 for d in days if d.weekday() < 5 and not is_bank_holiday(d))
    assert abs(working_days_between(start, end)) == count


# --- first / last working day of a month ---------------------------------------------------------

FIRST_WORKING_DAY = [
    ((2026, 1), "Fri 2026-01-02"),  # Thu 1 Jan is New Year's Day
    ((2026, 2), "Mon 2026-02-02"),  # 1 Feb is a Sunday
    ((2026, 3), "Mon 2026-03-02"),
    ((2026, 4), "Wed 2026-04-01"),
    ((2026, 5), "Fri 2026-05-01"),
    ((2026, 6), "Mon 2026-06-01"),
    ((2026, 7), "Wed 2026-07-01"),
    ((2026, 8), "Mon 2026-08-03"),  # 1-2 Aug is a weekend
    ((2026, 9), "Tue 2026-09-01"),
    ((2026, 10), "Thu 2026-10-01"),
    ((2026, 11), "Mon 2026-11-02"),
    ((2026, 12), "Tue 2026-12-01"),
    ((2027, 1), "Mon 2027-01-04"),  # Fri 1 Jan New Year's Day, then the weekend
    ((2027, 2), "Mon 2027-02-01"),
    ((2027, 5), "Tue 2027-05-04"),  # weekend, then Mon 3 May Early May bank holiday
    ((2027, 6), "Tue 2027-06-01"),
    ((2027, 10), "Fri 2027-10-01"),
    ((2028, 1), "Tue 2028-01-04"),  # weekend, then Mon 3 Jan New Year's Day (substitute day)
]


@pytest.mark.parametrize(
    ("month", "expected"),
    FIRST_WORKING_DAY,
    ids=[f"{y}-{m:02d} -> {label}" for (y, m), label in FIRST_WORKING_DAY],
)
def test_first_working_day_of_month(month: tuple[int, int], expected: str) -> None:
    assert first_working_day_of_month(*month) == day(expected)


LAST_WORKING_DAY = [
    ((2026, 1), "Fri 2026-01-30"),  # 31 Jan is a Saturday
    ((2026, 2), "Fri 2026-02-27"),
    ((2026, 4), "Thu 2026-04-30"),
    ((2026, 5), "Fri 2026-05-29"),  # 30-31 May is a weekend
    ((2026, 6), "Tue 2026-06-30"),
    ((2026, 8), "Fri 2026-08-28"),  # weekend, then Mon 31 Aug Summer bank holiday
    ((2026, 10), "Fri 2026-10-30"),
    ((2026, 11), "Mon 2026-11-30"),
    ((2026, 12), "Thu 2026-12-31"),
    ((2027, 1), "Fri 2027-01-29"),
    ((2027, 2), "Fri 2027-02-26"),
    ((2027, 3), "Wed 2027-03-31"),
    ((2027, 5), "Fri 2027-05-28"),  # weekend, then Mon 31 May Spring bank holiday
    ((2027, 8), "Tue 2027-08-31"),  # the day after the Summer bank holiday
    ((2027, 12), "Fri 2027-12-31"),
]


@pytest.mark.parametrize(
    ("month", "expected"),
    LAST_WORKING_DAY,
    ids=[f"{y}-{m:02d} -> {label}" for (y, m), label in LAST_WORKING_DAY],
)
def test_last_working_day_of_month(month: tuple[int, int], expected: str) -> None:
    assert last_working_day_of_month(*month) == day(expected)


@pytest.mark.parametrize("year", [2026, 2027, 2028])
@pytest.mark.parametrize("month", range(1, 13))
def test_first_and_last_working_days_bound_the_month(year: int, month: int) -> None:
    first = first_working_day_of_month(year, month)
    last = last_working_day_of_month(year, month)
    days = [date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]
    working = [d for d in days if d.weekday() < 5 and not is_bank_holiday(d)]
    assert (first, last) == (working[0], working[-1])


# --- the tables themselves -----------------------------------------------------------------------


def _labels() -> list[str]:
    labels = [label for rows in GOV_UK_BANK_HOLIDAYS.values() for label in rows]
    labels += [label for label, _ in IS_WORKING_DAY]
    labels += [label for row in ADD_WORKING_DAYS for label in (row[0], row[2])]
    labels += [label for row in NEXT_WORKING_DAY + PREVIOUS_WORKING_DAY for label in row]
    labels += [label for row in WORKING_DAYS_BETWEEN for label in (row[0], row[1])]
    labels += [label for _, label in FIRST_WORKING_DAY + LAST_WORKING_DAY]
    return labels


def test_table_labels() -> None:
    """Every weekday written in a table is the calendar's weekday for that date."""
    labels = _labels()
    assert len(labels) > 200
    wrong = []
    for label in labels:
        weekday, iso = label.split()[:2]
        d = date.fromisoformat(iso)
        if WEEKDAYS[calendar.weekday(d.year, d.month, d.day)] != weekday:
            wrong.append(label)
    assert wrong == []


def test_day_helper_refuses_a_wrong_weekday() -> None:
    with pytest.raises(AssertionError, match="is a Fri"):
        day("Thu 2026-12-25")
