"""``audits concern raise``, ``audits concern acknowledge`` and ``audits concerns``.

They record and list, and never import Prefect. Raising a concern writes its emails (high
importance, a signed link to acknowledge it, never its text) in the same transaction, and sends
them before the command exits: a concern must not wait for the next chase run.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from sqlmodel import Session

from audits import common
from audits.arg_types import record_id
from config.clock import today_in_london
from config.settings import load_policy
from models.concern_store import (
    ConcernLine,
    acknowledge,
    concern_json,
    list_concerns,
    raise_concern,
    raised_json,
)
from models.programme import Audit
from notifications.concern_emails import concern_raised_cause, write_raised_emails
from notifications.email_context import email_context
from rules.concerns import CONCERN_STATUSES, ConcernError

TABLE_COLUMNS = ("concern_id", "audit_id", "case_ref", "raised_by", "raised_at", "status")


def add_parsers(sub: Any) -> None:
    group = sub.add_parser(
        "concern",
        help="raise a safeguarding concern found during an audit, or acknowledge one",
        description="Raise a safeguarding concern on an audit (emailed at once, marked high "
        "importance, to the case team's Team and Service Managers and the APS team), or "
        "acknowledge one with a note of what is being done.",
    )
    steps = group.add_subparsers(dest="step", required=True, metavar="STEP")
    raising = steps.add_parser(
        "raise",
        help="raise a safeguarding concern on an audit (its auditor or APS)",
        description="Raise a safeguarding concern on an audit, today (Europe/London). Its text "
        "is shown only on the audit's page and the acknowledgement page, never in an email. "
        "It is sent again every working day until acknowledged, and to the Directors after "
        "[concerns] escalate_after_working_days.",
    )
    raising.add_argument("audit_id", type=record_id, metavar="AUDIT_ID")
    raising.add_argument("--text", required=True, help="what the concern is")
    raising.add_argument(
        "--by", required=True, metavar="STAFF_ID", help="who raises it (the auditor, or APS)"
    )
    raising.add_argument("--json", action="store_true", help="print the concern as JSON")

    ack = steps.add_parser(
        "acknowledge",
        help="acknowledge a concern (the case team's Team or Service Manager, or APS)",
        description="Acknowledge a safeguarding concern with a note of what is being done: "
        "its emails stop.",
    )
    ack.add_argument("concern_id", type=record_id, metavar="CONCERN_ID")
    ack.add_argument("--note", required=True, help="what is being done")
    ack.add_argument(
        "--by", required=True, metavar="STAFF_ID", help="the case team's manager, or APS"
    )
    ack.add_argument("--json", action="store_true", help="print the concern as JSON")

    listing = sub.add_parser(
        "concerns",
        help="list safeguarding concerns: open or acknowledged (never their text)",
        description="List safeguarding concerns, oldest first, without their text.",
    )
    listing.add_argument(
        "--status", choices=CONCERN_STATUSES, help="only concerns with this status"
    )
    listing.add_argument("--json", action="store_true", help="print the concerns as JSON")


def cmd_concern(args: argparse.Namespace) -> int:
    return cmd_raise(args) if args.step == "raise" else cmd_acknowledge(args)


def cmd_raise(args: argparse.Namespace) -> int:
    policy = load_policy()
    context = email_context(policy)
    engine = common.ready_engine()
    today = today_in_london()

    def record(session: Session) -> tuple[dict[str, Any], str]:
        concern = raise_concern(session, args.audit_id, args.text, args.by, today)
        assert concern.id is not None  # flushed
        cause = concern_raised_cause(concern.id)
        write_raised_emails(session, concern, context, cause)
        return raised_json(_line(session, concern)), cause

    shown, cause = common.record_change(engine, record, ConcernError)
    common.send_now(engine, cause, policy)
    common.print_result(
        shown,
        args.json,
        f"Concern {shown['concern_id']} raised on audit {shown['audit_id']} "
        f"(case {shown['case_ref']}): its emails have gone",
    )
    return 0


def cmd_acknowledge(args: argparse.Namespace) -> int:
    engine = common.ready_engine()

    def record(session: Session) -> dict[str, Any]:
        concern = acknowledge(session, args.concern_id, args.note, args.by)
        return concern_json(_line(session, concern))

    shown = common.record_change(engine, record, ConcernError)
    common.print_result(
        shown,
        args.json,
        f"Concern {shown['concern_id']} (case {shown['case_ref']}) acknowledged by "
        f"{shown['acknowledged_by']} at {shown['acknowledged_at']}",
    )
    return 0


def cmd_concerns(args: argparse.Namespace) -> int:
    with Session(common.ready_engine()) as session:
        rows = [concern_json(line) for line in list_concerns(session, status=args.status)]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    common.print_table(rows, TABLE_COLUMNS, "concerns")
    return 0


HANDLERS = {"concern": cmd_concern, "concerns": cmd_concerns}


def _line(session: Session, concern: Any) -> ConcernLine:
    audit = session.get(Audit, concern.audit_id)
    assert audit is not None  # a foreign key
    return ConcernLine(concern, audit.case_ref)
