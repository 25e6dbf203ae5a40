"""The APS team's programme pages: pauses, and the month's recommendations and commentary.

The same stores (and so the same rules) as ``audits pause|resume`` and ``audits recommend|
commentary``. Every POST checks its CSRF token and ends in a redirect, or re-renders the page
with the GOV.UK error summary (status 400) and nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from flows.delivery import Change
from models import pause_store
from models import recommendation_store as recommendations
from models.db import session_scope
from models.pause_store import Effects
from models.people import Staff
from notifications.pause_emails import record_pause, record_resume
from rules.cohorts import COHORTS
from rules.months import MonthError, adjacent_months, parse_programme_month
from rules.pauses import PauseError, paused_working_days, state
from rules.recommendations import RecommendationError
from rules.values import InputError, parse_whole_number
from web.auth import require_aps
from web.changes import page_email_context, record_change
from web.csrf import check_csrf
from web.forms import Errors, date_field, date_parts, rule_message, summary, text_field
from web.limits import FormRoute, RecordId
from web.render import flash, page

router = APIRouter(route_class=FormRoute)
THEMES = [(cohort, title) for cohort, (title, _) in COHORTS.items()]


# --- pauses ---------------------------------------------------------------------------------------


def _pauses_page(
    request: Request, errors: Errors, values: dict[str, Any], status: int = 200
) -> HTMLResponse:
    today = request.app.state.clock()
    with Session(request.app.state.engine) as session:
        rows = [(p, pause_store.spell(p)) for p in reversed(pause_store.pauses(session))]
    listed = [  # latest first
        {"pause": p, "last_day": s.last_day, "days": paused_working_days(s),
         "state": state(s, today)}
        for p, s in rows
    ]  # fmt: skip
    context = {
        "pauses": listed,
        "in_force": next((row for row in listed if row["state"] == "in force"), None),
        "move_due_dates": request.app.state.policy.move_due_dates_on_pause,
        "errors": errors,
        "error_list": summary(errors),
        "values": values,
    }
    return page(request, "pauses.html", context, status)


def _blank_pause() -> dict[str, Any]:
    return {"from": date_parts(None), "to": date_parts(None), "reason": ""}


@router.get("/aps/pauses", response_class=HTMLResponse)
def pauses(request: Request, _: Staff = Depends(require_aps)) -> HTMLResponse:
    return _pauses_page(request, {}, _blank_pause())


@router.post("/aps/pauses", dependencies=[Depends(check_csrf)])
def add_pause(
    request: Request,
    user: Staff = Depends(require_aps),
    from_day: str = Form("", alias="from-day"),
    from_month: str = Form("", alias="from-month"),
    from_year: str = Form("", alias="from-year"),
    to_day: str = Form("", alias="to-day"),
    to_month: str = Form("", alias="to-month"),
    to_year: str = Form("", alias="to-year"),
    reason: str = Form(""),
) -> Response:
    values = {
        "from": {"day": from_day, "month": from_month, "year": from_year},
        "to": {"day": to_day, "month": to_month, "year": to_year},
        "reason": reason,
    }
    errors: Errors = {}
    starts_on = date_field(errors, "from", "the first paused day", from_day, from_month, from_year)
    ends_on = date_field(errors, "to", "the last paused day", to_day, to_month, to_year)
    reason = text_field(errors, "reason", reason, "Enter why the programme is paused")
    if errors:
        return _pauses_page(request, errors, values, 400)
    assert starts_on is not None and ends_on is not None
    state_, context = request.app.state, page_email_context(request)

    def work(session: Session) -> tuple[int | None, Change]:
        made, cause = record_pause(
            session, starts_on, ends_on, reason, user.staff_id, state_.clock(), state_.policy,
            context,
        )  # fmt: skip
        return made.id, Change(cause)

    try:
        made_id = record_change(request, work)
    except PauseError as error:
        field = "from-day" if "overlaps" in str(error) else "to-day"
        field = "reason" if "reason" in str(error) else field
        return _pauses_page(request, {field: rule_message(error)}, values, 400)
    flash(request, f"Pause {made_id} recorded: {starts_on:%-d %B %Y} to {ends_on:%-d %B %Y}.")
    return RedirectResponse("/aps/pauses", status_code=303)


@router.post("/aps/pauses/{pause_id}/resume", dependencies=[Depends(check_csrf)])
def resume(request: Request, pause_id: RecordId, user: Staff = Depends(require_aps)) -> Response:
    """Resume today the pause in force (the one the page showed: another is refused)."""
    today, context = request.app.state.clock(), page_email_context(request)

    def work(session: Session) -> tuple[Effects, Change]:
        in_force = [p for p in pause_store.pauses(session) if p.id == pause_id]
        if not in_force or state(pause_store.spell(in_force[0]), today) != "in force":
            raise PauseError(f"pause {pause_id} is not in force today: nothing to resume")
        _, effects, cause = record_resume(
            session, today, user.staff_id, today, request.app.state.policy, context
        )
        return effects, Change(cause)

    try:
        effects = record_change(request, work)
    except PauseError as error:
        return _pauses_page(request, {"resume": rule_message(error)}, _blank_pause(), 400)
    moved = len(effects.due_dates_moved)
    flash(request, f"The programme resumes today. Due dates of {moved} audits were moved on.")
    return RedirectResponse("/aps/pauses", status_code=303)


# --- recommendations and commentary ---------------------------------------------------------------


def _month(month: str) -> str:
    """The month in the path, exactly YYYY-MM (not "2026-12\n", nor other digits) and one the
    programme can act on (1900-01 to 2199-12), or 404."""
    try:
        parse_programme_month(month)
    except MonthError:
        raise HTTPException(404) from None
    return month


def _recommendations_page(
    request: Request, month: str, errors: Errors, values: dict[str, str], status: int = 200
) -> HTMLResponse:
    with Session(request.app.state.engine) as session:
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
def this_month(request: Request, _: Staff = Depends(require_aps)) -> Response:
    return RedirectResponse(f"/aps/recommendations/{request.app.state.clock():%Y-%m}", 303)


@router.get("/aps/recommendations/{month}", response_class=HTMLResponse)
def recommendations_page(
    request: Request, month: str, _: Staff = Depends(require_aps)
) -> HTMLResponse:
    return _recommendations_page(request, _month(month), {}, _blank_recommendation())


def _save(
    request: Request,
    month: str,
    errors: Errors,
    values: dict[str, str],
    rule_field: str,
    record: Callable[[Session], str],
) -> Response:
    if errors:
        return _recommendations_page(request, month, errors, values, 400)
    try:
        with session_scope(request.app.state.engine, write_lock=True) as session:
            message = record(session)
    except RecommendationError as error:
        errors = {rule_field: rule_message(error)}
        return _recommendations_page(request, month, errors, values, 400)
    flash(request, message)
    return RedirectResponse(f"/aps/recommendations/{month}", status_code=303)


@router.post("/aps/recommendations/{month}", dependencies=[Depends(check_csrf)])
def recommend(
    request: Request,
    month: str,
    user: Staff = Depends(require_aps),
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
    policy = request.app.state.policy

    def record(session: Session) -> str:
        row, action = recommendations.recommend(
            session, month, text, bool(high_priority), chosen, user.staff_id, policy
        )
        return f"Recommendation {row.number} {action}."

    field = "number" if chosen is not None else "text"
    return _save(request, month, errors, values, field, record)


@router.post("/aps/recommendations/{month}/{number}/remove", dependencies=[Depends(check_csrf)])
def remove(
    request: Request, month: str, number: RecordId, user: Staff = Depends(require_aps)
) -> Response:
    month = _month(month)
    policy = request.app.state.policy

    def record(session: Session) -> str:
        recommendations.remove_recommendation(session, month, number, user.staff_id, policy)
        return f"Recommendation {number} removed; any after it moved up one."

    return _save(request, month, {}, _blank_recommendation(), "recommendations", record)


@router.post("/aps/recommendations/{month}/commentary", dependencies=[Depends(check_csrf)])
def commentary(
    request: Request,
    month: str,
    user: Staff = Depends(require_aps),
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
    policy = request.app.state.policy

    def record(session: Session) -> str:
        _, action = recommendations.set_commentary(
            session, month, theme, text, user.staff_id, policy
        )
        return f"Commentary on {COHORTS[theme][0]} {action}."

    return _save(request, month, errors, values, "commentary", record)
