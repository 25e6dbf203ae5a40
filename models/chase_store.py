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


def pending_requests(session: Session) -> list[str]:
    """Extension and exemption requests waiting for a decision, oldest first, as lines for the
    APS digest (case references and staff ids only)."""
    lines = []
    for table, kind in ((ExtensionRequest, "Extension"), (ExemptionRequest, "Exemption")):
        query = (
            select(table, col(Audit.case_ref))
            .join(Audit, col(Audit.id) == col(table.audit_id))
            .where(col(table.status) == "pending")
            .order_by(col(table.requested_on), col(table.id))
        )
        for request, case_ref in session.execute(query).all():
            asked = (
                f"until {request.requested_until}"
                if kind == "Extension"
                else f"({request.category.replace('_', ' ')})"
            )
            late = ", late" if request.late else ""
            lines.append(
                f"{kind} request {request.id} for audit {request.audit_id} (case "
                f"{case_ref}) {asked}, asked by {request.requested_by} on "
                f"{request.requested_on}{late}"
            )
    return lines


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
