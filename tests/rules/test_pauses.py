"""Pause rules, table-driven with weekday labels (no database)."""

from __future__ import annotations

import pytest

from rules.pauses import (
    CANCELLED,
    ENDED,
    IN_FORCE,
    PLANNED,
    PauseError,
    PauseSpell,
    check_new_pause,
    check_resume,
    due_date_moves,
    is_over,
    moved_due_date,
    outstanding_at_start,
    overdue_at_start,
    pause_on,
    paused_working_days,
    state,
)
from tests.rules.labelled_dates import day


def spell(
    starts: str,
    ends: str,
    resumed: str | None = None,
    pause_id: int = 1,
    applied: str | None = None,
) -> PauseSpell:
    return PauseSpell(
        day(starts),
        day(ends),
        "Ofsted inspection",
        day(resumed) if resumed else None,
        pause_id,
        day(applied) if applied else None,
    )


# (first day, planned last day, resumed on) -> last paused day, working days paused
WORKING_DAYS = [
    (("Mon 2026-11-16", "Fri 2026-11-20", None), "Fri 2026-11-20", 5),
    (("Mon 2026-11-16", "Sun 2026-11-22", None), "Sun 2026-11-22", 5),  # a weekend adds none
    (("Sat 2026-11-14", "Sun 2026-11-15", None), "Sun 2026-11-15", 0),
    (("Fri 2026-11-20", "Mon 2026-11-23", None), "Mon 2026-11-23", 2),
    (("Wed 2026-11-18", "Wed 2026-11-18", None), "Wed 2026-11-18", 1),  # one day
    # Christmas Day (Fri) and Boxing Day's substitute (Mon 28) are bank holidays.
    (("Thu 2026-12-24", "Tue 2026-12-29", None), "Tue 2026-12-29", 2),
    # Good Friday 3 Apr and Easter Monday 6 Apr 2026.
    (("Thu 2026-04-02", "Tue 2026-04-07", None), "Tue 2026-04-07", 2),
    # Resumed early: Thu 19 is the first day no longer paused.
    (("Mon 2026-11-16", "Fri 2026-11-27", "Thu 2026-11-19"), "Wed 2026-11-18", 3),
    # Resumed on the day it was to start: nothing paused.
    (("Mon 2026-11-16", "Fri 2026-11-27", "Mon 2026-11-16"), "Sun 2026-11-15", 0),
    # Resumed the day after its planned end: the planned end stands.
    (("Mon 2026-11-16", "Fri 2026-11-20", "Sat 2026-11-21"), "Fri 2026-11-20", 5),
    # The 2020 pause, 23 March to 31 May: Good Friday 10 Apr, Easter Monday 13 Apr, VE Day
    # Fri 8 May (the early May bank holiday moved that year) and Mon 25 May are not counted:
    # 10 weeks of 5 working days less 4.
    (("Mon 2020-03-23", "Sun 2020-05-31", None), "Sun 2020-05-31", 46),
]


@pytest.mark.parametrize(("dates", "last_day", "working_days"), WORKING_DAYS)
def test_working_days_paused(
    dates: tuple[str, str, str | None], last_day: str, working_days: int
) -> None:
    pause = spell(*dates)
    assert pause.last_day == day(last_day)
    assert paused_working_days(pause) == working_days


# due date, (pause) -> moved due date
MOVED = [
    ("Mon 2026-11-30", ("Mon 2026-11-16", "Fri 2026-11-20", None), "Mon 2026-12-07"),
    ("Mon 2026-11-30", ("Mon 2026-11-16", "Fri 2026-11-27", "Thu 2026-11-19"), "Thu 2026-12-03"),
    # Due within the pause: moved on just the same.
    ("Wed 2026-11-18", ("Mon 2026-11-16", "Fri 2026-11-20", None), "Wed 2026-11-25"),
    # The arithmetic alone: an audit overdue when the pause started is not moved at all
    # (see DUE_DATE_MOVES), but its date would move like any other.
    ("Mon 2026-11-09", ("Mon 2026-11-16", "Fri 2026-11-20", None), "Mon 2026-11-16"),
    # Over Christmas: Fri 25 and Mon 28 Dec are skipped.
    ("Mon 2026-12-21", ("Mon 2026-12-14", "Fri 2026-12-18", None), "Wed 2026-12-30"),
    # Over Easter: Good Friday 3 Apr and Easter Monday 6 Apr 2026 are skipped.
    ("Thu 2026-04-02", ("Mon 2026-03-23", "Fri 2026-03-27", None), "Mon 2026-04-13"),
    # Cancelled before it started: unchanged.
    ("Mon 2026-11-30", ("Mon 2026-11-16", "Fri 2026-11-27", "Mon 2026-11-16"), "Mon 2026-11-30"),
]


@pytest.mark.parametrize(("due", "dates", "moved"), MOVED)
def test_moved_due_date(due: str, dates: tuple[str, str, str | None], moved: str) -> None:
    assert moved_due_date(day(due), spell(*dates)) == day(moved)


# today -> state of the pause Mon 16 to Fri 27 Nov 2026 (resumed on the date given, if any)
STATES = [
    ("Sun 2026-11-15", None, PLANNED),
    ("Mon 2026-11-16", None, IN_FORCE),
    ("Fri 2026-11-27", None, IN_FORCE),
    ("Sat 2026-11-28", None, ENDED),
    ("Wed 2026-11-18", "Thu 2026-11-19", IN_FORCE),
    ("Thu 2026-11-19", "Thu 2026-11-19", ENDED),
    ("Fri 2026-11-13", "Mon 2026-11-16", CANCELLED),
]


@pytest.mark.parametrize(("today", "resumed", "expected"), STATES)
def test_state(today: str, resumed: str | None, expected: str) -> None:
    pause = spell("Mon 2026-11-16", "Fri 2026-11-27", resumed)
    assert state(pause, day(today)) == expected
    assert is_over(pause, day(today)) == (expected in (ENDED, CANCELLED))


EXISTING = [
    spell("Mon 2026-11-16", "Fri 2026-11-27", pause_id=1),
    spell("Mon 2027-01-04", "Fri 2027-01-29", "Mon 2027-01-11", pause_id=2),  # to Sun 10 Jan
    spell("Mon 2027-03-01", "Fri 2027-03-26", "Mon 2027-03-01", pause_id=3),  # cancelled
]

# (from, to) -> the error, or None when the pause may be made
NEW_PAUSES = [
    (("Mon 2026-11-30", "Fri 2026-12-04"), None),
    (("Sat 2026-11-28", "Sun 2026-11-29"), None),  # the day after pause 1 ends
    (("Wed 2026-11-18", "Wed 2026-11-18"), "overlaps pause 1"),
    (("Mon 2026-11-09", "Mon 2026-11-16"), "overlaps pause 1 (2026-11-16 to 2026-11-27)"),
    (("Fri 2026-11-27", "Fri 2026-12-04"), "overlaps pause 1"),
    (("Mon 2026-11-02", "Fri 2026-12-18"), "overlaps pause 1"),  # around it
    (("Fri 2027-01-08", "Fri 2027-01-15"), "overlaps pause 2 (2027-01-04 to 2027-01-10)"),
    (("Mon 2027-01-11", "Fri 2027-01-15"), None),  # the days pause 2 no longer takes
    (("Mon 2027-03-01", "Fri 2027-03-05"), None),  # pause 3 was cancelled
    (("Thu 2026-12-10", "Tue 2026-12-01"), "a pause must end after it starts"),
    (("Thu 2026-12-10", "Thu 2026-12-10"), None),  # one day
]


@pytest.mark.parametrize(("dates", "error"), NEW_PAUSES)
def test_check_new_pause(dates: tuple[str, str], error: str | None) -> None:
    starts, ends = (day(d) for d in dates)
    if error is None:
        assert check_new_pause(starts, ends, "  Ofsted  ", EXISTING) == "Ofsted"
    else:
        with pytest.raises(PauseError, match=error.replace("(", r"\(").replace(")", r"\)")):
            check_new_pause(starts, ends, "Ofsted", EXISTING)


@pytest.mark.parametrize(("reason", "error"), [("", "reason is required"), ("  ", "required"),
                                               ("x" * 1001, "too long")])  # fmt: skip
def test_a_pause_needs_a_reason(reason: str, error: str) -> None:
    with pytest.raises(PauseError, match=error):
        check_new_pause(day("Mon 2026-11-30"), day("Fri 2026-12-04"), reason, EXISTING)


# resume on -> the pause it ends (by id), or the error
RESUMES = [
    ("Thu 2026-11-19", 1),
    ("Mon 2026-11-16", 1),  # on its first day: it pauses nothing (cancelled)
    ("Fri 2026-11-27", 1),
    ("Sat 2026-11-28", "no pause is in force on 2026-11-28: there is nothing to resume"),
    ("Fri 2026-11-13", "no pause is in force on 2026-11-13"),
    ("Fri 2027-01-08", 2),  # earlier still than its early resume
    ("Mon 2027-01-11", "no pause is in force on 2027-01-11"),  # already resumed that day
    ("Mon 2027-03-01", "no pause is in force"),  # pause 3 was cancelled
]


@pytest.mark.parametrize(("on", "expected"), RESUMES)
def test_check_resume(on: str, expected: int | str) -> None:
    if isinstance(expected, int):
        assert check_resume(day(on), EXISTING).pause_id == expected
    else:
        with pytest.raises(PauseError, match=expected):
            check_resume(day(on), EXISTING)


def test_a_pause_already_applied_cannot_be_resumed() -> None:
    applied = spell("Mon 2026-11-16", "Fri 2026-11-27", applied="Mon 2026-11-30")
    with pytest.raises(PauseError, match="pause 1 ended on 2026-11-27 and was applied on"):
        check_resume(day("Thu 2026-11-19"), [applied])


def test_pause_on_follows_an_early_resume() -> None:
    pause = spell("Mon 2026-11-16", "Fri 2026-11-27", "Thu 2026-11-19")
    assert pause_on(day("Wed 2026-11-18"), [pause]) == pause
    assert pause_on(day("Thu 2026-11-19"), [pause]) is None


# allocated on, status, completed on -> outstanding when the pause (from Mon 16 Nov) started
OUTSTANDING = [
    ("Mon 2026-11-02", "allocated", None, True),
    ("Mon 2026-11-02", "completed", "Fri 2026-11-13", False),  # done before it started
    ("Mon 2026-11-02", "completed", "Mon 2026-11-16", True),  # done on its first day
    ("Mon 2026-11-02", "completed", "Wed 2026-11-25", True),
    ("Mon 2026-11-02", "exempted", None, False),
    ("Mon 2026-11-02", "withdrawn", None, False),
    ("Mon 2026-11-16", "allocated", None, False),  # allocated during it
    ("Tue 2026-12-01", "allocated", None, False),  # a later cycle
]


@pytest.mark.parametrize(("allocated", "status", "completed", "expected"), OUTSTANDING)
def test_outstanding_at_start(
    allocated: str, status: str, completed: str | None, expected: bool
) -> None:
    pause = spell("Mon 2026-11-16", "Fri 2026-11-20")
    done = day(completed) if completed else None
    assert outstanding_at_start(pause, day(allocated), status, done) is expected


# (allocated on, status, completed on, due on) -> whether the pause from Mon 16 Nov 2026 moves
# the due date: outstanding when it started and not yet overdue on its first day.
DUE_DATE_MOVES = [
    ("Mon 2026-11-02", "allocated", None, "Mon 2026-11-30", True),
    ("Mon 2026-11-02", "allocated", None, "Wed 2026-11-18", True),  # due during it
    ("Mon 2026-11-02", "allocated", None, "Mon 2026-11-16", True),  # due on its first day
    # Overdue on its first day: late before the pause, it keeps its due date.
    ("Mon 2026-10-05", "allocated", None, "Fri 2026-11-13", False),
    ("Mon 2026-10-05", "allocated", None, "Fri 2026-10-30", False),
    # Overdue, then completed during the pause: kept too (it was late before it).
    ("Mon 2026-10-05", "completed", "Wed 2026-11-18", "Fri 2026-11-13", False),
    ("Mon 2026-11-02", "completed", "Wed 2026-11-18", "Mon 2026-11-30", True),
    ("Mon 2026-11-02", "completed", "Fri 2026-11-13", "Mon 2026-11-30", False),  # done before
    ("Mon 2026-11-02", "withdrawn", None, "Mon 2026-11-30", False),
    ("Tue 2026-11-17", "allocated", None, "Mon 2026-11-30", False),  # allocated during it
]


@pytest.mark.parametrize(("allocated", "status", "completed", "due", "expected"), DUE_DATE_MOVES)
def test_due_date_moves(
    allocated: str, status: str, completed: str | None, due: str, expected: bool
) -> None:
    pause = spell("Mon 2026-11-16", "Fri 2026-11-20")
    done = day(completed) if completed else None
    assert due_date_moves(pause, day(allocated), status, done, day(due)) is expected


# due on -> overdue on the first day of a pause starting Tue 7 Apr 2026 (after Easter Monday)
OVERDUE = [
    ("Thu 2026-04-02", True),  # the working day before Good Friday
    ("Tue 2026-04-07", False),  # due on the pause's first day: not yet overdue
    ("Wed 2026-04-08", False),
]


@pytest.mark.parametrize(("due", "expected"), OVERDUE)
def test_overdue_at_start(due: str, expected: bool) -> None:
    pause = spell("Tue 2026-04-07", "Fri 2026-04-17")
    assert overdue_at_start(pause, day(due)) is expected
