"""``audits pause``, ``audits resume`` and ``audits pauses``: putting the programme on hold.

They record, and never import Prefect. During a pause nothing is allocated or chased; once it is
over, the due dates of the audits outstanding and not yet overdue when it started move on by the
working days actually paused (``[pauses] move_due_dates`` in the programme file, as it was when
the pause was made), once. The auditors whose due dates it moves are emailed an updated calendar
invitation before the command exits (``notifications.pause_emails``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from sqlmodel import Session

from audits import common
from config.clock import today_in_london
from config.settings import load_policy
from flows.delivery import Change, deliver
from models import pause_store
from models.db import in_transaction, session_scope
from notifications.email_context import email_context
from notifications.pause_emails import record_pause, record_resume
from rules.pauses import PauseError


def add_parsers(sub: Any, as_date: Any) -> None:
    pause = sub.add_parser(
        "pause",
        help="put the programme on hold from one date to another (APS)",
        description="Record a pause: from --from to --to (both paused) nothing is allocated or "
        "chased. When it is over, the audits outstanding and not yet overdue when it started "
        "have their due dates moved on by the working days paused (programme file: [pauses] "
        "move_due_dates). "
        "Pauses may not overlap.",
    )
    pause.add_argument("--from", dest="starts_on", type=as_date, required=True,
                       help="the first paused day (YYYY-MM-DD)")  # fmt: skip
    pause.add_argument("--to", dest="ends_on", type=as_date, required=True,
                       help="the last paused day (YYYY-MM-DD)")  # fmt: skip
    pause.add_argument("--reason", required=True, help="why the programme is paused")
    pause.add_argument(
        "--note", help="what was done instead while paused (optional; shown on the report)"
    )
    _by(pause)

    resume = sub.add_parser(
        "resume",
        help="end the pause in force early",
        description="Resume the programme: --on (default today) is the first day no longer "
        "paused. Due dates move on by the working days actually paused.",
    )
    resume.add_argument(
        "--on", type=as_date, help="the first day no longer paused (default: today, Europe/London)"
    )
    _by(resume)

    listing = sub.add_parser(
        "pauses",
        help="list the programme's pauses",
        description="List every pause: its dates, state, reason and what it did to due dates.",
    )
    listing.add_argument("--json", action="store_true", help="print the pauses as JSON")


def _by(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--by", metavar="STAFF_ID", help="the APS member doing it (recorded in the audit trail)"
    )
    parser.add_argument("--json", action="store_true", help="print the pause as JSON")


def cmd_pause(args: argparse.Namespace) -> int:
    today, policy = today_in_london(), load_policy()
    engine, context = common.ready_engine(), email_context(policy)

    def record(session: Session) -> tuple[dict[str, Any], str]:
        pause, cause = record_pause(
            session, args.starts_on, args.ends_on, args.reason, args.by, today, policy, context,
            args.note,
        )  # fmt: skip
        return pause_store.pause_json(pause, today), cause

    try:
        shown, cause = in_transaction(engine, record)
    except PauseError as error:
        raise common.CommandError(str(error)) from None
    _tell(engine, cause, policy)
    if args.json:
        print(json.dumps(shown, indent=2))
        return 0
    print(
        f"Pause {shown['pause_id']}: {shown['starts_on']} to {shown['ends_on']} "
        f"({_days(shown['working_days'])}), {shown['state']}: {shown['reason']}{_instead(shown)}"
    )
    print(_due_dates(shown))
    return 0


def cmd_resume(args: argparse.Namespace) -> int:
    today, policy = today_in_london(), load_policy()
    engine, context = common.ready_engine(), email_context(policy)

    def record(session: Session) -> tuple[dict[str, Any], str]:
        pause, _, cause = record_resume(session, args.on or today, args.by, today, policy, context)
        return pause_store.pause_json(pause, today), cause

    try:
        shown, cause = in_transaction(engine, record)
    except PauseError as error:
        raise common.CommandError(str(error)) from None
    _tell(engine, cause, policy)
    if args.json:
        print(json.dumps(shown, indent=2))
        return 0
    print(
        f"Pause {shown['pause_id']} resumed on {shown['resumed_on']}: paused "
        f"{shown['starts_on']} to {shown['last_day']} ({_days(shown['working_days'])})"
    )
    print(_due_dates(shown))
    return 0


def _tell(engine: Any, cause: str, policy: Any) -> None:
    """Send the emails the change caused before the command exits."""
    warning = deliver(engine, Change(cause), policy).warning()
    if warning:
        print(warning, file=sys.stderr)


def cmd_pauses(args: argparse.Namespace) -> int:
    today = today_in_london()
    with session_scope(common.ready_engine()) as session:
        shown = [pause_store.pause_json(p, today) for p in pause_store.pauses(session)]
    if args.json:
        print(json.dumps(shown, indent=2))
        return 0
    for row in shown:
        print(
            f"{row['pause_id']}: {row['starts_on']} to {row['last_day']} ({row['state']}, "
            f"{_days(row['working_days'])}): {row['reason']}.{_instead(row)} {_due_dates(row)}"
        )
    print(f"{len(shown)} pauses")
    return 0


def _instead(shown: dict[str, Any]) -> str:
    return f" Instead: {shown['note']}" if shown["note"] else ""


def _days(count: int) -> str:
    return f"{count} working day{'' if count == 1 else 's'}"


def _due_dates(shown: dict[str, Any]) -> str:
    if shown["applied_on"] is not None:
        if shown["moved_working_days"]:
            return (
                f"Due dates of audits not yet overdue at its start moved on by "
                f"{_days(shown['moved_working_days'])} on {shown['applied_on']}."
            )
        return f"Due dates kept (applied on {shown['applied_on']})."
    if shown["move_due_dates"]:
        return (
            "Due dates of audits not yet overdue at its start move on by the working days paused "
            "when it is over."
        )
    return "Due dates are kept (programme policy)."


HANDLERS = {"pause": cmd_pause, "resume": cmd_resume, "pauses": cmd_pauses}
