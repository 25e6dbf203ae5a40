"""The allocation email: each auditor is told what they have been allocated, with a calendar
invitation to block out time for the audit and the reflection conversation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine

from audits.clock import LONDON
from flows.outbox import attachments_for_outbox
from models import chase_store, outbox_store
from models.db import session_scope
from models.outbox_store import Outgoing
from models.people import Staff
from models.programme import Audit
from notifications.messages import AllocationNotice
from notifications.render import render_allocation
from rules.cohorts import COHORTS, cohort_title
from rules.reminders import audit_slot


def enqueue_allocation_emails(
    engine: Engine, month: str, base_url: str, organiser: str, programme_name: str
) -> int:
    """Write an allocation email for every audit of ``month`` that has none yet; how many.

    Runs after every allocation run, so that emails lost to a crash between the allocation and
    this step are written by the next run (each has a unique key: never twice)."""
    with session_scope(engine) as session:
        audits = chase_store.audits_with_auditors(session, month)
        outgoing = [
            _outgoing(_notice(audit, person, base_url, organiser), programme_name)
            for audit, person in audits
        ]
        return len(outbox_store.enqueue(session, outgoing))


def _notice(audit: Audit, person: Staff, base_url: str, organiser: str) -> AllocationNotice:
    assert audit.id is not None
    start, end = audit_slot(audit.allocated_on, audit.due_on)
    title = cohort_title(audit.cohort) if audit.cohort in COHORTS else audit.cohort
    return AllocationNotice(
        recipient_email=person.email,
        recipient_name=person.name,
        audit_id=audit.id,
        case_ref=audit.case_ref,
        kind=audit.kind,
        cycle=audit.cycle,
        cohort_title=title,
        allocated_on=audit.allocated_on,
        due_on=audit.due_on,
        link=f"{base_url.rstrip('/')}/audits/{audit.id}",
        slot_start=_london(start),
        slot_end=_london(end),
        organiser_email=organiser,
    )


def _london(moment: datetime) -> datetime:
    return moment.replace(tzinfo=LONDON)


def _outgoing(notice: AllocationNotice, programme_name: str) -> Outgoing:
    email = render_allocation(notice, programme_name)
    return Outgoing(
        key=f"allocation:{notice.audit_id}",
        kind="allocation",
        recipient=notice.recipient_email,
        subject=email.subject,
        text_body=email.text,
        html_body=email.html,
        attachments=attachments_for_outbox(email.attachments),
    )
