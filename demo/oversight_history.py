"""The replayed history's oversight (``demo.history``): in each of the report's last 12 cycles,
APS moderate the sample, the case's social workers respond to one audit in three, and a
concern or two is raised and acknowledged, so that the report's section on them has a year to
show. No emails: the history is a record, not a month being run."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from demo.oversight import (
    ACKNOWLEDGE_NOTE,
    CONCERN_TEXTS,
    MODERATION_NOTES,
    MODERATOR,
    RESPONSES,
    at,
    moderated_judgement,
)
from models import chase_store
from models.base import saved_id
from models.concern_store import acknowledge, case_managers, concern_team, raise_concern
from models.moderation_store import draw_sample, moderate
from models.programme import Audit
from models.response_store import add_response, case_worker
from rules.errors import RuleError
from rules.policy import Policy
from rules.working_days import add_working_days, last_working_day_of_month


def oversee_month(session: Session, policy: Policy, month: str, seed: int) -> tuple[int, int]:
    """The month's oversight, on the third working day after its last; (moderated, changed)."""
    day = add_working_days(last_working_day_of_month(int(month[:4]), int(month[5:])), 3)
    rng = random.Random(f"{seed}:{month}:oversight")
    completed = list(
        session.scalars(
            select(Audit)
            .where(col(Audit.cycle) == month, col(Audit.status) == "completed")
            .order_by(col(Audit.id))
        )
    )
    if not completed:  # a paused month: nothing to oversee
        return 0, 0
    for audit in completed[: rng.randint(1, 2)]:
        _concern(session, audit, rng)
    for audit in completed:
        if saved_id(audit) % 3 == 0:
            _respond(session, audit)
    changed = moderated = 0
    for line in draw_sample(session, month, policy, day):
        if line.auditor_id == MODERATOR:
            continue
        judgement = moderated_judgement(line.judgement, rng)
        agreed = judgement == line.judgement
        moderate(
            session, line.audit_id, judgement, MODERATION_NOTES[agreed], MODERATOR, day, policy
        )
        moderated += 1
        changed += not agreed
    return moderated, changed


def _concern(session: Session, audit: Audit, rng: random.Random) -> None:
    raised_on = audit.completed_on or audit.allocated_on
    raised_at = at(raised_on, 10)
    concern = raise_concern(
        session, saved_id(audit), rng.choice(CONCERN_TEXTS), audit.auditor_id, raised_on,
        now=raised_at,
    )  # fmt: skip
    managers = case_managers(chase_store.people(session), concern_team(session, audit))
    if managers:
        later = raised_at + timedelta(hours=rng.choice((2, 3, 5, 6, 20, 26)))
        acknowledge(session, saved_id(concern), ACKNOWLEDGE_NOTE, managers[0], now=later)


def _respond(session: Session, audit: Audit) -> None:
    worker = case_worker(session, audit)
    if worker is None or audit.completed_on is None:
        return
    try:
        line = add_response(session, saved_id(audit), RESPONSES[saved_id(audit) % 3], worker)
    except RuleError:
        return
    line.response.created_at = at(add_working_days(audit.completed_on, 2), 14, 30)
