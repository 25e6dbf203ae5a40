"""The emails of a safeguarding concern: when it is raised, and each working day it stays open.

A concern cannot wait in an inbox: every one of these is its own email (never folded into a
digest), sent marked high importance (the outbox kinds ``concern-raised`` and ``concern-chase``
are ``messages.HIGH_IMPORTANCE_KINDS``). Each carries the case reference, the audit, who raised
it and when, how long it has been open and a link signed for its recipient alone to the page
that shows the concern and takes the acknowledgement: never the concern's text, which may
describe the child.

Keys are unique per concern, recipient and day, so a rerun of the chase writes nothing new.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from sqlmodel import Session

from config.clock import LONDON
from config.signed_links import make_link
from models import outbox_store
from models.chase_store import Person, people
from models.concern_chase_store import ConcernPlan, OpenConcern
from models.concern_store import concern_team, directors, recipients
from models.concerns import SafeguardingConcern
from models.outbox_store import Outgoing
from models.programme import Audit
from notifications.digest_words import counted
from notifications.email_context import EmailContext
from notifications.invite import human_date
from notifications.messages import Notice
from notifications.outgoing import outgoing
from notifications.render import render_notice
from rules.working_days import working_days_between

#: How long an acknowledgement link lives: each day's re-send carries a new one.
ACKNOWLEDGE_LINK_TTL = timedelta(days=30)
RAISED_KIND, CHASE_KIND = "concern-raised", "concern-chase"
TO_ACKNOWLEDGE = (
    "The concern is behind the link: its details stay out of emails, as they may describe the "
    "child. Read it and acknowledge it there with a note of what is being done."
)


def concern_raised_cause(concern_id: int) -> str:
    """The outbox cause of a concern's emails when it is raised (sent before the raise ends)."""
    return f"concern:{concern_id}:raised"


def write_raised_emails(
    session: Session, concern: SafeguardingConcern, context: EmailContext, cause: str
) -> int:
    """Write the emails of a concern just raised, under ``cause``: one to each Team Manager
    and Service Manager of the case's team and each APS member; how many were new."""
    audit = session.get(Audit, concern.audit_id)
    assert audit is not None and concern.id is not None  # a foreign key; flushed
    about = OpenConcern(
        concern.id, audit.id or 0, audit.case_ref, concern_team(session, audit),
        concern.raised_by, concern.raised_at, concern.raised_on,
    )  # fmt: skip
    directory = people(session)
    emails = [
        _email(about, directory[staff_id], directory, "raised", concern.raised_on, context)
        for staff_id in recipients(directory, about.team)
        if directory[staff_id].email
    ]
    return len(outbox_store.enqueue(session, _distinct(emails), cause))


def write_chase_emails(
    session: Session, plan: ConcernPlan, directory: Mapping[str, Person], today: date,
    context: EmailContext,
) -> int:  # fmt: skip
    """Write today's re-sends of the open concerns in ``plan``: to the same people as when
    each was raised, and for an escalated one to the Directors too; how many were new."""
    emails = []
    for concern, stage in plan.steps:
        to = recipients(directory, concern.team)
        told = [(staff_id, stage) for staff_id in to]
        if stage == "concern_escalation":
            told += [
                (staff_id, "director") for staff_id in directors(directory) if staff_id not in to
            ]
        for staff_id, how in told:
            if directory[staff_id].email:
                emails.append(_email(concern, directory[staff_id], directory, how, today, context))
    return len(outbox_store.enqueue(session, _distinct(emails)))


def _distinct(emails: Sequence[Outgoing]) -> list[Outgoing]:
    """One email per key (two members of staff may share an address)."""
    return list({email.key: email for email in emails}.values())


def _email(
    concern: OpenConcern, person: Person, directory: Mapping[str, Person], how: str, today: date,
    context: EmailContext,
) -> Outgoing:  # fmt: skip
    """``how``: ``raised``, ``concern_open``, ``concern_escalation`` or ``director``."""
    notice = _notice(concern, person, directory, how, today, context)
    address = person.email.lower()
    if how == "raised":
        key, kind = f"concern:{concern.concern_id}:raised:to:{address}", RAISED_KIND
    else:
        key, kind = f"concern:{concern.concern_id}:chase:{today}:to:{address}", CHASE_KIND
    return outgoing(render_notice(notice, context.programme_name), key, kind)


def _notice(
    concern: OpenConcern, person: Person, directory: Mapping[str, Person], how: str, today: date,
    context: EmailContext,
) -> Notice:  # fmt: skip
    raiser = directory.get(concern.raised_by)
    raised_by = f"{raiser.name}, {raiser.team or 'APS'}" if raiser else concern.raised_by
    local = concern.raised_at.astimezone(LONDON)
    days_open = max(working_days_between(concern.raised_on, today), 0)
    facts = (
        ("Case reference", concern.case_ref),
        ("Audit", str(concern.audit_id)),
        ("Concern", str(concern.concern_id)),
        ("Raised by", raised_by),
        ("Raised", f"{human_date(local.date())} at {local:%H:%M}"),
        ("Working days open", str(days_open)),
    )
    link = make_link(
        context.site, "concern-acknowledge", concern.concern_id, person.staff_id, context.now,
        ACKNOWLEDGE_LINK_TTL, context.secret,
    )  # fmt: skip
    subject, message = _words(concern, how, days_open)
    link_text = f"Read concern {concern.concern_id} (case {concern.case_ref})"
    if how != "director":
        link_text = f"Read and acknowledge concern {concern.concern_id} (case {concern.case_ref})"
    return Notice(person.email, person.name, subject, facts, message, link, link_text)


def _words(concern: OpenConcern, how: str, days_open: int) -> tuple[str, str]:
    """The subject and the paragraph for each kind of email."""
    case, open_for = concern.case_ref, counted(days_open, "working day")
    if how == "raised":
        return (
            f"Safeguarding concern raised: case {case} — please acknowledge it today",
            "A safeguarding concern was raised during an audit of this case, and you are told "
            "of it as a manager of the case's team or as the APS team. " + TO_ACKNOWLEDGE + " "
            "It is sent again every working day until someone acknowledges it.",
        )
    if how == "director":
        return (
            f"Escalation: safeguarding concern on case {case} unacknowledged for {open_for}",
            f"This is an escalation. A safeguarding concern raised during an audit of this case "
            f"has not been acknowledged by the case team's managers or the APS team in "
            f"{open_for}. The link shows the concern (its details stay out of emails, as they "
            "may describe the child).",
        )
    escalated = " It has been escalated to the Directors." if how == "concern_escalation" else ""
    return (
        f"Safeguarding concern still open: case {case}, {open_for} — please acknowledge it",
        f"A safeguarding concern raised during an audit of this case is still not acknowledged "
        f"after {open_for}.{escalated} " + TO_ACKNOWLEDGE,
    )
