"""Reading what allocation needs, and writing what it decided: one query per kind of fact."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlmodel import Session

from models.base import utcnow
from models.cases import Case
from models.people import Staff, StaffLeave, Team
from models.programme import Audit, Cycle, Pause
from models.requests import ExemptionRequest
from models.trail import TrailEntry
from rules.allocation import AllocationPlan
from rules.cohorts import CaseFacts
from rules.eligibility import Exclusion, StaffFacts
from rules.months import months_before
from rules.pauses import PauseSpell


@dataclass
class AllocationInputs:
    staff: list[StaffFacts]
    cases: list[CaseFacts]
    recent_cycles: dict[str, str]
    in_this_cycle: set[str]
    exemptions: dict[str, str]
    leave: dict[str, list[tuple[date, date]]]


def get_cycle(session: Session, month: str) -> Cycle | None:
    return session.get(Cycle, month)


def load_pauses(session: Session) -> list[PauseSpell]:
    rows = session.execute(select(Pause.starts_on, Pause.ends_on, Pause.reason, Pause.resumed_on))
    return [PauseSpell(*row) for row in rows]


def load_allocation_inputs(
    session: Session, month: str, window: tuple[date, date], exclusion_cycles: int
) -> AllocationInputs:
    return AllocationInputs(
        staff=_staff_facts(session),
        cases=_case_facts(session),
        recent_cycles=_recent_cycles(session, month, exclusion_cycles),
        in_this_cycle=set(session.scalars(select(Audit.case_ref).where(Audit.cycle == month))),
        exemptions=_cycle_exemptions(session, month),
        leave=_leave(session, window),
    )


def _staff_facts(session: Session) -> list[StaffFacts]:
    query = select(
        Staff.staff_id,
        Staff.role,
        Staff.team,
        Team.service_area,
        Staff.active,
        Staff.in_latest_export,
    ).outerjoin(Team, Team.name == Staff.team)  # type: ignore[arg-type]
    return [StaffFacts(*row) for row in session.execute(query)]


def _case_facts(session: Session) -> list[CaseFacts]:
    query = select(
        Case.case_ref,
        Case.team,
        Team.service_area,
        Case.date_of_birth,
        Case.cin,
        Case.cp_category,
        Case.cla,
        Case.cse_risk,
        Case.missing_episodes_6m,
        Case.status,
        Case.in_latest_export,
    ).join(Team, Team.name == Case.team)  # type: ignore[arg-type]
    return [CaseFacts(*row) for row in session.execute(query)]


def _recent_cycles(session: Session, month: str, cycles: int) -> dict[str, str]:
    """Each case audited in the ``cycles`` cycles before ``month`` (not counting withdrawn
    audits, which never happened), with the latest such cycle."""
    if cycles == 0:
        return {}
    query = (
        select(Audit.case_ref, func.max(Audit.cycle))
        .where(Audit.cycle.in_(months_before(month, cycles)))  # type: ignore[attr-defined]
        .where(Audit.status != "withdrawn")
        .group_by(Audit.case_ref)
    )
    return dict(session.execute(query).tuples().all())


def _cycle_exemptions(session: Session, month: str) -> dict[str, str]:
    query = select(ExemptionRequest.staff_id, ExemptionRequest.category).where(
        ExemptionRequest.cycle == month,
        ExemptionRequest.audit_id.is_(None),  # type: ignore[union-attr]
        ExemptionRequest.status == "approved",
    )
    return dict(session.execute(query).tuples().all())


def _leave(session: Session, window: tuple[date, date]) -> dict[str, list[tuple[date, date]]]:
    query = select(StaffLeave.staff_id, StaffLeave.starts_on, StaffLeave.ends_on).where(
        StaffLeave.starts_on <= window[1], StaffLeave.ends_on >= window[0]
    )
    spells: dict[str, list[tuple[date, date]]] = defaultdict(list)
    for staff_id, start, end in session.execute(query):
        spells[staff_id].append((start, end))
    return dict(spells)


def claim_cycle(session: Session, month: str, theme: str, allocated_on: date, due_on: date) -> bool:
    """Mark the cycle allocated, unless another run already has; True if this run may write.

    Done first in the allocation's own transaction: on PostgreSQL a concurrent run waits on the
    row (or the primary key) until this one commits and then finds the cycle taken; on SQLite
    the write lock does the same.
    """
    values: dict[str, Any] = {
        "theme": theme,
        "status": "allocated",
        "allocated_on": allocated_on,
        "due_on": due_on,
        "allocated_at": utcnow(),
    }
    claimed = session.execute(
        update(Cycle).where(Cycle.month == month, Cycle.status == "planned").values(**values)  # type: ignore[arg-type]
    )
    if claimed.rowcount == 1:  # type: ignore[attr-defined]
        return True
    if session.get(Cycle, month) is not None:
        return False
    session.execute(insert(Cycle).values(month=month, created_at=utcnow(), **values))
    return True


def record_allocation(
    session: Session,
    plan: AllocationPlan,
    allocated_on: date,
    due_on: date,
    excluded_auditors: list[Exclusion],
    excluded_cases: list[Exclusion],
    explanation_extra: dict[str, Any],
) -> list[int]:
    """Insert the plan's audits and the cycle's explanation; the new audit ids in plan order."""
    now = utcnow()
    rows = [
        {
            "cycle": plan.month,
            "kind": "audit",
            "case_ref": p.case.case_ref,
            "auditor_id": p.auditor.staff_id,
            "cohort": p.cohort,
            "status": "allocated",
            "allocated_on": allocated_on,
            "due_on": due_on,
            "original_due_on": due_on,
            "auditor_team": p.auditor.team,
            "auditor_service_area": p.auditor.service_area,
            "case_team": p.case.team,
            "case_service_area": p.case.service_area,
            "reason": f"{p.why_case}; {p.why_auditor}",
            "created_at": now,
            "updated_at": now,
        }
        for p in plan.picks
    ]
    ids: list[int] = []
    if rows:
        result = session.execute(
            insert(Audit).returning(Audit.id, sort_by_parameter_order=True),  # type: ignore[arg-type]
            rows,
        )
        ids = list(result.scalars())
    explanation = {
        **explanation_extra,
        "allocations": [
            {
                "audit_id": audit_id,
                "case_ref": p.case.case_ref,
                "auditor_id": p.auditor.staff_id,
                "cohort": p.cohort,
                "why_case": p.why_case,
                "why_auditor": p.why_auditor,
            }
            for audit_id, p in zip(ids, plan.picks, strict=True)
        ],
        "shortfalls": [
            {
                "auditor_id": s.auditor_id,
                "wanted": s.wanted,
                "allocated": s.allocated,
                "reason": s.reason,
            }
            for s in plan.shortfalls
        ],
        "excluded_auditors": [
            {"staff_id": e.subject, "reason": e.reason} for e in excluded_auditors
        ],
        "excluded_cases": [{"case_ref": e.subject, "reason": e.reason} for e in excluded_cases],
    }
    session.execute(update(Cycle).where(Cycle.month == plan.month).values(explanation=explanation))  # type: ignore[arg-type]
    session.add(
        TrailEntry(
            actor="allocate-monthly-audits",
            action="cycle.allocated",
            subject_type="cycle",
            subject_id=plan.month,
            detail={"audits": len(ids), "theme": plan.theme, "shortfalls": len(plan.shortfalls)},
        )
    )
    return ids


def cycle_audits(session: Session, month: str) -> list[Audit]:
    return list(session.scalars(select(Audit).where(Audit.cycle == month).order_by(Audit.id)))  # type: ignore[arg-type]
