"""The reminder ladder, table-driven with weekday labels, and the audit slot."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from rules.policy import ReminderPolicy
from rules.reminders import audit_slot, ladder, next_step, working_days_overdue
from tests.rules.labelled_dates import day

POLICY = ReminderPolicy()

# due date -> the day each rung falls on. Counted by hand on the calendar; bank holidays named.
LADDERS = [
    (
        "Fri 2026-08-28 (Mon 31 Aug Summer bank holiday)",
        {
            "due_in_5": "Fri 2026-08-21",
            "due_in_1": "Thu 2026-08-27",
            "overdue": "Tue 2026-09-01",
            "escalation": "Mon 2026-09-07",
            "escalation_10": "Mon 2026-09-14",
        },
    ),
    (
        "Mon 2026-11-30",
        {
            "due_in_5": "Mon 2026-11-23",
            "due_in_1": "Fri 2026-11-27",
            "overdue": "Tue 2026-12-01",
            "escalation": "Mon 2026-12-07",
            "escalation_10": "Mon 2026-12-14",
        },
    ),
    (
        "Thu 2026-12-31 (Christmas 25, Boxing Day substitute 28, New Year 1 Jan)",
        {
            "due_in_5": "Tue 2026-12-22",
            "due_in_1": "Wed 2026-12-30",
            "overdue": "Mon 2027-01-04",
            "escalation": "Fri 2027-01-08",
            "escalation_10": "Fri 2027-01-15",
        },
    ),
    (
        "Wed 2027-03-31 (Easter: Good Friday 26 Mar, Easter Monday 29 Mar)",
        {
            "due_in_5": "Mon 2027-03-22",
            "due_in_1": "Tue 2027-03-30",
            "overdue": "Thu 2027-04-01",
            "escalation": "Wed 2027-04-07",
            "escalation_10": "Wed 2027-04-14",
        },
    ),
    (
        "Fri 2027-04-30 (Mon 3 May early May bank holiday)",
        {
            "due_in_5": "Fri 2027-04-23",
            "due_in_1": "Thu 2027-04-29",
            "overdue": "Tue 2027-05-04",
            "escalation": "Mon 2027-05-10",
            "escalation_10": "Mon 2027-05-17",
        },
    ),
    (
        "Fri 2027-12-31 (substitutes Mon 27, Tue 28 Dec and, for New Year, Mon 3 Jan)",
        {
            "due_in_5": "Wed 2027-12-22",
            "due_in_1": "Thu 2027-12-30",
            "overdue": "Tue 2028-01-04",
            "escalation": "Mon 2028-01-10",
            "escalation_10": "Mon 2028-01-17",
        },
    ),
]


@pytest.mark.parametrize(("due", "expected"), LADDERS, ids=[due for due, _ in LADDERS])
def test_each_rung_falls_on_the_right_working_day(due: str, expected: dict[str, str]) -> None:
    due_on = day(due)
    rungs = {r.key: r.on for r in ladder(due_on, POLICY, until=day(expected["escalation_10"]))}
    assert rungs == {key: day(label) for key, label in expected.items()}


@pytest.mark.parametrize(("due", "expected"), LADDERS, ids=[due for due, _ in LADDERS])
def test_on_each_rung_s_day_that_rung_is_sent(due: str, expected: dict[str, str]) -> None:
    due_on, recorded = day(due), set[str]()
    for key, label in expected.items():
        step = next_step(due_on, day(label), recorded, POLICY)
        assert step.send is not None and step.send.key == key and not step.superseded
        recorded.add(key)
        # Running again the same day sends nothing.
        assert next_step(due_on, day(label), recorded, POLICY).send is None


# (due date, run date, already recorded) -> (sent, superseded)
MISSED_RUNS = [
    ("Fri 2026-08-28", "Thu 2026-08-20", set(), None, []),
    ("Fri 2026-08-28", "Wed 2026-08-26", set(), "due_in_5", []),  # late, but still useful
    ("Fri 2026-08-28", "Thu 2026-08-27", set(), "due_in_1", ["due_in_5"]),
    ("Fri 2026-08-28", "Fri 2026-08-28", {"due_in_5", "due_in_1"}, None, []),
    ("Fri 2026-08-28", "Wed 2026-09-02", {"due_in_5"}, "overdue", ["due_in_1"]),
    ("Fri 2026-08-28", "Tue 2026-09-08", set(), "escalation", ["due_in_5", "due_in_1", "overdue"]),
    (
        "Fri 2026-08-28",
        "Wed 2026-09-16",
        {"due_in_5", "due_in_1", "overdue"},
        "escalation_10",
        ["escalation"],
    ),
]


@pytest.mark.parametrize(
    ("due", "run", "recorded", "sent", "superseded"),
    MISSED_RUNS,
    ids=[f"due {d} run {r} had {sorted(h)}" for d, r, h, _, _ in MISSED_RUNS],
)
def test_after_missed_runs_only_the_most_advanced_rung_is_sent(
    due: str, run: str, recorded: set[str], sent: str | None, superseded: list[str]
) -> None:
    step = next_step(day(due), day(run), recorded, POLICY)
    assert (step.send.key if step.send else None) == sent
    assert [r.key for r in step.superseded] == superseded


def test_an_extension_starts_a_new_ladder() -> None:
    # Extended from Fri 28 Aug to Fri 11 Sep: rungs are recorded per due date, so the new
    # ladder starts again from its first rung, five working days before the new date.
    step = next_step(day("Fri 2026-09-11"), day("Fri 2026-09-04"), set(), POLICY)
    assert step.send is not None and step.send.key == "due_in_5" and not step.superseded


def test_rungs_before_allocation_are_not_sent() -> None:
    # Allocated Mon 23 Nov, due Mon 30 Nov: the allocation email is the first reminder.
    step = next_step(
        day("Mon 2026-11-30"),
        day("Mon 2026-11-23"),
        set(),
        POLICY,
        allocated_on=day("Mon 2026-11-23"),
    )
    assert step.send is None
    step = next_step(
        day("Mon 2026-11-30"),
        day("Fri 2026-11-27"),
        set(),
        POLICY,
        allocated_on=day("Mon 2026-11-23"),
    )
    assert step.send is not None and step.send.key == "due_in_1" and not step.superseded


def test_a_different_policy_moves_the_rungs() -> None:
    policy = ReminderPolicy(
        before_due_working_days=(3,),
        overdue_after_working_days=2,
        escalate_after_working_days=10,
        repeat_every_working_days=10,
    )
    keys = {r.key: r.on for r in ladder(day("Mon 2026-11-30"), policy, date(2027, 1, 31))}
    assert keys["due_in_3"] == day("Wed 2026-11-25")
    assert keys["overdue"] == day("Wed 2026-12-02")
    assert keys["escalation"] == day("Mon 2026-12-14")
    assert keys["escalation_20"] == day("Wed 2026-12-30")  # over Christmas


@pytest.mark.parametrize(
    ("due", "today", "expected"),
    [
        ("Fri 2026-08-28", "Tue 2026-09-01", 1),
        ("Fri 2026-08-28", "Mon 2026-09-07", 5),
        ("Fri 2026-08-28", "Thu 2026-08-27", 0),
    ],
)
def test_working_days_overdue(due: str, today: str, expected: int) -> None:
    assert working_days_overdue(day(due), day(today)) == expected


def test_the_audit_slot_is_a_working_morning_before_the_due_date() -> None:
    start, end = audit_slot(day("Mon 2026-11-02"), day("Mon 2026-11-30"))
    assert (start, end) == (datetime(2026, 11, 23, 10), datetime(2026, 11, 23, 12))
    # Allocated late: the next working day after allocation.
    start, _ = audit_slot(day("Wed 2026-11-25"), day("Mon 2026-11-30"))
    assert start == datetime(2026, 11, 26, 10)
    # Allocated the working day before the due date: the due date itself.
    start, _ = audit_slot(day("Fri 2026-08-28"), day("Tue 2026-09-01"))
    assert start == datetime(2026, 9, 1, 10)
