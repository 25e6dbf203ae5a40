"""One audit in full: what was found, what was asked and decided, the practitioner's responses,
and its trail.

The one reader of an audit's record for the audit's web page and ``audits show``; each shows
it in its own way (:func:`record_json` is the command's JSON).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlmodel import Session, col

from config.clock import LONDON
from models.cases import Case
from models.finding_store import tags_of
from models.findings import Feedback, Reflection, ThemeFinding
from models.moderation import Moderation
from models.moderation_store import moderation_of, shown_moderation
from models.people import Staff
from models.programme import Audit
from models.requests import ExemptionRequest, ExtensionRequest
from models.response_store import list_responses, response_json
from models.responses import PractitionerResponse
from models.trail import TrailEntry
from rules.audit_access import AuditReaders
from rules.completion import REFLECTION_QUESTIONS

AnyRequest = ExtensionRequest | ExemptionRequest
LIVE_STATUSES = ("allocated", "completed")


@dataclass(frozen=True)
class RequestLine:
    """An extension or exemption request about the audit, with its decision if made."""

    kind: str  # "extension" or "exemption"
    request: AnyRequest

    @property
    def requested_until(self) -> date | None:
        return self.request.requested_until if isinstance(self.request, ExtensionRequest) else None

    @property
    def category(self) -> str | None:
        return self.request.category if isinstance(self.request, ExemptionRequest) else None

    @property
    def approved_until(self) -> date | None:
        return self.request.approved_until if isinstance(self.request, ExtensionRequest) else None

    @property
    def outcome(self) -> str | None:
        return self.request.outcome if isinstance(self.request, ExemptionRequest) else None

    @property
    def reallocated_audit_id(self) -> int | None:
        request = self.request
        return request.reallocated_audit_id if isinstance(request, ExemptionRequest) else None


@dataclass(frozen=True)
class AuditRecord:
    audit: Audit
    findings: list[ThemeFinding]
    reflection: Reflection | None
    feedback: list[Feedback]
    requests: list[RequestLine]
    reaudit_id: int | None  # the audit's live re-audit (allocated or completed), if any
    trail: list[TrailEntry]  # the audit's and its requests', oldest first
    names: dict[str, str]  # the name of every member of staff the record mentions, by id
    tags: list[str] = field(default_factory=list)  # its recurring findings ([findings.tags])
    #: The case's social worker's responses to the findings, oldest first.
    responses: list[PractitionerResponse] = field(default_factory=list)
    #: APS's moderation of the audit, if it was moderated (its judgement is then the audit's).
    moderation: Moderation | None = None

    def name(self, staff_id: str | None) -> str:
        """A member of staff's name; anything else (a flow, "cli", "import") as it is."""
        return "" if staff_id is None else self.names.get(staff_id, staff_id)


def read_audit(session: Session, audit_id: int) -> AuditRecord | None:
    """Audit ``audit_id`` in full, or None if there is none."""
    audit = session.get(Audit, audit_id)
    if audit is None:
        return None
    requests = _requests(session, audit_id)
    trail = _trail(session, audit_id, requests)
    people = {audit.auditor_id, *(entry.actor for entry in trail)}
    for line in requests:
        people |= {line.request.requested_by, line.request.decided_by or ""}
    live = _live_reaudits(session, audit_id)
    responses = list_responses(session, audit_id)
    people |= {response.staff_id for response in responses}
    moderated = moderation_of(session, audit_id)
    if moderated is not None:
        people.add(moderated.moderated_by)
    return AuditRecord(
        audit=audit,
        findings=list(
            session.scalars(
                select(ThemeFinding)
                .where(col(ThemeFinding.audit_id) == audit_id)
                .order_by(col(ThemeFinding.id))
            )
        ),
        reflection=session.get(Reflection, audit_id),
        feedback=list(
            session.scalars(
                select(Feedback)
                .where(col(Feedback.audit_id) == audit_id)
                .order_by(col(Feedback.id))
            )
        ),
        requests=requests,
        reaudit_id=live[-1][0] if live else None,
        trail=trail,
        names=staff_names(session, people - {""}),
        tags=tags_of(session, [audit_id]).get(audit_id, []),
        responses=responses,
        moderation=moderated,
    )


def staff_names(session: Session, staff_ids: set[str]) -> dict[str, str]:
    if not staff_ids:
        return {}
    found = session.execute(
        select(col(Staff.staff_id), col(Staff.name)).where(col(Staff.staff_id).in_(staff_ids))
    ).all()
    return {staff_id: name for staff_id, name in found}


def _requests(session: Session, audit_id: int) -> list[RequestLine]:
    lines = [
        *(
            RequestLine("extension", r)
            for r in session.scalars(
                select(ExtensionRequest).where(col(ExtensionRequest.audit_id) == audit_id)
            )
        ),
        *(
            RequestLine("exemption", r)
            for r in session.scalars(
                select(ExemptionRequest).where(col(ExemptionRequest.audit_id) == audit_id)
            )
        ),
    ]
    lines.sort(key=lambda line: (line.request.created_at, line.kind, line.request.id or 0))
    return lines


def _trail(session: Session, audit_id: int, requests: list[RequestLine]) -> list[TrailEntry]:
    about = [
        and_(col(TrailEntry.subject_type) == "audit", col(TrailEntry.subject_id) == str(audit_id))
    ]
    for kind in ("extension", "exemption"):
        ids = [str(line.request.id) for line in requests if line.kind == kind]
        if ids:
            about.append(
                and_(
                    col(TrailEntry.subject_type) == f"{kind}_request",
                    col(TrailEntry.subject_id).in_(ids),
                )
            )
    return list(
        session.scalars(
            select(TrailEntry).where(or_(*about)).order_by(col(TrailEntry.at), col(TrailEntry.id))
        )
    )


def _live_reaudits(session: Session, audit_id: int) -> list[tuple[int, str]]:
    """(id, auditor) of the audit's re-audits that stand, oldest first."""
    rows = session.execute(
        select(col(Audit.id), col(Audit.auditor_id))
        .where(
            col(Audit.parent_audit_id) == audit_id,
            col(Audit.kind) == "reaudit",
            col(Audit.status).in_(LIVE_STATUSES),
        )
        .order_by(col(Audit.id))
    ).all()
    return [(audit, auditor) for audit, auditor in rows if audit is not None]


def audit_readers(session: Session, audit: Audit) -> AuditReaders:
    """Who the audit relates to (``rules.audit_access``): its auditor and their line manager,
    its re-auditors, the Service Managers of the case's team, and the case's allocated social
    worker with their line manager (their Team Manager, who is sent the findings with them)."""
    auditor = session.get(Staff, audit.auditor_id)
    case = session.get(Case, audit.case_ref)
    worker_id = case.worker_id if case is not None else None
    worker = session.get(Staff, worker_id) if worker_id is not None else None
    managers = set(team_service_managers(session, audit.case_team))
    if worker is not None and worker.line_manager_id is not None:
        managers.add(worker.line_manager_id)
    return AuditReaders(
        auditor_id=audit.auditor_id,
        line_manager_id=auditor.line_manager_id if auditor else None,
        reauditor_ids=frozenset(staff_id for _, staff_id in _live_reaudits(session, audit.id or 0)),
        case_team_managers=frozenset(managers),
        case_worker_id=worker_id,
    )


def team_service_managers(session: Session, team: str) -> list[str]:
    """The Service Managers of ``team``: the one whose own team it is and any who line-manage
    someone in it (a Service Manager oversees their Team Managers' teams)."""
    line_managers = select(col(Staff.line_manager_id)).where(col(Staff.team) == team)
    return list(
        session.scalars(
            select(col(Staff.staff_id)).where(
                col(Staff.role) == "service_manager",
                or_(col(Staff.team) == team, col(Staff.staff_id).in_(line_managers)),
            )
        )
    )


def record_json(record: AuditRecord) -> dict[str, Any]:
    """``audits show --json``: the audit, what was found, its requests, the practitioner's
    responses (their own words about practice: shown in full to whoever reads the audit) and
    its trail."""
    audit = record.audit
    reflection = record.reflection
    return {
        "audit_id": audit.id,
        "case_ref": audit.case_ref,
        "kind": audit.kind,
        "cycle": audit.cycle,
        "status": audit.status,
        "auditor_id": audit.auditor_id,
        "due_on": audit.due_on.isoformat(),
        "original_due_on": audit.original_due_on.isoformat(),
        "completed_on": _iso(audit.completed_on),
        "judgement": audit.judgement,
        "findings": [{"theme": f.theme, "descriptor": f.descriptor} for f in record.findings],
        "reflection": (
            {q: getattr(reflection, q) for q in REFLECTION_QUESTIONS} if reflection else {}
        ),
        "feedback": [{"kind": f.kind, "source": f.source, "text": f.text} for f in record.feedback],
        "tags": record.tags,
        "parent_audit_id": audit.parent_audit_id,
        "reaudit_id": record.reaudit_id,
        "requests": [request_json(line) for line in record.requests],
        "responses": [response_json(response) for response in record.responses],
        "moderation": shown_moderation(record.moderation),
        "trail": [
            {
                "at": entry.at.astimezone(LONDON).isoformat(),
                "actor": entry.actor,
                "action": entry.action,
                "detail": entry.detail or {},
            }
            for entry in record.trail
        ],
    }


def request_json(line: RequestLine) -> dict[str, Any]:
    request = line.request
    decision = None
    if request.decided_by is not None:
        decision = {
            "decided_by": request.decided_by,
            "decided_on": _iso(request.decided_on),
            "note": request.decision_note,
            "approved_until": _iso(line.approved_until),
            "outcome": line.outcome,
            "reallocated_audit_id": line.reallocated_audit_id,
        }
    return {
        "request_id": request.id,
        "kind": line.kind,
        "status": request.status,
        "requested_by": request.requested_by,
        "requested_on": request.requested_on.isoformat(),
        "late": request.late,
        "reason": request.reason,
        "requested_until": _iso(line.requested_until),
        "category": line.category,
        "decision": decision,
    }


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
