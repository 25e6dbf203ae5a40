"""The ``allocate-monthly-audits`` flow: load, apply the allocation rules, write, report.

:func:`allocate_cycle` is the whole job on one database session, and the allocation emails (with
their invitations) are written in the same transaction (:func:`allocate_and_write`), so a crash
or a concurrent run leaves either a complete allocation with all its emails, or nothing. The
flow wraps it in a single task and sends in another: work is batched, never a task per case.
Run again on a month already allocated, it changes nothing and sends what is still pending.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from prefect import flow, get_run_logger, task
from sqlmodel import Session

from config.settings import load_policy
from flows.delivery import send_pending
from flows.failures import EmailsLeftPending
from flows.outbox import SendReport, progress_logger
from models import allocation_store as store
from models.allocation_inputs import load_allocation_inputs
from models.bulk import no_cyclic_gc
from models.db import get_engine, in_transaction
from models.reaudit_handover import hand_over_reaudits
from models.reaudit_store import reconcile_reaudits
from notifications.allocation_emails import allocation_cause, write_allocation_emails
from notifications.email_context import EmailContext, email_context
from notifications.reaudit_emails import write_reaudit_emails
from rules.allocation import allocate
from rules.due_dates import allocation_date, due_date
from rules.eligibility import eligible_auditors, eligible_cases
from rules.pauses import pause_on
from rules.policy import Policy


@dataclass
class AllocationOutcome:
    month: str
    theme: str
    already_allocated: bool = False
    paused: str | None = None
    audits: list[dict[str, Any]] = field(default_factory=list)
    shortfalls: list[dict[str, Any]] = field(default_factory=list)
    excluded_auditors: int = 0
    excluded_cases: int = 0
    #: Re-audits this run found missing and scheduled (any cycle), as ``{audit_id: cycle}``.
    reaudits_scheduled: dict[int, str] = field(default_factory=dict)
    #: Re-audits this run moved out of paused months, as ``{audit_id: cycle moved to}``.
    reaudits_moved: dict[int, str] = field(default_factory=dict)


def allocate_cycle(
    session: Session, policy: Policy, month: str, theme: str | None
) -> AllocationOutcome:
    """Allocate ``month`` unless it already is (or the programme is paused), and record why."""
    theme = policy.choose_theme(month, theme)
    allocated_on, due_on = allocation_date(month), due_date(month, policy.due_dates)
    outcome = AllocationOutcome(month, theme)
    # Reconcile re-audits first, in this transaction: one a lost event never made is made now,
    # and those falling in this month are in place before its cases are chosen (their cases are
    # left out; their auditors still get audits_per_auditor audits besides).
    done = reconcile_reaudits(session, policy, allocated_on, actor="allocate-monthly-audits")
    outcome.reaudits_scheduled = {a.id: a.cycle for a in done.created if a.id is not None}
    outcome.reaudits_moved = {m.audit_id: m.to_cycle for m in done.moved}
    existing = store.get_cycle(session, month)
    if existing is not None and existing.status != "planned":
        return _already(session, outcome, existing.theme)
    pause = pause_on(allocated_on, store.load_pauses(session))
    if pause is not None:
        outcome.paused = f"programme paused {pause.starts_on} to {pause.last_day}: {pause.reason}"
        return outcome
    if not store.claim_cycle(session, month, theme, allocated_on, due_on):
        return _already(session, outcome, theme)

    with no_cyclic_gc():
        return _allocate(session, policy, outcome, allocated_on, due_on)


def _allocate(
    session: Session, policy: Policy, outcome: AllocationOutcome, allocated_on: date, due_on: date
) -> AllocationOutcome:
    month, theme = outcome.month, outcome.theme
    rules = policy.allocation
    inputs = load_allocation_inputs(session, month, (allocated_on, due_on), rules.exclusion_cycles)
    auditors, excluded_auditors = eligible_auditors(
        inputs.staff,
        exemptions=inputs.exemptions,
        leave=inputs.leave,
        window=(allocated_on, due_on),
        min_available_working_days=rules.min_available_working_days,
    )
    cases, excluded_cases = eligible_cases(
        inputs.cases,
        recent_audits=inputs.recent_audits,
        in_this_cycle=inputs.in_this_cycle,
        exclusion_cycles=rules.exclusion_cycles,
    )
    # Re-audits given their auditor months ago go to someone eligible today (leave, exemption).
    handed_over = hand_over_reaudits(
        session, month, auditors, excluded_auditors, actor="allocate-monthly-audits"
    )
    plan = allocate(month, theme, allocated_on, auditors, cases, rules)
    extra = {
        "month": month,
        "theme": theme,
        "allocated_on": allocated_on.isoformat(),
        "due_on": due_on.isoformat(),
        "eligible_auditors": len(auditors),
        "eligible_cases": len(cases),
        "reaudits_handed_over": handed_over,
    }
    outcome.audits = store.record_allocation(
        session, plan, allocated_on, due_on, excluded_auditors, excluded_cases, extra
    )
    outcome.shortfalls = [asdict(s) for s in plan.shortfalls]
    outcome.excluded_auditors = len(excluded_auditors)
    outcome.excluded_cases = sum(len(refs) for refs in excluded_cases.values())
    return outcome


def _already(session: Session, outcome: AllocationOutcome, theme: str) -> AllocationOutcome:
    outcome.already_allocated, outcome.theme = True, theme
    outcome.audits = store.allocation_rows(session, outcome.month)
    return outcome


def allocate_and_write(
    session: Session, policy: Policy, month: str, theme: str | None, context: EmailContext
) -> AllocationOutcome:
    """:func:`allocate_cycle`, and in the same transaction the allocation emails of the month
    and of re-audits this run scheduled into other months already allocated."""
    outcome = allocate_cycle(session, policy, month, theme)
    if not outcome.paused:
        cause = allocation_cause(month)
        write_allocation_emails(session, month, context, cause)
        elsewhere = {*outcome.reaudits_scheduled.values(), *outcome.reaudits_moved.values()}
        write_reaudit_emails(session, elsewhere - {month}, context, cause)
    return outcome


@task(name="allocate-and-record")
def allocate_and_record(month: str, theme: str | None) -> AllocationOutcome:
    policy = load_policy()
    context = email_context(policy)
    return in_transaction(
        get_engine(), lambda session: allocate_and_write(session, policy, month, theme, context)
    )


@task(name="email-allocations")
def email_allocations(month: str) -> SendReport:
    """Send what is pending of ``month``'s allocation: everything its runs wrote."""
    progress = progress_logger(get_run_logger())
    return send_pending(get_engine(), load_policy(), [allocation_cause(month)], progress=progress)


@flow(name="allocate-monthly-audits")
def allocate_monthly_audits(month: str, theme: str | None = None) -> AllocationOutcome:
    """Allocate the month's audits (``month`` as ``YYYY-MM``; ``theme`` defaults to the
    programme file's theme for the month, else ``all``)."""
    logger = get_run_logger()
    outcome = allocate_and_record(month, theme)
    report = SendReport()
    if not outcome.paused:
        report = email_allocations(month)
        logger.info(
            "Allocation emails: %d sent, %d failed, %d left for the next run",
            report.sent,
            report.failed,
            report.deferred,
        )
    if outcome.reaudits_scheduled:
        logger.info(
            "Re-audits found missing and scheduled: %s",
            ", ".join(f"{i} in {m}" for i, m in sorted(outcome.reaudits_scheduled.items())),
        )
    if outcome.paused:
        logger.info("Nothing allocated for %s: %s", month, outcome.paused)
    elif outcome.already_allocated:
        logger.info(
            "%s is already allocated (%d audits); nothing changed", month, len(outcome.audits)
        )
    else:
        logger.info(
            "Allocated %d audits for %s (theme %s); %d auditor(s) short of cases",
            len(outcome.audits),
            month,
            outcome.theme,
            len(outcome.shortfalls),
        )
    EmailsLeftPending.raise_if_any(report, outcome)
    return outcome
