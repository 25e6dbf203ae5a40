"""What a chase run reads: outstanding audits and the people to tell."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from models.people import Staff
from models.programme import Audit
from models.requests import ExemptionRequest, ExtensionRequest
from rules.chase import OutstandingAudit


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
    return sorted(p.staff_id for p in directory.values() if p.role == "aps" and p.active)


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
