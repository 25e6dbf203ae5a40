"""The APS team's pages: the decision queue, deciding a request, and the programme dashboard."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from flows.delivery import Change, RequestEvent
from models import request_store
from models.people import Staff
from models.programme import Cycle
from notifications.request_emails import write_decision_emails
from rules.requests import RequestError, latest_extension
from web import queries
from web.auth import require_aps, require_overview
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
from web.limits import FormRoute, PageNumber, RecordId
from web.render import flash, page

router = APIRouter(route_class=FormRoute)
MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])\Z")  # ASCII digits; \Z: no trailing newline


@router.get("/aps/requests", response_class=HTMLResponse)
def queue(
    request: Request, page_number: PageNumber = 1, _: Staff = Depends(require_aps)
) -> HTMLResponse:
    page_number = max(page_number, 1)
    with Session(request.app.state.engine) as session:
        rows, total = queries.pending_queue(session, page_number)
    pages = max(1, -(-total // queries.QUEUE_PAGE_SIZE))
    context = {"rows": rows, "total": total, "page_number": page_number, "pages": pages}
    return page(request, "queue.html", context)


def _decision_context(session: Session, request: Request, kind: str, request_id: int) -> dict:
    row = queries.request_row(session, kind, request_id)
    if row is None or row.audit is None:
        raise HTTPException(404)
    context: dict = {"row": row, "audit": row.audit, "kind": kind}
    if kind == "extension":
        context["latest"] = latest_extension(
            row.audit.original_due_on, request.app.state.policy.max_extension_working_days
        )
    else:
        candidates = request_store.suggested_auditors(session, row.audit)[:10]
        names = queries.names(session, {c.staff_id for c in candidates})
        context["candidates"] = [(c, names.get(c.staff_id, c.staff_id)) for c in candidates]
    return context


def _decision_page(
    request: Request,
    kind: str,
    request_id: int,
    errors: Errors,
    values: dict[str, str],
    status: int = 200,
) -> HTMLResponse:
    with Session(request.app.state.engine) as session:
        context = _decision_context(session, request, kind, request_id)
    context.update(errors=errors, error_list=summary(errors), values=values)
    return page(request, f"decide_{kind}.html", context, status)


@router.get("/requests/extension/{request_id}", response_class=HTMLResponse)
def extension_decision(
    request: Request, request_id: RecordId, _: Staff = Depends(require_aps)
) -> HTMLResponse:
    values = {"decision": "", "note": "", **date_parts(None)}
    return _decision_page(request, "extension", request_id, {}, values)


@router.post("/requests/extension/{request_id}", dependencies=[Depends(check_csrf)])
def decide_extension(
    request: Request,
    request_id: RecordId,
    user: Staff = Depends(require_aps),
    decision: str = Form(""),
    until_day: str = Form("", alias="until-day"),
    until_month: str = Form("", alias="until-month"),
    until_year: str = Form("", alias="until-year"),
    note: str = Form(""),
) -> Response:
    values = {
        "decision": decision,
        "note": note,
        "day": until_day,
        "month": until_month,
        "year": until_year,
    }
    errors: Errors = {}
    choice_field(errors, "decision", decision, ("approve", "reject"), "Select approve or reject")
    until = None
    if decision == "approve" and any(p.strip() for p in (until_day, until_month, until_year)):
        until = date_field(errors, "until", "the new due date", until_day, until_month, until_year)
    note = text_field(errors, "note", note, "Enter a note for the auditor and the record")
    state = request.app.state

    def record(session: Session) -> Any:
        return request_store.decide_extension(
            session, request_id, decision == "approve", until, note, user.staff_id,
            state.clock(), state.policy,
        )  # fmt: skip

    rule_field = "until-day" if until is not None else "decision"
    return _decide(request, ("extension", request_id), errors, values, rule_field, record)


@router.get("/requests/exemption/{request_id}", response_class=HTMLResponse)
def exemption_decision(
    request: Request, request_id: RecordId, _: Staff = Depends(require_aps)
) -> HTMLResponse:
    values = {"decision": "", "note": "", "reallocate_to": ""}
    return _decision_page(request, "exemption", request_id, {}, values)


@router.post("/requests/exemption/{request_id}", dependencies=[Depends(check_csrf)])
def decide_exemption(
    request: Request,
    request_id: RecordId,
    user: Staff = Depends(require_aps),
    decision: str = Form(""),
    reallocate_to: str = Form(""),
    note: str = Form(""),
) -> Response:
    values = {"decision": decision, "note": note, "reallocate_to": reallocate_to}
    errors: Errors = {}
    choice_field(
        errors, "decision", decision, ("reallocate", "withdraw", "reject"),
        "Select reallocate, withdraw or reject",
    )  # fmt: skip
    if decision == "reallocate" and not reallocate_to:
        errors["reallocate_to"] = "Select who takes the case"
    note = text_field(errors, "note", note, "Enter a note for the auditor and the record")
    to = reallocate_to if decision == "reallocate" else None
    clock = request.app.state.clock

    def record(session: Session) -> Any:
        return request_store.decide_exemption(
            session, request_id, decision != "reject", to, note, user.staff_id, clock()
        )

    rule_field = "reallocate_to" if to is not None else "decision"
    return _decide(request, ("exemption", request_id), errors, values, rule_field, record)


def _decide(
    request: Request,
    which: tuple[str, int],
    errors: Errors,
    values: dict[str, str],
    rule_field: str,
    record: Callable[[Session], Any],
) -> Response:
    """Record a decision and its emails (or re-render the form with what is wrong, such as
    another APS member having decided first), then send them and go back to the queue."""
    kind, request_id = which
    if errors:
        return _decision_page(request, kind, request_id, errors, values, 400)
    context = page_email_context(request)

    def work(session: Session) -> tuple[Any, Change]:
        decided = record(session)
        cause = write_decision_emails(session, kind, request_id, context)
        event = RequestEvent(kind, decided.status, request_id, decided.audit_id)
        return decided, Change(cause, event)

    try:
        decided = record_change(request, work)
    except RequestError as error:
        # A rule about the chosen date or person belongs by that field; any other by the choice.
        text = str(error)
        about_field = any(words in text for words in ("date", "working day", "cannot take"))
        field = rule_field if about_field else "decision"
        return _decision_page(request, kind, request_id, {field: rule_message(error)}, values, 400)
    outcome = f" ({decided.outcome})" if getattr(decided, "outcome", None) else ""
    flash(request, f"{kind.capitalize()} request {request_id} {decided.status}{outcome}.")
    return RedirectResponse("/aps/requests", status_code=303)


@router.get("/aps/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request, month: str = "", _: Staff = Depends(require_overview)
) -> HTMLResponse:
    today = request.app.state.clock()
    if not MONTH.match(month):
        month = f"{today:%Y-%m}"
    with Session(request.app.state.engine) as session:
        cycle = session.get(Cycle, month)
        audits = queries.dashboard_figures(session, month, today, "audit")
        reaudits = queries.dashboard_figures(session, month, today, "reaudit")
        pending = queries.pending_count(session, month)
        pending_all = queries.pending_count(session)
    context = {
        "month": month,
        "cycle": cycle,
        "audits": audits,
        "reaudits": reaudits,
        "pending": pending,
        "pending_all": pending_all,
    }
    return page(request, "dashboard.html", context)
