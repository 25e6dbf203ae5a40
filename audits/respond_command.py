"""``audits respond AUDIT_ID --text TEXT --by STAFF_ID``: the case's social worker answers a
completed audit's findings (the same as the form on ``/audits/{id}/findings``).

It records and never imports Prefect. Only the case's allocated social worker may respond
(``rules.responses``); the response shows on the audit's page and in ``audits show``.
"""

from __future__ import annotations

import argparse
from typing import Any

from sqlmodel import Session

from audits import common
from audits.arg_types import record_id
from models.response_store import add_response, added_json
from rules.responses import ResponseError


def add_parser(sub: Any) -> None:
    respond = sub.add_parser(
        "respond",
        help="add the case's social worker's response to a completed audit's findings",
        description="Add a response to a completed audit's findings, in the words of the case's "
        "allocated social worker (the cases list's worker_id); nobody else may respond. Never "
        "write a child's name.",
    )
    respond.add_argument("audit_id", type=record_id, metavar="AUDIT_ID")
    respond.add_argument("--text", required=True, help="the response")
    respond.add_argument("--by", required=True, metavar="STAFF_ID", help="the case's social worker")
    respond.add_argument("--json", action="store_true", help="print the response as JSON")


def cmd_respond(args: argparse.Namespace) -> int:
    def record(session: Session) -> dict[str, Any]:
        return added_json(add_response(session, args.audit_id, args.text, args.by))

    shown = common.record_change(common.ready_engine(), record, ResponseError)
    common.print_result(
        shown,
        args.json,
        f"Response {shown['response_id']} added to audit {shown['audit_id']} "
        f"(case {shown['case_ref']}) by {shown['staff_id']}",
    )
    return 0


HANDLERS = {"respond": cmd_respond}
