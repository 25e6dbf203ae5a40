"""The ``audits`` command: the operators' way in (see ``audits --help``).

Commands that only read or record never import Prefect, so they start in well under a second;
``allocate`` runs the Prefect flow in this process (against ``PREFECT_API_URL`` when set,
otherwise Prefect's ephemeral server).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from datetime import date
from typing import Any, NoReturn

from audits import (
    action_commands,
    commands,
    completion_commands,
    concern_commands,
    export_command,
    leave_commands,
    moderation_commands,
    pause_commands,
    recommend_commands,
    report_command,
    request_commands,
    respond_command,
    serve_command,
    show_command,
    web_command,
)
from audits.arg_types import as_date, as_month, whole_number
from rules.cohorts import COHORTS


class CliError(Exception):
    """A problem to report to the operator as one line, exiting non-zero."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr, like every other CLI error
    (argparse would print the usage block first)."""

    def error(self, message: str) -> NoReturn:
        # An argument argparse quotes may hold a line break: shown escaped, on the one line.
        line = _CONTROL.sub(lambda found: repr(found.group())[1:-1], message)
        self.exit(2, f"{self.prog}: error: {line} (see `{self.prog} --help`)\n")


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _month(text: str) -> str:
    return as_month(text)  # strict: exactly YYYY-MM in ASCII digits (audits/arg_types.py)


def _date(text: str) -> date:
    return as_date(text)  # strict: exactly YYYY-MM-DD in ASCII digits (audits/arg_types.py)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="audits",
        description="Run a children's services monthly case audit programme: import the staff "
        "and case lists, allocate each month's audits and explain the allocation.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser(
        "init",
        help="create or upgrade the database schema (safe to run again)",
        description="Create the database schema at AUDITS_DATABASE_URL, or upgrade it to the "
        "current version. Running it again changes nothing.",
    )

    imp = sub.add_parser(
        "import",
        help="import a staff list, case list or completions (CSV) exported from the case system",
        description="Import a staff or case list, or completed audits (CSV). Re-importing "
        "updates by staff_id or case_ref; anyone or any case missing from a later file is kept "
        "and marked, never deleted; a completion already recorded is left as it is.",
    )
    imp_sub = imp.add_subparsers(dest="what", required=True, metavar="WHAT")
    for what, about in (
        ("staff", "staff list: team managers, service managers, APS, directors"),
        ("cases", "case list: open and closed cases with their cohort facts"),
        ("completions", "completed audits from the audit workbook: judgements, findings, ..."),
    ):
        one = imp_sub.add_parser(
            what,
            help=f"import the {about}",
            description=f"Import the {about}. The whole file is imported or "
            "nothing is; every problem is printed as FILE:ROW:COLUMN: message.",
        )
        one.add_argument("file", metavar="FILE", help="CSV file with a header row (UTF-8)")
        one.add_argument(
            "--on", type=_date, help="date of the export (default: today, Europe/London)"
        )
    leave_commands.add_import_parser(imp_sub)

    alloc = sub.add_parser(
        "allocate",
        help="allocate a month's audits (runs the Prefect flow)",
        description="Allocate a month's audits to Team Managers by running the "
        "allocate-monthly-audits flow. A month already allocated is left as it is.",
    )
    alloc.add_argument("--month", required=True, type=_month, help="the cycle, YYYY-MM")
    alloc.add_argument(
        "--theme",
        choices=sorted(COHORTS),
        metavar="COHORT",
        help=f"cohort to draw from ({', '.join(COHORTS)}); "
        "default: the programme file's theme for the month, else all",
    )
    alloc.add_argument("--json", action="store_true", help="print the allocation as JSON")

    explain = sub.add_parser(
        "explain",
        help="why each case went to each auditor, and who and what was left out",
        description="Explain a month's allocation: the reason for each "
        "allocation, and every excluded case and auditor with its reason.",
    )
    explain.add_argument("--month", required=True, type=_month, help="the cycle, YYYY-MM")
    explain.add_argument("--json", action="store_true", help="print the explanation as JSON")

    lst = sub.add_parser(
        "list",
        help="list a month's audits with their status and dates",
        description="List every audit of a month's cycle: case, auditor, kind, status, due "
        "date (and the original one), completion date and judgement.",
    )
    lst.add_argument("--month", required=True, type=_month, help="the cycle, YYYY-MM")
    lst.add_argument("--json", action="store_true", help="print the audits as JSON")

    _email_commands(sub)
    request_commands.add_parsers(sub, _date)
    web_command.add_parser(sub)
    serve_command.add_parser(sub)
    pause_commands.add_parsers(sub, _date)
    leave_commands.add_parsers(sub, _date)
    recommend_commands.add_parsers(sub, _month)
    report_command.add_parser(sub, _month)
    export_command.add_parser(sub, _month)
    show_command.add_parser(sub)
    action_commands.add_parsers(sub, _date)
    moderation_commands.add_parsers(sub, _date, _month)
    concern_commands.add_parsers(sub)
    respond_command.add_parser(sub)

    demo = sub.add_parser(
        "demo",
        help="build a synthetic council, import it and allocate this month",
        description="Generate a synthetic council (no real people), write it as "
        "the import CSVs, import them, allocate the current month and summarise.",
    )
    demo.add_argument("--out", default="var/demo", help="folder for the generated CSVs")
    demo.add_argument("--month", type=_month, help="month to allocate (default: this month)")
    demo.add_argument(
        "--seed", type=whole_number, default=2026, help="seed of the synthetic council"
    )
    return parser


def _email_commands(sub: Any) -> None:
    chase = sub.add_parser(
        "chase",
        help="send the day's reminders, overdue chases and escalations (runs the Prefect flow)",
        description="Run the chase-outstanding-audits flow: reminders 5 and 1 working days "
        "before the due date, the overdue chase (copied to APS), escalations to line managers, "
        "one digest per person; open audit actions on the same ladder, in the same digests. "
        "Nothing is sent on weekends, bank holidays or during a pause, except that open "
        "safeguarding concerns are re-sent during a pause too.",
    )
    chase.add_argument("--date", type=_date, help="the run's date (default: today, Europe/London)")
    chase.add_argument(
        "--dry-run", action="store_true", help="say what would be sent, and change and send nothing"
    )
    chase.add_argument("--json", action="store_true", help="print the run's summary as JSON")

    completion_commands.add_parser(sub, _date)

    outbox = sub.add_parser(
        "outbox",
        help="list the notifications in the outbox and what became of them",
        description="List emails written to the outbox: recipient, subject, status, attempts "
        "and the last error.",
    )
    outbox.add_argument(
        "--status",
        choices=("pending", "sent", "failed"),
        help="only notifications with this status",
    )
    outbox.add_argument("--json", action="store_true", help="print the notifications as JSON")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":  # runs the other commands as subprocesses: not in commands.run
            return serve_command.cmd_serve(args)
        return commands.run(args)
    except (commands.CommandError, CliError) as error:
        print(f"audits: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`audits list | head`): what it read is all it wanted. Point
        # stdout at nothing so that Python's own flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # as a shell reports a command ended by SIGPIPE


if __name__ == "__main__":
    sys.exit(main())
