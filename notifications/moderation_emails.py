"""Moderation's emails, written in the transaction that draws a sample or moderates an audit.

- A sample drawn: each active APS member gets the list, with a link (signed for them alone) to
  moderate each audit not moderated yet. One email per draw: the key holds the cycle and a hash
  of the sample's audit ids, so a rerun that draws the same sample writes nothing new.
- An audit moderated: when the moderator disagrees, its auditor is told both judgements and the
  moderator's note (the issue asks for the note: it is about the audit, written for the auditor);
  a re-audit the new judgement calls for is scheduled and, in a month already allocated, its
  auditor gets the allocation email (``notifications.reaudit_emails``, as a completion does); a
  re-audit no longer called for is withdrawn and, if its auditor had been told of it, they are
  told and their calendar slot cancelled (as an approved exemption does).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session

from config.signed_links import make_link
from models import chase_store, outbox_store
from models.moderation_store import Moderated, SampleLine, moderate
from models.people import Staff
from models.programme import Audit, Cycle
from notifications.calendar_emails import next_invitation
from notifications.email_context import EmailContext
from notifications.invite import cycle_label, kind_word
from notifications.messages import Email, Notice
from notifications.outgoing import outgoing
from notifications.reaudit_emails import schedule_and_write
from notifications.render import one_line, render_email_template, render_notice
from rules.policy import JUDGEMENT_LABELS, Policy

#: How long an APS member's "moderate" link lives: a cycle's sample is read over some weeks.
MODERATE_LINK_TTL = timedelta(days=45)


def sample_cause(month: str, lines: Sequence[SampleLine]) -> str:
    """The outbox cause of one draw's emails: the cycle and a hash of the sample's audit ids."""
    ids = ",".join(str(line.audit_id) for line in sorted(lines, key=lambda x: x.audit_id))
    return f"moderation-sample:{month}:{hashlib.sha256(ids.encode()).hexdigest()[:16]}"


def moderation_cause(audit_id: int) -> str:
    """The outbox cause of the emails one moderation causes."""
    return f"moderation:{audit_id}"


@dataclass(frozen=True)
class SampleRow:
    """One audit of the list as the email shows it: words and a link, nothing else."""

    audit: str
    case_ref: str
    judgement: str
    link: str  # "" when this APS member cannot moderate it (moderated already, or theirs)


def write_sample_emails(
    session: Session, month: str, lines: Sequence[SampleLine], context: EmailContext
) -> str:
    """Email each active APS member the sample (nothing for an empty one, nothing new for the
    same sample again); the emails' cause."""
    cause = sample_cause(month, lines)
    if not lines or outbox_store.has_cause(session, cause):
        return cause
    directory = chase_store.people(session)
    emails = []
    for aps in chase_store.aps_team(directory):
        person = directory[aps]
        if not person.email:
            continue
        email = _sample_email(month, lines, person.staff_id, person.name, person.email, context)
        emails.append(outgoing(email, f"{cause}:to:{person.email.lower()}", "moderation-sample"))
    outbox_store.enqueue(session, emails, cause)
    return cause


def _sample_email(
    month: str,
    lines: Sequence[SampleLine],
    staff_id: str,
    name: str,
    address: str,
    context: EmailContext,
) -> Email:
    rows = [
        SampleRow(
            str(line.audit_id),
            line.case_ref,
            JUDGEMENT_LABELS.get(line.judgement, line.judgement),
            ""
            if line.moderation is not None or line.auditor_id == staff_id
            else make_link(
                context.site,
                "moderate-audit",
                line.audit_id,
                staff_id,
                context.now,
                MODERATE_LINK_TTL,
                context.secret,
            ),
        )  # fmt: skip
        for line in lines
    ]
    audits = "1 audit" if len(rows) == 1 else f"{len(rows)} audits"
    subject = one_line(f"Moderate: {audits} of {cycle_label(month)}")
    html, text = render_email_template(
        "moderation_sample",
        {
            "subject": subject,
            "programme_name": context.programme_name,
            "recipient_name": name,
            "rows": rows,
            "cycle": cycle_label(month),
            "aps_page": f"{context.site}/aps/moderation?month={month}",
        },
    )
    return Email(to=address, subject=subject, text=text, html=html)


def moderate_and_write(
    session: Session,
    audit_id: int,
    judgement: str,
    note: str,
    by: str,
    on: date,
    policy: Policy,
    context: EmailContext,
) -> Moderated:
    """Moderate the audit (``models.moderation_store.moderate``) and write what follows: the
    re-audit scheduled (on ``on``) or its withdrawal told, and the auditor's email when the
    moderator disagrees; all under :func:`moderation_cause`."""
    done = moderate(session, audit_id, judgement, note, by, on, policy)
    cause = moderation_cause(audit_id)
    if done.reaudit_change == "schedule":
        schedule_and_write(session, policy, on, context, cause)
    if done.withdrawn is not None:
        _write_withdrawn(session, done.withdrawn, context, cause)
    if not done.moderation.agreed:
        _write_disagreed(session, done, context, cause)
    return done


def _write_disagreed(session: Session, done: Moderated, context: EmailContext, cause: str) -> None:
    moderation, audit = done.moderation, done.audit
    auditor = session.get(Staff, moderation.auditor_id)
    if auditor is None or not auditor.email:
        return
    moderator = session.get(Staff, moderation.moderated_by)
    notice = Notice(
        auditor.email,
        auditor.name,
        f"Your audit {audit.id} (case {audit.case_ref}) was moderated: "
        f"{_label(moderation.moderated_judgement)}",
        (
            ("Case reference", audit.case_ref),
            ("Audit", f"{audit.id} ({kind_word(audit.kind).lower()}, {cycle_label(audit.cycle)})"),
            ("Your judgement", _label(moderation.auditor_judgement)),
            ("Moderated judgement", _label(moderation.moderated_judgement)),
            ("Moderated by", moderator.name if moderator else moderation.moderated_by),
            ("Moderator's note", moderation.note),
        ),
        "The APS team re-read this audit and reached a different judgement; the moderated "
        "judgement now stands in every figure. The note says why: talk to the APS team if you "
        "would like to discuss it.",
        f"{context.site}/audits/{audit.id}",
        f"Open audit {audit.id} (case {audit.case_ref})",
    )
    key = f"{cause}:disagreed:to:{auditor.email.lower()}"
    outbox_store.enqueue(
        session, [outgoing(render_notice(notice, context.programme_name), key, "moderation")], cause
    )


def _write_withdrawn(session: Session, reaudit: Audit, context: EmailContext, cause: str) -> None:
    """Tell the re-audit's auditor it is withdrawn (cancelling their slot), if they were told
    of it: a re-audit in a month not yet allocated was never announced."""
    cycle = session.get(Cycle, reaudit.cycle)
    auditor = session.get(Staff, reaudit.auditor_id)
    if cycle is None or cycle.status != "allocated" or auditor is None or not auditor.email:
        return
    invite = next_invitation(reaudit, auditor, context, "CANCEL")
    gone = " The calendar invitation attached takes its slot out of your calendar."
    notice = Notice(
        auditor.email,
        auditor.name,
        f"Re-audit {reaudit.id} (case {reaudit.case_ref}) has been withdrawn",
        (
            ("Case reference", reaudit.case_ref),
            ("Re-audit", f"{reaudit.id} ({cycle_label(reaudit.cycle)})"),
        ),
        "The APS team moderated the audit this re-audit followed, and its judgement no longer "
        "calls for a re-audit: you need not do it." + (gone if invite else ""),
        f"{context.site}/audits/{reaudit.id}",
        f"See re-audit {reaudit.id}",
    )
    email = render_notice(notice, context.programme_name, invite)
    key = f"{cause}:reaudit-withdrawn:{reaudit.id}:to:{auditor.email.lower()}"
    outbox_store.enqueue(session, [outgoing(email, key, "reaudit-withdrawn")], cause)


def _label(judgement: str) -> str:
    return JUDGEMENT_LABELS.get(judgement, judgement)
