"""The demo's oversight of the audits themselves, through the real stores and emails:

- two safeguarding concerns: one acknowledged by the case team's manager that afternoon, one
  left a day (so the next morning's chase escalates it to the Director) and acknowledged after;
- the case's social worker responding to one audit in three, two working days after it is
  completed (they were emailed its findings when it was);
- the month's moderation sample drawn once the due date has passed, and APS moderating it:
  agreeing with most auditors, and changing one judgement in four by a step.

All text is synthetic and says nothing about any child.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time

from sqlalchemy import select
from sqlmodel import Session, col

from config.clock import LONDON
from models import chase_store
from models.base import saved_id
from models.concern_store import acknowledge, case_managers, concern_team, raise_concern
from models.concerns import SafeguardingConcern
from models.moderation_store import draw_sample
from models.programme import Audit
from models.response_store import add_response, case_worker
from models.responses import PractitionerResponse
from notifications.concern_emails import concern_raised_cause, write_raised_emails
from notifications.email_context import EmailContext
from notifications.moderation_emails import moderate_and_write, write_sample_emails
from rules.errors import RuleError
from rules.policy import JUDGEMENTS, Policy
from rules.working_days import working_days_between

CONCERN_TEXTS = (
    "Synthetic demo concern: a new referral from school is not yet on the plan; please check "
    "today that the strategy discussion has been held.",
    "Synthetic demo concern: the last two planned visits did not happen and no one has seen "
    "the child since; please arrange a visit.",
)
ACKNOWLEDGE_NOTE = "Seen; the worker and I are visiting today and will update the plan."
RESPONSES = (
    "Thank you: the chronology is now up to date and the plan reviewed with the family.",
    "I agree with the findings; supervision is booked to look at the drift together.",
    "The visits were late because of sickness cover; they are back on track now.",
)
MODERATION_NOTES = {
    True: "Read again against the practice standards: the auditor's judgement stands.",
    False: "The plan had not been reviewed since the last core group: judgement changed.",
}
#: The APS member who moderates the demo's sample.
MODERATOR = "APS02"
#: Responses come this many working days after the completion.
RESPOND_AFTER = 2


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment of a demo day, in Europe/London (stored as UTC by the models)."""
    return datetime.combine(day, time(hour, minute), LONDON)


def raise_concern_on(
    session: Session, audit: Audit, text: str, day: date, hour: int, context: EmailContext
) -> SafeguardingConcern:
    """The auditor raises a concern on ``audit``; its emails are written at once."""
    concern = raise_concern(
        session, saved_id(audit), text, audit.auditor_id, day, now=at(day, hour, 15)
    )
    write_raised_emails(session, concern, context, concern_raised_cause(saved_id(concern)))
    return concern


def acknowledge_by_manager(session: Session, concern: SafeguardingConcern, when: datetime) -> None:
    """The case team's first manager acknowledges the concern at ``when``."""
    audit = session.get(Audit, concern.audit_id)
    assert audit is not None
    managers = case_managers(chase_store.people(session), concern_team(session, audit))
    if managers:
        acknowledge(session, saved_id(concern), ACKNOWLEDGE_NOTE, managers[0], now=when)


def respond_today(session: Session, day: date) -> int:
    """One in three audits completed ``RESPOND_AFTER`` working days ago gets its social
    worker's response; how many."""
    query = (
        select(Audit)
        .where(col(Audit.status) == "completed", col(Audit.completed_on) < day)
        .order_by(col(Audit.id))
    )
    answered = 0
    for audit in session.scalars(query).all():
        assert audit.completed_on is not None and audit.id is not None
        if audit.id % 3 or working_days_between(audit.completed_on, day) != RESPOND_AFTER:
            continue
        worker = case_worker(session, audit)
        if worker is None or _responded(session, audit.id):
            continue
        try:
            line = add_response(session, audit.id, RESPONSES[audit.id % len(RESPONSES)], worker)
        except RuleError:
            continue  # e.g. a worker who has left: the demo just moves on
        line.response.created_at = at(day, 14, 30)
        answered += 1
    return answered


def moderate_month(
    session: Session, policy: Policy, month: str, day: date, seed: int, context: EmailContext
) -> tuple[int, int]:
    """Draw the month's sample, email it to APS, and moderate it; (moderated, changed)."""
    sample = draw_sample(session, month, policy, day)
    write_sample_emails(session, month, sample, context)
    rng = random.Random(f"{seed}:{month}:moderation")
    changed = 0
    for line in sample:
        if line.moderation is not None or line.auditor_id == MODERATOR:
            continue
        judgement = moderated_judgement(line.judgement, rng)
        agreed = judgement == line.judgement
        moderate_and_write(
            session, line.audit_id, judgement, MODERATION_NOTES[agreed], MODERATOR, day, policy,
            context,
        )  # fmt: skip
        changed += not agreed
    return len(sample), changed


def moderated_judgement(judgement: str, rng: random.Random) -> str:
    """Mostly the auditor's; one in four a step better or worse."""
    if rng.random() >= 0.25:
        return judgement
    index = JUDGEMENTS.index(judgement)
    step = rng.choice((-1, 1)) if 0 < index < len(JUDGEMENTS) - 1 else (1 if index == 0 else -1)
    return JUDGEMENTS[index + step]


def summary_lines(session: Session) -> list[str]:
    """How the demo's oversight stands at the end of the month."""
    concerns = list(session.scalars(select(SafeguardingConcern)))
    acknowledged = sum(c.status == "acknowledged" for c in concerns)
    responses = len(list(session.scalars(select(col(PractitionerResponse.id)))))
    return [
        f"  safeguarding concerns: {len(concerns)} raised, {acknowledged} acknowledged "
        "(`audits concerns --json`)",
        f"  practitioner responses: {responses} (`audits show AUDIT_ID`)",
    ]


def _responded(session: Session, audit_id: int) -> bool:
    query = select(col(PractitionerResponse.id)).where(
        col(PractitionerResponse.audit_id) == audit_id
    )
    return session.scalars(query).first() is not None
