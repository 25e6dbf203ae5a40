"""The ``chase-outstanding-audits`` flow: reminders, chases and escalations, as digests.

One transaction decides the run and writes it down (the rungs taken, and one digest per person in
the outbox); then the outbox is sent. A rerun on the same day finds every rung recorded and sends
nothing; a run that died before sending leaves its digests pending for the next run.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from prefect import flow, get_run_logger, task
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from config.clock import today_in_london
from config.settings import get_settings, load_policy
from flows.email_context import EmailContext, email_context, open_transport_for
from flows.failures import EmailsLeftPending, retried_and_told
from flows.memory import no_cyclic_gc
from flows.outbox import SendReport, progress_logger, send_outbox
from flows.pause_emails import apply_ended_pauses
from models import chase_store, outbox_store
from models.allocation_store import load_pauses
from models.chase_store import Person
from models.db import get_engine, session_scope
from models.outbox_store import Outgoing
from notifications.messages import STAGES, Digest, DigestItem
from notifications.render import render_digest
from rules.chase import APS, AUDITOR, LINE_MANAGER, ChasePlan, Notice, plan_chase
from rules.policy import Policy
from rules.schedule import chase_skip_reason
from rules.values import parse_iso_date
from rules.working_days import working_days_between

ROLE_RANK = {AUDITOR: 0, LINE_MANAGER: 1, APS: 2}


@dataclass
class ChaseSummary:
    """What ``audits chase --json`` prints."""

    date: str
    emails_sent: int = 0
    recipients: int = 0
    items_by_stage: dict[str, int] = field(default_factory=dict)
    failed: int = 0
    deferred: int = 0
    #: Emails still unsent when the run ended (deferred, or being sent by another run).
    pending: int = 0
    #: Of those, the ones another run was sending at that moment.
    sending_elsewhere: int = 0
    skipped: str | None = None
    dry_run: bool = False

    def as_json(self) -> dict[str, Any]:
        """The summary with every stage named, counted 0 where nothing went."""
        data = asdict(self)
        data["items_by_stage"] = {**dict.fromkeys(STAGES, 0), **self.items_by_stage}
        return data


def plan_today(
    session: Session, policy: Policy, today: date, directory: dict[str, Person] | None = None
) -> ChasePlan:
    """Each outstanding audit's step on the reminder ladder today, routed to people."""
    directory = directory if directory is not None else chase_store.people(session)
    return plan_chase(
        chase_store.outstanding_audits(session),
        outbox_store.recorded_stages(session),
        {staff_id: person.line_manager_id for staff_id, person in directory.items()},
        chase_store.aps_team(directory),
        today,
        policy.reminders,
    )


def plan_and_record(
    session: Session, policy: Policy, today: date, base_url: str, dry_run: bool = False
) -> ChaseSummary:
    """Decide today's run and write it down: reminder rungs and digests in the outbox."""
    directory = chase_store.people(session)
    plan = plan_today(session, policy, today, directory)
    failures = outbox_store.unreported_failures(session)
    failure_lines = tuple(
        f"{row.kind} to {row.recipient} ({row.subject}): {row.last_error}" for row in failures
    )
    pending = tuple(chase_store.pending_requests(session))
    digests = _digests(plan, directory, today, base_url, failure_lines, pending)
    summary = ChaseSummary(
        today.isoformat(),
        items_by_stage=plan.items_by_stage(),
        recipients=len(digests),
        dry_run=dry_run,
    )
    if dry_run:
        return summary
    outgoing = [_outgoing(digest, staff_id, policy.name) for staff_id, digest in digests.items()]
    keys = outbox_store.enqueue(session, outgoing)
    auditor_digest = {o.recipient: keys.get(o.key) for o in outgoing}
    outbox_store.record_stages(session, _stage_rows(plan, directory, auditor_digest, today))
    if any(d.role == APS for d in digests.values()):
        outbox_store.mark_reported(session, [row.id for row in failures if row.id is not None])
    return summary


def _digests(
    plan: ChasePlan,
    directory: dict[str, Person],
    today: date,
    base_url: str,
    failure_lines: tuple[str, ...],
    pending: tuple[str, ...] = (),
) -> dict[str, Digest]:
    """One digest per person: someone with two roles (say, APS and auditor) still gets one
    email, with every item of both."""
    roles: dict[str, str] = {}
    items: dict[str, dict[int, DigestItem]] = defaultdict(dict)
    unrouted = {notice.audit.audit_id for notice in plan.unrouted}
    for (staff_id, role), notices in plan.digests.items():
        if ROLE_RANK[role] >= ROLE_RANK.get(roles.get(staff_id, AUDITOR), 0):
            roles[staff_id] = role
        for notice in notices:
            items[staff_id][notice.audit.audit_id] = _item(
                notice, directory, base_url, today, unrouted
            )
    if failure_lines or pending:
        for staff_id in chase_store.aps_team(directory):
            roles[staff_id] = APS
            items.setdefault(staff_id, {})
    return {
        staff_id: Digest(
            recipient_email=directory[staff_id].email,
            recipient_name=directory[staff_id].name,
            role=roles[staff_id],
            run_date=today,
            items=tuple(items[staff_id][k] for k in sorted(items[staff_id])),
            failed_notifications=failure_lines if roles[staff_id] == APS else (),
            pending_requests=pending if roles[staff_id] == APS else (),
        )
        for staff_id in sorted(items)
        if staff_id in directory
    }


def _item(
    notice: Notice, directory: dict[str, Person], base_url: str, today: date, unrouted: set[int]
) -> DigestItem:
    audit = notice.audit
    auditor = directory.get(audit.auditor_id)
    return DigestItem(
        audit_id=audit.audit_id,
        case_ref=audit.case_ref,
        kind=audit.kind,
        stage=notice.rung.stage,
        due_on=audit.due_on,
        original_due_on=audit.original_due_on,
        auditor_id=audit.auditor_id,
        auditor_name=auditor.name if auditor else audit.auditor_id,
        auditor_team=(auditor.team or "") if auditor else "",
        days_overdue=notice.days_overdue,
        link=f"{base_url.rstrip('/')}/audits/{audit.audit_id}",
        working_days_left=(
            working_days_between(today, audit.due_on) if today < audit.due_on else None
        ),
        note="no line manager on record: only APS was told" if audit.audit_id in unrouted else "",
    )


def _outgoing(digest: Digest, staff_id: str, programme_name: str) -> Outgoing:
    email = render_digest(digest, programme_name)
    # The same items on the same day make the same key: a rerun cannot write a second copy.
    content = ",".join(f"{i.audit_id}:{i.stage}:{i.due_on}" for i in digest.items)
    content += "|" + "|".join(digest.failed_notifications + digest.pending_requests)
    fingerprint = hashlib.sha256(content.encode()).hexdigest()[:16]
    return Outgoing(
        key=f"digest:{digest.run_date}:{staff_id}:{fingerprint}",
        kind=f"digest:{digest.role}",
        recipient=digest.recipient_email,
        subject=email.subject,
        text_body=email.text,
        html_body=email.html,
    )


def _stage_rows(
    plan: ChasePlan, directory: dict[str, Person], digest_ids: dict[str, int | None], today: date
) -> list[dict[str, Any]]:
    rows = []
    for audit, step in plan.steps:
        auditor = directory.get(audit.auditor_id)
        sent_in = digest_ids.get(auditor.email) if auditor else None
        for rung in step.superseded:
            rows.append(_stage(audit.audit_id, audit.due_on, rung.key, "superseded", None, today))
        if step.send is not None:
            rows.append(_stage(audit.audit_id, audit.due_on, step.send.key, "sent", sent_in, today))
    return rows


def _stage(
    audit_id: int, due_on: date, key: str, outcome: str, notification_id: int | None, today: date
) -> dict[str, Any]:
    return {
        "audit_id": audit_id,
        "due_on": due_on,
        "stage": key,
        "outcome": outcome,
        "notification_id": notification_id,
        "recorded_on": today,
    }


def take_chase_lock(session: Session) -> None:
    """Let one chase run decide at a time. PostgreSQL: a transaction-scoped advisory lock (the
    next run waits, then finds every rung recorded). SQLite: the session's write lock does it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHASE_LOCK})


CHASE_LOCK = 7_270_001


def decide_run(
    engine: Engine,
    policy: Policy,
    today: date,
    base_url: str,
    dry_run: bool = False,
    context: EmailContext | None = None,
) -> ChaseSummary:
    """Check the day, then plan and record the run in one transaction."""
    transport = get_settings().transport.model_copy(update={"base_url": base_url})
    context = context or email_context(policy, settings=transport)
    with session_scope(engine, write_lock=not dry_run) as session, no_cyclic_gc():
        take_chase_lock(session)
        # A pause that is over moves its audits' due dates (once) before their ladders are read,
        # and the auditors whose invitations show another date are sent updated ones.
        apply_ended_pauses(session, today, "chase-outstanding-audits", context)
        reason = chase_skip_reason(today, load_pauses(session))
        if reason is not None:
            if dry_run:
                session.rollback()
            return ChaseSummary(today.isoformat(), skipped=reason, dry_run=dry_run)
        summary = plan_and_record(session, policy, today, base_url, dry_run)
        if dry_run:
            session.rollback()
        return summary


@task(name="decide-and-record-chase")
def decide_task(today: date) -> ChaseSummary:
    return decide_run(get_engine(), load_policy(), today, get_settings().transport.base_url)


@task(name="send-outbox")
def send_task() -> SendReport:
    """Send everything pending: the run's digests, and whatever an earlier change, run or
    lost event left behind (so nothing waits longer than one working day)."""
    progress = progress_logger(get_run_logger())
    return send_outbox(
        get_engine(), open_transport_for(load_policy()), time.sleep, progress=progress
    )


@flow(name="chase-outstanding-audits", **retried_and_told())
def chase_outstanding_audits(date: str | None = None) -> dict[str, Any]:
    """Send the day's reminders, chases and escalations (``date`` as YYYY-MM-DD; default
    today in Europe/London), and whatever else is pending in the outbox. No reminder is sent
    on weekends, bank holidays or during a pause. Ends Failed when emails were left pending."""
    logger = get_run_logger()
    today = parse_date(date) if date else today_in_london()
    summary = decide_task(today)
    if summary.skipped:
        logger.info("No reminders on %s: %s", today, summary.skipped)
    report = send_task()
    summary.emails_sent, summary.failed, summary.deferred = (
        report.sent,
        report.failed,
        report.deferred,
    )
    summary.pending, summary.sending_elsewhere = report.left_pending, report.elsewhere
    logger.info(
        "Chase for %s: %d emails sent to %d recipients, items by stage %s, %d failed, %d left "
        "for the next run",
        today,
        report.sent,
        summary.recipients,
        summary.items_by_stage,
        report.failed,
        report.left_pending,
    )
    for error in report.errors[:20]:
        logger.warning("Not delivered: %s", error)
    if report.elsewhere:
        logger.info("%d email(s) are being sent by another run at this moment", report.elsewhere)
    EmailsLeftPending.raise_if_any(report, summary.as_json())
    return summary.as_json()


def parse_date(text_date: str) -> date:
    """The run's date: exactly YYYY-MM-DD (an InputError, a ValueError, for anything else)."""
    return parse_iso_date(text_date)
