"""What placing a re-audit in a cycle needs: the cycle's row, who may audit it, the case's team.

Shared by :mod:`models.reaudit_store` (a new re-audit) and :mod:`models.reaudit_moves` (one moved
out of a paused month), so that both place a re-audit by the same rules.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from models.allocation_store import cycle_exemptions, leave_in_window, staff_facts
from models.base import utcnow
from models.cases import Case
from models.people import Team
from models.programme import Audit, Cycle
from rules.due_dates import allocation_date, due_date
from rules.eligibility import eligible_auditors
from rules.policy import Policy
from rules.reaudits import ReauditorChoice, choose_reauditor
from rules.requests import Candidate


def ensure_cycle(session: Session, month: str, theme: str) -> None:
    """Make ``month``'s Cycle row if there is none, as ``planned``: a re-audit may fall in a
    month not allocated yet, and a planned cycle is still allocated in full when its day comes
    (``claim_cycle`` takes a planned cycle as its own)."""
    dialect = session.get_bind().dialect.name
    new = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(Cycle)
    session.execute(
        new.values(
            month=month, theme=theme, status="planned", created_at=utcnow()
        ).on_conflict_do_nothing()
    )


class Reauditors:
    """The cycle's eligible Team Managers (allocation's eligibility rules) with their audits in
    it, counted up as this run gives them re-audits."""

    def __init__(self, session: Session, month: str, policy: Policy) -> None:
        window = (allocation_date(month), due_date(month, policy.due_dates))
        auditors, excluded = eligible_auditors(
            staff_facts(session),
            exemptions=cycle_exemptions(session, month),
            leave=leave_in_window(session, window),
            window=window,
            min_available_working_days=policy.allocation.min_available_working_days,
        )
        query = (
            select(col(Audit.auditor_id), func.count())
            .where(col(Audit.cycle) == month, col(Audit.status) == "allocated")
            .group_by(col(Audit.auditor_id))
        )
        counts: dict[str, int] = {staff_id: n for staff_id, n in session.execute(query)}
        self.eligible = {
            a.staff_id: Candidate(a.staff_id, a.team, a.service_area, counts.get(a.staff_id, 0))
            for a in auditors
        }
        self.excluded = {e.subject: e.reason for e in excluded}

    def choose(self, previous: str, case_team: str, case_area: str) -> ReauditorChoice | None:
        candidates = list(self.eligible.values())
        return choose_reauditor(previous, case_team, case_area, candidates, self.excluded)

    def took_one(self, staff_id: str) -> None:
        one = self.eligible[staff_id]
        self.eligible[staff_id] = replace(one, open_audits=one.open_audits + 1)


def case_team_now(session: Session, case_ref: str, snapshot: tuple[str, str]) -> tuple[str, str]:
    """The team and service area of the case now (teams are reorganised between an audit and
    its re-audit); ``snapshot``, the audit's record of them, if the case's team is unknown."""
    found = session.execute(
        select(col(Case.team), col(Team.service_area))
        .join(Team, col(Team.name) == col(Case.team))
        .where(col(Case.case_ref) == case_ref)
    ).first()
    if found is None:
        return snapshot
    return found[0], found[1]
