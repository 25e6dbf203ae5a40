"""Safeguarding concerns: raised, acknowledged and listed, and who is told of each (rules in
``rules.concerns``).

Every change is written to the trail in the caller's transaction, without the concern's text
or the note (they may describe a child: they stay in the concern's own row). The emails are the
caller's to write (``notifications.concern_emails``), as for every other change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from config.clock import LONDON
from models.base import utcnow
from models.chase_store import Person, aps_team, people
from models.concerns import SafeguardingConcern
from models.people import Staff
from models.programme import Audit
from models.reauditors import case_team_now
from models.trail import on_audit
from rules.actions import staff_name
from rules.concerns import ConcernError, check_acknowledge, check_raise
from rules.roles import DIRECTOR_ROLE, is_active_aps

#: The roles of a case team's managers, who are told of a concern and may acknowledge it.
MANAGER_ROLES = ("team_manager", "service_manager")
#: ``audits concern raise --json``: a new concern is open and nobody has acknowledged it.
RAISED_KEYS = ("concern_id", "audit_id", "case_ref", "raised_at", "status")


@dataclass(frozen=True)
class ConcernLine:
    """A concern with its audit's case reference, as lists show it."""

    concern: SafeguardingConcern
    case_ref: str


def raise_concern(
    session: Session, audit_id: int, text: str, by: str, on: date, now: datetime | None = None
) -> SafeguardingConcern:
    """Raise a concern on audit ``audit_id`` on the day ``on`` (Europe/London), by its auditor
    or an active APS member (raises :class:`ConcernError` if it may not be)."""
    audit = session.get(Audit, audit_id)
    if audit is None:
        raise ConcernError(f"there is no audit {audit_id}")
    person = session.get(Staff, by)
    if person is None:
        raise ConcernError(f"there is no member of staff {staff_name(by)}", "by")
    may_raise = by == audit.auditor_id or is_active_aps(person)
    text = check_raise(text, audit.status, may_raise, by)
    concern = SafeguardingConcern(
        audit_id=audit_id, text=text, raised_by=by, raised_at=now or utcnow(), raised_on=on
    )
    session.add(concern)
    session.flush()
    _trail(session, by, "concern.raised", concern, {"raised_on": on.isoformat()})
    return concern


def acknowledge(
    session: Session, concern_id: int, note: str, by: str, now: datetime | None = None
) -> SafeguardingConcern:
    """Acknowledge a concern with ``note``: a manager of the case's team, or APS."""
    concern = session.get(SafeguardingConcern, concern_id, with_for_update=True)
    if concern is None:
        raise ConcernError(f"there is no concern {concern_id}")
    note = check_acknowledge(
        concern.status, note, may_acknowledge(session, concern, by), staff_name(by)
    )
    concern.status, concern.acknowledged_by = "acknowledged", by
    concern.acknowledged_at, concern.acknowledged_note = now or utcnow(), note
    session.add(concern)
    _trail(session, by, "concern.acknowledged", concern, {})
    return concern


def may_acknowledge(session: Session, concern: SafeguardingConcern, by: str) -> bool:
    """Whether ``by`` may acknowledge ``concern``: an active APS member, or an active Team
    Manager or Service Manager of the case's team now (those its emails go to)."""
    person = session.get(Staff, by)
    if person is None or not person.active:
        return False
    if is_active_aps(person):
        return True
    if person.role not in MANAGER_ROLES:
        return False
    audit = session.get(Audit, concern.audit_id)
    assert audit is not None  # a foreign key
    return by in case_managers(people(session), concern_team(session, audit))


def may_read(session: Session, concern: SafeguardingConcern, user: Staff) -> bool:
    """Whether ``user`` may read the concern's page: whoever may acknowledge it, and the
    Directors (told of it when it is escalated), but not to act on it."""
    if user.role == DIRECTOR_ROLE and user.active:
        return True
    return may_acknowledge(session, concern, user.staff_id)


def concern_team(session: Session, audit: Audit) -> str:
    """The case's team now (teams are reorganised), else the audit's record of it."""
    return case_team_now(session, audit.case_ref, (audit.case_team, audit.case_service_area))[0]


def case_managers(directory: Mapping[str, Person], team: str) -> list[str]:
    """The active Team Managers of ``team``, their Service Manager (their line manager, when
    that is an active Service Manager) and any active Service Manager of ``team``."""
    managers = set()
    for person in directory.values():
        if not person.active or person.team != team or person.role not in MANAGER_ROLES:
            continue
        managers.add(person.staff_id)
        above = directory.get(person.line_manager_id or "")
        if above is not None and above.active and above.role == "service_manager":
            managers.add(above.staff_id)
    return sorted(managers)


def recipients(directory: Mapping[str, Person], team: str) -> list[str]:
    """Who is told of a concern on a case of ``team``: its managers and the APS team."""
    return sorted({*case_managers(directory, team), *aps_team(dict(directory))})


def directors(directory: Mapping[str, Person]) -> list[str]:
    """The active Directors, to whom an unacknowledged concern is escalated."""
    return sorted(p.staff_id for p in directory.values() if p.role == DIRECTOR_ROLE and p.active)


def list_concerns(
    session: Session, *, status: str | None = None, audit_ids: Sequence[int] | None = None
) -> list[ConcernLine]:
    """Concerns with their case references, oldest first; only those of ``status`` (open or
    acknowledged) and of ``audit_ids`` when given."""
    query = select(SafeguardingConcern, col(Audit.case_ref)).join(
        Audit, col(Audit.id) == col(SafeguardingConcern.audit_id)
    )
    if status is not None:
        query = query.where(col(SafeguardingConcern.status) == status)
    if audit_ids is not None:
        query = query.where(col(SafeguardingConcern.audit_id).in_(list(audit_ids)))
    query = query.order_by(col(SafeguardingConcern.raised_at), col(SafeguardingConcern.id))
    return [ConcernLine(concern, case_ref) for concern, case_ref in session.execute(query)]


def concern_json(line: ConcernLine) -> dict[str, Any]:
    """A concern as ``audits concerns --json`` lists it: never its text nor the note."""
    concern = line.concern
    return {
        "concern_id": concern.id,
        "audit_id": concern.audit_id,
        "case_ref": line.case_ref,
        "raised_by": concern.raised_by,
        "raised_at": london_iso(concern.raised_at),
        "status": concern.status,
        "acknowledged_at": london_iso(concern.acknowledged_at),
        "acknowledged_by": concern.acknowledged_by,
    }


def raised_json(line: ConcernLine) -> dict[str, Any]:
    """``audits concern raise --json``."""
    shown = concern_json(line)
    return {key: shown[key] for key in RAISED_KEYS}


def london_iso(moment: datetime | None) -> str | None:
    """ISO 8601 in Europe/London, with its offset, to the second."""
    return None if moment is None else moment.astimezone(LONDON).isoformat(timespec="seconds")


def _trail(
    session: Session, by: str, what: str, concern: SafeguardingConcern, detail: dict[str, str]
) -> None:
    # The text and the note stay in the concern's own row: the trail says who did what, when.
    on_audit(session, by, what, concern.audit_id, {"concern_id": concern.id, **detail})
