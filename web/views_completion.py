"""The auditor's completion form: date, judgement, the theme's descriptor, the reflection held
with the social worker, and feedback from the family and partners (never a child's name)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from flows.delivery import Change
from flows.events import deliver_events, emit_audit_completed
from models.audit_store import complete_audit
from models.findings import FEEDBACK_KINDS, FEEDBACK_SOURCES
from models.people import Staff
from models.programme import Audit
from notifications.reaudit_emails import schedule_and_write
from rules.cohorts import cohort_title
from rules.completion import CompletionDetails, CompletionError, FeedbackEntry, ReflectionAnswers
from rules.policy import JUDGEMENTS
from rules.reaudits import reaudit_due
from web.auth import audit_for, require_user
from web.changes import page_email_context, record_change
from web.csrf import check_csrf
from web.forms import Errors, choice_field, date_field, date_parts, rule_message, summary
from web.forms import text_field as required_text
from web.limits import FormRoute, RecordId
from web.render import flash, page

router = APIRouter(route_class=FormRoute)
FEEDBACK_SLOTS = 3  # blank entries offered on the form; unused ones are ignored
REFLECTION_FIELDS = ("done_well", "challenges", "enough_tools", "do_differently")
JUDGEMENT_NAMES = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires_improvement": "Requires improvement",
    "inadequate": "Inadequate",
}


def _form_page(
    request: Request, audit: Audit, errors: Errors, values: dict[str, str], status: int = 200
) -> HTMLResponse:
    context = {
        "audit": audit,
        "theme_title": cohort_title(audit.cohort),
        "errors": errors,
        "error_list": summary(errors),
        "values": values,
        "judgements": [(j, JUDGEMENT_NAMES[j]) for j in JUDGEMENTS],
        "sources": FEEDBACK_SOURCES,
        "kinds": FEEDBACK_KINDS,
        "slots": range(1, FEEDBACK_SLOTS + 1),
    }
    return page(request, "complete.html", context, status)


@router.get("/audits/{audit_id}/complete", response_class=HTMLResponse)
def completion_form(
    request: Request, audit_id: RecordId, user: Staff = Depends(require_user)
) -> HTMLResponse:
    with Session(request.app.state.engine) as session:
        audit = audit_for(session, audit_id, user)
    return _form_page(request, audit, {}, date_parts(request.app.state.clock()))


@router.post("/audits/{audit_id}/complete", dependencies=[Depends(check_csrf)])
async def complete(
    request: Request, audit_id: RecordId, user: Staff = Depends(require_user)
) -> Response:
    # The feedback entries' fields are numbered, so the form is read whole rather than declared.
    form = await request.form()
    values = {key: str(value) for key, value in form.items() if key != "csrf_token"}
    values.update({k: values.get(f"on-{k}", "") for k in ("day", "month", "year")})
    # Recording touches the database: off the event loop.
    return await run_in_threadpool(_record, request, audit_id, user, values)


def _record(request: Request, audit_id: int, user: Staff, values: dict[str, str]) -> Response:
    errors: Errors = {}
    on = date_field(errors, "on", "the date the audit was completed",
                    values["day"], values["month"], values["year"])  # fmt: skip
    judgement = choice_field(errors, "judgement", values.get("judgement", ""), JUDGEMENTS,
                             "Select the overall judgement")  # fmt: skip
    details = _details(errors, values)
    state, context = request.app.state, page_email_context(request)
    cause = f"completion:{audit_id}"

    def work(session: Session) -> tuple[tuple[Audit, bool], Change | None]:
        audit = audit_for(session, audit_id, user)
        full = _with_finding(errors, values, audit, details)
        if errors or on is None:
            return (audit, False), None
        today = state.clock()
        complete_audit(session, audit_id, on, judgement, today, user.staff_id, details=full)
        schedule_and_write(session, state.policy, today, context, cause)
        return (audit, True), Change(cause)

    try:
        audit, done = record_change(request, work)
    except CompletionError as error:
        with Session(state.engine) as session:
            audit = audit_for(session, audit_id, user)
        return _form_page(request, audit, {"judgement": rule_message(error)}, values, 400)
    if not done:
        return _form_page(request, audit, errors, values, 400)
    due = reaudit_due(audit.kind, "completed", judgement, request.app.state.policy.reaudits)
    if emit_audit_completed(
        audit_id, judgement, cycle=audit.cycle, kind=audit.kind, reaudit_due=due
    ):
        deliver_events()
    flash(request, f"Audit of case {audit.case_ref} recorded as completed.")
    return RedirectResponse(f"/audits/{audit_id}", status_code=303)


def _details(errors: Errors, values: dict[str, str]) -> CompletionDetails:
    answers = {name: values.get(name, "").strip() for name in REFLECTION_FIELDS}
    reflection = None
    if any(answers.values()):
        for name in REFLECTION_FIELDS:
            required_text(errors, name, answers[name], "Answer all 4 reflection questions")
        reflection = ReflectionAnswers(**answers)
    feedback = tuple(
        _feedback(errors, values, slot)
        for slot in range(1, FEEDBACK_SLOTS + 1)
        if values.get(f"feedback-{slot}-text", "").strip()
    )
    return CompletionDetails(reflection=reflection, feedback=feedback)


def _feedback(errors: Errors, values: dict[str, str], slot: int) -> FeedbackEntry:
    """Feedback entry ``slot``, which has text: who gave it and what kind it is are needed."""
    field = f"feedback-{slot}"
    source = choice_field(
        errors, f"{field}-source", values.get(f"{field}-source", ""), FEEDBACK_SOURCES,
        f"Select who gave feedback {slot}",
    )  # fmt: skip
    kind = choice_field(
        errors, f"{field}-kind", values.get(f"{field}-kind", ""), FEEDBACK_KINDS,
        f"Select whether feedback {slot} is a strength or an area for improvement",
    )  # fmt: skip
    text = required_text(errors, f"{field}-text", values[f"{field}-text"], "Enter the feedback")
    return FeedbackEntry(source, kind, text)


def _with_finding(
    errors: Errors, values: dict[str, str], audit: Audit, details: CompletionDetails
) -> CompletionDetails:
    descriptor = required_text(
        errors, "finding", values.get("finding", ""), "Describe the practice for this theme"
    )
    return CompletionDetails(((audit.cohort, descriptor),), details.reflection, details.feedback)
