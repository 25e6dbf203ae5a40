"""Reconciling re-audits: every completed audit whose judgement calls for one gets exactly one,
in a month that will be allocated.

:func:`reconcile_reaudits` is the reconciliation behind the ``schedule-reaudit`` flow and the
allocation flow: it moves every re-audit left in a month that a pause keeps from being allocated
(:mod:`models.reaudit_moves`), then finds every audit without its re-audit and creates the
missing ones, so it can run any number of times, from anywhere, at once, and repairs a database
written before either rule. "Exactly one" is held by the database too: a partial unique index
(migration 0005) allows one live re-audit (allocated or completed) per parent, and the insert
skips a parent another run has just served.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from models.allocation_store import load_pauses
from models.base import utcnow
from models.pause_store import lock_pauses
from models.programme import Audit
from models.reaudit_moves import ReauditMove, move_paused_reaudits
from models.reauditors import Reauditors, case_team_now, ensure_cycle
from models.trail import TrailEntry
from rules.due_dates import allocation_date, due_date
from rules.policy import Policy
from rules.reaudits import reaudit_cycle, reaudit_due

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


@dataclass(frozen=True)
class Reconciled:
    """What one reconciliation did: the re-audits it created (in id order) and those it moved
    out of paused months (see :class:`models.reaudit_moves.ReauditMove`)."""

    created: list[Audit]
    moved: list[ReauditMove]


def reconcile_reaudits(
    session: Session, policy: Policy, today: date, actor: str = ACTOR
) -> Reconciled:
    """Move the re-audits left in months that will never be allocated, then create the missing
    ones (not committed). The caller writes the allocation emails of those that landed in a month
    already allocated, created (:func:`schedule_reaudits`) or moved (``cycle_allocated``).

    On PostgreSQL it holds the pauses' lock shared: it never runs while a pause is being added
    or resumed, so it reads the pauses as they are, however runs interleave.
    """
    lock_pauses(session, shared=True)
    moved = move_paused_reaudits(session, policy, today, actor)
    return Reconciled(_create_missing(session, policy, today, actor), moved)


def schedule_reaudits(
    session: Session, policy: Policy, today: date, actor: str = ACTOR
) -> list[Audit]:
    """:func:`reconcile_reaudits`, returning only the re-audits it created (its moves are made
    all the same)."""
    return reconcile_reaudits(session, policy, today, actor).created


def _create_missing(session: Session, policy: Policy, today: date, actor: str) -> list[Audit]:
    """Create the missing re-audits; the ones this call created.

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
        pool = Reauditors(session, month, policy)
        for parent in parents:
            new_id = _schedule_one(session, parent, month, pool, policy, actor)
            if new_id is not None:
                created.append(new_id)
    if not created:
        return []
    query = select(Audit).where(col(Audit.id).in_(created)).order_by(col(Audit.id))
    return list(session.scalars(query))


def _schedule_one(
    session: Session, parent: Audit, month: str, pool: Reauditors, policy: Policy, actor: str
) -> int | None:
    case_team, case_area = case_team_now(
        session, parent.case_ref, (parent.case_team, parent.case_service_area)
    )
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


def reaudit_row(audit: Audit) -> dict[str, Any]:
    """A re-audit as the ``schedule-reaudit`` flow reports it."""
    return {
        "audit_id": audit.id,
        "parent_audit_id": audit.parent_audit_id,
        "case_ref": audit.case_ref,
        "auditor_id": audit.auditor_id,
        "cycle": audit.cycle,
        "due_on": audit.due_on.isoformat(),
    }
