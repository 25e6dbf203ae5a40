"""The auditor's pages: my audits, one audit, and asking for an extension or an exemption.

The APS team may use the request forms on an auditor's behalf (the rules allow it).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session

from flows.delivery import Change, RequestEvent
from models import request_store
from models.people import Staff
from models.programme import Audit
from notifications.email_context import EmailContext
from notifications.request_emails import write_request_emails
from rules.policy import Policy
from rules.requests import EXEMPTION_CATEGORIES, latest_extension
from web import queries
from web.audit_actions import audit_actions
from web.audit_page import audit_context
from web.auth import audit_for, readable_audit
from web.csrf import check_csrf
from web.deps import CurrentStaffDep, EmailContextDep, EngineDep, PolicyDep, SubmitDep, TodayDep
from web.forms import Errors, choice_field, date_field, date_parts, summary, text_field
from web.limits import FormRoute, RecordId
from web.render import page
from web.submit import Done, FormPage, Posted, Submit, Values
from web.views_concerns import audit_concerns

router = APIRouter(route_class=FormRoute)

CATEGORY_NAMES = {
    "leave": "Leave",
    "sickness": "Sickness",
    "conflict_of_interest": "Conflict of interest",
    "other": "Other",
}


@router.get("/my-audits", response_class=HTMLResponse)
async def my_audits(request: Request, engine: EngineDep, user: CurrentStaffDep) -> HTMLResponse:
    """On the event loop (see ``web.app``): one person's audits of the last twelve cycles."""
    with Session(engine) as session:
        audits = queries.my_audits(session, user.staff_id)
        requests = queries.history(session, [a.id for a in audits if a.id is not None])
    return page(request, "my_audits.html", {"audits": audits, "requests": requests})


@router.get("/audits/{audit_id}", response_class=HTMLResponse)
def audit_page(
    request: Request, audit_id: RecordId, engine: EngineDep, user: CurrentStaffDep, today: TodayDep
) -> HTMLResponse:
    """Open to whoever may read the audit (``rules.audit_access``); its actions to whoever
    may act on it."""
    with Session(engine) as session:
        record = readable_audit(session, audit_id, user)
        actions = audit_actions(session, audit_id, today)
        concerns = audit_concerns(session, record.audit, user)
    context = {**audit_context(record, user), "actions": actions, **concerns}
    return page(request, "audit.html", context)


def _audit(engine: Engine, audit_id: int, user: Staff) -> Audit:
    """The audit a form is about, if ``user`` may act on it (else Forbidden: a 403 page)."""
    with Session(engine) as session:
        return audit_for(session, audit_id, user)


def _extension_page(
    request: Request,
    engine: Engine,
    policy: Policy,
    who: tuple[int, Staff],
    values: Values,
    errors: Errors,
    status: int = 200,
) -> HTMLResponse:
    audit = _audit(engine, *who)
    latest = latest_extension(audit.original_due_on, policy.max_extension_working_days)
    context = {"audit": audit, "errors": errors, "error_list": summary(errors), "values": values}
    return page(request, "request_extension.html", {**context, "latest": latest}, status)


@router.get("/audits/{audit_id}/extension", response_class=HTMLResponse)
def extension_form(
    request: Request,
    audit_id: RecordId,
    engine: EngineDep,
    policy: PolicyDep,
    user: CurrentStaffDep,
) -> HTMLResponse:
    values = {**date_parts(None), "reason": ""}
    return _extension_page(request, engine, policy, (audit_id, user), values, {})


@router.post("/audits/{audit_id}/extension", dependencies=[Depends(check_csrf)])
def request_extension(
    request: Request,
    audit_id: RecordId,
    user: CurrentStaffDep,
    engine: EngineDep,
    policy: PolicyDep,
    today: TodayDep,
    emails: EmailContextDep,
    submit: SubmitDep,
    until_day: str = Form("", alias="until-day"),
    until_month: str = Form("", alias="until-month"),
    until_year: str = Form("", alias="until-year"),
    reason: str = Form(""),
) -> Response:
    values = {"day": until_day, "month": until_month, "year": until_year, "reason": reason}
    errors: Errors = {}
    until = date_field(errors, "until", "the new due date", until_day, until_month, until_year)
    reason = text_field(errors, "reason", reason, "Enter why you need more time")

    def record(session: Session) -> Any:
        assert until is not None  # no errors
        return request_store.request_extension(
            session, audit_id, until, reason, user.staff_id, today, policy
        )

    form = Posted(values, errors, "until-day", {"until": "until-day", "reason": "reason"})
    form_page = partial(_extension_page, request, engine, policy, (audit_id, user))
    return _ask(submit, form, form_page, ("extension", audit_id, user), emails, record)


def _exemption_page(
    request: Request,
    engine: Engine,
    who: tuple[int, Staff],
    values: Values,
    errors: Errors,
    status: int = 200,
) -> HTMLResponse:
    context = {
        "audit": _audit(engine, *who),
        "errors": errors,
        "error_list": summary(errors),
        "values": values,
        "categories": [(c, CATEGORY_NAMES[c]) for c in EXEMPTION_CATEGORIES],
    }
    return page(request, "request_exemption.html", context, status)


@router.get("/audits/{audit_id}/exemption", response_class=HTMLResponse)
def exemption_form(
    request: Request, audit_id: RecordId, engine: EngineDep, user: CurrentStaffDep
) -> HTMLResponse:
    values = {"category": "", "reason": ""}
    return _exemption_page(request, engine, (audit_id, user), values, {})


@router.post("/audits/{audit_id}/exemption", dependencies=[Depends(check_csrf)])
def request_exemption(
    request: Request,
    audit_id: RecordId,
    user: CurrentStaffDep,
    engine: EngineDep,
    today: TodayDep,
    emails: EmailContextDep,
    submit: SubmitDep,
    category: str = Form(""),
    reason: str = Form(""),
) -> Response:
    values = {"category": category, "reason": reason}
    errors: Errors = {}
    choice_field(
        errors, "category", category, EXEMPTION_CATEGORIES, "Select why you cannot do the audit"
    )
    reason = text_field(errors, "reason", reason, "Enter more detail about why")

    def record(session: Session) -> Any:
        return request_store.request_exemption(
            session, audit_id, category, reason, user.staff_id, today
        )

    form = Posted(values, errors, "category", {"category": "category", "reason": "reason"})
    form_page = partial(_exemption_page, request, engine, (audit_id, user))
    return _ask(submit, form, form_page, ("exemption", audit_id, user), emails, record)


def _ask(
    submit: Submit,
    form: Posted,
    form_page: FormPage,
    which: tuple[str, int, Staff],
    emails: EmailContext,
    record: Callable[[Session], Any],
) -> Response:
    """Record a request and its emails to APS, then go to the audit's page; or show the form
    again with what is wrong. Someone else's audit is refused (403) either way."""
    kind, audit_id, user = which

    def work(session: Session) -> tuple[tuple[Audit, Any], Change]:
        audit = audit_for(session, audit_id, user)
        made = record(session)
        cause = write_request_emails(session, kind, made.id, emails)
        return (audit, made), Change(cause, RequestEvent(kind, "requested", made.id, audit_id))

    def then(made: tuple[Audit, Any]) -> Done:
        message = (
            f"{kind.capitalize()} requested for case {made[0].case_ref}: the APS team will decide."
        )
        return Done(message, f"/audits/{audit_id}")

    return submit(form, form_page, work, then)
