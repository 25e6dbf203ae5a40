"""The demo's time travel: the month's working days, with audits completed as they would be
and the chase run every working day, then what went out."""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import date

from sqlalchemy.engine import Engine

from config.settings import get_settings
from demo.actions import done_today, set_on_completion, summary_line
from demo.oversight import summary_lines as oversight_summary
from demo.oversight_days import Oversight
from demo.requests import requests_and_decisions
from demo.tags import with_demo_tags
from demo.texts import completion_details
from flows.chase import decide_run
from flows.delivery import send_pending
from models import chase_store
from models.audit_store import complete_audit
from models.db import session_scope
from models.programme import Audit
from notifications.email_context import EmailContext, email_context
from notifications.findings_emails import write_findings_emails
from notifications.messages import ACTION_STAGES
from rules.concerns import CONCERN_STAGES
from rules.policy import Policy
from rules.working_days import add_working_days, is_working_day, working_days_between

#: The demo's judgements drawn with these weights (good and requires improvement twice as often).
JUDGEMENT_DRAW = (
    "outstanding",
    "good",
    "good",
    "requires_improvement",
    "requires_improvement",
    "inadequate",
)


def time_travel(
    engine: Engine, policy: Policy, allocated_on: date, due_on: date, seed: int
) -> date:
    """Run the chase on every working day from allocation to a week past the due date; the
    last day it ran, which becomes the demo's today."""
    finish = add_working_days(due_on, 6)
    plan = _completion_plan(engine, allocated_on, due_on, seed)
    settings = get_settings().transport
    context = email_context(policy)
    stages: Counter[str] = Counter()
    emails = completed = 0
    started = time.perf_counter()
    day = allocated_on
    requests_day = add_working_days(allocated_on, 10)
    oversight = Oversight(engine, policy, seed, context, allocated_on, due_on)
    while day <= finish:
        if day == requests_day:
            with session_scope(engine) as session:
                outstanding = {a.audit_id for a in chase_store.outstanding_audits(session)}
            undone = frozenset(outstanding - set(plan))
            for line in requests_and_decisions(engine, policy, day, undone):
                print(line)
        if is_working_day(day):
            completed += _complete_due(engine, plan, day, seed, context)
            for line in oversight.before_chase(day):
                print(line)
            summary = decide_run(engine, policy, day, settings.base_url)
            report = send_pending(engine, policy)
            stages.update(summary.items_by_stage)
            emails += report.sent
            if report.sent:
                print(
                    f"  {day:%a %d %b}: {report.sent:>3} email(s)  "
                    + ", ".join(f"{k} {v}" for k, v in sorted(summary.items_by_stage.items()))
                )
        day = date.fromordinal(day.toordinal() + 1)
    print(
        f"\nChased every working day from {allocated_on:%d %b} to {finish:%d %b %Y} "
        f"({working_days_between(allocated_on, finish) + 1} working days) in "
        f"{time.perf_counter() - started:.1f} s: {completed} audits completed on the way, "
        f"{emails} emails sent"
    )
    print(
        "  audits reminded or chased, by stage: "
        + ", ".join(
            f"{stage} {stages[stage]}"
            for stage in ("due_in_5", "due_in_1", "overdue", "escalation")
        )
    )
    if any(stages[stage] for stage in CONCERN_STAGES):
        print(
            "  safeguarding concerns re-sent, by stage: "
            + ", ".join(f"{stage} {stages[stage]}" for stage in CONCERN_STAGES)
        )
    if any(stages[stage] for stage in ACTION_STAGES):
        print(
            "  audit actions reminded or chased, by stage: "
            + ", ".join(f"{stage} {stages[stage]}" for stage in ACTION_STAGES)
        )
    with session_scope(engine) as session:
        print(summary_line(session, finish))
        print("\n".join(oversight_summary(session)))
    where = (
        settings.outbox_dir if settings.email_transport == "outbox" else settings.email_transport
    )
    print(f"  the emails (allocation, reminders, chases, escalations) are in {where}")
    return finish


def _completion_plan(
    engine: Engine, allocated_on: date, due_on: date, seed: int
) -> dict[int, date]:
    """When each audit gets done: most before the due date, some late, some not by the end."""
    rng = random.Random(seed)
    with session_scope(engine) as session:
        audits = sorted(a.audit_id for a in chase_store.outstanding_audits(session))
    plan = {}
    for audit_id in audits:
        roll = rng.random()
        if roll < 0.55:
            plan[audit_id] = add_working_days(
                allocated_on, rng.randint(5, max(5, working_days_between(allocated_on, due_on)))
            )
        elif roll < 0.8:
            plan[audit_id] = add_working_days(due_on, rng.randint(1, 4))
    return plan


def _complete_due(
    engine: Engine, plan: dict[int, date], day: date, seed: int, context: EmailContext
) -> int:
    rng = random.Random(f"{seed}:{day}")
    with session_scope(engine) as session:
        done_today(session, day)  # actions set some days ago, marked done by their owners
        # Only audits still to do: one may have been released by an exemption meanwhile.
        outstanding = {a.audit_id for a in chase_store.outstanding_audits(session)}
        done = [audit_id for audit_id, on in plan.items() if on == day and audit_id in outstanding]
        for audit_id in done:
            audit = session.get(Audit, audit_id)
            assert audit is not None  # it is outstanding
            judgement = rng.choice(JUDGEMENT_DRAW)
            # The words from a generator of their own, so the judgements stay as they were.
            words = random.Random(f"{seed}:{audit_id}:words")
            complete_audit(
                session, audit_id, day, judgement, today=day, actor=audit.auditor_id,
                details=with_demo_tags(
                    completion_details(audit.cohort, judgement, words), audit_id, audit.cycle,
                    judgement,
                ),
            )  # fmt: skip
            acting = random.Random(f"{seed}:{audit_id}:actions")
            set_on_completion(session, audit, day, judgement, acting, context)
            # The case's social worker and their manager are emailed the findings.
            write_findings_emails(session, [audit_id], context, f"completion:{audit_id}")
    return len(done)
