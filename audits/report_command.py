"""``audits report``: the month's highlight report (runs the compile-highlight-report flow)."""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from audits import common


def add_parser(sub: Any, as_month: Any) -> None:
    report = sub.add_parser(
        "report",
        help="compile a month's highlight report: HTML, PDF, Prefect artifact, email",
        description="Compile the month's audit highlights report (the compile-highlight-report "
        "flow): every figure from the programme's first cycle, written as HTML and PDF to "
        "--out, kept as a Prefect artifact, and emailed with the PDF to the programme file's "
        "distribution list (once per month and address, however often it is run).",
    )
    report.add_argument("--month", required=True, type=as_month, help="the cycle, YYYY-MM")
    report.add_argument("--out", required=True, help="folder for the HTML and PDF")
    report.add_argument(
        "--no-email", action="store_true", help="write the files only; email nobody"
    )
    report.add_argument("--json", action="store_true", help="print every figure as JSON")


def cmd_report(args: argparse.Namespace) -> int:
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
        f"  emailed to {result['emails']} address(es)"
    )
    return 0


def _pct(value: int | None) -> str:
    return "no audits" if value is None else f"{value}%"


def _json_value(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON: {value!r}")
