"""The page an action's owner reaches from their email (``/actions/{id}/done``): what the action
is, and a form to mark it done with a note. The owner, their line manager and the APS team may
use it (``models.action_store.may_close``); anyone else is refused, as for an audit not theirs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session

from flows.delivery import Change
from models.action_store import mark_done, may_close
from models.actions import AuditAction
from models.people import Staff
from models.programme import Audit
from rules.actions import shown_status
from web.auth import Forbidden
from web.csrf import check_csrf
from web.deps import CurrentStaffDep, EngineDep, SubmitDep, TodayDep
from web.forms import Errors, date_field, date_parts, summary, text_field
from web.limits import FormRoute, RecordId
from web.render import page
from web.submit import Done, Posted, Values

router = APIRouter(route_class=FormRoute)
NOT_YOURS = "There is no such action, or it is not yours to mark done."
#: Where a rule's message goes on the form (``rules.actions.check_done`` names ``on``/``note``).
RULE_FIELDS = {"on": "on-day", "note": "note"}


@dataclass(frozen=True)
class ActionView:
    """An action as its page shows it."""

    action: AuditAction
    case_ref: str
    owner_name: str
    done_by_name: str | None
    status: str  # open, done or overdue (on the page's day)


def _load(session: Session, action_id: int, user: Staff, today: date) -> ActionView:
    action = session.get(AuditAction, action_id)
    if action is None or not may_close(session, action, user.staff_id):
        raise Forbidden(NOT_YOURS)
    audit = session.get(Audit, action.audit_id)
    assert audit is not None  # a foreign key
    owner = session.get(Staff, action.owner_id)
    done_by = session.get(Staff, action.done_by) if action.done_by else None
    return ActionView(
        action,
        audit.case_ref,
        owner.name if owner else action.owner_id,
        done_by.name if done_by else action.done_by,
        shown_status(action.status, action.due_on, today),
    )


def _page(
    request: Request,
    engine: Engine,
    who: tuple[int, Staff, date],
    values: Values,
    errors: Errors,
    status: int = 200,
) -> HTMLResponse:
    with Session(engine) as session:
        view = _load(session, *who)
    context: dict[str, Any] = {
        "view": view,
        "values": values,
        "errors": errors,
        "error_list": summary(errors),
    }
    return page(request, "action_done.html", context, status)


@router.get("/actions/{action_id}/done", response_class=HTMLResponse)
def action_page(
    request: Request, action_id: RecordId, engine: EngineDep, today: TodayDep, user: CurrentStaffDep
) -> HTMLResponse:
    return _page(request, engine, (action_id, user, today), {**date_parts(today), "note": ""}, {})


@router.post("/actions/{action_id}/done", dependencies=[Depends(check_csrf)])
def mark_action_done(
    request: Request,
    action_id: RecordId,
    user: CurrentStaffDep,
    engine: EngineDep,
    today: TodayDep,
    submit: SubmitDep,
    on_day: str = Form("", alias="on-day"),
    on_month: str = Form("", alias="on-month"),
    on_year: str = Form("", alias="on-year"),
    note: str = Form(""),
) -> Response:
    values = {"day": on_day, "month": on_month, "year": on_year, "note": note}
    errors: Errors = {}
    on = date_field(errors, "on", "the date it was done", on_day, on_month, on_year)
    note = text_field(errors, "note", note, "Enter what was done")

    def work(session: Session) -> tuple[AuditAction, Change | None]:
        _load(session, action_id, user, today)  # still theirs to mark done
        assert on is not None  # no errors
        return mark_done(session, action_id, on, note, user.staff_id, today), None

    def then(action: AuditAction) -> Done:
        return Done(f"Action {action.id} marked done.", f"/actions/{action_id}/done")

    form = Posted(values, errors, "note", RULE_FIELDS)
    return submit(form, lambda v, e, s: _page(request, engine, (action_id, user, today), v, e, s),
                  work, then)  # fmt: skip
