"""The evidence workbook's cells: typed (a date a real date, a number a number) and every text
inert, so that a spreadsheet opening the workbook never runs a value as a formula.

Everything written to the workbook goes through :func:`cell`; a text through :func:`safe_text`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# A spreadsheet runs a cell that starts with one of these as a formula (or, for tab and
# carriage return, as one once trimmed): such a text is written with a leading apostrophe, as
# the report's appendix CSV does (OWASP's advice on spreadsheet injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd"
BOLD = Font(bold=True)


def safe_text(text: str) -> str:
    """``text`` as a cell may hold it and no spreadsheet will run: a formula-looking text
    quoted, and the control characters the file format cannot carry shown as U+FFFD."""
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def cell(sheet: WriteOnlyWorksheet, value: Any) -> WriteOnlyCell:
    """One typed cell: None empty, a bool a boolean, an int a number, a date a date shown
    yyyy-mm-dd, anything else text (always of the string type, never a formula)."""
    if value is None or isinstance(value, bool | int):
        return WriteOnlyCell(sheet, value)
    if isinstance(value, date) and not isinstance(value, datetime):
        written = WriteOnlyCell(sheet, value)
        written.number_format = DATE_FORMAT
        return written
    written = WriteOnlyCell(sheet, safe_text(str(value)))
    written.data_type = "s"  # never "f", whatever openpyxl made of the value
    return written


def header(sheet: WriteOnlyWorksheet, names: tuple[str, ...]) -> list[WriteOnlyCell]:
    cells = [cell(sheet, name) for name in names]
    for one in cells:
        one.font = BOLD
    return cells
