"""The evidence export for inspection: one workbook of a range of cycles (docs/export.md).

Sheets and columns are the issue's contract: ``Audits``, ``Actions``, ``Compliance`` and
``Recurring findings``, each with a bold, frozen header row. The workbook is written in
openpyxl's write-only mode (rows streamed to the file, not held as cells: a million audits
cost a page of memory) to a hidden file beside the target, then renamed over it, so that no
reader ever finds half a workbook.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import astuple
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from models.export_store import Evidence, FindingLine
from reports.export_cells import cell, header
from rules.policy import JUDGEMENTS

#: Each sheet's columns with their widths (characters).
AUDIT_COLUMNS = {
    "audit_id": 10, "cycle": 9, "kind": 9, "case_ref": 16, "case_team": 20, "service_area": 18,
    "cohort": 10, "auditor_id": 12, "auditor_team": 20, "allocated_on": 12, "due_on": 12,
    "original_due_on": 15, "status": 11, "completed_on": 13, "on_time": 9, "judgement": 22,
    "tags": 36, "actions_open": 13, "actions_done": 13,
}  # fmt: skip
ACTION_COLUMNS = {
    "action_id": 10, "audit_id": 10, "case_ref": 16, "owner_id": 12, "set_on": 12,
    "due_on": 12, "status": 8, "done_on": 12,
}  # fmt: skip
COMPLIANCE_COLUMNS = {
    "cycle": 9, "allocated": 10, "completed": 10, "on_time": 9, "released": 9,
    "compliance_pct": 15, "reaudits_allocated": 18, "reaudits_completed": 19,
    "reaudit_compliance_pct": 23,
}  # fmt: skip
FINDING_COLUMNS = {
    "cycle": 9,
    "tag": 22,
    "label": 30,
    "count": 8,
    **{j: max(len(j) + 2, 9) for j in JUDGEMENTS},
}
SHEETS = ("Audits", "Actions", "Compliance", "Recurring findings")


class ExportNotWritten(Exception):
    """The workbook could not be written where asked; the message says why in one line."""


def write_evidence(evidence: Evidence, out: Path) -> dict[str, int]:
    """Write the workbook to ``out`` (replacing it) and return each sheet's row count (the
    header left out). Nothing is left at ``out`` if writing fails."""
    staging = out.with_name(f".{out.name}.partial")
    try:
        with staging.open("wb") as file:
            counts = write_workbook(evidence, file)
        os.replace(staging, out)
    except OSError as error:
        staging.unlink(missing_ok=True)
        raise ExportNotWritten(f"cannot write {out}: {error.strerror or error}") from None
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    return counts


def write_workbook(evidence: Evidence, file: IO[bytes]) -> dict[str, int]:
    """The workbook of ``evidence`` written to an open binary ``file``."""
    book = Workbook(write_only=True)
    counts = {
        "Audits": _sheet(book, "Audits", AUDIT_COLUMNS, evidence.audits, astuple),
        "Actions": _sheet(book, "Actions", ACTION_COLUMNS, evidence.actions, astuple),
        "Compliance": _sheet(book, "Compliance", COMPLIANCE_COLUMNS, evidence.compliance, astuple),
        "Recurring findings": _sheet(
            book, "Recurring findings", FINDING_COLUMNS, evidence.findings, _finding
        ),
    }
    book.save(file)
    return counts


def _sheet(
    book: Workbook,
    title: str,
    columns: dict[str, int],
    rows: Iterable[Any],
    values: Callable[[Any], Sequence[Any]],
) -> int:
    sheet = book.create_sheet(title)
    sheet.freeze_panes = "A2"  # set before the first row: write-only sheets write it first
    for number, width in enumerate(columns.values(), start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.append(header(sheet, tuple(columns)))
    count = 0
    for row in rows:
        sheet.append([cell(sheet, value) for value in values(row)])
        count += 1
    return count


def _finding(row: FindingLine) -> Sequence[Any]:
    return (row.cycle, row.tag, row.label, row.count, *row.by_judgement)
