"""Recorded leave of staff: what a leave record may say, who may record or remove it, and
whether it clashes with another.

docs/domain.md: eligible auditors are active Team Managers not on recorded leave. Allocation reads
leave through :mod:`rules.eligibility`; these rules decide what gets recorded in the first place.

- A leave runs from ``starts_on`` to ``ends_on``, both days of leave.
- One person's leave records never overlap: a second record over the same days is refused (not
  merged), naming the one it clashes with, so that nobody's leave changes without them seeing
  it. Leave that ends the day before another starts is fine.
- Members of the APS team record and remove anyone's leave; a Team Manager records and removes
  their own, and only their own.
- The reason is short free text about the member of staff ("annual leave", "training"), never
  about a child, and no health details: it is kept in the append-only audit trail.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from rules.errors import RuleError
from rules.roles import is_active_aps

MAX_REASON = 200
#: The longest leave one record may hold: longer is almost always a mistyped year. (Leave longer
#: than this is recorded as consecutive records.)
MAX_DAYS = 731
MAX_STAFF_ID = 40


class LeaveError(RuleError):
    """Leave that cannot be recorded or removed; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class LeaveSpell:
    """One leave record: ``staff_id`` away from ``starts_on`` to ``ends_on``, both included."""

    staff_id: str
    starts_on: date
    ends_on: date
    leave_id: int | None = None

    @property
    def name(self) -> str:
        return f"leave {self.leave_id}" if self.leave_id is not None else "leave"

    def dates(self) -> str:
        return f"{self.starts_on} to {self.ends_on}"


@dataclass(frozen=True, slots=True)
class Recorder:
    """The member of staff recording or removing leave, as far as the rules need them."""

    staff_id: str
    role: str
    active: bool


def check_staff_id(value: str) -> str:
    """A staff id as typed: one line of printable text, at most 40 characters. (Checked before
    any lookup so that nothing unprintable or undecodable ever reaches the database.)"""
    if not value.strip():
        raise LeaveError("a staff id is required")
    if len(value) > MAX_STAFF_ID or not _printable(value):
        raise LeaveError(f"not a staff id: {_short(value)}")
    return value.strip()


def check_reason(text: str) -> str:
    """The reason, stripped: required, one line, at most ``MAX_REASON`` characters."""
    reason = text.strip()
    if not reason:
        raise LeaveError("a reason is required", field="reason")
    if not _printable(reason):
        raise LeaveError(
            "the reason must be one line of text (no line breaks or control codes)", field="reason"
        )
    if len(reason) > MAX_REASON:
        raise LeaveError(f"the reason is longer than {MAX_REASON} characters", field="reason")
    return reason


def check_dates(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise LeaveError(
            f"the leave ends ({ends_on}) before it starts ({starts_on})", field="ends_on"
        )
    days = (ends_on - starts_on).days + 1
    if days > MAX_DAYS:
        raise LeaveError(
            f"{starts_on} to {ends_on} is {days} days, more than {MAX_DAYS}: check the dates "
            "(longer leave is recorded as consecutive records)",
            field="ends_on",
        )


def overlapping(new: LeaveSpell, recorded: Iterable[LeaveSpell]) -> LeaveSpell | None:
    """The first of ``recorded`` (by start) of the same person that shares a day with ``new``."""
    clashes = [
        old
        for old in recorded
        if old.staff_id == new.staff_id
        and old.starts_on <= new.ends_on
        and new.starts_on <= old.ends_on
    ]
    return min(clashes, key=lambda old: (old.starts_on, old.leave_id or 0), default=None)


def check_no_overlap(new: LeaveSpell, recorded: Iterable[LeaveSpell]) -> None:
    clash = overlapping(new, recorded)
    if clash is not None:
        raise LeaveError(
            f"{new.staff_id} already has {clash.name} from {clash.dates()}, which overlaps "
            f"{new.dates()}: leave may not overlap (remove that one first, or record only the "
            "days not yet covered)"
        )


def check_may_record(recorder: Recorder, staff_id: str) -> None:
    """APS members record anyone's leave; a Team Manager only their own."""
    _check_may_act(recorder, staff_id, "record")


def check_may_remove(recorder: Recorder, leave: LeaveSpell) -> None:
    """APS members remove anyone's leave; a Team Manager only their own."""
    _check_may_act(recorder, leave.staff_id, "remove")


def _check_may_act(recorder: Recorder, staff_id: str, verb: str) -> None:
    who = recorder.staff_id
    if not recorder.active:
        raise LeaveError(f"{who} is marked inactive and cannot {verb} leave")
    if is_active_aps(recorder):
        return
    if recorder.role != "team_manager":
        raise LeaveError(
            f"{who} is a {recorder.role}: only APS members, and Team Managers for "
            f"themselves, {verb} leave"
        )
    if staff_id != who:
        raise LeaveError(
            f"{who} may {verb} only their own leave: leave of {staff_id} needs a member of "
            "the APS team"
        )


def _printable(text: str) -> bool:
    """No control characters (line breaks, NUL), unpaired surrogates (bytes that were not
    UTF-8) or unassigned code points."""
    return all(unicodedata.category(char) not in {"Cc", "Cs", "Cn"} for char in text)


def _short(value: str) -> str:
    shown = value if len(value) <= 30 else value[:30] + "..."
    return ascii(shown) if not _printable(shown) else repr(shown)
