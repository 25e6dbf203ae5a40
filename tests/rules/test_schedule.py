"""The scheduled runs' guards, on tables of dates labelled by weekday, bank holidays included."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from rules.schedule import allocation_skip_reason, chase_skip_reason, report_skip_reason
from rules.working_days import is_working_day


@pytest.mark.parametrize(
    ("label", "day", "acts"),
    [
        ("Mon 3 Aug 2026", date(2026, 8, 3), True),
        ("Sat 1 Aug 2026", date(2026, 8, 1), False),
        ("Tue 4 Aug 2026", date(2026, 8, 4), False),
        ("Thu 1 Jan 2026 (New Year's Day)", date(2026, 1, 1), False),
        ("Fri 2 Jan 2026", date(2026, 1, 2), True),
        ("Mon 1 Jun 2026", date(2026, 6, 1), True),
        ("Fri 1 May 2026", date(2026, 5, 1), True),
        ("Mon 4 May 2026 (Early May bank holiday)", date(2026, 5, 4), False),
        ("Tue 1 Dec 2026", date(2026, 12, 1), True),
        ("Mon 1 Feb 2027", date(2027, 2, 1), True),
    ],
)
def test_allocation_acts_on_the_first_working_day_only(label: str, day: date, acts: bool) -> None:
    reason = allocation_skip_reason(day)
    assert (reason is None) == acts, label
    if not acts:
        assert reason is not None and str(day) in reason and "first working day" in reason


@pytest.mark.parametrize(
    ("label", "day", "acts"),
    [
        ("Fri 28 Aug 2026 (31 Aug is the Summer bank holiday)", date(2026, 8, 28), True),
        ("Mon 31 Aug 2026 (Summer bank holiday)", date(2026, 8, 31), False),
        ("Wed 30 Sep 2026", date(2026, 9, 30), True),
        ("Thu 24 Dec 2026", date(2026, 12, 24), False),
        ("Thu 31 Dec 2026", date(2026, 12, 31), True),
        ("Tue 29 Dec 2026", date(2026, 12, 29), False),
        ("Fri 29 May 2026", date(2026, 5, 29), True),
        ("Mon 30 Nov 2026", date(2026, 11, 30), True),
        ("Fri 27 Nov 2026", date(2026, 11, 27), False),
    ],
)
def test_the_report_acts_on_the_last_working_day_only(label: str, day: date, acts: bool) -> None:
    reason = report_skip_reason(day)
    assert (reason is None) == acts, label
    if not acts:
        assert reason is not None and "last working day" in reason


@pytest.mark.parametrize(
    ("label", "day", "acts"),
    [
        ("Mon 31 Aug 2026 (Summer bank holiday)", date(2026, 8, 31), False),
        ("Tue 1 Sep 2026", date(2026, 9, 1), True),
        ("Sat 5 Sep 2026", date(2026, 9, 5), False),
        ("Fri 25 Dec 2026 (Christmas Day)", date(2026, 12, 25), False),
        ("Mon 28 Dec 2026 (Boxing Day substitute)", date(2026, 12, 28), False),
        ("Tue 29 Dec 2026", date(2026, 12, 29), True),
    ],
)
def test_the_chase_acts_on_working_days_only(label: str, day: date, acts: bool) -> None:
    assert (chase_skip_reason(day) is None) == acts, label


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(n) for n in range((end - start).days + 1)]


def test_each_month_has_exactly_one_allocation_and_one_report_day_within_the_crons() -> None:
    """The cron candidates (weekdays 1-7 at 07:00; weekdays 22-31 at 17:00) always contain the
    one day each guard lets through, 2018 to 2035."""
    for day in _days(date(2018, 1, 1), date(2035, 12, 31)):
        if day.day == 1:
            month = [d for d in _days(day, day + timedelta(31)) if d.month == day.month]
            allocation = [d for d in month if allocation_skip_reason(d) is None]
            report = [d for d in month if report_skip_reason(d) is None]
            assert len(allocation) == 1 and allocation[0].day <= 7
            assert len(report) == 1 and report[0].day >= 22
            assert allocation[0].weekday() < 5 and report[0].weekday() < 5
            assert is_working_day(allocation[0]) and is_working_day(report[0])


def test_no_reminders_on_a_bank_holiday_or_during_a_pause_and_the_reason_says_which() -> None:
    from rules.pauses import PauseSpell

    assert chase_skip_reason(date(2026, 12, 28)) == (
        "Mon 28 Dec 2026 is a bank holiday (Boxing Day (observed))"
    )
    assert chase_skip_reason(date(2026, 12, 5)) == "Sat 5 Dec 2026 is a weekend"
    pause = PauseSpell(date(2026, 11, 16), date(2026, 11, 20), "Inspection week")
    assert chase_skip_reason(date(2026, 11, 18), [pause]) == (
        "the programme is paused from 2026-11-16 to 2026-11-20: Inspection week"
    )
    assert chase_skip_reason(date(2026, 11, 23), [pause]) is None  # Mon after it: reminders go
