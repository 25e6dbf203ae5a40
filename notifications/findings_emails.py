"""The findings email: when an audit is completed, the case's social worker and their Team
Manager are sent a link to what the audit found, written in the completion's transaction.

The seed's programme shares findings "with individual social workers and their managers". The
email carries the case reference, the audit, the judgement and a link signed for its recipient
alone to ``/audits/{id}/findings`` (judgement, theme findings, reflection, actions and, for the
worker, a form to respond); never a finding's or the reflection's words, which may describe the
child. Every completion path (``audits complete``, the completions CSV, the completion form)
writes these under the completion's own outbox cause, beside the action owners' emails
(``notifications.action_emails.write_for_audits``). A case with no ``worker_id`` sends none.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from config.signed_links import make_link
from models import outbox_store
from models.cases import Case
from models.people import Staff
from models.programme import Audit
from notifications.email_context import EmailContext
from notifications.invite import human_date
from notifications.messages import Notice
from notifications.outgoing import outgoing
from notifications.render import render_notice
from rules.policy import JUDGEMENT_LABELS

#: How long the findings link lives: long enough to read and answer after supervision; once
#: used (or expired), the social worker's "My cases" page still leads to the findings.
FINDINGS_LINK_TTL = timedelta(days=60)
KIND = "audit-findings"


def write_findings_emails(
    session: Session, audit_ids: Sequence[int], context: EmailContext, cause: str
) -> int:
    """Write the findings emails of the completed audits among ``audit_ids`` under ``cause``
    (once per audit and person: a rerun writes nothing new); how many were new."""
    emails = []
    for audit_id in audit_ids:
        audit = session.get(Audit, audit_id)
        if audit is None or audit.status != "completed":
            continue
        for person in findings_recipients(session, audit):
            notice = findings_notice(audit, person, context)
            key = f"audit:{audit_id}:findings:to:{person.email.lower()}"
            emails.append(outgoing(render_notice(notice, context.programme_name), key, KIND))
    return len(outbox_store.enqueue(session, emails, cause))


def findings_recipients(session: Session, audit: Audit) -> list[Staff]:
    """The case's social worker (if active) and their line manager; a worker with no active
    line manager has the case team's active Team Managers told instead. Nobody when the case
    has no worker."""
    case = session.get(Case, audit.case_ref)
    worker = session.get(Staff, case.worker_id) if case and case.worker_id else None
    if worker is None:
        return []
    manager = session.get(Staff, worker.line_manager_id) if worker.line_manager_id else None
    managers = [manager] if manager is not None and _reachable(manager) else []
    if not managers:
        managers = list(
            session.scalars(
                select(Staff)
                .where(
                    col(Staff.role) == "team_manager",
                    col(Staff.team) == audit.case_team,
                    col(Staff.active),
                    col(Staff.in_latest_export),
                )
                .order_by(col(Staff.staff_id))
            )
        )
    people = ([worker] if _reachable(worker) else []) + managers
    return [person for person in people if person.email]


def _reachable(person: Staff) -> bool:
    return person.active and person.in_latest_export


def findings_notice(audit: Audit, person: Staff, context: EmailContext) -> Notice:
    """``person``'s email about the completed ``audit``: facts and a link, never free text."""
    assert audit.id is not None and audit.judgement is not None and audit.completed_on
    judgement = JUDGEMENT_LABELS.get(audit.judgement, audit.judgement)
    facts = (
        ("Case reference", audit.case_ref),
        ("Audit", str(audit.id)),
        ("Judgement", judgement),
        ("Completed on", human_date(audit.completed_on)),
    )
    link = make_link(
        context.site, "audit-findings", audit.id, person.staff_id, context.now,
        FINDINGS_LINK_TTL, context.secret,
    )  # fmt: skip
    return Notice(
        person.email,
        person.name,
        f"Audit findings: case {audit.case_ref} ({judgement})",
        facts,
        "An audit of this case has been completed. The link shows its judgement, the findings "
        "for each practice theme, the reflection and any actions (their words stay out of "
        "emails, as they may say something about the child). The case's social worker can add "
        "a response there.",
        link,
        f"Read the findings of audit {audit.id}",
    )
