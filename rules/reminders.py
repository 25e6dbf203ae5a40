"""The reminder ladder: which reminder, chase or escalation an outstanding audit is due.

For a due date D (all counted in working days): reminders at D-5 and D-1, the overdue chase at
D+1 (copied to APS), the escalation to the auditor's line manager at D+5 (copied to APS), then an
escalation again every 5 working days until the audit is done. Each rung goes once per due date:
an approved extension gives the audit a new due date and so a new ladder. When runs were missed,
only the most advanced rung that has fallen due is sent; the others are recorded as superseded.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from rules.policy import ReminderPolicy
from rules.working_days import add_working_days, is_working_day, working_days_between

OVERDUE, ESCALATION = "overdue", "escalation"


@dataclass(frozen=True, slots=True)
class Rung:
    """One step of an audit's ladder for one due date."""

    key: str  # unique within the ladder: "due_in_5", "overdue", "escalation", "escalation_10"
    stage: str  # what the step is: "due_in_5", "due_in_1", "overdue" or "escalation"
    on: date  # the working day it falls on


@dataclass(frozen=True)
class LadderStep:
    """What a run does for one audit: send one rung, and record the skipped ones as superseded."""

    send: Rung | None
    superseded: tuple[Rung, ...] = field(default_factory=tuple)


def ladder(
    due_on: date, policy: ReminderPolicy, until: date, since: date | None = None
) -> list[Rung]:
    """The rungs of the ladder for ``due_on`` that fall on or before ``until``, in order;
    with ``since`` (the allocation date), none before it: the allocation email did their job."""
    rungs = [
        Rung(f"due_in_{n}", f"due_in_{n}", add_working_days(due_on, -n))
        for n in sorted(policy.before_due_working_days, reverse=True)
    ]
    rungs.append(
        Rung(OVERDUE, OVERDUE, add_working_days(due_on, policy.overdue_after_working_days))
    )
    after = policy.escalate_after_working_days
    while True:
        on = add_working_days(due_on, after)
        if on > until:
            break
        key = ESCALATION if after == policy.escalate_after_working_days else f"{ESCALATION}_{after}"
        rungs.append(Rung(key, ESCALATION, on))
        after += policy.repeat_every_working_days
    return [rung for rung in rungs if rung.on <= until and (since is None or rung.on > since)]


def next_step(
    due_on: date,
    today: date,
    recorded: Collection[str],
    policy: ReminderPolicy,
    allocated_on: date | None = None,
) -> LadderStep:
    """The step for an outstanding audit on ``today``, given the rung keys already recorded
    (sent or superseded) for this due date."""
    rungs = ladder(due_on, policy, today, since=allocated_on)
    pending = [rung for rung in rungs if rung.key not in recorded]
    if not pending:
        return LadderStep(None)
    return LadderStep(pending[-1], tuple(pending[:-1]))


def working_days_overdue(due_on: date, today: date) -> int:
    return max(0, working_days_between(due_on, today))


def audit_slot(allocated_on: date, due_on: date) -> tuple[datetime, datetime]:
    """A two-hour slot (10:00 to 12:00, local time) to do the audit and hold the reflection
    conversation: five working days before the due date, or the next working day after
    allocation when that leaves less room. Local times; the caller attaches Europe/London."""
    day = add_working_days(due_on, -5)
    if day <= allocated_on:
        day = add_working_days(allocated_on, 1)
    if day > due_on or not is_working_day(day):
        day = due_on
    start = datetime.combine(day, time(10, 0))
    return start, start + timedelta(hours=2)
