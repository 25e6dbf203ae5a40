"""The ``chase-outstanding-audits`` flow: reminders, chases and escalations, as digests.

One transaction decides the run and writes it down (the rungs taken, and one digest per person in
the outbox); then the outbox is sent. A rerun on the same day finds every rung recorded and sends
nothing; a run that died before sending leaves its digests pending for the next run.

Safeguarding concerns still open are re-sent in the same run, each its own high-importance
email, even during a pause (a pause stops audits, never child protection); on a weekend or a
bank holiday nothing goes.

Orchestration only: the day's ladder is ``rules.chase``'s, the digests ``notifications.digest``'s,
the rungs and the run's lock ``models.chase_store``'s, the concerns'
``models.concern_chase_store``'s and ``notifications.concern_emails``'s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.engine import Engine
from sqlmodel import Session

from config.clock import today_in_london
from config.settings import get_settings, load_policy
from flows.failures import EmailsLeftPending, retried_and_told
from flows.outbox import SendReport, progress_logger
from flows.outbox_helpers import Helpers, send_in_parallel
from flows.shared_rendering import Job, render_here
from models import action_chase_store, chase_store, concern_chase_store, outbox_store
from models.allocation_store import load_pauses
from models.bulk import no_cyclic_gc
from models.chase_store import Person
from models.db import get_engine, session_scope
from models.outbox_store import Outgoing
from notifications.action_digest import ActionDigestParts
from notifications.concern_emails import write_chase_emails
from notifications.digest import chase_digests, failure_line, pending_line
from notifications.email_context import EmailContext, email_context
from notifications.messages import ACTION_STAGES, STAGES
from notifications.pause_emails import apply_ended_pauses
from rules.action_chase import ActionPlan, plan_action_chase
from rules.chase import APS, ChasePlan, plan_chase
from rules.concerns import CONCERN_STAGES
from rules.policy import Policy
from rules.schedule import chase_skip_reason
from rules.values import parse_iso_date
from rules.working_days import is_working_day


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
        zeros = dict.fromkeys((*STAGES, *ACTION_STAGES, *CONCERN_STAGES), 0)
        data["items_by_stage"] = {**zeros, **self.items_by_stage}
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


def plan_actions_today(
    session: Session, policy: Policy, today: date, directory: dict[str, Person]
) -> ActionPlan:
    """Each open audit action's step on the same ladder today, routed to people."""
    return plan_action_chase(
        action_chase_store.open_actions(session),
        action_chase_store.recorded_action_stages(session),
        {staff_id: person.line_manager_id for staff_id, person in directory.items()},
        chase_store.aps_team(directory),
        today,
        policy.reminders,
    )


#: Turns the run's digests, by staff id, into emails to write (``flows.shared_rendering``).
Renderer = Callable[[Sequence[Job], str], list[Outgoing]]


def plan_and_record(
    session: Session,
    policy: Policy,
    today: date,
    base_url: str,
    context: EmailContext,
    dry_run: bool = False,
    directory: dict[str, Person] | None = None,
    render: Renderer = render_here,
) -> ChaseSummary:
    """Decide today's run and write it down: reminder rungs (audits' and actions') and one
    digest per person in the outbox (``context`` signs the actions' done links; ``render``
    turns the digests into emails: in this process, or shared with a sending helper)."""
    directory = directory if directory is not None else chase_store.people(session)
    plan = plan_today(session, policy, today, directory)
    action_plan = plan_actions_today(session, policy, today, directory)
    failures = outbox_store.unreported_failures(session)
    failure_lines = tuple(failure_line(row) for row in failures)
    pending = tuple(pending_line(request) for request in chase_store.pending_requests(session))
    actions = ActionDigestParts(action_plan, context)
    digests = chase_digests(plan, directory, today, base_url, failure_lines, pending, actions)
    summary = ChaseSummary(
        today.isoformat(),
        items_by_stage={**plan.items_by_stage(), **action_plan.items_by_stage()},
        recipients=len(digests),
        dry_run=dry_run,
    )
    if dry_run:
        return summary
    outgoing = render(list(digests.items()), policy.name)
    keys = outbox_store.enqueue(session, outgoing)
    auditor_digest = {o.recipient: keys.get(o.key) for o in outgoing}
    outbox_store.record_stages(
        session, chase_store.stage_rows(plan, directory, auditor_digest, today)
    )
    action_chase_store.record_action_stages(
        session, action_chase_store.action_stage_rows(action_plan, directory, auditor_digest, today)
    )
    if any(d.role == APS for d in digests.values()):
        outbox_store.mark_reported(session, [row.id for row in failures if row.id is not None])
    return summary


def decide_run(
    engine: Engine,
    policy: Policy,
    today: date,
    base_url: str,
    dry_run: bool = False,
    context: EmailContext | None = None,
    render: Renderer = render_here,
) -> ChaseSummary:
    """Check the day, then plan and record the run in one transaction."""
    if context is None:
        transport = get_settings().transport.model_copy(update={"base_url": base_url})
        context = email_context(policy, settings=transport)
    with session_scope(engine, write_lock=not dry_run) as session, no_cyclic_gc():
        chase_store.take_chase_lock(session)
        # A pause that is over moves its audits' due dates (once) before their ladders are read,
        # and the auditors whose invitations show another date are sent updated ones.
        apply_ended_pauses(session, today, "chase-outstanding-audits", context)
        reason = chase_skip_reason(today, load_pauses(session))
        summary = ChaseSummary(today.isoformat(), skipped=reason, dry_run=dry_run)
        if is_working_day(today):  # paused or not: a pause stops audits, never child protection
            directory = chase_store.people(session)  # read once, for the digests and concerns
            if reason is None:
                summary = plan_and_record(
                    session, policy, today, base_url, context, dry_run, directory, render
                )
            concerns = chase_concerns(session, policy, today, context, directory, dry_run)
            summary.items_by_stage.update(concerns)
        if dry_run:
            session.rollback()
        return summary


def chase_concerns(
    session: Session,
    policy: Policy,
    today: date,
    context: EmailContext,
    directory: dict[str, Person],
    dry_run: bool = False,
) -> dict[str, int]:
    """Write today's re-sends of every open safeguarding concern (all at once: no task per
    concern); the concerns (not emails) by stage, as the audits' and actions' plans count
    theirs: only the stages taken (``ChaseSummary.as_json`` names the rest)."""
    plan = concern_chase_store.plan_concerns(
        session, today, policy.concerns.escalate_after_working_days
    )
    if plan.steps and not dry_run:
        write_chase_emails(session, plan, directory, today, context)
    return {stage: count for stage, count in plan.items_by_stage().items() if count}


@task(name="decide-and-record-chase", cache_policy=NO_CACHE)  # (``helpers``: live processes)
def decide_task(today: date, helpers: Helpers | None = None) -> ChaseSummary:
    """Decide and record the run; ``helpers``, started for the send, render some of the
    digests while they wait."""
    render = helpers.render if helpers is not None else render_here
    base_url = get_settings().transport.base_url
    return decide_run(get_engine(), load_policy(), today, base_url, render=render)


@task(name="send-outbox", cache_policy=NO_CACHE)  # (its input is live processes)
def send_task(helpers: Helpers | None = None) -> SendReport:
    """Send everything pending: the run's digests, and whatever an earlier change, run or
    lost event left behind (so nothing waits longer than one working day); over more than one
    connection, with ``helpers`` started beforehand, when there is much to send
    (``flows.outbox_helpers``)."""
    progress = progress_logger(get_run_logger())
    return send_in_parallel(get_engine(), load_policy(), progress=progress, started=helpers)


@flow(name="chase-outstanding-audits", **retried_and_told())
def chase_outstanding_audits(date: str | None = None) -> dict[str, Any]:
    """Send the day's reminders, chases and escalations (``date`` as YYYY-MM-DD; default
    today in Europe/London), the open safeguarding concerns again, and whatever else is
    pending in the outbox. No reminder is sent on weekends, bank holidays or during a pause
    (concerns are, during a pause). Ends Failed when emails were left pending."""
    logger = get_run_logger()
    today = parse_date(date) if date else today_in_london()
    # The sender's helper processes start now, so that they have imported what they need by
    # the time the run is decided: they send only if there is much to send, else just end.
    helpers = Helpers.start(get_engine())
    try:
        summary = decide_task(today, helpers)
        if summary.skipped:
            logger.info("No reminders on %s: %s", today, summary.skipped)
        report = send_task(helpers)
    finally:
        helpers.close()  # (when deciding or sending failed)
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
