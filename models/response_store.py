"""Practitioner responses: the case's social worker answering an audit's findings
(``audits respond``, the findings page; rules in ``rules.responses``).

Adding one is written to the trail in the caller's transaction; the trail says who responded
to which audit and when, never what they said (it may describe the child).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from config.clock import LONDON
from models.cases import Case
from models.people import Staff
from models.programme import Audit
from models.responses import PractitionerResponse
from models.trail import on_audit
from rules.responses import ResponseError, check_response


@dataclass(frozen=True)
class ResponseLine:
    """A response with its audit's case reference, as the command prints it."""

    response: PractitionerResponse
    case_ref: str


def case_worker(session: Session, audit: Audit) -> str | None:
    """The audited case's allocated social worker now (``Case.worker_id``), if any."""
    case = session.get(Case, audit.case_ref)
    return case.worker_id if case is not None else None


def add_response(session: Session, audit_id: int, text: str, by: str) -> ResponseLine:
    """Add ``by``'s response to audit ``audit_id`` (raises :class:`ResponseError` if they may
    not)."""
    audit = session.get(Audit, audit_id)
    if audit is None:
        raise ResponseError(f"there is no audit {audit_id}")
    person = session.get(Staff, by)
    active = None if person is None else person.active and person.in_latest_export
    text = check_response(text, by, active, case_worker(session, audit), audit.status)
    response = PractitionerResponse(audit_id=audit_id, staff_id=by, text=text)
    session.add(response)
    session.flush()
    on_audit(session, by, "response.added", audit_id, {"response_id": response.id})
    return ResponseLine(response, audit.case_ref)


def may_respond(session: Session, audit: Audit, staff_id: str) -> bool:
    """Whether ``staff_id`` is the one who may respond to the audit (its page offers the form)."""
    return audit.status == "completed" and case_worker(session, audit) == staff_id


def worker_audits(session: Session, staff_id: str, limit: int = 200) -> list[Audit]:
    """The audits of the cases ``staff_id`` is allocated now (their "My cases" page), newest
    cycle first: what they may read (``rules.audit_access``)."""
    return list(
        session.scalars(
            select(Audit)
            .join(Case, col(Case.case_ref) == col(Audit.case_ref))
            .where(col(Case.worker_id) == staff_id)
            .order_by(col(Audit.cycle).desc(), col(Audit.case_ref), col(Audit.id))
            .limit(limit)
        )
    )


def response_counts(session: Session, audit_ids: list[int]) -> dict[int, int]:
    """How many responses each of ``audit_ids`` has (those with none are left out)."""
    if not audit_ids:
        return {}
    rows = session.execute(
        select(col(PractitionerResponse.audit_id), func.count())
        .where(col(PractitionerResponse.audit_id).in_(audit_ids))
        .group_by(col(PractitionerResponse.audit_id))
    ).all()
    return {audit_id: count for audit_id, count in rows}


def list_responses(session: Session, audit_id: int) -> list[PractitionerResponse]:
    """The audit's responses, oldest first."""
    return list(
        session.scalars(
            select(PractitionerResponse)
            .where(col(PractitionerResponse.audit_id) == audit_id)
            .order_by(col(PractitionerResponse.created_at), col(PractitionerResponse.id))
        )
    )


def response_json(response: PractitionerResponse) -> dict[str, Any]:
    """A response as ``audits show --json`` lists it (``created_at`` in London time)."""
    return {
        "response_id": response.id,
        "staff_id": response.staff_id,
        "created_at": response.created_at.astimezone(LONDON).isoformat(),
        "text": response.text,
    }


def added_json(line: ResponseLine) -> dict[str, Any]:
    """``audits respond --json``: the response without its text, with its audit and case."""
    response = line.response
    return {
        "response_id": response.id,
        "audit_id": response.audit_id,
        "case_ref": line.case_ref,
        "staff_id": response.staff_id,
        "created_at": response.created_at.astimezone(LONDON).isoformat(),
    }
