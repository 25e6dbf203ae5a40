"""When, in the demo's month, the oversight of ``demo.oversight`` happens: each working day's
step before the chase runs."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from demo.oversight import (
    CONCERN_TEXTS,
    acknowledge_by_manager,
    at,
    moderate_month,
    raise_concern_on,
    respond_today,
)
from models.concerns import SafeguardingConcern
from models.db import session_scope
from models.programme import Audit
from notifications.email_context import EmailContext
from rules.months import month_of
from rules.policy import Policy
from rules.working_days import add_working_days


class Oversight:
    """The month's concerns, responses and moderation, day by day."""

    def __init__(
        self,
        engine: Engine,
        policy: Policy,
        seed: int,
        context: EmailContext,
        allocated_on: date,
        due_on: date,
    ) -> None:
        self.engine, self.policy, self.seed, self.context = engine, policy, seed, context
        self.month = month_of(allocated_on)
        #: The first concern is acknowledged that afternoon; the second waits two working days.
        self.concern_days = (add_working_days(allocated_on, 6), add_working_days(allocated_on, 9))
        self.acknowledge_late_on = add_working_days(self.concern_days[1], 2)
        #: The sample is drawn and moderated once the month's audits were due.
        self.moderate_on = add_working_days(due_on, 3)

    def before_chase(self, day: date) -> list[str]:
        """Do the day's oversight; the lines to print."""
        lines = []
        with session_scope(self.engine) as session:
            if day in self.concern_days:
                audit = self._audit_to_raise_on(session, self.concern_days.index(day))
                if audit is not None:
                    concern = raise_concern_on(
                        session, audit, CONCERN_TEXTS[self.concern_days.index(day)], day, 11,
                        self.context,
                    )  # fmt: skip
                    lines.append(
                        f"  {day:%a %d %b}: safeguarding concern {concern.id} raised on case "
                        f"{audit.case_ref}; its emails go at once"
                    )
                    if day == self.concern_days[0]:
                        acknowledge_by_manager(session, concern, at(day, 15, 45))
            if day == self.acknowledge_late_on:
                for concern in self._open_concerns(session):
                    acknowledge_by_manager(session, concern, at(day, 9, 30))
                    lines.append(
                        f"  {day:%a %d %b}: safeguarding concern {concern.id} acknowledged"
                    )
            respond_today(session, day)
            if day == self.moderate_on:
                sampled, changed = moderate_month(
                    session, self.policy, self.month, day, self.seed, self.context
                )
                lines.append(
                    f"  {day:%a %d %b}: {sampled} audits of {self.month} sampled and moderated "
                    f"by APS, {changed} judgement(s) changed (`audits report --json`)"
                )
        return lines

    def _audit_to_raise_on(self, session: Session, which: int) -> Audit | None:
        query = select(Audit).where(col(Audit.status).in_(("allocated", "completed")))
        audits = list(session.scalars(query.order_by(col(Audit.id))))
        return audits[(which * 7) % len(audits)] if audits else None

    def _open_concerns(self, session: Session) -> list[SafeguardingConcern]:
        query = select(SafeguardingConcern).where(col(SafeguardingConcern.status) == "open")
        return list(session.scalars(query))
