"""Recording pauses of the programme, resuming them, and what follows from them at once.

A pause is checked (no overlap) and recorded under a lock; then any pause that is over is
applied to due dates, once (:mod:`models.pause_apply`), and every re-audit left in a month that
a pause keeps from being allocated moves on to a month that will be (:mod:`models.reaudit_moves`).
Both kinds of move are returned (:class:`Effects`) so that the caller can tell the auditors:
updated invitations for moved due dates, allocation emails for re-audits moved into a month
already allocated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select, text
from sqlmodel import Session, col

from models.pause_apply import Applied, DueDateMove, apply_ended_pauses, pause_trail, spell
from models.people import check_active_aps
from models.programme import Pause
from models.reaudit_moves import ReauditMove, move_paused_reaudits
from rules.pauses import (
    PauseError,
    check_new_pause,
    check_note,
    check_resume,
    paused_working_days,
    state,
)
from rules.policy import Policy
from rules.reaudits import ReauditError

#: Who is named in the trail for the CLI when no --by is given.
CLI_ACTOR = "cli"
#: PostgreSQL advisory lock taken by every change of pauses, so that two at once cannot both
#: pass the overlap check, and shared by the re-audit reconciliation, which must not interleave
#: with a change (SQLite: the session's write lock does it).
PAUSE_LOCK = 7_270_002


@dataclass(frozen=True)
class Effects:
    """What recording or resuming a pause did besides: the pauses it applied (with the due dates
    they moved) and the re-audits it moved out of months that will never be allocated."""

    applied: list[Applied] = field(default_factory=list)
    reaudits_moved: list[ReauditMove] = field(default_factory=list)

    @property
    def due_dates_moved(self) -> list[DueDateMove]:
        return [move for applied in self.applied for move in applied.moves]


def pauses(session: Session) -> list[Pause]:
    """Every pause, earliest first."""
    return list(session.scalars(select(Pause).order_by(col(Pause.starts_on), col(Pause.id))))


def lock_pauses(session: Session, *, shared: bool = False) -> None:
    """PostgreSQL: take the pauses' transaction lock, exclusive to change pauses (two at once
    cannot both pass the overlap check), shared to read them for a decision that must not
    interleave with a change (the re-audit reconciliation). SQLite: the session's write lock
    does it."""
    if session.get_bind().dialect.name == "postgresql":
        function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        session.execute(text(f"SELECT {function}(:key)"), {"key": PAUSE_LOCK})


def add_pause(
    session: Session,
    starts_on: date,
    ends_on: date,
    reason: str,
    by: str | None,
    today: date,
    policy: Policy,
    note: str | None = None,
) -> tuple[Pause, Effects]:
    """Record a pause (refusing one that overlaps another), with an optional ``note`` of what
    was done instead (shown on the report); whether it moves due dates is the
    policy's when it is made. A pause already over (entered after the fact) is applied at once,
    and the re-audits planned into months whose allocation day it covers move on at once
    (:func:`_follow_up`)."""
    lock_pauses(session)
    if by is not None:
        check_active_aps(session, by, PauseError)
    existing = [spell(p) for p in pauses(session)]
    reason = check_new_pause(starts_on, ends_on, reason, existing)
    note = check_note(note)
    pause = Pause(
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        note=note,
        move_due_dates=policy.move_due_dates_on_pause,
        created_by=by or CLI_ACTOR,
    )
    session.add(pause)
    session.flush()
    pause_trail(
        session,
        pause.created_by,
        "pause.created",
        pause.id,
        {
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "reason": reason,
            "note": note,
            "move_due_dates": pause.move_due_dates,
        },
    )
    return pause, _follow_up(session, today, pause.created_by, policy)


def resume(
    session: Session, on: date, by: str | None, today: date, policy: Policy
) -> tuple[Pause, Effects]:
    """End the pause in force on ``on`` early: ``on`` is the first day no longer paused. Applied
    at once when ``on`` is today or earlier. Re-audits already moved on by the pause stay where
    they went: a month freed by resuming early is allocated without them."""
    lock_pauses(session)
    if by is not None:
        check_active_aps(session, by, PauseError)
    found = check_resume(on, [spell(p) for p in pauses(session)])
    pause = session.get(Pause, found.pause_id, with_for_update=True, populate_existing=True)
    assert pause is not None
    check_resume(on, [spell(pause)])  # as it is now, locked: not applied meanwhile
    previous = pause.resumed_on
    pause.resumed_on = on
    session.add(pause)
    session.flush()
    paused = spell(pause)
    pause_trail(
        session,
        by or CLI_ACTOR,
        "pause.resumed",
        pause.id,
        {
            "resumed_on": on.isoformat(),
            "previously_resumed_on": previous.isoformat() if previous else None,
            "last_day": paused.last_day.isoformat(),
            "working_days": paused_working_days(paused),
        },
    )
    effects = _follow_up(session, today, by or CLI_ACTOR, policy)
    session.refresh(pause)
    return pause, effects


def _follow_up(session: Session, today: date, actor: str, policy: Policy) -> Effects:
    """After a change of pauses, under its lock: apply any pause that is over, and move the
    re-audits left in months that a pause keeps from being allocated (also those a database
    holds from before this rule, or from a reconciliation that ran before the change)."""
    applied = apply_ended_pauses(session, today, actor)
    try:
        moved = move_paused_reaudits(session, policy, today, actor)
    except ReauditError as error:  # a pause without end in sight: refused, nothing recorded
        message = f"re-audits planned into the months it pauses could not move: {error}"
        raise PauseError(message) from None
    return Effects(applied, moved)


def pause_json(pause: Pause, today: date) -> dict[str, Any]:
    """A pause as ``--json`` prints it."""
    paused = spell(pause)
    return {
        "pause_id": pause.id,
        "starts_on": pause.starts_on.isoformat(),
        "ends_on": pause.ends_on.isoformat(),
        "last_day": paused.last_day.isoformat(),
        "resumed_on": pause.resumed_on.isoformat() if pause.resumed_on else None,
        "reason": pause.reason,
        "note": pause.note,
        "state": state(paused, today),
        "working_days": paused_working_days(paused),
        "move_due_dates": pause.move_due_dates,
        "applied_on": pause.applied_on.isoformat() if pause.applied_on else None,
        "moved_working_days": pause.moved_working_days,
        "created_by": pause.created_by,
    }
