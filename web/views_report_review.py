"""The APS team's review of a month's draft highlight report (``/aps/reports/YYYY-MM``): read
it, write or change the commentary on each theme, pick the quotes to feature in each section
(``web.report_quotes``), regenerate the draft, approve it.

Approving and regenerating are the same code as ``audits report approve`` (``flows.
report_signoff``): the report is compiled first, then recorded with its emails in one
transaction by ``web.submit``. The commentary is the store ``audits commentary`` and the
recommendations page write (``models.recommendation_store``); the featured quotes are
``models.quote_store``'s. Every POST checks its CSRF token
and ends in a redirect, or shows the page again with the problem beside its field.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session

from flows.report_signoff import Approval, prepare_approval, prepare_regeneration
from models import quote_store, recommendation_store
from models import report_issue_store as issues
from models.base import utcnow
from notifications.render import counted
from reports.emails import ReportNotEmailed
from reports.html import month_label
from rules.cohorts import COHORTS, cohort_title
from rules.errors import RuleError
from web.csrf import check_csrf
from web.deps import ApsStaffDep, EngineDep, PolicyDep, SubmitDep, TodayDep, app_parts
from web.forms import Errors, rule_message, summary, text_field
from web.limits import FormRoute
from web.render import page
from web.report_quotes import known_section, quote_field, quote_sections, section_title
from web.submit import Done, Posted, Submit, Values
from web.views_reports import archived, london, month_in_path

router = APIRouter(route_class=FormRoute)


def _theme_sections(session: Session, month: str) -> list[dict[str, Any]]:
    """One section per theme of the month: its title and its commentary."""
    written: dict[str, list[str]] = {}
    for row in recommendation_store.commentary(session, month):
        written.setdefault(row.theme, []).append(row.text)
    return [
        {
            "theme": theme,
            "title": cohort_title(theme) if theme in COHORTS else theme,
            "commentary": "\n\n".join(written.get(theme, [])),
            "field": f"commentary-{theme}",
        }
        for theme in issues.month_themes(session, month)
    ]


def _review_page(
    request: Request, engine: Engine, month: str, values: Values, errors: Errors, status: int = 200
) -> HTMLResponse:
    policy = app_parts(request).policy
    with Session(engine) as session:
        row = issues.issue(session, month)
        report = archived(session, row) if row is not None else None
        themes = _theme_sections(session, month)
        quotes = quote_sections(session, month, policy.report.quotes_shown)
    context = {
        "month": month,
        "month_label": month_label(month),
        "report": report,
        "themes": themes,
        "quotes": quotes,
        "featured_limit": policy.report.featured_quotes,
        "quotes_shown": policy.report.quotes_shown,
        "readers": len(policy.report.distribution),
        "values": values,
        "errors": errors,
        "error_list": summary(errors),
    }
    return page(request, "report_review.html", context, status)


@router.get("/aps/reports", response_class=HTMLResponse)
def this_month(today: TodayDep, _: ApsStaffDep) -> Response:
    return RedirectResponse(f"/aps/reports/{today:%Y-%m}", 303)


@router.get("/aps/reports/{month}", response_class=HTMLResponse)
def review(request: Request, month: str, engine: EngineDep, _: ApsStaffDep) -> HTMLResponse:
    return _review_page(request, engine, month_in_path(month), {}, {})


@router.post("/aps/reports/{month}/commentary", dependencies=[Depends(check_csrf)])
def commentary(
    request: Request,
    month: str,
    user: ApsStaffDep,
    engine: EngineDep,
    policy: PolicyDep,
    submit: SubmitDep,
    theme: str = Form(""),
    commentary: str = Form(""),
    remove: str = Form(""),
) -> Response:
    month = month_in_path(month)
    field = f"commentary-{theme}" if theme in COHORTS else "themes"
    errors: Errors = {}
    if theme not in COHORTS:
        errors[field] = "Choose a practice theme of this report"
    text = None if remove else text_field(errors, field, commentary, "Enter the commentary")

    def work(session: Session) -> tuple[str, None]:
        _, action = recommendation_store.set_commentary(
            session, month, theme, text, user.staff_id, policy
        )
        return f"Commentary on {COHORTS[theme][0]} {action}. Regenerate the draft to see it.", None

    form = Posted({field: commentary}, errors, field, {"text": field, "theme": field})
    to = f"/aps/reports/{month}"
    return submit(form, partial(_review_page, request, engine, month), work, lambda m: Done(m, to))


@router.post("/aps/reports/{month}/quotes", dependencies=[Depends(check_csrf)])
def featured(
    request: Request,
    month: str,
    user: ApsStaffDep,
    engine: EngineDep,
    policy: PolicyDep,
    submit: SubmitDep,
    section: str = Form(""),
    text: list[str] = Form([]),
) -> Response:
    """Save the quotes ticked in one section (the whole choice: none ticked removes them)."""
    month = month_in_path(month)
    field = quote_field(section) if known_section(section) else "quotes"
    errors: Errors = {} if known_section(section) else {field: "Choose a section of this report"}

    def work(session: Session) -> tuple[str, None]:
        chosen = quote_store.set_featured_quotes(
            session, month, section, text, user.staff_id, utcnow(),
            limit=policy.report.featured_quotes,
        )  # fmt: skip
        where = section_title(section)
        if not chosen:
            return f"No quotes are featured in {where} now. Regenerate the draft to see it.", None
        said = f"{counted(len(chosen), 'quote')} featured in {where}"
        return f"{said}. Regenerate the draft to see {'it' if len(chosen) == 1 else 'them'}.", None

    form = Posted({field: text}, errors, field, {"texts": field, "section_key": field})
    to = f"/aps/reports/{month}"
    return submit(form, partial(_review_page, request, engine, month), work, lambda m: Done(m, to))


def _compiled_then(
    where: tuple[Request, Engine, str],
    submit: Submit,
    field: str,
    prepare: Callable[[], Any],
    then: Callable[[Any], str],
) -> Response:
    """Compile (``prepare``; refused by a rule, the page again with why beside ``field``),
    then record it by ``web.submit``; staged files not put in place are dropped either way."""
    request, engine, month = where
    form_page = partial(_review_page, request, engine, month)
    try:
        prepared = prepare()
    except (RuleError, ReportNotEmailed) as error:
        return form_page({}, {field: rule_message(error)}, 400)
    to = f"/aps/reports/{month}"
    try:
        return submit(
            Posted({}, {}, field), form_page, prepared.finalise, lambda made: Done(then(made), to)
        )
    finally:
        prepared.discard()


@router.post("/aps/reports/{month}/regenerate", dependencies=[Depends(check_csrf)])
def regenerate(
    request: Request,
    month: str,
    user: ApsStaffDep,
    engine: EngineDep,
    policy: PolicyDep,
    submit: SubmitDep,
) -> Response:
    month = month_in_path(month)
    return _compiled_then(
        (request, engine, month),
        submit,
        "regenerate",
        lambda: prepare_regeneration(engine, policy, month, user.staff_id),
        lambda _: f"The draft report for {month_label(month)} was compiled again.",
    )


@router.post("/aps/reports/{month}/approve", dependencies=[Depends(check_csrf)])
def approve(
    request: Request,
    month: str,
    user: ApsStaffDep,
    engine: EngineDep,
    policy: PolicyDep,
    submit: SubmitDep,
) -> Response:
    month = month_in_path(month)
    return _compiled_then(
        (request, engine, month),
        submit,
        "approve",
        lambda: prepare_approval(engine, policy, month, user.staff_id),
        _approved,
    )


def _approved(approval: Approval) -> str:
    label = month_label(approval.month)
    if approval.already:
        return (
            f"The report for {label} was already approved on {london(approval.approved_at)}"
            f"{' by ' + approval.approved_by_name if approval.approved_by else ''}. Nothing sent."
        )
    return (
        f"The report for {label} is approved and emailed to "
        f"{counted(approval.written, 'address', 'addresses')} on the distribution list."
    )
