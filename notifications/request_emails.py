"""The emails a request or a decision causes, written in the transaction that records it.

- A request: each APS member is asked to decide, with a link signed for them alone.
- A decision: the auditor (and whoever asked on their behalf) is told it. An approved extension
  moves the auditor's calendar slot (an updated invitation: same UID, next SEQUENCE); an approved
  exemption takes it out (METHOD:CANCEL), and a reallocated case's new auditor gets the
  allocation email with an invitation of their own.

Emails carry case references, dates and links: the free-text reason and note may say something
about a child, so they are read on the request's page, never in an email.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session

from config.signed_links import make_link
from models import chase_store, outbox_store
from models.people import Staff
from models.programme import Audit
from models.requests import ExemptionRequest, ExtensionRequest
from notifications.allocation_emails import write_for
from notifications.calendar_emails import next_invitation
from notifications.email_context import EmailContext
from notifications.invite import cycle_label, human_date, kind_word
from notifications.messages import Attachment, Notice
from notifications.outgoing import outgoing
from notifications.render import render_notice
from rules.cohorts import COHORTS, cohort_title

KINDS: dict[str, Any] = {"extension": ExtensionRequest, "exemption": ExemptionRequest}
#: How long an APS member's "decide" link lives; afterwards the decision queue still has it.
DECIDE_LINK_TTL = timedelta(days=30)


def cause_of(kind: str, request_id: int, what: str) -> str:
    """The outbox cause of the emails of one request's step: ``extension-request:12:approved``
    (``what``: requested, approved or rejected)."""
    return f"{kind}-request:{request_id}:{what}"


def load_request(session: Session, kind: str, request_id: int) -> tuple[Any, Audit, Staff | None]:
    """The request, its audit and the audit's auditor."""
    if kind not in KINDS:
        raise ValueError(f"kind must be extension or exemption, not {kind!r}")
    request = session.get(KINDS[kind], request_id)
    if request is None or request.audit_id is None:
        raise ValueError(f"there is no {kind} request {request_id} on an audit")
    audit = session.get(Audit, request.audit_id)
    assert audit is not None
    return request, audit, session.get(Staff, audit.auditor_id)


def write_request_emails(
    session: Session, kind: str, request_id: int, context: EmailContext
) -> str:
    """Ask each APS member to decide (once: a rerun writes nothing); the emails' cause."""
    cause = cause_of(kind, request_id, "requested")
    if not outbox_store.has_cause(session, cause):
        notices = request_notices(session, kind, request_id, context)
        _enqueue(session, cause, [(notice, ()) for notice in notices], context)
    return cause


def write_decision_emails(
    session: Session, kind: str, request_id: int, context: EmailContext
) -> str:
    """Tell the auditor the decision, keep their calendar in step, and send a reallocated case's
    new auditor its allocation email (once: a rerun writes nothing); the emails' cause."""
    request, audit, auditor = load_request(session, kind, request_id)
    if request.status == "pending":
        raise ValueError(f"{kind} request {request_id} has not been decided")
    cause = cause_of(kind, request_id, request.status)
    if outbox_store.has_cause(session, cause):
        return cause
    invite = _calendar_change(kind, request, audit, auditor, context)
    notices = decision_notices(session, kind, request, audit, auditor, context, bool(invite))
    _enqueue(
        session,
        cause,
        [(n, invite if auditor and n.recipient_email == auditor.email else ()) for n in notices],
        context,
    )
    if getattr(request, "reallocated_audit_id", None):
        new = session.get(Audit, request.reallocated_audit_id)
        person = session.get(Staff, new.auditor_id) if new else None
        if new is not None and person is not None:
            write_for(session, [(new, person)], context, cause)
    return cause


def _calendar_change(
    kind: str, request: Any, audit: Audit, auditor: Staff | None, context: EmailContext
) -> tuple[Attachment, ...]:
    """The invitation a decision sends the auditor: the slot moved after an approved extension,
    cancelled after an approved exemption; none after a rejection. Takes the next SEQUENCE."""
    if request.status != "approved" or auditor is None:
        return ()
    return next_invitation(audit, auditor, context, "REQUEST" if kind == "extension" else "CANCEL")


def _enqueue(
    session: Session,
    cause: str,
    notices: list[tuple[Notice, tuple[Attachment, ...]]],
    context: EmailContext,
) -> None:
    emails = [
        outgoing(
            render_notice(notice, context.programme_name, attachments),
            f"{cause}:to:{notice.recipient_email.lower()}",
            cause.split(":")[0],
        )
        for notice, attachments in notices
    ]
    outbox_store.enqueue(session, emails, cause)


def _facts(
    kind: str, request: Any, audit: Audit, auditor: Staff | None
) -> tuple[tuple[str, str], ...]:
    facts = [
        ("Case reference", audit.case_ref),
        ("Audit", f"{audit.id} ({kind_word(audit.kind).lower()}, {cycle_label(audit.cycle)})"),
        ("Cohort", cohort_title(audit.cohort) if audit.cohort in COHORTS else audit.cohort),
        ("Auditor", f"{auditor.name}, {auditor.team}" if auditor else audit.auditor_id),
        ("Due date", human_date(audit.due_on)),
        ("Original due date", human_date(audit.original_due_on)),
        ("Asked on", human_date(request.requested_on) + (" (late)" if request.late else "")),
    ]
    if kind == "extension":
        facts.append(("Due date asked for", human_date(request.requested_until)))
    else:
        facts.append(("Category", request.category.replace("_", " ")))
    return tuple(facts)


def request_notices(
    session: Session, kind: str, request_id: int, context: EmailContext
) -> list[Notice]:
    """One email per APS member: a request is waiting for their decision, with a link signed
    for that member alone (usable once, for ``DECIDE_LINK_TTL`` from ``context.now``)."""
    request, audit, auditor = load_request(session, kind, request_id)
    directory = chase_store.people(session)
    late = "late " if request.late else ""
    subject = (
        f"Decide: {late}{kind} request {request_id} for audit {audit.id} (case {audit.case_ref})"
    )
    return [
        Notice(
            directory[aps].email,
            directory[aps].name,
            subject,
            _facts(kind, request, audit, auditor),
            f"{_a(late + kind)} request is waiting for the APS team's decision.",
            make_link(
                context.site,
                f"decide-{kind}",
                request_id,
                aps,
                context.now,
                DECIDE_LINK_TTL,
                context.secret,
            ),
            f"Decide {kind} request {request_id}",
        )
        for aps in chase_store.aps_team(directory)
    ]


def _a(words: str) -> str:
    """``"extension"`` -> ``"An extension"``, ``"late extension"`` -> ``"A late extension"``."""
    return ("An " if words[:1].lower() in tuple("aeiou") else "A ") + words


def decision_notices(
    session: Session,
    kind: str,
    request: Any,
    audit: Audit,
    auditor: Staff | None,
    context: EmailContext,
    with_invite: bool = False,
) -> list[Notice]:
    """The auditor (and whoever asked on their behalf) is told the decision."""
    subject, message = _decision_words(kind, request, audit, with_invite)
    people = {p for p in (audit.auditor_id, request.requested_by) if p}
    return [
        Notice(
            person.email,
            person.name,
            subject,
            _facts(kind, request, audit, auditor),
            message,
            # The audit's page shows the decision and its note; the decision page is APS-only.
            f"{context.site}/audits/{audit.id}",
            f"See audit {audit.id} and the APS team's note",
        )
        for person in (session.get(Staff, staff_id) for staff_id in sorted(people))
        if person is not None
    ]


def _decision_words(kind: str, request: Any, audit: Audit, with_invite: bool) -> tuple[str, str]:
    what = f"audit {audit.id} (case {audit.case_ref})"
    if request.status == "rejected":
        return (
            f"{kind.capitalize()} request rejected: {what} is still due {human_date(audit.due_on)}",
            f"The APS team rejected the {kind} request. The audit is still yours to do.",
        )
    if kind == "extension":
        moved = " The calendar invitation attached moves your slot to match." if with_invite else ""
        return (
            f"Extension approved: {what} is now due {human_date(audit.due_on)}",
            "The APS team approved the extension. Reminders now follow the new due date." + moved,
        )
    gone = (
        " The calendar invitation attached takes its slot out of your calendar."
        if with_invite
        else ""
    )
    if request.outcome == "reallocated":
        return (
            f"Exemption approved: {what} has been reallocated",
            "The APS team released you from this audit and gave the case to another auditor."
            + gone,
        )
    return (
        f"Exemption approved: {what} has been withdrawn",
        "The APS team released you from this audit; nobody audits the case this cycle." + gone,
    )
