"""``audits complete`` and ``audits import completions``: recording completed audits.

Both only record (never import Prefect, unless ``PREFECT_API_URL`` names a server to tell: then
each completion emits ``audit.completed``, which triggers the ``schedule-reaudit`` flow). A
judgement that calls for a re-audit makes it in the completion's own transaction, with its
allocation email when its month is already allocated (sent before the command exits); the flow
and the next allocation make any that is still missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session

from audits import common
from audits.arg_types import record_id
from audits.tag_flags import add_tag_flag, with_tags
from config.clock import today_in_london
from config.settings import load_policy
from flows.events import deliver_events, emit_audit_completed
from models.action_store import action_json, list_actions
from models.allocation_store import load_pauses
from models.audit_store import complete_audit
from models.db import in_transaction
from models.programme import Audit
from notifications.action_emails import write_for_audits
from notifications.email_context import email_context
from notifications.findings_emails import write_findings_emails
from notifications.reaudit_emails import schedule_and_write
from rules.actions import ActionError, parse_action_option
from rules.cohorts import COHORTS
from rules.completion import (
    FEEDBACK_KINDS,
    FEEDBACK_SOURCES,
    CompletionDetails,
    CompletionError,
    FeedbackEntry,
    reflection_from,
)
from rules.policy import JUDGEMENTS, Policy
from rules.reaudits import reaudit_cycle, reaudit_due


def add_parser(sub: Any, date_type: Callable[[str], date]) -> None:
    complete = sub.add_parser(
        "complete",
        help="record an audit as completed: judgement, theme findings, reflection, feedback",
        description="Record that an audit was completed on a date with an overall judgement, "
        "and optionally the auditor's descriptor for each practice theme, the four reflection "
        "answers and any feedback. It stops the audit's reminders. Never write a child's name.",
    )
    complete.add_argument("audit_id", type=record_id, metavar="AUDIT_ID")
    complete.add_argument("--on", type=date_type, required=True, help="the completion date")
    complete.add_argument(
        "--judgement",
        required=True,
        choices=JUDGEMENTS,
        metavar="JUDGEMENT",
        help=f"one of {', '.join(JUDGEMENTS)}",
    )
    complete.add_argument(
        "--finding",
        action="append",
        default=[],
        metavar="THEME=DESCRIPTOR",
        help=f"the descriptor for a practice theme ({', '.join(COHORTS)}); repeatable",
    )
    for flag, question in (
        ("--done-well", "what was done well"),
        ("--challenges", "the challenges"),
        ("--enough-tools", "whether there were enough tools to do the role"),
        ("--do-differently", "what would be done differently"),
    ):
        complete.add_argument(flag, metavar="TEXT", help=f"reflection: {question} (all four)")
    complete.add_argument(
        "--feedback",
        action="append",
        default=[],
        metavar="SOURCE:KIND:TEXT",
        help=f"feedback: source {'/'.join(FEEDBACK_SOURCES)}, kind {'/'.join(FEEDBACK_KINDS)}; "
        "repeatable",
    )
    add_tag_flag(complete)
    _add_action_flag(complete)
    complete.add_argument("--json", action="store_true", help="print the audit as JSON")


def _add_action_flag(complete: argparse.ArgumentParser) -> None:
    complete.add_argument(
        "--action",
        action="append",
        default=[],
        metavar="OWNER_ID|YYYY-MM-DD|TEXT",
        help="an action the audit sets: its owner (an active Team or Service Manager), due date "
        "(a working day) and what must change; set on the completion date; repeatable",
    )


def details_from(args: argparse.Namespace) -> CompletionDetails:
    """The flags as a completion's details (their values are checked by the rules)."""
    findings = []
    for item in args.finding:
        theme, sep, descriptor = item.partition("=")
        if not sep:
            raise CompletionError(f"--finding must be THEME=DESCRIPTOR, not {item[:30]!r}")
        findings.append((theme, descriptor))
    feedback = []
    for item in args.feedback:
        parts = item.split(":", 2)
        if len(parts) != 3:
            raise CompletionError(f"--feedback must be SOURCE:KIND:TEXT, not {item[:30]!r}")
        feedback.append(FeedbackEntry(*parts))
    reflection = reflection_from(
        {
            "done_well": args.done_well,
            "challenges": args.challenges,
            "enough_tools": args.enough_tools,
            "do_differently": args.do_differently,
        }
    )
    actions = tuple(parse_action_option(item) for item in args.action)
    return CompletionDetails(tuple(findings), reflection, tuple(feedback), actions=actions)


def cmd_complete(args: argparse.Namespace) -> int:
    engine = common.ready_engine()
    policy = load_policy()
    today = today_in_london()
    context = email_context(policy)
    cause = f"completion:{args.audit_id}"

    def record(session: Session) -> tuple[Audit, str | None]:
        audit = complete_audit(
            session, args.audit_id, args.on, args.judgement, today, details=details
        )
        made = schedule_and_write(session, policy, today, context, cause)
        write_for_audits(session, [args.audit_id], context, cause)
        write_findings_emails(session, [args.audit_id], context, cause)
        mine = [r.cycle for r in made if r.parent_audit_id == audit.id]
        return audit, mine[0] if mine else _reaudit_cycle(
            audit, policy, today, load_pauses(session)
        )

    try:
        details = with_tags(details_from(args), args, policy)
        audit, reaudit = in_transaction(engine, record)
    except (CompletionError, ActionError) as error:
        raise common.CommandError(str(error)) from None
    common.send_now(engine, cause, policy)
    _emit([audit], policy)
    row = {
        "audit_id": audit.id,
        "case_ref": audit.case_ref,
        "status": audit.status,
        "completed_on": args.on.isoformat(),
        "judgement": audit.judgement,
        "due_on": audit.due_on.isoformat(),
        "on_time": args.on <= audit.due_on,
        "themes": [theme for theme, _ in details.findings],
        "reflection": details.reflection is not None,
        "feedback": len(details.feedback),
        "reaudit_cycle": reaudit,
        "tags": list(details.tags),
        "actions": _actions_of(engine, args.audit_id, today),
    }
    if args.json:
        print(json.dumps(row, indent=2))
        return 0
    late = "on time" if row["on_time"] else f"late (due {row['due_on']})"
    print(f"Audit {audit.id} ({audit.case_ref}) completed on {args.on}, {late}: {audit.judgement}")
    if reaudit:
        print(f"A re-audit is due in {reaudit}", file=sys.stderr)
    return 0


def _actions_of(engine: Any, audit_id: int, today: date) -> list[dict[str, Any]]:
    """The audit's actions as ``audits actions --json`` lists them (always a list)."""
    with Session(engine) as session:
        return [action_json(line, today) for line in list_actions(session, audit_ids=[audit_id])]


def _reaudit_cycle(audit: Audit, policy: Policy, today: date, pauses: Sequence[Any]) -> str | None:
    """The cycle the audit's re-audit falls in, if it calls for one (when no Team Manager could
    take it today, the ``schedule-reaudit`` flow or the next allocation makes it)."""
    if not reaudit_due(audit.kind, audit.status, audit.judgement, policy.reaudits):
        return None
    assert audit.completed_on is not None
    return reaudit_cycle(audit.cycle, audit.completed_on, today, policy.reaudits, pauses)


def _emit(audits: Sequence[Audit], policy: Policy) -> None:
    for audit in audits:
        if audit.id is not None and audit.judgement is not None:
            due = reaudit_due(audit.kind, audit.status, audit.judgement, policy.reaudits)
            emit_audit_completed(
                audit.id, audit.judgement, cycle=audit.cycle, kind=audit.kind, reaudit_due=due
            )
    deliver_events()


def cmd_import_completions(args: argparse.Namespace) -> int:
    from importer import ImportFailed
    from importer.completions import import_completions

    path = Path(args.file)
    if not path.is_file():
        raise common.CommandError(f"{args.file}: no such file")
    policy = load_policy()
    engine, today = common.ready_engine(), args.on or today_in_london()
    context, cause = email_context(policy), f"completions-import:{today.isoformat()}"

    def record(session: Session) -> Any:
        result = import_completions(
            session, path, today, display_name=args.file, finding_tags=policy.finding_tags
        )
        schedule_and_write(session, policy, today, context, cause)
        write_for_audits(session, [a.id for a in result.completed if a.id], context, cause)
        write_findings_emails(session, [a.id for a in result.completed if a.id], context, cause)
        return result

    try:
        result = in_transaction(engine, record)
    except ImportFailed as failure:
        for problem in failure.problems:
            print(problem, file=sys.stderr)
        raise common.CommandError(
            f"{args.file}: {len(failure.problems)} problem(s) found; nothing was imported"
        ) from None
    common.send_now(engine, cause, policy)
    _emit(result.completed, policy)
    for notice in result.notices:
        print(notice, file=sys.stderr)
    poor = sum(
        reaudit_due(a.kind, a.status, a.judgement, policy.reaudits) for a in result.completed
    )
    print(
        f"Imported {result.rows:,} completion rows from {args.file}: {result.created:,} "
        f"recorded, {result.unchanged:,} already recorded (unchanged); {poor:,} call for a "
        "re-audit"
    )
    return 0
