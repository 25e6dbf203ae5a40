"""Telling people about requests and decisions: the ``handle-request`` and ``apply-decision``
flows, run when the matching events arrive (``extension.requested``, ``*.approved``, ...).

The database is the source of truth: a decision is applied when it is recorded, and these flows
only tell people. If an event is lost, the next chase's APS digest still lists the request.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from prefect import flow, get_run_logger, task
from sqlalchemy.engine import Engine
from sqlmodel import Session

from audits.settings import get_engine, load_policy
from flows.allocation_emails import enqueue_allocation_emails
from flows.chase import open_transport_for
from flows.outbox import SendReport, send_outbox
from models import chase_store, outbox_store
from models.base import utcnow
from models.db import session_scope
from models.outbox_store import Outgoing
from models.people import Staff
from models.programme import Audit
from models.requests import ExemptionRequest, ExtensionRequest
from notifications.invite import human_date
from notifications.messages import Notice
from notifications.render import render_notice
from notifications.settings import TransportSettings
from web.links import make_link
from web.secret import get_secret_key

KINDS: dict[str, Any] = {"extension": ExtensionRequest, "exemption": ExemptionRequest}
#: How long an APS member's "decide" link lives; afterwards the decision queue still has it.
DECIDE_LINK_TTL = timedelta(days=30)


def _load(session: Session, kind: str, request_id: int) -> tuple[Any, Audit, Staff | None]:
    if kind not in KINDS:
        raise ValueError(f"kind must be extension or exemption, not {kind!r}")
    request = session.get(KINDS[kind], request_id)
    if request is None or request.audit_id is None:
        raise ValueError(f"there is no {kind} request {request_id} on an audit")
    audit = session.get(Audit, request.audit_id)
    assert audit is not None
    return request, audit, session.get(Staff, audit.auditor_id)


def _facts(
    kind: str, request: Any, audit: Audit, auditor: Staff | None
) -> tuple[tuple[str, str], ...]:
    # Case references, dates and staff only: reasons and notes are free text that may say
    # something about a child, so they are read on the request's page, never in an email.
    facts = [
        ("Case reference", audit.case_ref),
        ("Audit", f"{audit.id} ({audit.kind}, {audit.cycle})"),
        ("Auditor", f"{auditor.name}, {auditor.team}" if auditor else audit.auditor_id),
        ("Due date", human_date(audit.due_on)),
        ("Original due date", human_date(audit.original_due_on)),
        ("Asked on", human_date(request.requested_on) + (" (late)" if request.late else "")),
    ]
    if kind == "extension":
        facts.append(("Asked until", human_date(request.requested_until)))
    else:
        facts.append(("Category", request.category.replace("_", " ")))
    return tuple(facts)


def request_notices(
    session: Session,
    kind: str,
    request_id: int,
    base_url: str,
    *,
    secret: str,
    now: datetime,
) -> list[Notice]:
    """One email per APS member: a request is waiting for their decision, with a link signed
    for that member alone (usable once, for ``DECIDE_LINK_TTL`` from ``now``)."""
    request, audit, auditor = _load(session, kind, request_id)
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
            f"A {late}{kind} request is waiting for the APS team's decision.",
            make_link(base_url, f"decide-{kind}", request_id, aps, now, DECIDE_LINK_TTL, secret),
            f"Decide {kind} request {request_id}",
        )
        for aps in chase_store.aps_team(directory)
    ]


def decision_notices(session: Session, kind: str, request_id: int, base_url: str) -> list[Notice]:
    """The auditor (and whoever asked on their behalf) is told the decision."""
    request, audit, auditor = _load(session, kind, request_id)
    if request.status == "pending":
        return []
    subject, message = _decision_words(kind, request, audit)
    people = {p for p in (audit.auditor_id, request.requested_by) if p}
    return [
        Notice(
            person.email,
            person.name,
            subject,
            _facts(kind, request, audit, auditor),
            message,
            # The audit's page shows the decision and its note; the decision page is APS-only.
            f"{base_url.rstrip('/')}/audits/{audit.id}",
            f"See audit {audit.id} and the APS team's note",
        )
        for person in (session.get(Staff, staff_id) for staff_id in sorted(people))
        if person is not None
    ]


def _decision_words(kind: str, request: Any, audit: Audit) -> tuple[str, str]:
    what = f"audit {audit.id} (case {audit.case_ref})"
    if request.status == "rejected":
        return (
            f"{kind.capitalize()} request rejected: {what} is still due {human_date(audit.due_on)}",
            f"The APS team rejected the {kind} request. The audit is still yours to do.",
        )
    if kind == "extension":
        return (
            f"Extension approved: {what} is now due {human_date(audit.due_on)}",
            "The APS team approved the extension. Reminders now follow the new due date.",
        )
    if request.outcome == "reallocated":
        return (
            f"Exemption approved: {what} has been reallocated",
            "The APS team released you from this audit and gave the case to another auditor.",
        )
    return (
        f"Exemption approved: {what} has been withdrawn",
        "The APS team released you from this audit; nobody audits the case this cycle.",
    )


def enqueue_notices(engine: Engine, key: str, notices: list[Notice], programme_name: str) -> int:
    outgoing = []
    for notice in notices:
        email = render_notice(notice, programme_name)
        outgoing.append(
            Outgoing(
                key=f"{key}:to:{notice.recipient_email}",
                kind=key.split(":")[0],
                recipient=notice.recipient_email,
                subject=email.subject,
                text_body=email.text,
                html_body=email.html,
            )
        )
    with session_scope(engine) as session:
        return len(outbox_store.enqueue(session, outgoing))


@task(name="tell-and-send")
def _tell(kind: str, request_id: int, deciding: bool) -> SendReport:
    engine, policy, settings = get_engine(), load_policy(), TransportSettings()
    secret, now = get_secret_key(), utcnow()
    with session_scope(engine) as session:
        if deciding:
            notices = decision_notices(session, kind, request_id, settings.base_url)
        else:
            notices = request_notices(
                session, kind, request_id, settings.base_url, secret=secret, now=now
            )
        request, audit, _ = _load(session, kind, request_id)
        status = request.status
    enqueue_notices(
        engine,
        f"{'decision' if deciding else 'request'}:{kind}:{request_id}:{status}",
        notices,
        policy.name,
    )
    if deciding and kind == "exemption":
        # A reallocated case's new auditor gets the allocation email and invitation.
        enqueue_allocation_emails(
            engine,
            audit.cycle,
            settings.base_url,
            settings.email_from,
            policy.name,
            secret=secret,
            now=now,
        )
    return send_outbox(engine, open_transport_for(policy), time.sleep)


@flow(name="handle-request")
def handle_request(kind: str, request_id: int) -> dict[str, int]:
    """Tell the APS team that a request waits for a decision (on ``*.requested``)."""
    report = _tell(kind, request_id, deciding=False)
    get_run_logger().info("%s request %s: %d email(s) to APS", kind, request_id, report.sent)
    return {"emails_sent": report.sent, "failed": report.failed, "deferred": report.deferred}


@flow(name="apply-decision")
def apply_decision(kind: str, request_id: int) -> dict[str, int]:
    """Tell the auditor the APS team's decision (on ``*.approved`` / ``*.rejected``)."""
    report = _tell(kind, request_id, deciding=True)
    get_run_logger().info("%s request %s decided: %d email(s)", kind, request_id, report.sent)
    return {"emails_sent": report.sent, "failed": report.failed, "deferred": report.deferred}
