"""``audits export``: the evidence workbook for inspection (docs/export.md). It reads and
writes a file; it never imports Prefect."""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path
from typing import Any

from audits import common


def add_parser(sub: Any, as_month: Any) -> None:
    export = sub.add_parser(
        "export",
        help="write the evidence workbook (xlsx) of a range of cycles, for inspection",
        description="Write one workbook of the cycles --from to --to: sheets Audits (every "
        "audit and re-audit), Actions (the actions set on them), Compliance (each cycle's "
        "figures, as the highlight report's) and Recurring findings (each tag by cycle). No "
        "child's name; no cell a spreadsheet would run as a formula.",
    )
    export.add_argument(
        "--from", dest="first", required=True, type=as_month, help="the first cycle, YYYY-MM"
    )
    export.add_argument(
        "--to", dest="last", required=True, type=as_month, help="the last cycle, YYYY-MM"
    )
    export.add_argument("--out", required=True, metavar="FILE.xlsx", help="the workbook to write")
    export.add_argument(
        "--json", action="store_true", help="print the file and each sheet's row count as JSON"
    )


def cmd_export(args: argparse.Namespace) -> int:
    if args.first > args.last:
        raise common.CommandError(f"--from {args.first} is after --to {args.last}")
    out = _target(args.out)
    engine = common.ready_engine()
    # Imported here: openpyxl is read by this command only, not at every command's start.
    from sqlmodel import Session

    from config.settings import load_policy
    from models.export_store import load_evidence
    from reports.export_xlsx import ExportNotWritten, write_evidence

    policy = load_policy()
    with Session(engine) as session:
        evidence = load_evidence(session, policy, args.first, args.last)
        try:
            counts = write_evidence(evidence, out)
        except ExportNotWritten as error:
            raise common.CommandError(_one_line(str(error))) from None
    if args.json:
        print(json.dumps({"out": str(out), "sheets": counts}, indent=2))
    else:
        shown = ", ".join(f"{name} {count:,}" for name, count in counts.items())
        print(f"Evidence for {args.first} to {args.last} written to {out}: {shown} rows")
    return 0


def _target(text: str) -> Path:
    """--out as a file that can be written, checked before the database is read."""
    out = Path(text)
    if _CONTROL.search(text):
        raise common.CommandError(f"--out {_one_line(text)}: a name without control characters")
    if out.suffix.lower() != ".xlsx":
        raise common.CommandError(f"--out {text}: the workbook's name must end .xlsx")
    folder = out.parent
    if not folder.is_dir():
        raise common.CommandError(f"--out {text}: there is no folder {folder}")
    if out.is_dir():
        raise common.CommandError(f"--out {text}: is a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise common.CommandError(f"--out {text}: cannot write in the folder {folder}")
    return out


def _one_line(message: str) -> str:
    """A path typed with a line break or other control character, shown escaped."""
    return _CONTROL.sub(lambda found: repr(found.group())[1:-1], message)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
