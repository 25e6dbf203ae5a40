"""Safeguarding concerns on the web: raising one from an audit's page (its auditor or APS), the
concerns an audit's page lists, and the page a manager reaches from a concern's email
(``/concerns/{id}/acknowledge``): the concern's text and case, and a form to acknowledge it.

The text is shown only here, behind sign-in, to those who may act on the concern; never in an
email. The case team's Team and Service Managers and APS may acknowledge
(``models.concern_store.may_acknowledge``); the Directors, told of it when it is escalated, may
read it; anyone else is refused, as for an audit not theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session

from flows.delivery import Change
from models.concern_store import (
    ConcernLine,
    acknowledge,
    list_concerns,
    may_acknowledge,
    may_read,
    raise_concern,
)
from models.concerns import SafeguardingConcern
from models.people import Staff
from models.programme import Audit
from notifications.concern_emails import concern_raised_cause, write_raised_emails
from rules.audit_access import may_act_on_audit
from rules.concerns import RAISE_ON_STATUSES
from rules.roles import SOCIAL_WORKER_ROLE
from rules.values import unstorable
from web.audit_page import london_time
from web.auth import Forbidden, audit_for
from web.csrf import check_csrf
from web.deps import CurrentStaffDep, EmailContextDep, EngineDep, SubmitDep, TodayDep
from web.forms import Errors, summary, text_field
from web.limits import FormRoute, RecordId
from web.render import page
from web.submit import Done, Posted, Values

router = APIRouter(route_class=FormRoute)
NOT_YOURS = "There is no such concern, or it is not yours to see."


@dataclass(frozen=True)
class ConcernRow:
    """A concern as a page shows it: names, not staff ids; London times."""

    concern_id: int
    audit_id: int
    case_ref: str
    text: str
    raised_by: str
    raised_at: str
    status: str
    acknowledged_by: str | None
    acknowledged_at: str | None
    note: str | None


def _row(session: Session, line: ConcernLine) -> ConcernRow:
    concern = line.concern

    def name(staff_id: str | None) -> str | None:
        person = session.get(Staff, staff_id) if staff_id else None
        return person.name if person else staff_id

    def when(moment: datetime | None) -> str | None:
        return london_time(moment) if moment else None

    return ConcernRow(
        concern.id or 0, concern.audit_id, line.case_ref, concern.text,
        name(concern.raised_by) or concern.raised_by, london_time(concern.raised_at),
        concern.status, name(concern.acknowledged_by), when(concern.acknowledged_at),
        concern.acknowledged_note,
    )  # fmt: skip


def audit_concerns(session: Session, audit: Audit, user: Staff) -> dict[str, Any]:
    """What ``_audit_concerns.html`` shows on an audit's page to someone who may read it: its
    concerns (not to the case's social worker: a concern may be about their work), and whether
    ``user`` may raise one."""
    if user.role == SOCIAL_WORKER_ROLE:
        return {"concerns": [], "can_raise": False, "show_concerns": False}
    lines = list_concerns(session, audit_ids=[audit.id or 0])
    return {
        "concerns": [_row(session, line) for line in lines],
        "can_raise": audit.status in RAISE_ON_STATUSES
        and may_act_on_audit(user.staff_id, user.role, audit.auditor_id),
        "show_concerns": True,
    }


def _concern_text(errors: Errors, value: str) -> str:
    """The text, trimmed; its length is the rule's (``rules.concerns``: longer than other
    forms' text, as a concern must be told in full), said beside the field if too long."""
    value = value.strip()
    if not value:
        errors["text"] = "Enter what the concern is"
    elif bad := unstorable(value):
        errors["text"] = f"Remove {bad} from the text: it cannot be saved"
    return value


def _raise_page(
    request: Request, engine: Engine, who: tuple[int, Staff], values: Values, errors: Errors,
    status: int = 200,
) -> HTMLResponse:  # fmt: skip
    with Session(engine) as session:
        audit = audit_for(session, *who)
    context = {"audit": audit, "values": values, "errors": errors, "error_list": summary(errors)}
    return page(request, "raise_concern.html", context, status)


@router.get("/audits/{audit_id}/concern", response_class=HTMLResponse)
def raise_form(
    request: Request, audit_id: RecordId, engine: EngineDep, user: CurrentStaffDep
) -> HTMLResponse:
    return _raise_page(request, engine, (audit_id, user), {"text": ""}, {})


@router.post("/audits/{audit_id}/concern", dependencies=[Depends(check_csrf)])
def raise_on_audit(
    request: Request,
    audit_id: RecordId,
    user: CurrentStaffDep,
    engine: EngineDep,
    today: TodayDep,
    emails: EmailContextDep,
    submit: SubmitDep,
    text: str = Form(""),
) -> Response:
    values = {"text": text}
    errors: Errors = {}
    text = _concern_text(errors, text)

    def work(session: Session) -> tuple[Audit, Change]:
        audit = audit_for(session, audit_id, user)  # still theirs to raise one on
        concern = raise_concern(session, audit_id, text, user.staff_id, today)
        cause = concern_raised_cause(concern.id or 0)
        write_raised_emails(session, concern, emails, cause)
        return audit, Change(cause)

    def then(audit: Audit) -> Done:
        message = (
            f"Safeguarding concern raised on case {audit.case_ref}: the case team's managers "
            "and the APS team have been emailed."
        )
        return Done(message, f"/audits/{audit_id}")

    form = Posted(values, errors, "text", {"text": "text"})
    return submit(form, lambda v, e, s: _raise_page(request, engine, (audit_id, user), v, e, s),
                  work, then)  # fmt: skip


def _readable(session: Session, concern_id: int, user: Staff) -> SafeguardingConcern:
    concern = session.get(SafeguardingConcern, concern_id)
    if concern is None or not may_read(session, concern, user):
        raise Forbidden(NOT_YOURS)
    return concern


def _acknowledge_page(
    request: Request, engine: Engine, who: tuple[int, Staff], values: Values, errors: Errors,
    status: int = 200,
) -> HTMLResponse:  # fmt: skip
    concern_id, user = who
    with Session(engine) as session:
        concern = _readable(session, concern_id, user)
        audit = session.get(Audit, concern.audit_id)
        assert audit is not None  # a foreign key
        row = _row(session, ConcernLine(concern, audit.case_ref))
        can_acknowledge = may_acknowledge(session, concern, user.staff_id)
    context = {
        "row": row,
        "can_acknowledge": can_acknowledge,
        "values": values,
        "errors": errors,
        "error_list": summary(errors),
    }
    return page(request, "concern_acknowledge.html", context, status)


@router.get("/concerns/{concern_id}/acknowledge", response_class=HTMLResponse)
def acknowledge_page(
    request: Request, concern_id: RecordId, engine: EngineDep, user: CurrentStaffDep
) -> HTMLResponse:
    return _acknowledge_page(request, engine, (concern_id, user), {"note": ""}, {})


@router.post("/concerns/{concern_id}/acknowledge", dependencies=[Depends(check_csrf)])
def acknowledge_concern(
    request: Request,
    concern_id: RecordId,
    user: CurrentStaffDep,
    engine: EngineDep,
    submit: SubmitDep,
    note: str = Form(""),
) -> Response:
    values = {"note": note}
    errors: Errors = {}
    note = text_field(errors, "note", note, "Enter what is being done")

    def work(session: Session) -> tuple[SafeguardingConcern, Change | None]:
        _readable(session, concern_id, user)  # anyone else: 403, as on the page
        return acknowledge(session, concern_id, note, user.staff_id), None

    def then(concern: SafeguardingConcern) -> Done:
        return Done(f"Concern {concern.id} acknowledged.", f"/concerns/{concern_id}/acknowledge")

    form = Posted(values, errors, "note", {"note": "note"})
    return submit(
        form, lambda v, e, s: _acknowledge_page(request, engine, (concern_id, user), v, e, s),
        work, then,
    )  # fmt: skip
