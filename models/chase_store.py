"""What a chase run reads (outstanding audits, the people to tell) and the reminder rungs it
records; the lock that lets one run decide at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, text
from sqlmodel import Session, col

from models.people import Staff
from models.programme import Audit
from models.requests import ExemptionRequest, ExtensionRequest
from rules.chase import ChasePlan, OutstandingAudit
from rules.roles import is_active_aps

#: PostgreSQL advisory lock held by the chase run deciding the day (see :func:`take_chase_lock`).
CHASE_LOCK = 7_270_001


@dataclass(frozen=True)
class Person:
    staff_id: str
    name: str
    email: str
    role: str
    team: str | None
    line_manager_id: str | None
    active: bool


def outstanding_audits(session: Session) -> list[OutstandingAudit]:
    """Audits and re-audits still to be done (completed, exempted and withdrawn are not chased)."""
    query = select(
        col(Audit.id),
        col(Audit.case_ref),
        col(Audit.kind),
        col(Audit.auditor_id),
        col(Audit.allocated_on),
        col(Audit.due_on),
        col(Audit.original_due_on),
    ).where(col(Audit.status) == "allocated")
    return [OutstandingAudit(*row) for row in session.execute(query).all()]


def people(session: Session) -> dict[str, Person]:
    query = select(
        col(Staff.staff_id),
        col(Staff.name),
        col(Staff.email),
        col(Staff.role),
        col(Staff.team),
        col(Staff.line_manager_id),
        col(Staff.active),
    )
    return {row[0]: Person(*row) for row in session.execute(query).all()}


def aps_team(directory: dict[str, Person]) -> list[str]:
    """The APS team members who receive the APS digest: active staff with the ``aps`` role."""
    return sorted(p.staff_id for p in directory.values() if is_active_aps(p))


def audits_with_auditors(session: Session, month: str) -> list[tuple[Audit, Staff]]:
    """A cycle's outstanding audits, each with its auditor (for the allocation emails)."""
    query = (
        select(Audit, Staff)
        .join(Staff, col(Staff.staff_id) == col(Audit.auditor_id))
        .where(col(Audit.cycle) == month, col(Audit.status) == "allocated")
        .order_by(col(Audit.id))
    )
    return [(audit, person) for audit, person in session.execute(query).all()]


@dataclass(frozen=True)
class PendingRequest:
    """A request waiting for a decision, as the APS digest lists it (no reason: it may say
    something about a child)."""

    kind: str  # "extension" or "exemption"
    request_id: int
    audit_id: int
    case_ref: str
    requested_until: date | None  # extensions
    category: str | None  # exemptions
    requested_by: str
    requested_by_name: str  # the staff id when nobody by that id is on record
    requested_on: date
    late: bool


def pending_requests(session: Session) -> list[PendingRequest]:
    """Extension and exemption requests waiting for a decision, oldest first (extensions, then
    exemptions), for the APS digest."""
    found = []
    for table, kind in ((ExtensionRequest, "extension"), (ExemptionRequest, "exemption")):
        query = (
            select(table, col(Audit.case_ref), col(Staff.name))
            .join(Audit, col(Audit.id) == col(table.audit_id))
            .outerjoin(Staff, col(Staff.staff_id) == col(table.requested_by))
            .where(col(table.status) == "pending")
            .order_by(col(table.requested_on), col(table.id))
        )
        for request, case_ref, name in session.execute(query).all():
            found.append(
                PendingRequest(
                    kind,
                    request.id,
                    request.audit_id,
                    case_ref,
                    getattr(request, "requested_until", None),
                    getattr(request, "category", None),
                    request.requested_by,
                    name or request.requested_by,
                    request.requested_on,
                    request.late,
                )
            )
    return found


def take_chase_lock(session: Session) -> None:
    """Let one chase run decide at a time. PostgreSQL: a transaction-scoped advisory lock (the
    next run waits, then finds every rung recorded). SQLite: the session's write lock does it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHASE_LOCK})


def stage_rows(
    plan: ChasePlan, directory: dict[str, Person], digest_ids: dict[str, int | None], today: date
) -> list[dict[str, Any]]:
    """The reminder rungs the plan takes today, as ``outbox_store.record_stages`` records them:
    each sent rung with the id of its auditor's digest (by email address, in ``digest_ids``),
    and the rungs it passes over as superseded."""
    rows = []
    for audit, step in plan.steps:
        auditor = directory.get(audit.auditor_id)
        sent_in = digest_ids.get(auditor.email) if auditor else None
        for rung in step.superseded:
            rows.append(_stage(audit.audit_id, audit.due_on, rung.key, "superseded", None, today))
        if step.send is not None:
            rows.append(_stage(audit.audit_id, audit.due_on, step.send.key, "sent", sent_in, today))
    return rows


def _stage(
    audit_id: int, due_on: date, key: str, outcome: str, notification_id: int | None, today: date
) -> dict[str, Any]:
    return {
        "audit_id": audit_id,
        "due_on": due_on,
        "stage": key,
        "outcome": outcome,
        "notification_id": notification_id,
        "recorded_on": today,
    }
