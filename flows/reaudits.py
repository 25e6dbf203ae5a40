"""The ``schedule-reaudit`` flow: create every missing re-audit, and tell those whose month has
already been allocated.

Triggered by ``audit.completed`` (emitted when a completion is recorded and a Prefect server is
configured); the allocation flow runs the same reconciliation first thing, so a lost event delays
a re-audit by at most one allocation, and a repeated one makes nothing twice. Thin: one task
loads, applies ``rules.reaudits`` and writes in one transaction; one task sends.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from prefect import flow, get_run_logger, task
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from audits.clock import today_in_london
from audits.settings import get_engine, load_policy
from flows.allocation_emails import enqueue_allocation_emails
from flows.chase import open_transport_for
from flows.outbox import SendReport, send_outbox
from models.base import utcnow
from models.db import session_scope
from models.programme import Audit, Cycle
from models.reaudit_store import schedule_reaudits
from notifications.settings import TransportSettings
from rules.policy import Policy
from rules.values import parse_iso_date
from web.secret import get_secret_key


@dataclass
class ReauditOutcome:
    date: str
    scheduled: list[dict[str, Any]] = field(default_factory=list)
    emails_sent: int = 0


def reaudit_row(audit: Audit) -> dict[str, Any]:
    return {
        "audit_id": audit.id,
        "parent_audit_id": audit.parent_audit_id,
        "case_ref": audit.case_ref,
        "auditor_id": audit.auditor_id,
        "cycle": audit.cycle,
        "due_on": audit.due_on.isoformat(),
    }


def reconcile(engine: Engine, policy: Policy, today: date) -> list[dict[str, Any]]:
    """Create the missing re-audits in one transaction; each one made, as :func:`reaudit_row`."""
    with session_scope(engine, write_lock=True) as session:
        return [reaudit_row(audit) for audit in schedule_reaudits(session, policy, today)]


def allocated_months(engine: Engine, months: Iterable[str]) -> list[str]:
    """Those of ``months`` already allocated: a re-audit falling in one of them missed its
    month's allocation email, so it is sent now (the others go out with their allocation)."""
    wanted = sorted(set(months))
    if not wanted:
        return []
    with session_scope(engine) as session:
        query = select(col(Cycle.month)).where(
            col(Cycle.month).in_(wanted), col(Cycle.status) == "allocated"
        )
        return sorted(session.scalars(query))


def email_reaudits(engine: Engine, policy: Policy, months: Iterable[str]) -> int:
    """Write the allocation emails of re-audits in already-allocated ``months``; how many.
    Each audit's allocation email has its own outbox key, so none is ever written twice."""
    settings, written = TransportSettings(), 0
    for month in allocated_months(engine, months):
        written += enqueue_allocation_emails(
            engine,
            month,
            settings.base_url,
            settings.email_from,
            policy.name,
            secret=get_secret_key(),
            now=utcnow(),
        )
    return written


@task(name="schedule-missing-reaudits")
def schedule_task(today: date) -> list[dict[str, Any]]:
    return reconcile(get_engine(), load_policy(), today)


@task(name="email-reaudits")
def email_task(months: list[str]) -> SendReport:
    policy = load_policy()
    email_reaudits(get_engine(), policy, months)
    return send_outbox(get_engine(), open_transport_for(policy), time.sleep)


@flow(name="schedule-reaudit")
def schedule_reaudit(audit_id: int | None = None, date: str | None = None) -> ReauditOutcome:
    """Create every missing re-audit (``audit_id``, from the triggering event, is only logged:
    the whole backlog is reconciled, so an earlier lost event is made good too). ``date``
    (YYYY-MM-DD) is the scheduling day; default today, Europe/London."""
    logger = get_run_logger()
    today = parse_iso_date(date) if date else today_in_london()
    outcome = ReauditOutcome(today.isoformat(), schedule_task(today))
    if outcome.scheduled:
        report = email_task(sorted({row["cycle"] for row in outcome.scheduled}))
        outcome.emails_sent = report.sent
    logger.info(
        "Completion of audit %s: %d re-audit(s) scheduled: %s",
        audit_id if audit_id is not None else "(none named)",
        len(outcome.scheduled),
        ", ".join(f"{r['audit_id']} in {r['cycle']}" for r in outcome.scheduled) or "none missing",
    )
    return outcome
