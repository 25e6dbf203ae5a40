"""The allocation email: each auditor is told what they have been allocated, with a calendar
invitation to block out time for the audit and the reflection conversation, and signed links
(for them alone, usable once) to ask for an extension or an exemption."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

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
from web.links import make_link

#: The request links stay usable this long after the due date: a late request is still a request.
LINK_DAYS_AFTER_DUE = 30


def enqueue_allocation_emails(
    engine: Engine,
    month: str,
    base_url: str,
    organiser: str,
    programme_name: str,
    *,
    secret: str,
    now: datetime,
) -> int:
    """Write an allocation email for every audit of ``month`` that has none yet; how many.

    Runs after every allocation run, so that emails lost to a crash between the allocation and
    this step are written by the next run (each has a unique key: never twice). The links are
    signed with ``secret`` at ``now``; an email already written keeps the links it was sent with.
    """
    signer = _Signer(base_url, secret, now)
    with session_scope(engine) as session:
        audits = chase_store.audits_with_auditors(session, month)
        outgoing = [
            _outgoing(_notice(audit, person, signer, organiser), programme_name)
            for audit, person in audits
        ]
        return len(outbox_store.enqueue(session, outgoing))


def link_ttl(now: datetime, due_on: date) -> timedelta:
    """How long a request link signed at ``now`` lives: to the end of the 30th day after the due
    date (London), and at least a day, so that a link is never dead on arrival."""
    last_day = due_on + timedelta(days=LINK_DAYS_AFTER_DUE)
    ends = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=LONDON)
    return max(ends - now, timedelta(days=1))


class _Signer:
    """Signs the request links of one run: one base URL, one secret, one moment."""

    def __init__(self, base_url: str, secret: str, now: datetime) -> None:
        self.base_url, self.secret, self.now = base_url.rstrip("/"), secret, now

    def link(self, purpose: str, audit: Audit) -> str:
        assert audit.id is not None
        ttl = link_ttl(self.now, audit.due_on)
        return make_link(
            self.base_url, purpose, audit.id, audit.auditor_id, self.now, ttl, self.secret
        )


def _notice(audit: Audit, person: Staff, signer: _Signer, organiser: str) -> AllocationNotice:
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
        link=f"{signer.base_url}/audits/{audit.id}",
        slot_start=_london(start),
        slot_end=_london(end),
        organiser_email=organiser,
        extension_link=signer.link("extension-request", audit),
        exemption_link=signer.link("exemption-request", audit),
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
