"""``audits leave add|list|remove`` and ``audits import leave``: recorded leave of staff.

They record, and never import Prefect. Allocation leaves out a Team Manager whose recorded leave
leaves fewer than ``min_available_working_days`` free in the cycle, and ``audits explain`` says so
with the leave's dates. Rules in ``rules.leave``; records in ``models.leave_store``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from audits import common
from config.clock import today_in_london
from models import leave_store
from models.db import session_scope
from models.people import StaffLeave
from rules.leave import MAX_REASON, LeaveError
from rules.working_days import working_days_between

# PostgreSQL's INTEGER: a larger id cannot name a leave, and would not fit the query.
_MAX_ID = 2**31 - 1


def _leave_id(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= _MAX_ID:
        raise argparse.ArgumentTypeError(f"not a leave id (as `audits leave list` shows): {text!r}")
    return int(text)


def add_parsers(sub: Any, as_date: Any) -> None:
    leave = sub.add_parser(
        "leave",
        help="record, list or remove staff leave (Team Managers on leave are not allocated)",
        description="Record, list or remove the leave of staff. A Team Manager whose leave "
        "leaves fewer than min_available_working_days free between a cycle's allocation and "
        "its due date is not allocated audits in it (audits explain says so, with the dates).",
    )
    actions = leave.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="record leave (APS for anyone; a Team Manager for themself)",
        description="Record STAFF_ID's leave from --from to --to, both days of leave. APS "
        "members record anyone's leave, a Team Manager only their own. One person's leave may "
        "not overlap: remove the other record first. Audits already allocated are not "
        "released by leave (ask for an exemption).",
    )
    add.add_argument("staff_id", metavar="STAFF_ID", help="whose leave")
    add.add_argument("--from", dest="starts_on", type=as_date, required=True,
                     metavar="YYYY-MM-DD", help="the first day of leave")  # fmt: skip
    add.add_argument("--to", dest="ends_on", type=as_date, required=True,
                     metavar="YYYY-MM-DD", help="the last day of leave")  # fmt: skip
    add.add_argument(
        "--reason",
        required=True,
        help=f"the kind of leave in a few words, e.g. 'annual leave' (at most {MAX_REASON} "
        "characters; it is kept in the audit trail: no health details, nothing about a child)",
    )
    _by(add, "who records it: an APS member, or the Team Manager themself")

    listing = actions.add_parser(
        "list", help="list recorded leave", description="List recorded leave, earliest first."
    )
    listing.add_argument("--staff", metavar="STAFF_ID", help="only this person's leave")
    listing.add_argument(
        "--on", type=as_date, metavar="YYYY-MM-DD", help="only leave that includes this day"
    )
    listing.add_argument("--json", action="store_true", help="print the leave as JSON")

    remove = actions.add_parser(
        "remove",
        help="remove a leave record (APS for anyone's; a Team Manager their own)",
        description="Remove leave LEAVE_ID (as `audits leave list` shows it). Someone else's "
        "leave needs an APS member. The audit trail keeps what was removed, by whom and when.",
    )
    remove.add_argument("leave_id", type=_leave_id, metavar="LEAVE_ID")
    _by(remove, "who removes it: an APS member, or the Team Manager whose leave it is")


def _by(parser: argparse.ArgumentParser, who: str) -> None:
    parser.add_argument("--by", required=True, metavar="STAFF_ID", help=who)
    parser.add_argument("--json", action="store_true", help="print the leave as JSON")


def add_import_parser(imports: Any) -> None:
    one = imports.add_parser(
        "leave",
        help="import recorded leave: staff_id, from, to, reason",
        description="Import leave (CSV: staff_id, from, to, reason) by the rules of `audits "
        "leave add`. The whole file is imported or nothing is; every problem is printed as "
        "FILE:ROW:COLUMN: message. Leave already recorded with the same days is left as it is.",
    )
    one.add_argument("file", metavar="FILE", help="CSV file with a header row (UTF-8)")


def cmd_leave(args: argparse.Namespace) -> int:
    try:
        return {"add": _add, "list": _list, "remove": _remove}[args.action](args)
    except LeaveError as error:
        raise common.CommandError(str(error)) from None


def _add(args: argparse.Namespace) -> int:
    with session_scope(common.ready_engine(), write_lock=True) as session:
        leave = leave_store.add_leave(
            session, args.staff_id, args.starts_on, args.ends_on, args.reason, args.by
        )
        shown = leave_store.leave_json(leave)
        busy = leave_store.audits_during(session, leave.staff_id, leave.starts_on, leave.ends_on)
    if busy:
        # Said, not done: an allocated audit is released only by an approved exemption.
        listed = ", ".join(f"audit {a.id} due {a.due_on}" for a in busy)
        print(
            f"{leave.staff_id} has audits to do during this leave ({listed}): leave does not "
            "release them; ask for an exemption (audits exemption request) if it should",
            file=sys.stderr,
        )
    if args.json:
        print(json.dumps(shown, indent=2))
    else:
        print(f"Leave {shown['leave_id']} recorded for {_line(leave)}")
    return 0


def _list(args: argparse.Namespace) -> int:
    with session_scope(common.ready_engine()) as session:
        found = leave_store.list_leave(session, args.staff, args.on)
    if args.json:
        print(json.dumps([leave_store.leave_json(leave) for leave in found], indent=2))
        return 0
    for leave in found:
        print(f"{leave.id}: {_line(leave)} (recorded by {leave.created_by})")
    print(f"{len(found)} leave record{'' if len(found) == 1 else 's'}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    with session_scope(common.ready_engine(), write_lock=True) as session:
        leave = leave_store.remove_leave(session, args.leave_id, args.by)
        shown = leave_store.leave_json(leave)
    if args.json:
        print(json.dumps(shown, indent=2))
    else:
        print(f"Leave {shown['leave_id']} removed: {_line(leave)}")
    return 0


def _line(leave: StaffLeave) -> str:
    days = working_days_between(leave.starts_on - timedelta(days=1), leave.ends_on)
    plural = "" if days == 1 else "s"
    return (
        f"{leave.staff_id}, {leave.starts_on} to {leave.ends_on} "
        f"({days} working day{plural}): {leave.reason}"
    )


def cmd_import_leave(args: argparse.Namespace) -> int:
    from importer import ImportFailed
    from importer.leave import import_leave

    path = Path(args.file)
    if not path.is_file():
        raise common.CommandError(f"{args.file}: no such file")
    try:
        with session_scope(common.ready_engine(), write_lock=True) as session:
            result = import_leave(session, path, today_in_london(), display_name=args.file)
    except ImportFailed as failure:
        for problem in failure.problems:
            print(problem, file=sys.stderr)
        raise common.CommandError(
            f"{args.file}: {len(failure.problems)} problem(s) found; nothing was imported"
        ) from None
    for notice in result.notices:
        print(notice, file=sys.stderr)
    print(
        f"Imported {result.rows:,} leave rows from {args.file}: {result.created:,} recorded, "
        f"{result.unchanged:,} already recorded (unchanged)"
    )
    return 0


HANDLERS = {"leave": cmd_leave}
