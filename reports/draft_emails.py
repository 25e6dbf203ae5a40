"""The email that tells the APS team a month's draft highlight report is ready to review.

It carries the month and the link to the review page, never the report's contents: the draft
is read (and approved) on the page, by someone signed in."""

from __future__ import annotations

from sqlmodel import Session

from models import chase_store, outbox_store
from notifications.messages import Notice
from notifications.outgoing import outgoing
from notifications.render import render_notice
from reports.html import month_label


def draft_cause(month: str) -> str:
    """The outbox cause of a month's draft-ready emails."""
    return f"report-draft:{month}"


def review_link(base_url: str, month: str) -> str:
    return f"{base_url.rstrip('/')}/aps/reports/{month}"


def write_draft_ready_emails(
    session: Session, month: str, base_url: str, programme_name: str
) -> int:
    """One email to each active APS member, once per month (a rerun or a regenerated draft
    writes none again); how many were new."""
    label = month_label(month)
    directory = chase_store.people(session)
    emails = []
    for staff_id in chase_store.aps_team(directory):
        person = directory[staff_id]
        notice = Notice(
            person.email,
            person.name,
            f"Draft highlight report for {label} ready to review",
            (("Month", label), ("Status", "Draft: not yet sent to its readers")),
            f"The draft audit highlights report for {label} has been compiled. Nobody on the "
            "distribution list has it yet. Read it, add or change the commentary on each "
            "theme, and approve it on the review page: approving sends it to the distribution "
            "list.",
            review_link(base_url, month),
            f"Review the draft report for {label}",
        )
        email = render_notice(notice, programme_name)
        key = f"{draft_cause(month)}:to:{person.email.lower()}"
        emails.append(outgoing(email, key, "report-draft"))
    return len(outbox_store.enqueue(session, emails, draft_cause(month)))
