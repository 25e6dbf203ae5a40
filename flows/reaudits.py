"""The ``schedule-reaudit`` flow: create every missing re-audit, and tell those whose month has
already been allocated.

Triggered by ``audit.completed`` (emitted when a completion is recorded and a Prefect server is
configured); a completion also schedules its re-audit in its own transaction, and the allocation
flow runs the same reconciliation first thing, so a lost event delays nothing and a repeated one
makes nothing twice. Thin: one task loads, applies ``rules.reaudits``, writes the re-audits and
their emails in one transaction; one task sends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from prefect import flow, get_run_logger, task

from config.clock import today_in_london
from config.settings import load_policy
from flows.delivery import send_pending
from flows.failures import EmailsLeftPending, retried_and_told
from flows.outbox import SendReport, progress_logger
from models.db import get_engine, in_transaction
from models.reaudit_store import reaudit_row
from notifications.email_context import email_context
from notifications.reaudit_emails import schedule_and_write
from rules.values import parse_iso_date


@dataclass
class ReauditOutcome:
    date: str
    scheduled: list[dict[str, Any]] = field(default_factory=list)
    emails_sent: int = 0


@task(name="schedule-missing-reaudits")
def schedule_task(today: date) -> list[dict[str, Any]]:
    policy = load_policy()
    context = email_context(policy)
    cause = f"reaudits:{today.isoformat()}"
    return in_transaction(
        get_engine(),
        lambda session: [
            reaudit_row(a) for a in schedule_and_write(session, policy, today, context, cause)
        ],
    )


@task(name="send-reaudit-emails")
def send_task(today: date) -> SendReport:
    cause = f"reaudits:{today.isoformat()}"
    progress = progress_logger(get_run_logger())
    return send_pending(get_engine(), load_policy(), [cause], progress=progress)


@flow(name="schedule-reaudit", **retried_and_told())
def schedule_reaudit(audit_id: int | None = None, date: str | None = None) -> ReauditOutcome:
    """Create every missing re-audit (``audit_id``, from the triggering event, is only logged:
    the whole backlog is reconciled, so an earlier lost event is made good too). ``date``
    (YYYY-MM-DD) is the scheduling day; default today, Europe/London."""
    logger = get_run_logger()
    today = parse_iso_date(date) if date else today_in_london()
    outcome = ReauditOutcome(today.isoformat(), schedule_task(today))
    report = send_task(today)
    outcome.emails_sent = report.sent
    logger.info(
        "Completion of audit %s: %d re-audit(s) scheduled: %s",
        audit_id if audit_id is not None else "(none named)",
        len(outcome.scheduled),
        ", ".join(f"{r['audit_id']} in {r['cycle']}" for r in outcome.scheduled) or "none missing",
    )
    EmailsLeftPending.raise_if_any(report)
    return outcome
