"""Applying a pause that is over to due dates, once (docs/domain.md, "Pauses").

When a pause is over (its last day has passed), :func:`apply_ended_pauses` moves on the due dates
of the audits outstanding and not yet overdue when it started by the working days actually
paused, if the pause says so (:func:`rules.pauses.due_date_moves`); an audit already overdue on
its first day keeps its due date. A conditional UPDATE sets ``applied_on`` first, so however many
runs try at once (the chase, ``audits resume``, the web page), each pause is applied exactly
once; each move goes into the audit trail and into :attr:`Applied.moves`, from which the caller
sends each auditor an updated calendar invitation. ``original_due_on`` (the due date before any
extension) moves with the due date: a pause is not an extension.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from models.base import utcnow
from models.bulk import insert_many, table_of
from models.programme import Audit, Pause
from models.trail import TrailEntry
from rules.pauses import PauseSpell, due_date_moves, is_over, moved_due_date, paused_working_days


@dataclass(frozen=True)
class DueDateMove:
    """One audit whose due date a pause moved on (its original due date moved alike)."""

    audit_id: int
    from_due_on: date
    to_due_on: date


@dataclass(frozen=True)
class Applied:
    """One pause applied: the working days paused and the audits whose due dates moved."""

    pause_id: int
    working_days: int
    audits_moved: int
    move_due_dates: bool
    #: Each audit moved, by id: the caller sends each auditor an updated invitation.
    moves: tuple[DueDateMove, ...] = ()


def spell(pause: Pause) -> PauseSpell:
    return PauseSpell(
        pause.starts_on, pause.ends_on, pause.reason, pause.resumed_on, pause.id, pause.applied_on
    )


def pause_trail(session: Session, actor: str, action: str, pause_id: Any, detail: dict) -> None:
    session.add(
        TrailEntry(
            actor=actor,
            action=action,
            subject_type="pause",
            subject_id=str(pause_id),
            detail=detail,
        )
    )


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
    if session.exec(claim).rowcount != 1:
        return None  # another run applied it first
    session.refresh(pause)  # as it is now that this run holds it (a resume may have come first)
    paused = spell(pause)
    days = paused_working_days(paused) if pause.move_due_dates else 0
    pause.moved_working_days = days
    session.add(pause)
    moves = _move_due_dates(session, paused, actor) if days else []
    pause_trail(
        session,
        actor,
        "pause.applied",
        pause.id,
        {
            "last_day": paused.last_day.isoformat(),
            "working_days_paused": paused_working_days(paused),
            "move_due_dates": pause.move_due_dates,
            "moved_working_days": days,
            "audits_moved": len(moves),
        },
    )
    assert pause.id is not None
    return Applied(pause.id, days, len(moves), pause.move_due_dates, tuple(moves))


def _move_due_dates(session: Session, paused: PauseSpell, actor: str) -> list[DueDateMove]:
    """Move on the due dates (and original due dates) of the audits outstanding and not yet
    overdue when the pause started; one trail entry per audit, one UPDATE per distinct pair of
    dates. The moves, by audit id."""
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
        if due_date_moves(paused, allocated_on, status, completed_on, due_on):
            by_dates[(due_on, original)].append(audit_id)
    now, trail, moves = utcnow(), [], []
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
            "working_days": paused_working_days(paused),
        }
        trail += [_moved_entry(now, actor, audit_id, detail) for audit_id in ids]
        moves += [DueDateMove(audit_id, due_on, new) for audit_id in ids]
    insert_many(session, table_of(TrailEntry), trail)
    return sorted(moves, key=lambda m: m.audit_id)


def _moved_entry(now: Any, actor: str, audit_id: int, detail: dict) -> dict[str, Any]:
    return {
        "at": now,
        "actor": actor,
        "action": "audit.due_date_moved",
        "subject_type": "audit",
        "subject_id": str(audit_id),
        "detail": detail,
    }
