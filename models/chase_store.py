"""What a chase run reads: outstanding audits and the people to tell."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from models.people import Staff
from models.programme import Audit
from models.requests import ExemptionRequest, ExtensionRequest
from rules.chase import OutstandingAudit
from rules.roles import is_active_aps


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
        Audit.id,
        Audit.case_ref,
        Audit.kind,
        Audit.auditor_id,
        Audit.allocated_on,
        Audit.due_on,
        Audit.original_due_on,
    ).where(Audit.status == "allocated")
    return [OutstandingAudit(*row) for row in session.execute(query).all()]


def people(session: Session) -> dict[str, Person]:
    query = select(
        Staff.staff_id,
        Staff.name,
        Staff.email,
        Staff.role,
        Staff.team,
        Staff.line_manager_id,
        Staff.active,
    )
    return {row[0]: Person(*row) for row in session.execute(query).all()}


def aps_team(directory: dict[str, Person]) -> list[str]:
    """The APS team members who receive the APS digest: active staff with the ``aps`` role."""
    return sorted(p.staff_id for p in directory.values() if is_active_aps(p))


def audits_with_auditors(session: Session, month: str) -> list[tuple[Audit, Staff]]:
    """A cycle's outstanding audits, each with its auditor (for the allocation emails)."""
    query = (
        select(Audit, Staff)
        .join(Staff, Staff.staff_id == Audit.auditor_id)
        .where(Audit.cycle == month, Audit.status == "allocated")
        .order_by(Audit.id)
    )
    return [(audit, person) for audit, person in session.execute(query).all()]


def pending_requests(session: Session) -> list[str]:
    """Extension and exemption requests waiting for a decision, oldest first, as lines for the
    APS digest (case references and staff ids only)."""
    lines = []
    for table, kind in ((ExtensionRequest, "Extension"), (ExemptionRequest, "Exemption")):
        query = (
            select(table, Audit.case_ref)
            .join(Audit, Audit.id == table.audit_id)
            .where(table.status == "pending")
            .order_by(table.requested_on, table.id)
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
