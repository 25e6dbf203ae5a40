"""``audits report``: the month's highlight report (runs the compile-highlight-report flow)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date, datetime
from typing import Any

from audits import common
from config.clock import LONDON
from notifications.render import counted


def add_parser(sub: Any, as_month: Any) -> None:
    report = sub.add_parser(
        "report",
        help="compile a month's highlight report: HTML, PDF, Prefect artifact, email",
        description="Compile the month's audit highlights report (the compile-highlight-report "
        "flow): every figure from the programme's first cycle, written as HTML and PDF to "
        "--out, kept as a Prefect artifact, and emailed with the PDF to the programme file's "
        "distribution list (once per month and address, however often it is run). With "
        "[report] sign_off (the default) the report is a DRAFT that only the APS team is told "
        "of, until `audits report approve` (or the review page) approves it.",
    )
    # --month and --out are required unless the sub-command is given (checked in cmd_report):
    # argparse cannot make them required of one form and not of the other.
    report.add_argument("--month", type=as_month, help="the cycle, YYYY-MM (required)")
    report.add_argument("--out", help="folder for the HTML and PDF (required)")
    report.add_argument(
        "--no-email", action="store_true", help="write the files only; email nobody"
    )
    report.add_argument("--json", action="store_true", help="print every figure as JSON")
    actions = report.add_subparsers(dest="report_action", metavar="approve", required=False)
    approve = actions.add_parser(
        "approve",
        help="approve the month's draft report and email it to the distribution list (APS)",
        description="Approve the month's draft highlight report (with [report] sign_off): the "
        "final report, without its DRAFT mark, is compiled into the draft's folder and emailed "
        "to the programme file's distribution list, once. Approving again sends nothing.",
    )
    approve.add_argument("--month", required=True, type=as_month, help="the cycle, YYYY-MM")
    approve.add_argument("--by", required=True, help="staff_id of the APS member approving")
    approve.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print the result as JSON"
    )


def cmd_report(args: argparse.Namespace) -> int:
    if args.report_action == "approve":
        return cmd_approve(args)
    missing = [flag for flag, value in (("--month", args.month), ("--out", args.out)) if not value]
    if missing:
        raise common.CommandError(f"the following arguments are required: {', '.join(missing)}")
    common.ready_engine()  # a clear error before Prefect starts
    common.output_folder(args.out)
    common.prepare_prefect_home()
    from flows.report import compile_highlight_report
    from reports.emails import ReportNotEmailed

    try:
        result = common.run_flow(
            compile_highlight_report,
            show=lambda done: _show(done, args),
            month=args.month,
            out=args.out,
            email=not args.no_email,
        )
    except ReportNotEmailed as error:  # e.g. a PDF over GOV.UK Notify's 2 MB: one line
        raise common.CommandError(str(error)) from None
    return _show(result, args)


def _show(result: dict[str, Any], args: argparse.Namespace) -> int:
    if args.json:
        print(json.dumps(result, indent=2, default=_json_value))
        return 0
    print(
        f"Highlight report for {args.month}: {result['html']} and {result['pdf']}\n"
        f"  every answer: {result['appendix']}\n"
        f"  audits: {result['completed']:,} of {result['allocated']:,} completed "
        f"({_pct(result['compliance_pct'])}), {result['released']:,} released\n"
        f"  re-audits: {result['reaudits_completed']:,} of {result['reaudits_allocated']:,} "
        f"({_pct(result['reaudit_compliance_pct'])})\n"
        f"  {_emailed(result)}"
    )
    return 0


def _emailed(result: dict[str, Any]) -> str:
    if result.get("status") == "draft":
        return (
            f"DRAFT: the APS team was told ({result['review_emails']} new email(s)); nobody on "
            f"the distribution list has it until `audits report approve --month "
            f"{result['month']} --by STAFF_ID`"
        )
    return f"emailed to {counted(result['emails'], 'address', 'addresses')}"


def cmd_approve(args: argparse.Namespace) -> int:
    engine = common.ready_engine()
    from config.settings import load_policy
    from flows.report_signoff import approve_report
    from reports.emails import ReportNotEmailed
    from rules.signoff import SignOffError

    try:
        approval = approve_report(engine, load_policy(), args.month, args.by)
    except (SignOffError, ReportNotEmailed) as error:
        raise common.CommandError(_one_line(str(error))) from None
    if approval.warning:
        print(approval.warning, file=sys.stderr)
    at = approval.approved_at
    approved_at = at.astimezone(LONDON).isoformat(timespec="seconds") if at else None
    shown = {
        "month": approval.month,
        "approved_by": approval.approved_by,
        "approved_at": approved_at,
        "sent": approval.sent,
    }
    if getattr(args, "json", False):
        if approval.already:  # said on stderr: stdout is the JSON alone
            print(_approval_line(approval), file=sys.stderr)
        print(json.dumps(shown, indent=2))
    else:
        print(_approval_line(approval))
    return 0


def _one_line(message: str) -> str:
    """The message on one line: a control character typed in --by is shown escaped."""
    return _CONTROL.sub(lambda found: repr(found.group())[1:-1], message)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _approval_line(approval: Any) -> str:
    when = london_words(approval.approved_at)
    if not approval.already:
        return (
            f"Highlight report for {approval.month} approved by {approval.approved_by_name} on "
            f"{when}: sent to {approval.sent} of "
            f"{counted(approval.written, 'address', 'addresses')}"
        )
    if approval.approved_by is None:
        return (
            f"The highlight report for {approval.month} is already final: it went to its "
            f"readers on {when} without sign-off. Nothing sent."
        )
    return (
        f"The highlight report for {approval.month} was already approved on {when} by "
        f"{approval.approved_by_name}. Nothing sent."
    )


def _pct(value: int | None) -> str:
    return "no audits" if value is None else f"{value}%"


def _json_value(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON: {value!r}")


def london_words(moment: datetime | None) -> str:
    """'7 December 2026 at 14:05' in Europe/London."""
    if moment is None:
        return "an unknown date"
    local = moment.astimezone(LONDON)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"
