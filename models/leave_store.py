"""Recording and removing staff leave, with each change in the append-only audit trail.

The rules (who may, what is valid, no overlaps) are ``rules.leave``; this module loads what they
need, applies them and writes. Every change takes the same lock first (PostgreSQL: an advisory
lock; SQLite: the session's write lock, ``session_scope(..., write_lock=True)``), so that two
records made at once for one person cannot both pass the overlap check.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select, text
from sqlmodel import Session, col

from models.people import Staff, StaffLeave
from models.programme import Audit
from models.trail import TrailEntry
from rules.leave import (
    LeaveError,
    LeaveSpell,
    Recorder,
    check_dates,
    check_may_record,
    check_may_remove,
    check_no_overlap,
    check_reason,
    check_staff_id,
)

#: PostgreSQL advisory lock taken by every change of leave (see the module's docstring).
LEAVE_LOCK = 7_270_009
#: ``created_by`` and the trail's actor for leave that came from a leave file.
IMPORT_ACTOR = "import"


def lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LEAVE_LOCK})


def spell(leave: StaffLeave) -> LeaveSpell:
    return LeaveSpell(leave.staff_id, leave.starts_on, leave.ends_on, leave.id)


def leave_json(leave: StaffLeave) -> dict[str, Any]:
    """A leave as ``audits leave add|list|remove --json`` print it (a contract: councils' scripts
    read these keys)."""
    return {
        "leave_id": leave.id,
        "staff_id": leave.staff_id,
        "from": leave.starts_on.isoformat(),
        "to": leave.ends_on.isoformat(),
        "reason": leave.reason,
        "created_by": leave.created_by,
    }


def _person(session: Session, staff_id: str) -> Staff:
    person = session.get(Staff, check_staff_id(staff_id))
    if person is None:
        raise LeaveError(f"there is no member of staff {staff_id}")
    return person


def _recorder(session: Session, by: str) -> Recorder:
    person = _person(session, by)
    return Recorder(person.staff_id, person.role, person.active)


def spells_of(session: Session, staff_ids: Iterable[str]) -> list[LeaveSpell]:
    """Every leave recorded for these people."""
    query = select(StaffLeave).where(col(StaffLeave.staff_id).in_(sorted(set(staff_ids))))
    return [spell(leave) for leave in session.scalars(query)]


def add_leave(
    session: Session, staff_id: str, starts_on: date, ends_on: date, reason: str, by: str
) -> StaffLeave:
    """Record ``staff_id``'s leave (not committed), refusing anything the rules refuse."""
    lock(session)
    recorder = _recorder(session, by)
    person = _person(session, staff_id)
    check_may_record(recorder, person.staff_id)
    check_dates(starts_on, ends_on)
    reason = check_reason(reason)
    new = LeaveSpell(person.staff_id, starts_on, ends_on)
    check_no_overlap(new, spells_of(session, [person.staff_id]))
    leave = StaffLeave(
        staff_id=person.staff_id,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        created_by=recorder.staff_id,
    )
    session.add(leave)
    session.flush()
    _trail(session, recorder.staff_id, "leave.recorded", leave)
    return leave


def remove_leave(session: Session, leave_id: int, by: str) -> StaffLeave:
    """Delete one leave record (not committed); the removed record, for the caller to show.

    Deleted rather than marked: the trail keeps what it was, who recorded it and who removed
    it, and an allocation made while it stood keeps its own explanation."""
    lock(session)
    recorder = _recorder(session, by)
    leave = session.get(StaffLeave, leave_id, with_for_update=True)
    if leave is None:
        raise LeaveError(f"there is no leave {leave_id}")
    check_may_remove(recorder, spell(leave))
    _trail(session, recorder.staff_id, "leave.removed", leave)
    session.delete(leave)
    session.flush()
    return leave


def _trail(session: Session, actor: str, action: str, leave: StaffLeave) -> None:
    session.add(
        TrailEntry(
            actor=actor,
            action=action,
            subject_type="staff_leave",
            subject_id=str(leave.id),
            detail={k: v for k, v in leave_json(leave).items() if k != "leave_id"},
        )
    )


def record_imported(session: Session, spells: list[tuple[LeaveSpell, str]], run_id: int) -> None:
    """Insert leave checked by the leave import (``spells`` with their reasons), each with its
    trail entry naming the import run. (A leave file holds a few hundred rows: one at a time.)"""
    for new, reason in spells:
        leave = StaffLeave(
            staff_id=new.staff_id,
            starts_on=new.starts_on,
            ends_on=new.ends_on,
            reason=reason,
            created_by=IMPORT_ACTOR,
        )
        session.add(leave)
        session.flush()  # for its id, in the trail
        session.add(
            TrailEntry(
                actor=IMPORT_ACTOR,
                action="leave.recorded",
                subject_type="staff_leave",
                subject_id=str(leave.id),
                detail={**leave_json(leave), "import_run": run_id},
            )
        )


def list_leave(
    session: Session, staff_id: str | None = None, on: date | None = None
) -> list[StaffLeave]:
    """Leave records, earliest first: one person's with ``staff_id``, those in force on a day
    with ``on``."""
    query = select(StaffLeave).order_by(col(StaffLeave.starts_on), col(StaffLeave.id))
    if staff_id is not None:
        query = query.where(col(StaffLeave.staff_id) == check_staff_id(staff_id))
    if on is not None:
        query = query.where(col(StaffLeave.starts_on) <= on, col(StaffLeave.ends_on) >= on)
    return list(session.scalars(query))


def audits_during(session: Session, staff_id: str, starts_on: date, ends_on: date) -> list[Audit]:
    """``staff_id``'s outstanding audits whose time to do them (allocation to due date) shares a
    day with the leave: recording leave does not release them (an exemption does)."""
    query = (
        select(Audit)
        .where(
            col(Audit.auditor_id) == staff_id,
            col(Audit.status) == "allocated",
            col(Audit.allocated_on) <= ends_on,
            col(Audit.due_on) >= starts_on,
        )
        .order_by(col(Audit.due_on), col(Audit.id))
    )
    return list(session.scalars(query))
