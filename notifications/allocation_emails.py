"""The allocation email: each auditor is told what they have been allocated, with a calendar
invitation to block out time for the audit and the reflection conversation, and signed links
(for them alone, usable once) to ask for an extension or an exemption.

Written in the transaction that allocates (or reallocates, or schedules a re-audit into a month
already allocated), so an allocation committed always has its emails in the outbox.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import update
from sqlmodel import Session, col

from config.signed_links import make_link
from models import chase_store, outbox_store
from models.people import Staff
from models.programme import Audit
from notifications.email_context import EmailContext
from notifications.invite import LONDON
from notifications.messages import AllocationNotice
from notifications.outgoing import outgoing
from notifications.render import render_allocation
from rules.cohorts import COHORTS, cohort_title
from rules.reminders import audit_slot

#: The request links stay usable this long after the due date: a late request is still a request.
LINK_DAYS_AFTER_DUE = 30


def allocation_cause(month: str) -> str:
    """The outbox cause of a month's allocation emails (and of those of re-audits its runs
    scheduled into other months already allocated)."""
    return f"allocation:{month}"


def write_allocation_emails(session: Session, month: str, context: EmailContext, cause: str) -> int:
    """Write an allocation email for every outstanding audit of ``month`` that has none yet
    (each has its own key: never twice); how many were written.

    An email already written keeps the links it was signed with; those written now are signed
    at ``context.now``.
    """
    pairs = chase_store.audits_with_auditors(session, month)
    return write_for(session, pairs, context, cause)


def write_for(
    session: Session, pairs: list[tuple[Audit, Staff]], context: EmailContext, cause: str
) -> int:
    """Write the allocation emails of these audits that have none yet, each to its auditor;
    how many were new. (Those written already are not even rendered again.)"""
    written = outbox_store.existing_keys(session, [_key(audit.id) for audit, _ in pairs])
    new = [(audit, person) for audit, person in pairs if _key(audit.id) not in written]
    emails = [_outgoing(allocation_notice(a, p, context), context) for a, p in new]
    outbox_store.enqueue(session, emails, cause)
    # Each auditor has now been told the due date (see notifications/calendar_emails.py).
    ids = [audit.id for audit, _ in new]
    for start in range(0, len(ids), 1000):
        session.execute(
            update(Audit)
            .where(col(Audit.id).in_(ids[start : start + 1000]))
            .values(invite_due_on=Audit.due_on)
            .execution_options(synchronize_session="evaluate")
        )
    return len(emails)


def _key(audit_id: int | None) -> str:
    return f"allocation:{audit_id}"


def link_ttl(now: datetime, due_on: date) -> timedelta:
    """How long a request link signed at ``now`` lives: to the end of the 30th day after the due
    date (London), and at least a day, so that a link is never dead on arrival."""
    last_day = due_on + timedelta(days=LINK_DAYS_AFTER_DUE)
    ends = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=LONDON)
    return max(ends - now, timedelta(days=1))


def _link(context: EmailContext, purpose: str, audit: Audit) -> str:
    assert audit.id is not None
    ttl = link_ttl(context.now, audit.due_on)
    return make_link(
        context.site, purpose, audit.id, audit.auditor_id, context.now, ttl, context.secret
    )


def allocation_notice(
    audit: Audit,
    person: Staff,
    context: EmailContext,
    *,
    with_links: bool = True,
    due_on: date | None = None,
) -> AllocationNotice:
    """What the auditor's calendar invitation (and allocation email) says of ``audit``: its slot
    before its due date (or ``due_on``, the date it will have), at its invitation SEQUENCE."""
    assert audit.id is not None
    due_on = due_on or audit.due_on
    start, end = audit_slot(audit.allocated_on, due_on)
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
        due_on=due_on,
        link=f"{context.site}/audits/{audit.id}",
        slot_start=start.replace(tzinfo=LONDON),
        slot_end=end.replace(tzinfo=LONDON),
        organiser_email=context.organiser,
        extension_link=_link(context, "extension-request", audit) if with_links else "",
        exemption_link=_link(context, "exemption-request", audit) if with_links else "",
        invite_sequence=audit.invite_sequence,
    )


def _outgoing(notice: AllocationNotice, context: EmailContext) -> outbox_store.Outgoing:
    email = render_allocation(notice, context.programme_name, context.attaches_files)
    return outgoing(email, _key(notice.audit_id), "allocation")
