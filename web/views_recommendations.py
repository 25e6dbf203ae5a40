"""The APS team's page of the month's practice recommendations and commentary.

The same store (and so the same rules) as ``audits recommend|commentary``. Every POST checks its
CSRF token and ends in a redirect, or re-renders the page with the GOV.UK error summary (status
400) and nothing changed (``web.submit``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import recommendation_store as recommendations
from rules.cohorts import COHORTS
from rules.months import MonthError, adjacent_months, parse_programme_month
from rules.values import InputError, parse_whole_number
from web.csrf import check_csrf
from web.deps import ApsStaffDep, EngineDep, PolicyDep, SubmitDep, TodayDep
from web.forms import Errors, summary, text_field
from web.limits import FormRoute, RecordId
from web.render import page
from web.submit import Done, Posted, Submit, Values

router = APIRouter(route_class=FormRoute)
THEMES = [(cohort, title) for cohort, (title, _) in COHORTS.items()]


def _month(month: str) -> str:
    """The month in the path, exactly YYYY-MM (not "2026-12\n", nor other digits) and one the
    programme can act on (1900-01 to 2199-12), or 404."""
    try:
        parse_programme_month(month)
    except MonthError:
        raise HTTPException(404) from None
    return month


def _recommendations_page(
    request: Request,
    engine: Engine,
    month: str,
    values: Values,
    errors: Errors,
    status: int = 200,
) -> HTMLResponse:
    with Session(engine) as session:
        listed = recommendations.recommendations(session, month)
        written = recommendations.commentary(session, month)
    previous_month, next_month = adjacent_months(month)  # None past 2199-12
    context = {
        "month": month,
        "previous_month": previous_month,
        "next_month": next_month,
        "recommendations": listed,
        "commentary": [
            (c, COHORTS[c.theme][0] if c.theme in COHORTS else c.theme) for c in written
        ],
        "themes": THEMES,
        "errors": errors,
        "error_list": summary(errors),
        "values": values,
    }
    return page(request, "recommendations.html", context, status)


def _blank_recommendation() -> dict[str, str]:
    return {"number": "", "text": "", "high_priority": "", "theme": "", "commentary": ""}


@router.get("/aps/recommendations", response_class=HTMLResponse)
def this_month(today: TodayDep, _: ApsStaffDep) -> Response:
    return RedirectResponse(f"/aps/recommendations/{today:%Y-%m}", 303)


@router.get("/aps/recommendations/{month}", response_class=HTMLResponse)
def recommendations_page(
    request: Request, month: str, engine: EngineDep, _: ApsStaffDep
) -> HTMLResponse:
    return _recommendations_page(request, engine, _month(month), _blank_recommendation(), {})


def _save(
    submit: Submit,
    form: Posted,
    where: tuple[Request, Engine, str],
    record: Callable[[Session], str],
) -> Response:
    """Record a change to the month's recommendations or commentary (no emails); ``record``
    returns the confirmation."""
    request, engine, month = where
    form_page = partial(_recommendations_page, request, engine, month)

    def work(session: Session) -> tuple[str, None]:
        return record(session), None

    return submit(
        form, form_page, work, lambda message: Done(message, f"/aps/recommendations/{month}")
    )


@router.post("/aps/recommendations/{month}", dependencies=[Depends(check_csrf)])
def recommend(
    request: Request,
    month: str,
    user: ApsStaffDep,
    engine: EngineDep,
    policy: PolicyDep,
    submit: SubmitDep,
    number: str = Form(""),
    text: str = Form(""),
    high_priority: str = Form(""),
) -> Response:
    month = _month(month)
    values = {**_blank_recommendation(), "number": number, "text": text}
    values["high_priority"] = "yes" if high_priority else ""
    errors: Errors = {}
    chosen: int | None = None
    if number.strip():
        try:
            chosen = parse_whole_number(number.strip(), minimum=1)
        except InputError:
            errors["number"] = "Number must be a whole number, like 3, or left blank"
    text = text_field(errors, "text", text, "Enter the recommendation")

    def record(session: Session) -> str:
        row, action = recommendations.recommend(
            session, month, text, bool(high_priority), chosen, user.staff_id, policy
        )
        return f"Recommendation {row.number} {action}."

    form = Posted(values, errors, "text", {"number": "number", "text": "text"})
    return _save(submit, form, (request, engine, month), record)


@router.post("/aps/recommendations/{month}/{number}/remove", dependencies=[Depends(check_csrf)])
def remove(
    request: Request,
    month: str,
    number: RecordId,
    user: ApsStaffDep,
    engine: EngineDep,
    policy: PolicyDep,
    submit: SubmitDep,
) -> Response:
    month = _month(month)

    def record(session: Session) -> str:
        recommendations.remove_recommendation(session, month, number, user.staff_id, policy)
        return f"Recommendation {number} removed; any after it moved up one."

    form = Posted(_blank_recommendation(), {}, "recommendations")
    return _save(submit, form, (request, engine, month), record)


@router.post("/aps/recommendations/{month}/commentary", dependencies=[Depends(check_csrf)])
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
    month = _month(month)
    values = {**_blank_recommendation(), "theme": theme, "commentary": commentary}
    errors: Errors = {}
    if theme not in COHORTS:
        errors["theme"] = "Select the practice theme"
    text = None if remove else text_field(errors, "commentary", commentary, "Enter the commentary")

    def record(session: Session) -> str:
        _, action = recommendations.set_commentary(
            session, month, theme, text, user.staff_id, policy
        )
        return f"Commentary on {COHORTS[theme][0]} {action}."

    form = Posted(values, errors, "commentary", {"theme": "theme", "text": "commentary"})
    return _save(submit, form, (request, engine, month), record)
