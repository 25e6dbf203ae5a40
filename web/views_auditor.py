"""The auditor's pages: my audits, one audit, and asking for an extension or an exemption.

The APS team may use the request forms on an auditor's behalf (the rules allow it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from flows.delivery import Change, RequestEvent
from models import request_store
from models.people import Staff
from models.programme import Audit
from notifications.request_emails import write_request_emails
from rules.requests import EXEMPTION_CATEGORIES, RequestError, latest_extension
from web import queries
from web.auth import audit_for, require_user
from web.changes import page_email_context, record_change
from web.csrf import check_csrf
from web.forms import (
    Errors,
    choice_field,
    date_field,
    date_parts,
    rule_message,
    summary,
    text_field,
)
from web.limits import FormRoute, RecordId
from web.render import flash, page

router = APIRouter(route_class=FormRoute)

CATEGORY_NAMES = {
    "leave": "Leave",
    "sickness": "Sickness",
    "conflict_of_interest": "Conflict of interest",
    "other": "Other",
}


@router.get("/my-audits", response_class=HTMLResponse)
def my_audits(request: Request, user: Staff = Depends(require_user)) -> HTMLResponse:
    with Session(request.app.state.engine) as session:
        audits = queries.my_audits(session, user.staff_id)
        requests = queries.history(session, [a.id for a in audits if a.id is not None])
    return page(request, "my_audits.html", {"audits": audits, "requests": requests})


@router.get("/audits/{audit_id}", response_class=HTMLResponse)
def audit_page(
    request: Request, audit_id: RecordId, user: Staff = Depends(require_user)
) -> HTMLResponse:
    with Session(request.app.state.engine) as session:
        audit = audit_for(session, audit_id, user)
        history = queries.history(session, [audit_id]).get(audit_id, [])
    pending = any(row.request.status == "pending" for row in history)
    return page(request, "audit.html", {"audit": audit, "history": history, "pending": pending})


def _extension_page(
    request: Request, audit: Audit, errors: Errors, values: dict[str, str], status: int = 200
) -> HTMLResponse:
    latest = latest_extension(
        audit.original_due_on, request.app.state.policy.max_extension_working_days
    )
    context = {"audit": audit, "errors": errors, "error_list": summary(errors), "values": values}
    return page(request, "request_extension.html", {**context, "latest": latest}, status)


@router.get("/audits/{audit_id}/extension", response_class=HTMLResponse)
def extension_form(
    request: Request, audit_id: RecordId, user: Staff = Depends(require_user)
) -> HTMLResponse:
    with Session(request.app.state.engine) as session:
        audit = audit_for(session, audit_id, user)
    return _extension_page(request, audit, {}, {**date_parts(None), "reason": ""})


@router.post("/audits/{audit_id}/extension", dependencies=[Depends(check_csrf)])
def request_extension(
    request: Request,
    audit_id: RecordId,
    user: Staff = Depends(require_user),
    until_day: str = Form("", alias="until-day"),
    until_month: str = Form("", alias="until-month"),
    until_year: str = Form("", alias="until-year"),
    reason: str = Form(""),
) -> Response:
    values = {"day": until_day, "month": until_month, "year": until_year, "reason": reason}
    errors: Errors = {}
    until = date_field(errors, "until", "the new due date", until_day, until_month, until_year)
    reason = text_field(errors, "reason", reason, "Enter why you need more time")
    state = request.app.state

    def record(session: Session) -> Any:
        assert until is not None  # no errors
        return request_store.request_extension(
            session, audit_id, until, reason, user.staff_id, state.clock(), state.policy
        )

    form = _Form("extension", errors, values, "until-day", _extension_page)
    return _submit(request, audit_id, user, form, record)


def _exemption_page(
    request: Request, audit: Audit, errors: Errors, values: dict[str, str], status: int = 200
) -> HTMLResponse:
    context = {
        "audit": audit,
        "errors": errors,
        "error_list": summary(errors),
        "values": values,
        "categories": [(c, CATEGORY_NAMES[c]) for c in EXEMPTION_CATEGORIES],
    }
    return page(request, "request_exemption.html", context, status)


@router.get("/audits/{audit_id}/exemption", response_class=HTMLResponse)
def exemption_form(
    request: Request, audit_id: RecordId, user: Staff = Depends(require_user)
) -> HTMLResponse:
    with Session(request.app.state.engine) as session:
        audit = audit_for(session, audit_id, user)
    return _exemption_page(request, audit, {}, {"category": "", "reason": ""})


@router.post("/audits/{audit_id}/exemption", dependencies=[Depends(check_csrf)])
def request_exemption(
    request: Request,
    audit_id: RecordId,
    user: Staff = Depends(require_user),
    category: str = Form(""),
    reason: str = Form(""),
) -> Response:
    values = {"category": category, "reason": reason}
    errors: Errors = {}
    choice_field(
        errors, "category", category, EXEMPTION_CATEGORIES, "Select why you cannot do the audit"
    )
    reason = text_field(errors, "reason", reason, "Enter more detail about why")
    clock = request.app.state.clock

    def record(session: Session) -> Any:
        return request_store.request_exemption(
            session, audit_id, category, reason, user.staff_id, clock()
        )

    form = _Form("exemption", errors, values, "category", _exemption_page)
    return _submit(request, audit_id, user, form, record)


@dataclass(frozen=True)
class _Form:
    kind: str
    errors: Errors
    values: dict[str, str]
    rule_field: str  # where a broken rule's message goes
    page: Callable[..., HTMLResponse]


def _submit(
    request: Request,
    audit_id: int,
    user: Staff,
    form: _Form,
    record: Callable[[Session], Any],
) -> Response:
    """Record a request and its emails to APS (or re-render its form with what is wrong), then
    send the emails and redirect."""
    context = page_email_context(request)

    def work(session: Session) -> tuple[tuple[Audit, Any], Change | None]:
        audit = audit_for(session, audit_id, user)
        if form.errors:
            return (audit, None), None
        made = record(session)
        cause = write_request_emails(session, form.kind, made.id, context)
        return (audit, made), Change(cause, RequestEvent(form.kind, "requested", made.id, audit_id))

    try:
        audit, made = record_change(request, work)
    except RequestError as error:
        with Session(request.app.state.engine) as session:
            audit = audit_for(session, audit_id, user)
        errors = {form.rule_field: rule_message(error)}
        return form.page(request, audit, errors, form.values, 400)
    if made is None:
        return form.page(request, audit, form.errors, form.values, 400)
    flash(
        request,
        f"{form.kind.capitalize()} requested for case {audit.case_ref}: the APS team will decide.",
    )
    return RedirectResponse(f"/audits/{audit_id}", status_code=303)
