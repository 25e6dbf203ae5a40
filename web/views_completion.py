"""The auditor's completion form: date, judgement, the theme's descriptor, the reflection held
with the social worker, and feedback from the family and partners (never a child's name)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from flows.delivery import Change
from flows.events import deliver_events, emit_audit_completed
from models.audit_store import complete_audit
from models.findings import FEEDBACK_KINDS, FEEDBACK_SOURCES
from models.people import Staff
from models.programme import Audit
from notifications.action_emails import write_for_audits
from notifications.email_context import EmailContext
from notifications.findings_emails import write_findings_emails
from notifications.reaudit_emails import schedule_and_write
from rules.actions import ActionDraft
from rules.cohorts import cohort_title
from rules.completion import CompletionDetails, FeedbackEntry, ReflectionAnswers
from rules.policy import JUDGEMENT_LABELS, JUDGEMENTS, Policy
from rules.reaudits import reaudit_due
from web.auth import audit_for
from web.completion_actions import (
    ACTION_SLOTS,
    default_values,
    owner_choices,
    read_action_rows,
)
from web.csrf import check_csrf
from web.deps import CurrentStaffDep, EmailContextDep, EngineDep, PolicyDep, SubmitDep, TodayDep
from web.finding_tags import checked_tags, posted_tags
from web.forms import Errors, choice_field, date_field, date_parts, summary
from web.forms import text_field as required_text
from web.limits import FormRoute, RecordId
from web.render import page
from web.submit import Done, FormPage, Posted, Submit, Values

router = APIRouter(route_class=FormRoute)
FEEDBACK_SLOTS = 3  # blank entries offered on the form; unused ones are ignored
REFLECTION_FIELDS = ("done_well", "challenges", "enough_tools", "do_differently")
JUDGEMENT_NAMES = JUDGEMENT_LABELS
#: Where a completion rule's message goes: by the field it names (``rules.completion``); a rule
#: about the audit as it stands, by the judgement.
RULE_FIELDS = {
    "on": "on-day",
    "judgement": "judgement",
    "findings": "finding",
    "reflection": REFLECTION_FIELDS[0],
}


def _form_page(
    request: Request,
    engine: Engine,
    who: tuple[int, Staff],
    values: Values,
    errors: Errors,
    status: int = 200,
) -> HTMLResponse:
    with Session(engine) as session:
        audit = audit_for(session, *who)
        owners = owner_choices(session, audit.case_team)
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
        "action_slots": range(1, ACTION_SLOTS + 1),
        "owners": owners.people,
    }
    return page(request, "complete.html", context, status)


@router.get("/audits/{audit_id}/complete", response_class=HTMLResponse)
def completion_form(
    request: Request, audit_id: RecordId, engine: EngineDep, today: TodayDep, user: CurrentStaffDep
) -> HTMLResponse:
    with Session(engine) as session:
        owners = owner_choices(session, audit_for(session, audit_id, user).case_team)
    values = {**date_parts(today), **default_values(owners)}
    return _form_page(request, engine, (audit_id, user), values, {})


@router.post("/audits/{audit_id}/complete", dependencies=[Depends(check_csrf)])
async def complete(
    request: Request,
    audit_id: RecordId,
    user: CurrentStaffDep,
    engine: EngineDep,
    policy: PolicyDep,
    today: TodayDep,
    emails: EmailContextDep,
    submit: SubmitDep,
) -> Response:
    # The feedback entries' fields are numbered, so the form is read whole rather than declared.
    form = await request.form()
    values: Values = {k: str(value) for k, value in form.items() if k != "csrf_token"}
    values.update({k: values.get(f"on-{k}", "") for k in ("day", "month", "year")})
    values["tags"] = posted_tags(form)
    form_page = partial(_form_page, request, engine, (audit_id, user))
    completion = _Completion(audit_id, user, policy, today, emails)
    # Recording touches the database: off the event loop.
    return await run_in_threadpool(_record, submit, form_page, completion, values)


@dataclass(frozen=True)
class _Completion:
    """Who completes which audit, and what recording it needs."""

    audit_id: int
    user: Staff
    policy: Policy
    today: date
    emails: EmailContext


def _record(
    submit: Submit, form_page: FormPage, completion: _Completion, values: Values
) -> Response:
    errors: Errors = {}
    on = date_field(errors, "on", "the date the audit was completed",
                    values["day"], values["month"], values["year"])  # fmt: skip
    judgement = choice_field(errors, "judgement", values.get("judgement", ""), JUDGEMENTS,
                             "Select the overall judgement")  # fmt: skip
    descriptor = required_text(
        errors, "finding", values.get("finding", ""), "Describe the practice for this theme"
    )
    details = _details(errors, values)
    tags = checked_tags(errors, values["tags"], completion.policy)
    actions = _actions(submit, completion, errors, values, on)
    audit_id, policy, today = completion.audit_id, completion.policy, completion.today
    cause = f"completion:{audit_id}"

    def work(session: Session) -> tuple[Audit, Change]:
        audit = audit_for(session, audit_id, completion.user)
        assert on is not None  # no errors
        full = CompletionDetails(
            ((audit.cohort, descriptor),),
            details.reflection,
            details.feedback,
            tags=tags,
            actions=actions,
        )
        complete_audit(
            session, audit_id, on, judgement, today, completion.user.staff_id, details=full
        )
        schedule_and_write(session, policy, today, completion.emails, cause)
        write_for_audits(session, [audit_id], completion.emails, cause)
        write_findings_emails(session, [audit_id], completion.emails, cause)
        return audit, Change(cause)

    def then(audit: Audit) -> Done:
        due = reaudit_due(audit.kind, "completed", judgement, policy.reaudits)
        if emit_audit_completed(
            audit_id, judgement, cycle=audit.cycle, kind=audit.kind, reaudit_due=due
        ):
            deliver_events()
        return Done(f"Audit of case {audit.case_ref} recorded as completed.", f"/audits/{audit_id}")

    form = Posted(values, errors, "judgement", RULE_FIELDS)
    return submit(form, form_page, work, then)


def _actions(
    submit: Submit,
    completion: _Completion,
    errors: Errors,
    values: dict[str, str],
    on: date | None,
) -> tuple[ActionDraft, ...]:
    """The action rows with text, checked against who may own an action (set on ``on``)."""
    with Session(submit.engine) as session:
        audit = audit_for(session, completion.audit_id, completion.user)
        owners = owner_choices(session, audit.case_team)
    return read_action_rows(errors, values, owners, on)


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
