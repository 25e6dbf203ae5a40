"""Recording extension and exemption requests and the APS team's decisions on them."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from models.base import utcnow
from models.people import Staff, Team
from models.programme import Audit
from models.requests import ExemptionRequest, ExtensionRequest
from models.trail import TrailEntry
from rules.policy import Policy
from rules.requests import (
    AuditState,
    Candidate,
    RequestError,
    check_decision,
    check_exemption_category,
    check_extension_date,
    check_request,
    reallocated_due_date,
    reallocation_candidates,
)
from rules.roles import is_active_aps


def _audit(session: Session, audit_id: int) -> Audit:
    audit = session.get(Audit, audit_id, with_for_update=True)
    if audit is None:
        raise RequestError(f"there is no audit {audit_id}")
    return audit


def _state(audit: Audit) -> AuditState:
    assert audit.id is not None
    return AuditState(audit.id, audit.status, audit.auditor_id, audit.due_on, audit.original_due_on)


def _staff(session: Session, staff_id: str) -> Staff:
    person = session.get(Staff, staff_id)
    if person is None:
        raise RequestError(f"there is no member of staff {staff_id}")
    return person


def _open_request(session: Session, audit_id: int) -> str | None:
    for table, label in ((ExtensionRequest, "extension"), (ExemptionRequest, "exemption")):
        found = session.scalars(
            select(col(table.id)).where(
                col(table.audit_id) == audit_id, col(table.status) == "pending"
            )
        ).first()
        if found is not None:
            return f"{label} request {found}"
    return None


def _required(text: str, what: str, field: str) -> str:
    if not text.strip():
        raise RequestError(f"{what} is required", field=field)
    return text.strip()


def _trail(
    session: Session,
    actor: str,
    action: str,
    kind: str,
    subject: int | None,
    detail: dict[str, Any],
) -> None:
    session.add(
        TrailEntry(
            actor=actor, action=action, subject_type=kind, subject_id=str(subject), detail=detail
        )
    )


def _record_request(
    session: Session,
    request: ExtensionRequest | ExemptionRequest,
    kind: str,
    detail: dict[str, Any],
) -> None:
    session.add(request)
    session.flush()
    detail = {
        "audit_id": request.audit_id,
        **detail,
        "reason": request.reason,
        "late": request.late,
        "on": request.requested_on.isoformat(),
    }
    _trail(
        session, request.requested_by, f"{kind}.requested", f"{kind}_request", request.id, detail
    )


def request_extension(
    session: Session, audit_id: int, until: date, reason: str, by: str, on: date, policy: Policy
) -> ExtensionRequest:
    audit, person = _audit(session, audit_id), _staff(session, by)
    state = _state(audit)
    late = check_request(state, by, is_active_aps(person), _open_request(session, audit_id), on)
    check_extension_date(state, until, policy.max_extension_working_days)
    request = ExtensionRequest(
        audit_id=audit_id,
        requested_by=by,
        requested_on=on,
        requested_until=until,
        reason=_required(reason, "a reason", "reason"),
        late=late,
    )
    _record_request(session, request, "extension", {"until": until.isoformat()})
    return request


def request_exemption(
    session: Session, audit_id: int, category: str, reason: str, by: str, on: date
) -> ExemptionRequest:
    audit, person = _audit(session, audit_id), _staff(session, by)
    check_exemption_category(category)
    late = check_request(
        _state(audit), by, is_active_aps(person), _open_request(session, audit_id), on
    )
    request = ExemptionRequest(
        audit_id=audit_id,
        staff_id=audit.auditor_id,
        cycle=audit.cycle,
        requested_by=by,
        requested_on=on,
        category=category,
        reason=_required(reason, "a reason", "reason"),
        late=late,
    )
    _record_request(session, request, "exemption", {"category": category})
    return request


def decide_extension(
    session: Session,
    request_id: int,
    approve: bool,
    until: date | None,
    note: str,
    by: str,
    on: date,
    policy: Policy,
) -> ExtensionRequest:
    request = session.get(ExtensionRequest, request_id, with_for_update=True)
    if request is None:
        raise RequestError(f"there is no extension request {request_id}")
    check_decision(
        f"extension request {request_id}",
        request.status,
        request.decided_by,
        request.decided_on,
        request.requested_by,
        by,
        is_active_aps(_staff(session, by)),
    )
    audit = _audit(session, request.audit_id)
    note = _required(note, "a note", "note")
    if approve:
        _still_to_do(audit, f"extension request {request_id}")
        granted = until or request.requested_until
        check_extension_date(_state(audit), granted, policy.max_extension_working_days)
        audit.due_on, audit.updated_at = granted, utcnow()
        request.approved_until = granted
    _decided(request, "approved" if approve else "rejected", by, on, note)
    _trail(
        session,
        by,
        f"extension.{request.status}",
        "extension_request",
        request_id,
        {
            "audit_id": audit.id,
            "until": request.approved_until.isoformat() if request.approved_until else None,
            "note": note,
            "on": on.isoformat(),
        },
    )
    return request


def decide_exemption(
    session: Session,
    request_id: int,
    approve: bool,
    reallocate_to: str | None,
    note: str,
    by: str,
    on: date,
) -> ExemptionRequest:
    """Approve (reallocating the case to ``reallocate_to``, or withdrawing it when that is None)
    or reject an exemption request."""
    request = session.get(ExemptionRequest, request_id, with_for_update=True)
    if request is None:
        raise RequestError(f"there is no exemption request {request_id}")
    check_decision(
        f"exemption request {request_id}",
        request.status,
        request.decided_by,
        request.decided_on,
        request.requested_by,
        by,
        is_active_aps(_staff(session, by)),
    )
    note = _required(note, "a note", "note")
    if approve and request.audit_id is not None:
        audit = _audit(session, request.audit_id)
        _still_to_do(audit, f"exemption request {request_id}")
        if reallocate_to is not None:
            # Released before its successor is written: a re-audit's successor has the same
            # parent, and only one live re-audit per parent is allowed (migration 0005).
            audit.status = "exempted"
            new = _reallocate(session, audit, reallocate_to, on)
            request.outcome, request.reallocated_audit_id = "reallocated", new.id
        else:
            request.outcome, audit.status = "withdrawn", "withdrawn"
        audit.updated_at = utcnow()
    _decided(request, "approved" if approve else "rejected", by, on, note)
    _trail(
        session,
        by,
        f"exemption.{request.status}",
        "exemption_request",
        request_id,
        {
            "audit_id": request.audit_id,
            "outcome": request.outcome,
            "reallocated_audit_id": request.reallocated_audit_id,
            "note": note,
            "on": on.isoformat(),
        },
    )
    return request


def _still_to_do(audit: Audit, request_label: str) -> None:
    """Approving changes the audit, so it must still be to do: one completed (or released) while
    the request waited keeps its record, and the request can only be rejected."""
    if audit.status != "allocated":
        raise RequestError(
            f"audit {audit.id} is {audit.status}: {request_label} can no longer be approved, "
            "only rejected"
        )


def _decided(
    request: ExtensionRequest | ExemptionRequest, status: str, by: str, on: date, note: str
) -> None:
    request.status, request.decided_by, request.decided_on = status, by, on
    request.decision_note, request.decided_at = note, utcnow()


def suggested_auditors(session: Session, audit: Audit) -> list[Candidate]:
    """Who could take the case of ``audit`` if it is released, best first."""
    open_counts: dict[str, int] = dict(
        session.execute(
            select(col(Audit.auditor_id), func.count())
            .where(col(Audit.cycle) == audit.cycle, col(Audit.status) == "allocated")
            .group_by(col(Audit.auditor_id))
        ).all()
    )
    rows = session.execute(
        select(col(Staff.staff_id), col(Staff.team), col(Team.service_area))
        .join(Team, col(Team.name) == col(Staff.team))
        .where(col(Staff.role) == "team_manager", col(Staff.active), col(Staff.in_latest_export))
    ).all()
    candidates = [Candidate(s, t, a, open_counts.get(s, 0)) for s, t, a in rows]
    return reallocation_candidates(
        candidates, audit.case_team, audit.auditor_id, audit.case_service_area
    )


def _reallocate(session: Session, audit: Audit, to: str, on: date) -> Audit:
    allowed = {c.staff_id: c for c in suggested_auditors(session, audit)}
    if to not in allowed:
        names = ", ".join(list(allowed)[:5]) or "none"
        raise RequestError(
            f"{to} cannot take audit {audit.id} (an active Team Manager outside "
            f"the case's team {audit.case_team} is needed; suggested: {names})",
            field="reallocate_to",
        )
    chosen = allowed[to]
    due = reallocated_due_date(audit.due_on, on)
    new = Audit(
        cycle=audit.cycle,
        kind=audit.kind,
        case_ref=audit.case_ref,
        auditor_id=to,
        cohort=audit.cohort,
        allocated_on=on,
        due_on=due,
        original_due_on=due,
        parent_audit_id=audit.parent_audit_id,
        auditor_team=chosen.team,
        auditor_service_area=chosen.service_area,
        case_team=audit.case_team,
        case_service_area=audit.case_service_area,
        reason=f"reallocated from audit {audit.id} after an approved exemption",
    )
    session.add(new)
    session.flush()
    return new


def request_json(request: ExtensionRequest | ExemptionRequest) -> dict[str, Any]:
    """A request as ``--json`` prints it: ``{request_id, audit_id, status, ...}``."""
    data = request.model_dump(mode="json", exclude={"id", "created_at", "decided_at"})
    return {
        "request_id": request.id,
        "audit_id": request.audit_id,
        "status": request.status,
        **{k: v for k, v in data.items() if k not in ("audit_id", "status")},
    }
