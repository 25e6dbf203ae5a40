"""The findings page the case's social worker and their Team Manager reach from the findings
email (``/audits/{id}/findings``), and the social worker's "My cases" page.

The page shows what a completed audit found: the judgement, the theme findings, the reflection,
the actions and the responses so far. Whoever may read the audit may read it
(``rules.audit_access``); only the case's allocated social worker gets the form to respond
(``rules.responses``: not the APS team on their behalf, as the response is the worker's own
words). Anyone else is refused, as for an audit not theirs.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session

from flows.delivery import Change
from models.people import Staff
from models.response_store import (
    add_response,
    case_worker,
    may_respond,
    response_counts,
    worker_audits,
)
from rules.roles import SOCIAL_WORKER_ROLE
from web.audit_actions import audit_actions
from web.audit_page import audit_context
from web.auth import Forbidden, readable_audit
from web.csrf import check_csrf
from web.deps import CurrentStaffDep, EngineDep, SubmitDep, TodayDep
from web.forms import Errors, summary, text_field
from web.limits import FormRoute, RecordId
from web.render import page
from web.submit import Done, Posted, Values

router = APIRouter(route_class=FormRoute)
#: Where a rule's message goes on the form (``rules.responses`` names ``text`` or ``by``).
RULE_FIELDS = {"text": "response", "by": "response"}
NOT_THE_WORKER = "Only the case's allocated social worker can respond to its audit."


def _page(
    request: Request,
    engine: Engine,
    who: tuple[int, Staff, date],
    values: Values,
    errors: Errors,
    status: int = 200,
) -> HTMLResponse:
    audit_id, user, today = who
    with Session(engine) as session:
        record = readable_audit(session, audit_id, user)
        context: dict[str, Any] = {
            **audit_context(record, user),
            "actions": audit_actions(session, audit_id, today),
            "can_respond": may_respond(session, record.audit, user.staff_id),
        }
    context.update(values=values, errors=errors, error_list=summary(errors))
    return page(request, "findings.html", context, status)


@router.get("/audits/{audit_id}/findings", response_class=HTMLResponse)
def findings_page(
    request: Request, audit_id: RecordId, engine: EngineDep, user: CurrentStaffDep, today: TodayDep
) -> HTMLResponse:
    return _page(request, engine, (audit_id, user, today), {"response": ""}, {})


@router.post("/audits/{audit_id}/findings", dependencies=[Depends(check_csrf)])
def respond(
    request: Request,
    audit_id: RecordId,
    user: CurrentStaffDep,
    engine: EngineDep,
    today: TodayDep,
    submit: SubmitDep,
    response: str = Form(""),
) -> Response:
    with Session(engine) as session:
        record = readable_audit(session, audit_id, user)  # not theirs to read: refused
        if case_worker(session, record.audit) != user.staff_id:
            raise Forbidden(NOT_THE_WORKER)
    errors: Errors = {}
    text = text_field(errors, "response", response, "Enter your response")

    def work(session: Session) -> tuple[int, Change | None]:
        line = add_response(session, audit_id, text, user.staff_id)
        return line.response.id or 0, None  # nobody is emailed a response

    def then(response_id: int) -> Done:
        return Done("Your response has been added.", f"/audits/{audit_id}/findings")

    form = Posted({"response": response}, errors, "response", RULE_FIELDS)
    return submit(form, lambda v, e, s: _page(request, engine, (audit_id, user, today), v, e, s),
                  work, then)  # fmt: skip


@router.get("/my-cases", response_class=HTMLResponse)
def my_cases(request: Request, engine: EngineDep, user: CurrentStaffDep) -> HTMLResponse:
    """The audits of the signed-in social worker's cases (their start page)."""
    if user.role != SOCIAL_WORKER_ROLE:
        raise Forbidden()
    with Session(engine) as session:
        audits = worker_audits(session, user.staff_id)
        responses = response_counts(session, [a.id for a in audits if a.id is not None])
    return page(request, "my_cases.html", {"audits": audits, "responses": responses})
