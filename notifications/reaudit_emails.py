"""Re-audits and their emails in one transaction: whoever makes a re-audit (a completion, the
allocation's reconciliation, the ``schedule-reaudit`` flow) writes the allocation email of one
that falls in a month already allocated; the others go out with their month's allocation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from models.programme import Audit, Cycle
from models.reaudit_store import reconcile_reaudits
from notifications.allocation_emails import write_allocation_emails
from notifications.email_context import EmailContext
from rules.policy import Policy


def schedule_and_write(
    session: Session, policy: Policy, today: date, context: EmailContext, cause: str
) -> list[Audit]:
    """Create the missing re-audits (and move those left in paused months), and write the
    allocation emails of those now in a month already allocated; the re-audits created."""
    done = reconcile_reaudits(session, policy, today)
    months = {audit.cycle for audit in done.created}
    months |= {move.to_cycle for move in done.moved if move.cycle_allocated}
    write_reaudit_emails(session, months, context, cause)
    return done.created


def allocated_months(session: Session, months: Iterable[str]) -> list[str]:
    """Those of ``months`` already allocated: a re-audit falling in one of them missed its
    month's allocation email, so it is written now."""
    wanted = sorted(set(months))
    if not wanted:
        return []
    query = select(col(Cycle.month)).where(
        col(Cycle.month).in_(wanted), col(Cycle.status) == "allocated"
    )
    return sorted(session.scalars(query))


def write_reaudit_emails(
    session: Session, months: Iterable[str], context: EmailContext, cause: str
) -> int:
    """Write the allocation emails of the audits in already-allocated ``months`` that have none;
    how many. Each audit's allocation email has its own key, so none is ever written twice."""
    return sum(
        write_allocation_emails(session, month, context, cause)
        for month in allocated_months(session, months)
    )
