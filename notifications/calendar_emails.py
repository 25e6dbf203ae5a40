"""Keeping each auditor's calendar in step with their audits' due dates.

Every invitation of an audit has the allocation's UID; each later one takes the next SEQUENCE
(``Audit.invite_sequence``), and the audit remembers the due date its auditor was last told, by
the allocation email or a later one (``Audit.invite_due_on``). A change that makes that date
wrong (an approved extension, a pause that moves or will move a due date) sends an updated
invitation (METHOD:REQUEST) with its email; releasing the auditor (an approved exemption, a
withdrawal) sends a cancellation (METHOD:CANCEL). On a transport that attaches nothing (GOV.UK
Notify) the emails go all the same, and no invitation goes nor is one mentioned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from models import outbox_store
from models.people import Staff
from models.programme import Audit
from notifications.allocation_emails import allocation_notice
from notifications.email_context import EmailContext
from notifications.messages import Attachment, Notice
from notifications.outgoing import outgoing
from notifications.render import invite_attachment, render_notice

#: What an update's email says: (subject, message) for the audit and the due date it now shows.
Words = Callable[[Audit, date], tuple[str, str]]


def next_invitation(
    audit: Audit, auditor: Staff, context: EmailContext, method: str, due_on: date | None = None
) -> tuple[Attachment, ...]:
    """The audit's next invitation (``REQUEST`` for the slot before ``due_on``, default its due
    date; ``CANCEL``), taking the next SEQUENCE; and the auditor is taken to have been told
    that date. No invitation on a transport that attaches nothing."""
    shown = due_on or audit.due_on
    audit.invite_due_on = shown if method == "REQUEST" else None
    if not context.attaches_files:
        return ()
    audit.invite_sequence += 1
    notice = allocation_notice(audit, auditor, context, with_links=False, due_on=shown)
    return (invite_attachment(notice, method),)


def write_invitation_updates(
    session: Session, wanted: Mapping[int, date], context: EmailContext, cause: str, words: Words
) -> int:
    """For each audit of ``wanted`` still to do whose auditor was last told another date than
    the one wanted, an email to its auditor with the updated invitation; how many were
    written."""
    if not wanted:
        return 0
    rows = session.execute(
        select(Audit, Staff)
        .join(Staff, col(Staff.staff_id) == col(Audit.auditor_id))
        .where(col(Audit.id).in_(list(wanted)), col(Audit.status) == "allocated")
        .order_by(col(Audit.id))
    ).all()
    updates = []
    for audit, auditor in rows:
        due = wanted[audit.id]
        if audit.invite_due_on == due:
            continue
        invite = next_invitation(audit, auditor, context, "REQUEST", due)
        subject, message = words(audit, due)
        notice = Notice(
            auditor.email,
            auditor.name,
            subject,
            (("Case reference", audit.case_ref), ("Audit", f"{audit.id} ({audit.cycle})")),
            message + (" The calendar invitation attached moves your slot." if invite else ""),
            f"{context.site}/audits/{audit.id}",
            f"Open audit {audit.id} (case {audit.case_ref})",
        )
        email = render_notice(notice, context.programme_name, invite)
        key = f"{cause}:invite:{audit.id}:{audit.invite_sequence}"
        updates.append(outgoing(email, key, "calendar-update"))
    outbox_store.enqueue(session, updates, cause)
    return len(updates)
