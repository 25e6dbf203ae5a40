"""Scheduling re-audits: every completed audit whose judgement calls for one gets exactly one.

:func:`schedule_reaudits` is the reconciliation behind the ``schedule-reaudit`` flow and the
allocation flow: it finds every such audit without a re-audit and creates the missing ones, so
it can run any number of times, from anywhere, at once. "Exactly one" is held by the database
too: a partial unique index (migration 0005) allows one live re-audit (allocated or completed)
per parent, and the insert skips a parent another run has just served.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from models.allocation_store import _cycle_exemptions, _leave, _staff_facts, load_pauses
from models.base import utcnow
from models.cases import Case
from models.people import Team
from models.programme import Audit, Cycle
from models.trail import TrailEntry
from rules.due_dates import allocation_date, due_date
from rules.eligibility import eligible_auditors
from rules.policy import Policy
from rules.reaudits import ReauditorChoice, choose_reauditor, reaudit_cycle, reaudit_due
from rules.requests import Candidate

ACTOR = "schedule-reaudit"


def audits_needing_reaudit(session: Session, policy: Policy) -> list[Audit]:
    """Completed audits whose judgement calls for a re-audit and that have none, oldest first.

    A re-audit that was since exempted or withdrawn still counts as the one: it was made, and
    APS released it on purpose."""
    child = aliased(Audit)
    has_reaudit = exists().where(
        col(child.parent_audit_id) == col(Audit.id), col(child.kind) == "reaudit"
    )
    query = (
        select(Audit)
        .where(
            col(Audit.kind) == "audit",
            col(Audit.status) == "completed",
            col(Audit.judgement).in_(policy.reaudits.reaudit_on),
            ~has_reaudit,
        )
        .order_by(col(Audit.id))
    )
    found = session.scalars(query).all()
    return [a for a in found if reaudit_due(a.kind, a.status, a.judgement, policy.reaudits)]


def schedule_reaudits(
    session: Session, policy: Policy, today: date, actor: str = ACTOR
) -> list[Audit]:
    """Create the missing re-audits (not committed); the ones this call created.

    ``today`` is when the re-audits are scheduled: none goes into a cycle that began before it
    (see :func:`rules.reaudits.reaudit_cycle`). A parent for whom no Team Manager is eligible is
    left for the next run, which tries again.
    """
    pauses = load_pauses(session)
    by_cycle: dict[str, list[Audit]] = defaultdict(list)
    for parent in audits_needing_reaudit(session, policy):
        assert parent.completed_on is not None
        month = reaudit_cycle(parent.cycle, parent.completed_on, today, policy.reaudits, pauses)
        by_cycle[month].append(parent)
    created: list[int] = []
    for month, parents in sorted(by_cycle.items()):
        ensure_cycle(session, month, policy.theme_for(month))
        pool = _Reauditors(session, month, policy)
        for parent in parents:
            new_id = _schedule_one(session, parent, month, pool, policy, actor)
            if new_id is not None:
                created.append(new_id)
    if not created:
        return []
    query = select(Audit).where(col(Audit.id).in_(created)).order_by(col(Audit.id))
    return list(session.scalars(query))


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


class _Reauditors:
    """The cycle's eligible Team Managers (allocation's eligibility rules) with their audits in
    it, counted up as this run gives them re-audits."""

    def __init__(self, session: Session, month: str, policy: Policy) -> None:
        window = (allocation_date(month), due_date(month, policy.due_dates))
        auditors, excluded = eligible_auditors(
            _staff_facts(session),
            exemptions=_cycle_exemptions(session, month),
            leave=_leave(session, window),
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


def _schedule_one(
    session: Session, parent: Audit, month: str, pool: _Reauditors, policy: Policy, actor: str
) -> int | None:
    case_team, case_area = _case_team(session, parent)
    choice = pool.choose(parent.auditor_id, case_team, case_area)
    if choice is None:
        return None
    due = due_date(month, policy.due_dates)
    now = utcnow()
    row: dict[str, Any] = {
        "cycle": month,
        "kind": "reaudit",
        "case_ref": parent.case_ref,
        "auditor_id": choice.auditor.staff_id,
        "cohort": parent.cohort,
        "status": "allocated",
        "allocated_on": allocation_date(month),
        "due_on": due,
        "original_due_on": due,
        "parent_audit_id": parent.id,
        "auditor_team": choice.auditor.team,
        "auditor_service_area": choice.auditor.service_area,
        "case_team": case_team,
        "case_service_area": case_area,
        "reason": f"re-audit of audit {parent.id} ({parent.cycle}, {parent.judgement}): "
        + choice.why,
        "created_at": now,
        "updated_at": now,
    }
    new_id = _insert_once(session, row)
    if new_id is None:
        return None  # another run made this parent's re-audit a moment ago
    pool.took_one(choice.auditor.staff_id)
    session.add(
        TrailEntry(
            actor=actor,
            action="reaudit.scheduled",
            subject_type="audit",
            subject_id=str(new_id),
            detail={
                "parent_audit_id": parent.id,
                "cycle": month,
                "auditor_id": choice.auditor.staff_id,
                "why": choice.why,
            },
        )
    )
    return new_id


def _insert_once(session: Session, row: dict[str, Any]) -> int | None:
    """Insert the re-audit unless the unique index already holds one for its parent (a
    concurrent run on PostgreSQL waits for the other's commit here, then inserts nothing)."""
    dialect = session.get_bind().dialect.name
    new = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(Audit)
    statement = new.values(**row).on_conflict_do_nothing().returning(col(Audit.id))
    new_id: int | None = session.execute(statement).scalar_one_or_none()
    return new_id


def _case_team(session: Session, parent: Audit) -> tuple[str, str]:
    """The case's team and service area now (teams are reorganised between the audit and its
    re-audit); the audit's snapshot if the case's team is unknown."""
    found = session.execute(
        select(col(Case.team), col(Team.service_area))
        .join(Team, col(Team.name) == col(Case.team))
        .where(col(Case.case_ref) == parent.case_ref)
    ).first()
    if found is None:
        return parent.case_team, parent.case_service_area
    return found[0], found[1]
