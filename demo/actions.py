"""The demo's audit actions: set on the day an audit is completed (when its judgement calls for
change), owned by the case team's Team Manager, due a few working days on, so that by the
demo's last day some are done, some still open and some overdue long enough for the daily chase
to escalate them; a few are marked done by their owners some days after they were set.
"""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from models.action_store import add_action, mark_done
from models.actions import AuditAction
from models.people import Staff
from models.programme import Audit
from notifications.action_emails import write_action_set_emails
from notifications.email_context import EmailContext
from rules.actions import ActionDraft, ActionError
from rules.working_days import add_working_days, working_days_between

#: Judgements whose audits set actions in the demo; one in three "good" audits sets one too.
ACTING_JUDGEMENTS = ("requires_improvement", "inadequate")
ACTION_TEXTS = (
    "Hold a core group meeting and record its decisions on the child's file",
    "Bring supervision up to date and record the management decision",
    "Update the chronology and review the plan against it",
    "Complete the updated assessment, including the child's own views",
    "Review the plan with partner agencies at the next meeting",
)
DONE_NOTES = ("Done and recorded on the file", "Held with partners; minutes on the file")
#: Actions done by their owner this many working days after they were set (one in three).
DONE_AFTER = 4


def set_on_completion(
    session: Session, audit: Audit, day: date, judgement: str, rng: random.Random,
    context: EmailContext,
) -> int:  # fmt: skip
    """Set the completed audit's actions (if its judgement calls for any) and write their
    owners' emails; how many were set."""
    if judgement not in ACTING_JUDGEMENTS and rng.random() > 0.33:
        return 0
    owner = _case_team_manager(session, audit)
    if owner is None or audit.id is None:
        return 0
    count = 2 if judgement == "inadequate" else 1
    actions = []
    for n in range(count):
        due = add_working_days(day, rng.randint(2, 6) + 5 * n)
        draft = ActionDraft(owner, due, rng.choice(ACTION_TEXTS))
        try:
            actions.append(add_action(session, audit.id, draft, day, audit.auditor_id))
        except ActionError:
            continue  # an ineligible owner: the demo's council always has one, but be safe
    write_action_set_emails(session, actions, context, f"completion:{audit.id}")
    return len(actions)


def done_today(session: Session, day: date) -> int:
    """Mark done, by their owners, one in three open actions set ``DONE_AFTER`` working days
    ago; how many."""
    query = (
        select(AuditAction).where(col(AuditAction.status) == "open").order_by(col(AuditAction.id))
    )
    marked = 0
    for action in session.scalars(query).all():
        if action.id is None or action.id % 3 or action.set_on >= day:
            continue
        if working_days_between(action.set_on, day) != DONE_AFTER:
            continue
        mark_done(session, action.id, day, DONE_NOTES[action.id % 2], action.owner_id, day)
        marked += 1
    return marked


def _case_team_manager(session: Session, audit: Audit) -> str | None:
    query = (
        select(col(Staff.staff_id))
        .where(
            col(Staff.role) == "team_manager",
            col(Staff.team) == audit.case_team,
            col(Staff.active),
        )
        .order_by(col(Staff.staff_id))
    )
    return session.scalars(query).first()


def summary_line(session: Session, today: date) -> str:
    """How the demo's actions stand on its last day."""
    actions = list(session.scalars(select(AuditAction)))
    done = sum(a.status == "done" for a in actions)
    overdue = sum(a.status == "open" and a.due_on < today for a in actions)
    return (
        f"  audit actions: {len(actions)} set, {done} done, {len(actions) - done - overdue} open, "
        f"{overdue} overdue (`audits actions --status overdue --on {today}`)"
    )
