"""The APS team's pauses page: the pauses and what they did to due dates; pause the
programme, and resume the pause in force today.

The same store (and so the same rules) as ``audits pause|resume``. Every POST checks its CSRF
token and ends in a redirect, or re-renders the page with the GOV.UK error summary (status 400)
and nothing changed (``web.submit``).
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session

from flows.delivery import Change
from models import pause_store
from models.pause_store import Effects
from notifications.pause_emails import record_pause, record_resume
from rules.pauses import PauseError, paused_working_days, state
from rules.policy import Policy
from web.csrf import check_csrf
from web.deps import ApsStaffDep, EmailContextDep, EngineDep, PolicyDep, SubmitDep, TodayDep
from web.forms import Errors, date_field, date_parts, summary, text_field
from web.limits import FormRoute, RecordId
from web.render import page
from web.submit import Done, Posted, Values

router = APIRouter(route_class=FormRoute)


def _pauses_page(
    request: Request,
    engine: Engine,
    policy: Policy,
    today: date,
    values: Values,
    errors: Errors,
    status: int = 200,
) -> HTMLResponse:
    with Session(engine) as session:
        rows = [(p, pause_store.spell(p)) for p in reversed(pause_store.pauses(session))]
    listed = [  # latest first
        {"pause": p, "last_day": s.last_day, "days": paused_working_days(s),
         "state": state(s, today)}
        for p, s in rows
    ]  # fmt: skip
    context = {
        "pauses": listed,
        "in_force": next((row for row in listed if row["state"] == "in force"), None),
        "move_due_dates": policy.move_due_dates_on_pause,
        "errors": errors,
        "error_list": summary(errors),
        "values": values,
    }
    return page(request, "pauses.html", context, status)


def _blank_pause() -> dict[str, Any]:
    return {"from": date_parts(None), "to": date_parts(None), "reason": "", "note": ""}


@router.get("/aps/pauses", response_class=HTMLResponse)
def pauses(
    request: Request, engine: EngineDep, policy: PolicyDep, today: TodayDep, _: ApsStaffDep
) -> HTMLResponse:
    return _pauses_page(request, engine, policy, today, _blank_pause(), {})


@router.post("/aps/pauses", dependencies=[Depends(check_csrf)])
def add_pause(
    request: Request,
    user: ApsStaffDep,
    engine: EngineDep,
    policy: PolicyDep,
    today: TodayDep,
    emails: EmailContextDep,
    submit: SubmitDep,
    from_day: str = Form("", alias="from-day"),
    from_month: str = Form("", alias="from-month"),
    from_year: str = Form("", alias="from-year"),
    to_day: str = Form("", alias="to-day"),
    to_month: str = Form("", alias="to-month"),
    to_year: str = Form("", alias="to-year"),
    reason: str = Form(""),
    note: str = Form(""),
) -> Response:
    values = {
        "from": {"day": from_day, "month": from_month, "year": from_year},
        "to": {"day": to_day, "month": to_month, "year": to_year},
        "reason": reason,
        "note": note,
    }
    errors: Errors = {}
    starts_on = date_field(errors, "from", "the first paused day", from_day, from_month, from_year)
    ends_on = date_field(errors, "to", "the last paused day", to_day, to_month, to_year)
    reason = text_field(errors, "reason", reason, "Enter why the programme is paused")

    def work(session: Session) -> tuple[int | None, Change]:
        assert starts_on is not None and ends_on is not None  # no errors
        made, cause = record_pause(
            session, starts_on, ends_on, reason, user.staff_id, today, policy, emails, note
        )
        return made.id, Change(cause)

    def then(made_id: int | None) -> Done:
        assert starts_on is not None and ends_on is not None
        dates = f"{starts_on:%-d %B %Y} to {ends_on:%-d %B %Y}"
        return Done(f"Pause {made_id} recorded: {dates}.", "/aps/pauses")

    fields = {"starts_on": "from-day", "ends_on": "to-day", "reason": "reason", "note": "note"}
    form = Posted(values, errors, "to-day", fields)
    return submit(form, partial(_pauses_page, request, engine, policy, today), work, then)


@router.post("/aps/pauses/{pause_id}/resume", dependencies=[Depends(check_csrf)])
def resume(
    request: Request,
    pause_id: RecordId,
    user: ApsStaffDep,
    engine: EngineDep,
    policy: PolicyDep,
    today: TodayDep,
    emails: EmailContextDep,
    submit: SubmitDep,
) -> Response:
    """Resume today the pause in force (the one the page showed: another is refused)."""

    def work(session: Session) -> tuple[Effects, Change]:
        in_force = [p for p in pause_store.pauses(session) if p.id == pause_id]
        if not in_force or state(pause_store.spell(in_force[0]), today) != "in force":
            raise PauseError(f"pause {pause_id} is not in force today: nothing to resume")
        _, effects, cause = record_resume(session, today, user.staff_id, today, policy, emails)
        return effects, Change(cause)

    def then(effects: Effects) -> Done:
        moved = len(effects.due_dates_moved)
        message = f"The programme resumes today. Due dates of {moved} audits were moved on."
        return Done(message, "/aps/pauses")

    form = Posted(_blank_pause(), {}, "resume")
    return submit(form, partial(_pauses_page, request, engine, policy, today), work, then)
