"""``audits extension request|decide`` and ``audits exemption request|decide``.

They record, and never import Prefect. ``--on`` dates a request or decision (for what happened on
paper, and for replays); lateness and limits are judged against the audit's due dates.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from sqlmodel import Session

from audits import common
from audits.arg_types import record_id
from config.clock import today_in_london
from config.settings import load_policy
from flows.delivery import Change, RequestEvent, deliver
from models import request_store
from models.db import in_transaction
from notifications.email_context import email_context
from notifications.request_emails import write_decision_emails, write_request_emails
from rules.requests import EXEMPTION_CATEGORIES, RequestError


def add_parsers(sub: Any, as_date: Any) -> None:
    for kind in ("extension", "exemption"):
        group = sub.add_parser(
            kind,
            help=f"request an {kind} of an audit, or decide a request (APS)",
            description=f"Record an {kind} request, or the APS team's decision on one.",
        )
        actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
        request = actions.add_parser(
            "request", help=f"ask for an {kind} of an audit", description=_REQUEST_HELP[kind]
        )
        request.add_argument("audit_id", type=record_id, metavar="AUDIT_ID")
        if kind == "extension":
            request.add_argument(
                "--until", type=as_date, required=True, help="the due date asked for (YYYY-MM-DD)"
            )
        else:
            request.add_argument(
                "--category",
                required=True,
                choices=EXEMPTION_CATEGORIES,
                metavar="CATEGORY",
                help=", ".join(EXEMPTION_CATEGORIES),
            )
        request.add_argument("--reason", required=True, help="why")
        _common(request, as_date, "who asks (the auditor, or APS on their behalf)")

        decide = actions.add_parser(
            "decide",
            help=f"approve or reject an {kind} request (APS)",
            description=_DECIDE_HELP[kind],
        )
        decide.add_argument("request_id", type=record_id, metavar="REQUEST_ID")
        verdict = decide.add_mutually_exclusive_group(required=True)
        verdict.add_argument("--approve", action="store_true", help="approve the request")
        verdict.add_argument("--reject", action="store_true", help="reject the request")
        if kind == "extension":
            decide.add_argument(
                "--until", type=as_date, help="approve with another date than the one asked for"
            )
        else:
            release = decide.add_mutually_exclusive_group()
            release.add_argument(
                "--reallocate-to",
                metavar="STAFF_ID",
                help="give the case to this Team Manager (a new audit)",
            )
            release.add_argument(
                "--withdraw",
                action="store_true",
                help="withdraw the audit: nobody audits the case this cycle",
            )
        decide.add_argument("--note", required=True, help="the decision's note")
        _common(decide, as_date, "the APS member deciding")


_REQUEST_HELP = {
    "extension": "Ask for a later due date for an audit, with a reason. An extension may not go "
    "beyond max_extension_working_days after the original due date; a request after the due "
    "date is accepted and marked late.",
    "exemption": "Ask to be released from an audit, with a category (leave, sickness, "
    "conflict_of_interest, other) and a reason.",
}
_DECIDE_HELP = {
    "extension": "Approve (optionally with another date) or reject an extension request. Only "
    "APS members decide, and nobody decides a request they made.",
    "exemption": "Approve an exemption request, reallocating the case (--reallocate-to) or "
    "withdrawing the audit (--withdraw), or reject it. Only APS members decide.",
}


def _common(parser: argparse.ArgumentParser, as_date: Any, who: str) -> None:
    parser.add_argument("--by", required=True, metavar="STAFF_ID", help=who)
    parser.add_argument(
        "--on", type=as_date, help="the date it happened (default: today, Europe/London)"
    )
    parser.add_argument("--json", action="store_true", help="print the request as JSON")


def cmd_request(args: argparse.Namespace) -> int:
    on: date = args.on or today_in_london()
    policy = load_policy()
    context = email_context(policy)
    engine = common.ready_engine()

    def record(session: Session) -> tuple[dict[str, Any], Change]:
        """The request or decision and its emails, in one transaction."""
        if args.command == "extension" and args.action == "request":
            request: Any = request_store.request_extension(
                session, args.audit_id, args.until, args.reason, args.by, on, policy
            )
        elif args.command == "exemption" and args.action == "request":
            request = request_store.request_exemption(
                session, args.audit_id, args.category, args.reason, args.by, on
            )
        else:
            request = _decide(session, args, on, policy)
        shown = request_store.request_json(request)
        if args.action == "request":
            cause = write_request_emails(session, args.command, request.id, context)
        else:
            cause = write_decision_emails(session, args.command, request.id, context)
        what = "requested" if args.action == "request" else shown["status"]
        event = RequestEvent(args.command, what, shown["request_id"], shown["audit_id"])
        return shown, Change(cause, event)

    try:
        shown, change = in_transaction(engine, record)
    except RequestError as error:
        raise common.CommandError(str(error)) from None
    warning = deliver(engine, change, policy).warning()
    if warning:
        print(warning, file=sys.stderr)
    if args.json:
        print(json.dumps(shown, indent=2))
    else:
        late = " (late)" if shown.get("late") else ""
        print(
            f"{args.command.capitalize()} request {shown['request_id']} for audit "
            f"{shown['audit_id']}: {shown['status']}{late}"
        )
    return 0


def _decide(session: Any, args: argparse.Namespace, on: date, policy: Any) -> Any:
    if args.command == "extension":
        if args.reject and args.until:
            raise RequestError("--until goes with --approve, not --reject")
        return request_store.decide_extension(
            session, args.request_id, args.approve, args.until, args.note, args.by, on, policy
        )
    if args.approve and not (args.reallocate_to or args.withdraw):
        raise RequestError("approving an exemption needs --reallocate-to STAFF_ID or --withdraw")
    if args.reject and (args.reallocate_to or args.withdraw):
        raise RequestError("--reallocate-to and --withdraw go with --approve, not --reject")
    return request_store.decide_exemption(
        session, args.request_id, args.approve, args.reallocate_to, args.note, args.by, on
    )
