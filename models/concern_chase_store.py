"""What a chase run reads of safeguarding concerns: the open ones, each with its case's team
now, and what today's run does with each (``rules.concerns.chase_stage``).

One query for every open concern, however many: a chase run never asks per concern. An
acknowledged concern is never read here, so never re-sent.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from models.cases import Case
from models.concerns import SafeguardingConcern
from models.programme import Audit
from rules.concerns import CONCERN_STAGES, chase_stage


@dataclass(frozen=True)
class OpenConcern:
    """An open concern as the chase's emails need it: never its text."""

    concern_id: int
    audit_id: int
    case_ref: str
    team: str  # the case's team now, else the audit's record of it
    raised_by: str
    raised_at: datetime
    raised_on: date


@dataclass(frozen=True)
class ConcernPlan:
    """Today's step for each open concern: ``concern_open`` (re-sent to the same people) or
    ``concern_escalation`` (and to the Directors); none on the day it was raised."""

    steps: tuple[tuple[OpenConcern, str], ...]

    def items_by_stage(self) -> dict[str, int]:
        """Concerns (not emails) by stage, every stage named."""
        counted = Counter(stage for _, stage in self.steps)
        return {stage: counted.get(stage, 0) for stage in CONCERN_STAGES}


def open_concerns(session: Session) -> list[OpenConcern]:
    """Every open concern, oldest first, with its case reference and the case's team now."""
    query = (
        select(
            col(SafeguardingConcern.id),
            col(SafeguardingConcern.audit_id),
            col(Audit.case_ref),
            func.coalesce(col(Case.team), col(Audit.case_team)),
            col(SafeguardingConcern.raised_by),
            col(SafeguardingConcern.raised_at),
            col(SafeguardingConcern.raised_on),
        )
        .join(Audit, col(Audit.id) == col(SafeguardingConcern.audit_id))
        .outerjoin(Case, col(Case.case_ref) == col(Audit.case_ref))
        .where(col(SafeguardingConcern.status) == "open")
        .order_by(col(SafeguardingConcern.raised_at), col(SafeguardingConcern.id))
    )
    return [OpenConcern(*row) for row in session.execute(query).all()]


def plan_concerns(session: Session, today: date, escalate_after_working_days: int) -> ConcernPlan:
    """Each open concern's step in today's run."""
    steps = []
    for concern in open_concerns(session):
        stage = chase_stage(concern.raised_on, today, escalate_after_working_days)
        if stage is not None:
            steps.append((concern, stage))
    return ConcernPlan(tuple(steps))
