"""The APS team's pages: the decision queue, deciding a request, and the programme dashboard."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session

from flows.delivery import Change, RequestEvent
from models import report_store, request_store
from models.concern_store import list_concerns
from models.figures import TrendFigures
from models.programme import Cycle
from models.report_store import ReportError
from notifications.email_context import EmailContext
from notifications.request_emails import write_decision_emails
from reports.trends import trend_charts
from rules.months import MonthError, add_months
from rules.policy import Policy
from rules.requests import latest_extension
from web import queries
from web.csrf import check_csrf
from web.deps import (
    ApsStaffDep,
    EmailContextDep,
    EngineDep,
    OverviewStaffDep,
    PolicyDep,
    SubmitDep,
    TodayDep,
)
from web.forms import Errors, choice_field, date_field, date_parts, summary, text_field
from web.limits import FormRoute, PageNumber, RecordId
from web.render import page
from web.submit import Done, FormPage, Posted, Submit, Values

router = APIRouter(route_class=FormRoute)
MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])\Z")  # ASCII digits; \Z: no trailing newline


@router.get("/aps/requests", response_class=HTMLResponse)
async def queue(
    request: Request, engine: EngineDep, _: ApsStaffDep, page_number: PageNumber = 1
) -> HTMLResponse:
    """On the event loop (see ``web.app``): one page of the queue, two indexed reads."""
    page_number = max(page_number, 1)
    with Session(engine) as session:
        rows, total = queries.pending_queue(session, page_number)
    pages = max(1, -(-total // queries.QUEUE_PAGE_SIZE))
    context = {"rows": rows, "total": total, "page_number": page_number, "pages": pages}
    return page(request, "queue.html", context)


def _decision_context(session: Session, policy: Policy, kind: str, request_id: int) -> dict:
    row = queries.request_row(session, kind, request_id)
    if row is None or row.audit is None:
        raise HTTPException(404)
    context: dict = {"row": row, "audit": row.audit, "kind": kind}
    if kind == "extension":
        context["latest"] = latest_extension(
            row.audit.original_due_on, policy.max_extension_working_days
        )
    else:
        candidates = request_store.suggested_auditors(session, row.audit)[:10]
        names = queries.names(session, {c.staff_id for c in candidates})
        context["candidates"] = [(c, names.get(c.staff_id, c.staff_id)) for c in candidates]
    return context


def _decision_page(
    request: Request,
    engine: Engine,
    policy: Policy,
    which: tuple[str, int],
    values: Values,
    errors: Errors,
    status: int = 200,
) -> HTMLResponse:
    kind, request_id = which
    with Session(engine) as session:
        context = _decision_context(session, policy, kind, request_id)
    context.update(errors=errors, error_list=summary(errors), values=values)
    return page(request, f"decide_{kind}.html", context, status)


@router.get("/requests/extension/{request_id}", response_class=HTMLResponse)
def extension_decision(
    request: Request, request_id: RecordId, engine: EngineDep, policy: PolicyDep, _: ApsStaffDep
) -> HTMLResponse:
    values = {"decision": "", "note": "", **date_parts(None)}
    return _decision_page(request, engine, policy, ("extension", request_id), values, {})


@router.post("/requests/extension/{request_id}", dependencies=[Depends(check_csrf)])
def decide_extension(
    request: Request,
    request_id: RecordId,
    user: ApsStaffDep,
    engine: EngineDep,
    policy: PolicyDep,
    today: TodayDep,
    emails: EmailContextDep,
    submit: SubmitDep,
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

    def record(session: Session) -> Any:
        return request_store.decide_extension(
            session, request_id, decision == "approve", until, note, user.staff_id, today, policy
        )

    # Without a date of their own, the rules check the date asked for: then a refused date is
    # a matter for the decision.
    fields = {"note": "note", **({"until": "until-day"} if until is not None else {})}
    which = ("extension", request_id)
    form_page = partial(_decision_page, request, engine, policy, which)
    return _decide(
        submit, Posted(values, errors, "decision", fields), form_page, which, emails, record
    )


@router.get("/requests/exemption/{request_id}", response_class=HTMLResponse)
def exemption_decision(
    request: Request, request_id: RecordId, engine: EngineDep, policy: PolicyDep, _: ApsStaffDep
) -> HTMLResponse:
    values = {"decision": "", "note": "", "reallocate_to": ""}
    return _decision_page(request, engine, policy, ("exemption", request_id), values, {})


@router.post("/requests/exemption/{request_id}", dependencies=[Depends(check_csrf)])
def decide_exemption(
    request: Request,
    request_id: RecordId,
    user: ApsStaffDep,
    engine: EngineDep,
    policy: PolicyDep,
    today: TodayDep,
    emails: EmailContextDep,
    submit: SubmitDep,
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

    def record(session: Session) -> Any:
        return request_store.decide_exemption(
            session, request_id, decision != "reject", to, note, user.staff_id, today
        )

    fields = {"reallocate_to": "reallocate_to", "note": "note"}
    which = ("exemption", request_id)
    form_page = partial(_decision_page, request, engine, policy, which)
    return _decide(
        submit, Posted(values, errors, "decision", fields), form_page, which, emails, record
    )


def _decide(
    submit: Submit,
    form: Posted,
    form_page: FormPage,
    which: tuple[str, int],
    emails: EmailContext,
    record: Callable[[Session], Any],
) -> Response:
    """Record a decision and its emails, then go back to the queue; or show the form again with
    what is wrong (such as another APS member having decided first)."""
    kind, request_id = which

    def work(session: Session) -> tuple[Any, Change]:
        decided = record(session)
        cause = write_decision_emails(session, kind, request_id, emails)
        event = RequestEvent(kind, decided.status, request_id, decided.audit_id)
        return decided, Change(cause, event)

    def then(decided: Any) -> Done:
        outcome = f" ({decided.outcome})" if getattr(decided, "outcome", None) else ""
        message = f"{kind.capitalize()} request {request_id} {decided.status}{outcome}."
        return Done(message, "/aps/requests")

    return submit(form, form_page, work, then)


def _trend(session: Session, policy: Policy, month: str) -> TrendFigures | None:
    """The programme over time up to ``month``; None before anything was allocated."""
    try:
        trend = report_store.trend_figures(session, policy, month)
    except ReportError:
        return None
    kinds = (kind for month in trend.compliance_by_month.values() for kind in month.values())
    return trend if any(kind.allocated for kind in kinds) else None


@router.get("/aps/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request,
    engine: EngineDep,
    policy: PolicyDep,
    today: TodayDep,
    _: OverviewStaffDep,
    month: str = "",
) -> HTMLResponse:
    return dashboard_page(request, engine, policy, today, month)


def dashboard_page(
    request: Request,
    engine: Engine,
    policy: Policy,
    today: date,
    month: str,
    export: ExportForm | None = None,
) -> HTMLResponse:
    """The dashboard of ``month`` (else the current cycle's), with the evidence export's form
    as ``export`` has it (by default the last 12 cycles to the month, and no errors)."""
    with Session(engine) as session:
        if not MONTH.match(month):
            month = queries.dashboard_month(session, today)
        cycle = session.get(Cycle, month)
        audits = queries.dashboard_figures(session, month, today, "audit")
        reaudits = queries.dashboard_figures(session, month, today, "reaudit")
        pending = queries.pending_count(session, month)
        pending_all = queries.pending_count(session)
        trend = _trend(session, policy, month)
        open_concerns = list_concerns(session, status="open")
    export = export or ExportForm({"from": _year_before(month), "to": month}, {})
    context = {
        "month": month,
        "cycle": cycle,
        "audits": audits,
        "reaudits": reaudits,
        "pending": pending,
        "pending_all": pending_all,
        "open_concerns": open_concerns,
        "trend": trend,
        "charts": trend_charts(trend) if trend else None,
        "export": export,
        "error_list": summary(export.errors),
    }
    return page(request, "dashboard.html", context, status_code=400 if export.errors else 200)


def _year_before(month: str) -> str:
    """The first of the 12 cycles to ``month`` (``month`` itself when that is off the
    calendar: a dashboard of year 0000 has no year before it)."""
    try:
        return add_months(month, -11)
    except MonthError:
        return month


@dataclass(frozen=True)
class ExportForm:
    """The evidence export's form on the dashboard: what was typed, and what is wrong with it
    (by field id: ``export-from``, ``export-to``)."""

    values: dict[str, str]
    errors: Errors
