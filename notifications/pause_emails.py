"""The emails a pause causes, written in the transaction that records it (or applies it).

- Recording a pause (or resuming one early) tells each auditor whose audit's due date it will
  move on, with the invitation moved to the date the audit will have; a pause applied when it is
  over sends an update only where the date came out otherwise (a pause entered after the fact,
  an audit allocated after the pause was announced). Audits already overdue when it starts keep
  their due dates, and so their invitations.
- A re-audit moved out of a paused month into a month already allocated gets its allocation
  email (with its invitation) at once; one moved into a month not yet allocated goes out with
  that month's allocation.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from models import pause_store
from models.pause_apply import Applied, spell
from models.pause_store import Effects
from models.people import Staff
from models.programme import Audit, Pause
from notifications.allocation_emails import write_for
from notifications.calendar_emails import Words, write_invitation_updates
from notifications.email_context import EmailContext
from notifications.invite import human_date
from rules.pauses import PauseSpell, due_date_moves, moved_due_date, paused_working_days
from rules.policy import Policy


def pause_cause(pause_id: int | None, what: str) -> str:
    """The outbox cause of a pause's emails: ``pause:3:created``, ``pause:3:resumed:2020-05-04``,
    ``pause:3:applied``."""
    return f"pause:{pause_id}:{what}"


def record_pause(
    session: Session,
    starts_on: date,
    ends_on: date,
    reason: str,
    by: str | None,
    today: date,
    policy: Policy,
    context: EmailContext,
    note: str | None = None,
) -> tuple[Pause, str]:
    """Record a pause (``note``: what was done instead) and write the emails it causes; the
    pause and the emails' cause."""
    pause, effects = pause_store.add_pause(
        session, starts_on, ends_on, reason, by, today, policy, note
    )
    cause = pause_cause(pause.id, "created")
    write_pause_emails(session, pause, effects, context, cause)
    return pause, cause


def record_resume(
    session: Session, on: date, by: str | None, today: date, policy: Policy, context: EmailContext
) -> tuple[Pause, Effects, str]:
    """Resume the pause in force on ``on`` and write the emails it causes."""
    pause, effects = pause_store.resume(session, on, by, today, policy)
    cause = pause_cause(pause.id, f"resumed:{on.isoformat()}")
    write_pause_emails(session, pause, effects, context, cause)
    return pause, effects, cause


def apply_ended_pauses(
    session: Session, today: date, actor: str, context: EmailContext
) -> list[Applied]:
    """Apply every pause that is over (``models.pause_apply``) and write the invitation updates
    of the due dates that moved otherwise than their invitations show."""
    applied = pause_store.apply_ended_pauses(session, today, actor)
    for one in applied:
        _write_moves(session, one, context, pause_cause(one.pause_id, "applied"))
    return applied


def write_pause_emails(
    session: Session, pause: Pause, effects: Effects, context: EmailContext, cause: str
) -> None:
    """Everything recording or resuming ``pause`` causes to be emailed."""
    if pause.applied_on is None and pause.move_due_dates:
        paused = spell(pause)
        write_invitation_updates(
            session, _projected(session, paused), context, cause, _will_be_due(paused)
        )
    for applied in effects.applied:
        _write_moves(session, applied, context, cause)
    moved_in = [m.audit_id for m in effects.reaudits_moved if m.cycle_allocated]
    if moved_in:
        rows = session.execute(
            select(Audit, Staff)
            .join(Staff, col(Staff.staff_id) == col(Audit.auditor_id))
            .where(col(Audit.id).in_(moved_in))
            .order_by(col(Audit.id))
        ).all()
        write_for(session, [(audit, person) for audit, person in rows], context, cause)


def _projected(session: Session, paused: PauseSpell) -> dict[int, date]:
    """The due date each audit still to do will have when the pause is over."""
    rows = session.execute(
        select(col(Audit.id), col(Audit.allocated_on), col(Audit.due_on)).where(
            col(Audit.status) == "allocated", col(Audit.allocated_on) < paused.starts_on
        )
    ).all()
    return {
        audit_id: moved_due_date(due_on, paused)
        for audit_id, allocated_on, due_on in rows
        if due_date_moves(paused, allocated_on, "allocated", None, due_on)
    }


def _write_moves(session: Session, applied: Applied, context: EmailContext, cause: str) -> None:
    pause = session.get(Pause, applied.pause_id)
    assert pause is not None
    wanted = {move.audit_id: move.to_due_on for move in applied.moves}
    write_invitation_updates(session, wanted, context, cause, _now_due(spell(pause)))


def _span(paused: PauseSpell) -> str:
    return f"{human_date(paused.starts_on)} to {human_date(paused.last_day)}"


def _will_be_due(paused: PauseSpell) -> Words:
    days = paused_working_days(paused)

    def words(audit: Audit, due: date) -> tuple[str, str]:
        return (
            f"Programme paused {_span(paused)}: audit {audit.id} (case {audit.case_ref}) will "
            f"be due {human_date(due)}",
            f"The audit programme is paused from {_span(paused)}: no reminders or chases go in "
            f"that time. When the pause is over, your audit's due date moves on by the "
            f"{days} working {'day' if days == 1 else 'days'} paused, from "
            f"{human_date(audit.due_on)} to {human_date(due)}.",
        )

    return words


def _now_due(paused: PauseSpell) -> Words:
    def words(audit: Audit, due: date) -> tuple[str, str]:
        return (
            f"After the pause: audit {audit.id} (case {audit.case_ref}) is due {human_date(due)}",
            f"The pause of the audit programme ({_span(paused)}) is over, and your audit's due "
            f"date has moved on by the working days paused, to {human_date(due)}. Reminders "
            "follow the new date.",
        )

    return words
