"""The email an action's owner gets when the action is set, written in the transaction that sets it.

The owner is told the case reference, the due date and who set it, with a link signed for them
alone to the page that shows what must change and where they mark it done with a note
(``/actions/{id}/done``). Whoever sets actions (``audits action add``, ``audits complete
--action``, the completions CSV, the completion form) writes these emails under the change's
own outbox cause, so that the change's delivery sends them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from config.signed_links import make_link
from models import outbox_store
from models.actions import AuditAction
from models.people import Staff
from models.programme import Audit
from notifications.email_context import EmailContext
from notifications.invite import human_date
from notifications.messages import Notice
from notifications.outgoing import outgoing
from notifications.render import render_notice

#: How long the owner's "mark it done" link lives: actions are often due weeks ahead, and the
#: link is used once; after that (or when it expires) the audit's page still lists the action.
DONE_LINK_TTL = timedelta(days=120)
#: How the email names a setter who is not a member of staff (``AuditAction.set_by``): the
#: completions CSV, or ``audits complete`` (which records no person).
SETTER_WORDS = {"import": "the completions import", "cli": "the audits command"}


def action_set_cause(action_id: int) -> str:
    """The outbox cause of the email of one action set by ``audits action add``."""
    return f"action:{action_id}:set"


def write_action_set_emails(
    session: Session, actions: Sequence[AuditAction], context: EmailContext, cause: str
) -> int:
    """Write the owner's email for each of ``actions`` under ``cause`` (once per action: a
    rerun writes nothing new); how many were new."""
    emails = []
    for action in actions:
        notice = action_set_notice(session, action, context)
        if notice is None:
            continue
        key = f"action:{action.id}:set:to:{notice.recipient_email.lower()}"
        emails.append(outgoing(render_notice(notice, context.programme_name), key, "action-set"))
    return len(outbox_store.enqueue(session, emails, cause))


def write_for_audits(
    session: Session, audit_ids: Sequence[int], context: EmailContext, cause: str
) -> int:
    """The owners' emails of every open action on ``audit_ids`` (after a completion that set
    some); actions already emailed are not emailed again."""
    if not audit_ids:
        return 0
    query = (
        select(AuditAction)
        .where(col(AuditAction.audit_id).in_(list(audit_ids)), col(AuditAction.status) == "open")
        .order_by(col(AuditAction.id))
    )
    return write_action_set_emails(session, list(session.scalars(query)), context, cause)


def action_set_notice(
    session: Session, action: AuditAction, context: EmailContext
) -> Notice | None:
    """The owner's email about ``action`` (None when the owner has no email address)."""
    owner = session.get(Staff, action.owner_id)
    audit = session.get(Audit, action.audit_id)
    if owner is None or audit is None or action.id is None or not owner.email:
        return None
    setter = session.get(Staff, action.set_by)
    set_by = (
        f"{setter.name}, {setter.team or 'APS'}"
        if setter is not None
        else SETTER_WORDS.get(action.set_by, action.set_by)
    )
    facts = (
        ("Case reference", audit.case_ref),
        ("Audit", str(audit.id)),
        ("Action", str(action.id)),
        ("Due date", human_date(action.due_on)),
        ("Set by", set_by),
        ("Set on", human_date(action.set_on)),
    )
    link = make_link(
        context.site, "action-done", action.id, owner.staff_id, context.now, DONE_LINK_TTL,
        context.secret,
    )  # fmt: skip
    return Notice(
        owner.email,
        owner.name,
        f"Action for you: case {audit.case_ref}, due {human_date(action.due_on)}",
        facts,
        "An audit of this case set an action, and you own it. The link shows what must change "
        "(free text stays out of emails, as it may say something about the child). When it is "
        "done, mark it done there with a note of what changed; it is chased until then.",
        link,
        f"Mark action {action.id} done",
    )
