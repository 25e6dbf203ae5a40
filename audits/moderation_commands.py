"""``audits moderation sample`` and ``audits moderate``: APS re-reads a sample of a cycle's
completed audits ("audit the auditor").

They record and list, and never import Prefect. Drawing a sample writes the APS team's email
(a link per audit) and moderating writes the auditor's email when the moderator disagrees, each
in the change's transaction, sent before the command exits.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlmodel import Session

from audits import common
from audits.arg_types import record_id
from config.clock import today_in_london
from config.settings import load_policy
from models.moderation_store import SAMPLE_KEYS, draw_sample, moderation_json
from notifications.email_context import email_context
from notifications.moderation_emails import (
    moderate_and_write,
    moderation_cause,
    write_sample_emails,
)
from rules.moderation import ModerationError
from rules.policy import JUDGEMENTS


def add_parsers(sub: Any, as_date: Callable[[str], date], as_month: Callable[[str], str]) -> None:
    group = sub.add_parser(
        "moderation",
        help="draw a cycle's moderation sample (audits APS re-reads)",
        description="Moderation: APS re-reads a sample of each cycle's completed audits.",
    )
    steps = group.add_subparsers(dest="step", required=True, metavar="STEP")
    sample = steps.add_parser(
        "sample",
        help="pick the cycle's completed audits to moderate, and email APS the list",
        description="Pick the cycle's completed audits to moderate: [moderation] sample_percent "
        "of them (rounded up), plus one of every auditor with none of their audits of the last "
        "[moderation] every_months cycles moderated. The same audits give the same sample; a "
        "rerun keeps what was drawn. Each APS member is emailed the list with links.",
    )
    sample.add_argument("--month", required=True, type=as_month, help="the cycle, YYYY-MM")
    sample.add_argument(
        "--on", type=as_date, help="the day it is drawn (default: today, Europe/London)"
    )
    sample.add_argument("--json", action="store_true", help="print the sample as JSON")

    moderate = sub.add_parser(
        "moderate",
        help="record APS's judgement of a completed audit (APS, never its auditor)",
        description="Moderate a completed audit: the moderated judgement replaces the "
        "auditor's in every figure, and re-audits follow it. The auditor is emailed the note "
        "when the moderator disagrees. An audit is moderated once. Never write a child's name.",
    )
    moderate.add_argument("audit_id", type=record_id, metavar="AUDIT_ID")
    moderate.add_argument(
        "--judgement", required=True, choices=JUDGEMENTS, help=f"one of {', '.join(JUDGEMENTS)}"
    )
    moderate.add_argument("--note", required=True, help="why: what the moderator found")
    moderate.add_argument(
        "--by", required=True, metavar="STAFF_ID", help="the APS member who moderates"
    )
    moderate.add_argument(
        "--on", type=as_date, help="the day it is moderated (default: today, Europe/London)"
    )
    moderate.add_argument("--json", action="store_true", help="print the moderation as JSON")


def cmd_moderation(args: argparse.Namespace) -> int:
    on: date = args.on or today_in_london()
    policy = load_policy()
    context = email_context(policy)
    engine = common.ready_engine()

    def record(session: Session) -> tuple[list[dict[str, Any]], str]:
        lines = draw_sample(session, args.month, policy, on)
        return [line.as_json() for line in lines], write_sample_emails(
            session, args.month, lines, context
        )

    rows, cause = common.record_change(engine, record, ModerationError)
    common.send_now(engine, cause, policy)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        print("  ".join(str(row[key]) for key in SAMPLE_KEYS))
    audits = "1 audit" if len(rows) == 1 else f"{len(rows)} audits"
    print(f"{audits} to moderate in {args.month}")
    return 0


def cmd_moderate(args: argparse.Namespace) -> int:
    on: date = args.on or today_in_london()
    policy = load_policy()
    context = email_context(policy)
    engine = common.ready_engine()

    def record(session: Session) -> dict[str, Any]:
        done = moderate_and_write(
            session, args.audit_id, args.judgement, args.note, args.by, on, policy, context
        )
        return moderation_json(done.moderation)

    shown = common.record_change(engine, record, ModerationError)
    common.send_now(engine, moderation_cause(args.audit_id), policy)
    if args.json:
        print(json.dumps(shown, indent=2))
    else:
        verdict = "agreed" if shown["agreed"] else "changed"
        print(
            f"Audit {shown['audit_id']} moderated: {shown['auditor_judgement']} -> "
            f"{shown['moderated_judgement']} ({verdict})"
        )
    return 0


HANDLERS = {"moderation": cmd_moderation, "moderate": cmd_moderate}
