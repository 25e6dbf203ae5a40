"""Reading the cycle, staff and leave allocation needs, and writing what it decided (the cases it
chooses from are read by :mod:`models.allocation_inputs`)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from models.base import utcnow
from models.bulk import insert_many, plain_rows, table_of
from models.people import Staff, StaffLeave, Team
from models.programme import Audit, Cycle, Pause
from models.requests import ExemptionRequest
from models.trail import TrailEntry
from rules.allocation import AllocationPlan
from rules.eligibility import Exclusion, StaffFacts
from rules.pauses import PauseSpell


def get_cycle(session: Session, month: str) -> Cycle | None:
    return session.get(Cycle, month)


def load_pauses(session: Session) -> list[PauseSpell]:
    columns = (col(Pause.starts_on), col(Pause.ends_on), col(Pause.reason), col(Pause.resumed_on))
    rows = session.execute(select(*columns, col(Pause.id), col(Pause.applied_on)))
    return [PauseSpell(*row) for row in rows]


def staff_facts(session: Session) -> list[StaffFacts]:
    query = select(
        col(Staff.staff_id),
        col(Staff.role),
        col(Staff.team),
        col(Team.service_area),
        col(Staff.active),
        col(Staff.in_latest_export),
    ).outerjoin(Team, col(Team.name) == col(Staff.team))
    return [StaffFacts(*row) for row in session.connection().execute(query).all()]


def cycle_exemptions(session: Session, month: str) -> dict[str, str]:
    query = select(col(ExemptionRequest.staff_id), col(ExemptionRequest.category)).where(
        col(ExemptionRequest.cycle) == month,
        col(ExemptionRequest.audit_id).is_(None),
        col(ExemptionRequest.status) == "approved",
    )
    return dict(session.execute(query).all())


def leave_in_window(
    session: Session, window: tuple[date, date]
) -> dict[str, list[tuple[date, date]]]:
    query = select(
        col(StaffLeave.staff_id), col(StaffLeave.starts_on), col(StaffLeave.ends_on)
    ).where(col(StaffLeave.starts_on) <= window[1], col(StaffLeave.ends_on) >= window[0])
    spells: dict[str, list[tuple[date, date]]] = defaultdict(list)
    for staff_id, start, end in session.execute(query):
        spells[staff_id].append((start, end))
    return dict(spells)


def claim_cycle(session: Session, month: str, theme: str, allocated_on: date, due_on: date) -> bool:
    """Mark the cycle allocated, unless another run already has; True if this run may write.

    Done first in the allocation's own transaction, so that concurrent runs queue here: on
    PostgreSQL the second waits on the row (or on the new primary key) until the first commits,
    then finds the cycle taken; on SQLite the database's write lock does the same.
    """
    values: dict[str, Any] = {
        "theme": theme,
        "status": "allocated",
        "allocated_on": allocated_on,
        "due_on": due_on,
        "allocated_at": utcnow(),
    }
    planned = update(Cycle).where(col(Cycle.month) == month, col(Cycle.status) == "planned")
    if session.exec(planned.values(**values)).rowcount == 1:
        return True
    dialect = session.get_bind().dialect.name
    new = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(Cycle)
    created = session.execute(
        new.values(month=month, created_at=utcnow(), **values)
        .on_conflict_do_nothing()
        .returning(col(Cycle.month))
    ).scalar_one_or_none()
    if created is not None:
        return True
    # Someone else made the cycle meanwhile: ours only if they left it planned.
    return session.exec(planned.values(**values)).rowcount == 1


def record_allocation(
    session: Session,
    plan: AllocationPlan,
    allocated_on: date,
    due_on: date,
    excluded_auditors: list[Exclusion],
    excluded_cases: dict[str, list[str]],
    explanation_extra: dict[str, Any],
) -> list[dict[str, Any]]:
    """Insert the plan's audits and the cycle's explanation; the cycle's audits as
    :func:`allocation_rows` gives them."""
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
    insert_many(session, table_of(Audit), rows)
    # The claim means that this transaction wrote every audit of the cycle but any re-audits
    # made before it, so a case's allocation audit is found by its reference.
    written = allocation_rows(session, plan.month)
    by_case = {row["case_ref"]: row["audit_id"] for row in written if row["kind"] == "audit"}
    ids = [by_case[p.case.case_ref] for p in plan.picks]
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
        # Grouped by reason: a county can have tens of thousands of excluded cases.
        "excluded_cases_by_reason": excluded_cases,
    }
    session.execute(
        update(Cycle).where(col(Cycle.month) == plan.month).values(explanation=explanation)
    )
    session.add(
        TrailEntry(
            actor="allocate-monthly-audits",
            action="cycle.allocated",
            subject_type="cycle",
            subject_id=plan.month,
            detail={"audits": len(ids), "theme": plan.theme, "shortfalls": len(plan.shortfalls)},
        )
    )
    return written


def cycle_audits(session: Session, month: str) -> list[Audit]:
    query = select(Audit).where(col(Audit.cycle) == month).order_by(col(Audit.id))
    return list(session.scalars(query))


#: The keys of each audit in ``audits allocate --json`` (a contract: councils' scripts read them).
ALLOCATION_COLUMNS = (
    "audit_id",
    "case_ref",
    "auditor_id",
    "auditor_team",
    "case_team",
    "cohort",
    "due_on",
    "kind",
)


def allocation_rows(session: Session, month: str) -> list[dict[str, Any]]:
    """A cycle's audits as ``audits allocate --json`` prints them."""
    query = (
        select(
            col(Audit.id),
            col(Audit.case_ref),
            col(Audit.auditor_id),
            col(Audit.auditor_team),
            col(Audit.case_team),
            col(Audit.cohort),
            col(Audit.due_on),
            col(Audit.kind),
        )
        .where(col(Audit.cycle) == month)
        .order_by(col(Audit.id))
    )
    rows = plain_rows(session, query)
    # Written out rather than zipped with ALLOCATION_COLUMNS: twice as fast, at 4,000 rows a
    # month. (tests/flows/test_allocate.py holds the keys to ALLOCATION_COLUMNS.)
    return [
        {
            "audit_id": audit_id,
            "case_ref": case_ref,
            "auditor_id": auditor_id,
            "auditor_team": auditor_team,
            "case_team": case_team,
            "cohort": cohort,
            "due_on": str(due_on),
            "kind": kind,
        }
        for audit_id, case_ref, auditor_id, auditor_team, case_team, cohort, due_on, kind in rows
    ]


def explanation(cycle: Cycle) -> dict[str, Any]:
    """A cycle's explanation as ``audits explain --json`` prints it: every excluded case listed
    with its reason, in case reference order."""
    stored = dict(cycle.explanation or {})
    groups = stored.pop("excluded_cases_by_reason", {})
    stored["excluded_cases"] = sorted(
        ({"case_ref": ref, "reason": reason} for reason, refs in groups.items() for ref in refs),
        key=lambda item: item["case_ref"],
    )
    return stored
