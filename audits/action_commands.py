"""``audits action add``, ``audits action done`` and ``audits actions``: what audits set.

They record and list, and never import Prefect. Setting an action writes its owner's email (with
a signed "mark it done" link) in the same transaction, sent before the command exits.
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
from models.action_store import (
    ActionLine,
    action_json,
    add_action,
    check_setter,
    list_actions,
    mark_done,
)
from models.programme import Audit
from notifications.action_emails import action_set_cause, write_action_set_emails
from notifications.email_context import email_context
from rules.actions import ACTION_FILTERS, ActionDraft, ActionError

#: ``audits action add``'s JSON: the list's object without ``done_on`` (a new action is open).
ADDED_KEYS = ("action_id", "audit_id", "case_ref", "owner_id", "due_on", "status")
TABLE_COLUMNS = ("action_id", "audit_id", "case_ref", "owner_id", "due_on", "status", "done_on")


def add_parsers(sub: Any, as_date: Callable[[str], date]) -> None:
    group = sub.add_parser(
        "action",
        help="set an action on an audit, or mark one done",
        description="Set an action on an audit (what must change for the child, who owns it, "
        "by when), or mark an action done with a note.",
    )
    steps = group.add_subparsers(dest="step", required=True, metavar="STEP")
    add = steps.add_parser(
        "add",
        help="set an action on an audit (its auditor or APS)",
        description="Set an action on an audit. The owner is an active Team Manager or Service "
        "Manager (normally the case team's manager); the due date is a working day, not before "
        "the day it is set. The owner is emailed a link to mark it done. Never write a child's "
        "name.",
    )
    add.add_argument("audit_id", type=record_id, metavar="AUDIT_ID")
    add.add_argument("--text", required=True, help="what must change for the child")
    add.add_argument("--owner", required=True, metavar="STAFF_ID", help="who owns the action")
    add.add_argument("--due", type=as_date, required=True, help="the due date, YYYY-MM-DD")
    add.add_argument(
        "--by", required=True, metavar="STAFF_ID", help="who sets it (the auditor, or APS)"
    )
    add.add_argument("--on", type=as_date, help="the day it is set (default: today, Europe/London)")
    add.add_argument("--json", action="store_true", help="print the action as JSON")

    done = steps.add_parser(
        "done",
        help="mark an action done, with a note (its owner, their line manager, or APS)",
        description="Mark an action done on a date with a note of what changed.",
    )
    done.add_argument("action_id", type=record_id, metavar="ACTION_ID")
    done.add_argument("--on", type=as_date, required=True, help="the day it was done")
    done.add_argument("--note", required=True, help="what was done")
    done.add_argument(
        "--by", required=True, metavar="STAFF_ID", help="the owner, their line manager, or APS"
    )
    done.add_argument("--json", action="store_true", help="print the action as JSON")

    listing = sub.add_parser(
        "actions",
        help="list audit actions: open, done or overdue",
        description="List audit actions by due date. An open action past its due date (as of "
        "today, or --on) is shown as overdue.",
    )
    listing.add_argument(
        "--status", choices=ACTION_FILTERS, help="only actions with this status (open, done, "
        "overdue)"
    )  # fmt: skip
    listing.add_argument("--owner", metavar="STAFF_ID", help="only this owner's actions")
    listing.add_argument(
        "--on", type=as_date, help="the day overdue is judged on (default: today, Europe/London)"
    )
    listing.add_argument("--json", action="store_true", help="print the actions as JSON")


def cmd_action(args: argparse.Namespace) -> int:
    return cmd_add(args) if args.step == "add" else cmd_done(args)


def cmd_add(args: argparse.Namespace) -> int:
    on: date = args.on or today_in_london()
    policy = load_policy()
    context = email_context(policy)
    engine = common.ready_engine()

    def record(session: Session) -> tuple[dict[str, Any], str]:
        check_setter(session, args.audit_id, args.by)
        draft = ActionDraft(owner_id=args.owner, due_on=args.due, text=args.text)
        action = add_action(session, args.audit_id, draft, on, args.by)
        assert action.id is not None  # flushed
        cause = action_set_cause(action.id)
        write_action_set_emails(session, [action], context, cause)
        audit = session.get(Audit, action.audit_id)
        assert audit is not None
        shown = action_json(ActionLine(action, audit.case_ref), on)
        return {key: shown[key] for key in ADDED_KEYS}, cause

    shown, cause = common.record_change(engine, record, ActionError)
    common.send_now(engine, cause, policy)
    common.print_result(
        shown,
        args.json,
        f"Action {shown['action_id']} set on audit {shown['audit_id']} "
        f"(case {shown['case_ref']}): owner {shown['owner_id']}, due {shown['due_on']}",
    )
    return 0


def cmd_done(args: argparse.Namespace) -> int:
    engine = common.ready_engine()

    def record(session: Session) -> dict[str, Any]:
        action = mark_done(session, args.action_id, args.on, args.note, args.by, today_in_london())
        audit = session.get(Audit, action.audit_id)
        assert audit is not None
        return action_json(ActionLine(action, audit.case_ref), args.on)

    shown = common.record_change(engine, record, ActionError)
    common.print_result(
        shown,
        args.json,
        f"Action {shown['action_id']} (case {shown['case_ref']}) done on {shown['done_on']}",
    )
    return 0


def cmd_actions(args: argparse.Namespace) -> int:
    today: date = args.on or today_in_london()
    with Session(common.ready_engine()) as session:
        lines = list_actions(session, status=args.status, owner_id=args.owner, today=today)
    rows = [action_json(line, today) for line in lines]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    common.print_table(rows, TABLE_COLUMNS, "actions")
    return 0


HANDLERS = {"action": cmd_action, "actions": cmd_actions}
