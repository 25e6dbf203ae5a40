"""Pauses of the programme: during one, nothing is allocated or chased.

A pause runs from ``starts_on`` to ``ends_on`` (both paused), or to the day before ``resumed_on``
when it is resumed early. When it is over, the audits that were outstanding and not yet overdue
when it started have their due dates moved on by the working days actually paused (when the pause
says so, as the policy did when it was made); those already overdue keep theirs. That
is done once, and :attr:`PauseSpell.applied_on` records it. Re-audits planned into a month whose
allocation day the pause covers move to a later month: see :func:`rules.reaudits.cycle_after_pause`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from rules.errors import RuleError
from rules.working_days import add_working_days, working_days_between

MAX_REASON = 1000
PLANNED, IN_FORCE, ENDED, CANCELLED = "planned", "in force", "ended", "cancelled"


class PauseError(RuleError):
    """A pause or resume the programme cannot take; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class PauseSpell:
    starts_on: date
    ends_on: date
    reason: str
    resumed_on: date | None = None
    pause_id: int | None = None
    #: The day its due-date move was applied (or, with due dates kept, recorded as done).
    applied_on: date | None = None

    @property
    def last_day(self) -> date:
        """The last paused day: the planned end, or the day before an early resume."""
        if self.resumed_on is not None and self.resumed_on <= self.ends_on:
            return self.resumed_on - timedelta(days=1)
        return self.ends_on

    @property
    def name(self) -> str:
        return f"pause {self.pause_id}" if self.pause_id is not None else "a pause"


def pause_on(day: date, pauses: Iterable[PauseSpell]) -> PauseSpell | None:
    """The pause in force on ``day``, if any."""
    for pause in pauses:
        if pause.starts_on <= day <= pause.last_day:
            return pause
    return None


def paused_working_days(pause: PauseSpell) -> int:
    """The working days actually paused, from its start to its last day (0 if resumed on the day
    it was to start)."""
    if pause.last_day < pause.starts_on:
        return 0
    return working_days_between(pause.starts_on - timedelta(days=1), pause.last_day)


def state(pause: PauseSpell, today: date) -> str:
    """``planned``, ``in force``, ``ended``, or ``cancelled`` (resumed before it started)."""
    if pause.last_day < pause.starts_on:
        return CANCELLED
    if today < pause.starts_on:
        return PLANNED
    return IN_FORCE if today <= pause.last_day else ENDED


def check_new_pause(
    starts_on: date, ends_on: date, reason: str, existing: Iterable[PauseSpell]
) -> str:
    """Refuse a pause that ends before it starts, has no reason, or overlaps another (as that one
    now runs: a pause resumed early frees the rest of its days). Returns the reason, trimmed."""
    if ends_on < starts_on:
        raise PauseError(
            f"a pause must end after it starts: {ends_on} is before {starts_on}", field="ends_on"
        )
    reason = reason.strip()
    if not reason:
        raise PauseError("a reason is required", field="reason")
    if len(reason) > MAX_REASON:
        raise PauseError(f"the reason is too long: {MAX_REASON} characters at most", field="reason")
    for other in sorted(existing, key=lambda p: p.starts_on):
        if other.last_day < other.starts_on:
            continue  # cancelled: it pauses nothing
        if starts_on <= other.last_day and other.starts_on <= ends_on:
            raise PauseError(
                f"it overlaps {other.name} ({other.starts_on} to {other.last_day}): "
                "pauses may not overlap",
                field="starts_on",
            )
    return reason


def check_note(note: str | None) -> str | None:
    """The note of what was done instead while paused, trimmed; None when blank (it is optional)."""
    note = (note or "").strip()
    if len(note) > MAX_REASON:
        raise PauseError(f"the note is too long: {MAX_REASON} characters at most", field="note")
    return note or None


def check_resume(on: date, pauses: Iterable[PauseSpell]) -> PauseSpell:
    """The pause that resuming on ``on`` ends: the one in force on that day, not yet applied."""
    pause = pause_on(on, pauses)
    if pause is None:
        raise PauseError(f"no pause is in force on {on}: there is nothing to resume")
    if pause.applied_on is not None:
        raise PauseError(
            f"{pause.name} ended on {pause.last_day} and was applied on {pause.applied_on}: "
            "it can no longer be resumed"
        )
    return pause


def is_over(pause: PauseSpell, today: date) -> bool:
    """Whether the pause's last day has passed, or it was cancelled (resumed on the day it was
    to start): then its effect on due dates can be applied."""
    return pause.last_day < today or pause.last_day < pause.starts_on


def outstanding_at_start(
    pause: PauseSpell, allocated_on: date, status: str, completed_on: date | None
) -> bool:
    """Whether an audit was outstanding when the pause started: allocated before it, and neither
    completed before it nor released (exempted or withdrawn)."""
    if allocated_on >= pause.starts_on:
        return False
    if status == "allocated":
        return True
    return status == "completed" and completed_on is not None and completed_on >= pause.starts_on


def overdue_at_start(pause: PauseSpell, due_on: date) -> bool:
    """Whether an audit due on ``due_on`` was already overdue on the pause's first day: its due
    date is before that day. An audit due on the first paused day itself was not yet overdue
    (it could still be done that day) and is treated as not yet due."""
    return due_on < pause.starts_on


def due_date_moves(
    pause: PauseSpell, allocated_on: date, status: str, completed_on: date | None, due_on: date
) -> bool:
    """Whether the pause moves an audit's due date on (docs/domain.md): it was outstanding when the
    pause started (:func:`outstanding_at_start`) and not yet overdue (:func:`overdue_at_start`).
    An audit already overdue keeps its due date: it was late before the pause, and the pause
    only stops its chasing, which resumes after it.

    ``due_on`` is the date the audit is chased by (the extended one after an extension). Its
    ``original_due_on`` follows it: moved by the same working days exactly when ``due_on`` is,
    kept when it is kept, whatever side of the first day it falls on. A pause is not an
    extension, so the room left for an extension (counted from the original date) is unchanged.
    """
    if not outstanding_at_start(pause, allocated_on, status, completed_on):
        return False
    return not overdue_at_start(pause, due_on)


def moved_due_date(due_on: date, pause: PauseSpell) -> date:
    """``due_on`` moved on by the pause's working days (whether it moves at all is
    :func:`due_date_moves`)."""
    return add_working_days(due_on, paused_working_days(pause))
