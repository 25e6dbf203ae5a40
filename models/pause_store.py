"""Recording pauses of the programme, resuming them, and applying them to due dates once.

When a pause is over (its last day has passed), :func:`apply_ended_pauses` moves on the due dates
of the audits outstanding when it started by the working days actually paused, if the pause says
so. A conditional UPDATE sets ``applied_on`` first, so however many runs try at once (the chase,
``audits resume``, the web page), each pause is applied exactly once; each move goes into the
audit trail. ``original_due_on`` (the due date before any extension) moves with it: a pause is
not an extension, and an extension's limit counts from the original date.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, text, update
from sqlmodel import Session, col

from models.base import utcnow
from models.bulk import insert_many
from models.people import Staff
from models.programme import Audit, Pause
from models.trail import TrailEntry
from rules.pauses import (
    PauseError,
    PauseSpell,
    check_new_pause,
    check_resume,
    is_over,
    moved_due_date,
    outstanding_at_start,
    paused_working_days,
    state,
)
from rules.policy import Policy

#: Who is named in the trail for the CLI when no --by is given.
CLI_ACTOR = "cli"
#: PostgreSQL advisory lock taken by every change of pauses, so that two at once cannot both
#: pass the overlap check (SQLite: the session's write lock does it).
PAUSE_LOCK = 7_270_002


@dataclass(frozen=True)
class Applied:
    """One pause applied: the working days paused and the audits whose due dates moved."""

    pause_id: int
    working_days: int
    audits_moved: int
    move_due_dates: bool


def spell(pause: Pause) -> PauseSpell:
    return PauseSpell(
        pause.starts_on, pause.ends_on, pause.reason, pause.resumed_on, pause.id, pause.applied_on
    )


def pauses(session: Session) -> list[Pause]:
    """Every pause, earliest first."""
    return list(session.scalars(select(Pause).order_by(col(Pause.starts_on), col(Pause.id))))


def check_aps(session: Session, staff_id: str) -> None:
    """Refuse anyone but an active member of the APS team."""
    person = session.get(Staff, staff_id)
    if person is None:
        raise PauseError(f"there is no member of staff {staff_id}")
    if person.role != "aps" or not person.active:
        raise PauseError(f"{staff_id} is not an active member of the APS team")


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PAUSE_LOCK})


def _trail(session: Session, actor: str, action: str, pause_id: Any, detail: dict) -> None:
    session.add(
        TrailEntry(
            actor=actor,
            action=action,
            subject_type="pause",
            subject_id=str(pause_id),
            detail=detail,
        )
    )


def add_pause(
    session: Session,
    starts_on: date,
    ends_on: date,
    reason: str,
    by: str | None,
    today: date,
    policy: Policy,
) -> Pause:
    """Record a pause (refusing one that overlaps another); whether it moves due dates is the
    policy's when it is made. A pause already over is applied at once."""
    _lock(session)
    if by is not None:
        check_aps(session, by)
    existing = [spell(p) for p in pauses(session)]
    reason = check_new_pause(starts_on, ends_on, reason, existing)
    pause = Pause(
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        move_due_dates=policy.move_due_dates_on_pause,
        created_by=by or CLI_ACTOR,
    )
    session.add(pause)
    session.flush()
    _trail(
        session,
        pause.created_by,
        "pause.created",
        pause.id,
        {
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "reason": reason,
            "move_due_dates": pause.move_due_dates,
        },
    )
    apply_ended_pauses(session, today, pause.created_by)
    return pause


def resume(session: Session, on: date, by: str | None, today: date) -> tuple[Pause, list[Applied]]:
    """End the pause in force on ``on`` early: ``on`` is the first day no longer paused. Applied
    at once when ``on`` is today or earlier."""
    _lock(session)
    if by is not None:
        check_aps(session, by)
    found = check_resume(on, [spell(p) for p in pauses(session)])
    pause = session.get(Pause, found.pause_id, with_for_update=True, populate_existing=True)
    assert pause is not None
    check_resume(on, [spell(pause)])  # as it is now, locked: not applied meanwhile
    previous = pause.resumed_on
    pause.resumed_on = on
    session.add(pause)
    session.flush()
    paused = spell(pause)
    _trail(
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
    applied = apply_ended_pauses(session, today, by or CLI_ACTOR)
    session.refresh(pause)
    return pause, applied


def apply_ended_pauses(session: Session, today: date, actor: str) -> list[Applied]:
    """Apply every pause that is over by ``today`` and not yet applied, earliest first."""
    waiting = session.scalars(
        select(Pause).where(col(Pause.applied_on).is_(None)).order_by(col(Pause.starts_on))
    ).all()
    done = []
    for pause in waiting:
        if is_over(spell(pause), today):
            applied = _apply(session, pause, today, actor)
            if applied is not None:
                done.append(applied)
    return done


def _apply(session: Session, pause: Pause, today: date, actor: str) -> Applied | None:
    claim = (
        update(Pause)
        .where(col(Pause.id) == pause.id, col(Pause.applied_on).is_(None))
        .values(applied_on=today)
        .execution_options(synchronize_session=False)
    )
    if session.execute(claim).rowcount != 1:  # type: ignore[attr-defined]
        return None  # another run applied it first
    session.refresh(pause)  # as it is now that this run holds it (a resume may have come first)
    paused = spell(pause)
    days = paused_working_days(paused) if pause.move_due_dates else 0
    pause.moved_working_days = days
    session.add(pause)
    moved = _move_due_dates(session, paused, actor) if days else 0
    _trail(
        session,
        actor,
        "pause.applied",
        pause.id,
        {
            "last_day": paused.last_day.isoformat(),
            "working_days_paused": paused_working_days(paused),
            "move_due_dates": pause.move_due_dates,
            "moved_working_days": days,
            "audits_moved": moved,
        },
    )
    assert pause.id is not None
    return Applied(pause.id, days, moved, pause.move_due_dates)


def _move_due_dates(session: Session, paused: PauseSpell, actor: str) -> int:
    """Move on the due dates (and original due dates) of the audits outstanding when the pause
    started; one trail entry per audit. One UPDATE per distinct pair of dates."""
    candidates = session.execute(
        select(
            col(Audit.id),
            col(Audit.due_on),
            col(Audit.original_due_on),
            col(Audit.status),
            col(Audit.allocated_on),
            col(Audit.completed_on),
        )
        .where(
            col(Audit.allocated_on) < paused.starts_on,
            col(Audit.status).in_(("allocated", "completed")),
        )
        .with_for_update()
    ).all()
    by_dates: dict[tuple[date, date], list[int]] = defaultdict(list)
    for audit_id, due_on, original, status, allocated_on, completed_on in candidates:
        if outstanding_at_start(paused, allocated_on, status, completed_on):
            by_dates[(due_on, original)].append(audit_id)
    now, trail = utcnow(), []
    days = paused_working_days(paused)
    for (due_on, original), ids in sorted(by_dates.items()):
        new, new_original = moved_due_date(due_on, paused), moved_due_date(original, paused)
        session.execute(
            update(Audit)
            .where(col(Audit.id).in_(ids))
            .values(due_on=new, original_due_on=new_original, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        detail = {
            "pause_id": paused.pause_id,
            "from": due_on.isoformat(),
            "to": new.isoformat(),
            "original_from": original.isoformat(),
            "original_to": new_original.isoformat(),
            "working_days": days,
        }
        trail += [
            {
                "at": now,
                "actor": actor,
                "action": "audit.due_date_moved",
                "subject_type": "audit",
                "subject_id": str(audit_id),
                "detail": detail,
            }
            for audit_id in ids
        ]
    insert_many(session, TrailEntry.__table__, trail)  # type: ignore[attr-defined]
    return len(trail)


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
        "state": state(paused, today),
        "working_days": paused_working_days(paused),
        "move_due_dates": pause.move_due_dates,
        "applied_on": pause.applied_on.isoformat() if pause.applied_on else None,
        "moved_working_days": pause.moved_working_days,
        "created_by": pause.created_by,
    }
