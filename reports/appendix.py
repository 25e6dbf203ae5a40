"""The report's appendix: every answer of the month, one row per distinct text with its count,
as a CSV file beside the PDF (the report itself shows only a handful of each).

Columns: ``section`` (``theme``, ``feedback`` or ``reflection``), ``theme`` (the cohort, for a
theme's descriptors), ``group`` (the judgement, the feedback kind, or the reflection question's
key), ``text`` and ``count``; in the report's order, most frequent first within a group.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from models.figures import ReportFigures
from rules.policy import JUDGEMENTS

COLUMNS = ("section", "theme", "group", "text", "count")
# A spreadsheet runs a cell that starts with one of these as a formula: such a text is written
# with a leading apostrophe, which spreadsheets show as text (OWASP's advice for CSV exports).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def appendix_rows(figures: ReportFigures) -> Iterator[tuple[str, str, str, str, int]]:
    for theme in figures.themes:
        for judgement in JUDGEMENTS:
            for item in theme.descriptor_counts.get(judgement, ()):
                yield "theme", theme.theme, judgement, item.text, item.count
    for kind, counts in figures.feedback_counts.items():
        for item in counts:
            yield "feedback", "", kind, item.text, item.count
    for question, counts in figures.reflection_counts.items():
        for item in counts:
            yield "reflection", "", question, item.text, item.count


def appendix_csv(figures: ReportFigures) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for section, theme, group, text, count in appendix_rows(figures):
        writer.writerow((section, theme, group, _as_text(text), count))
    return out.getvalue()


def write_appendix(figures: ReportFigures, path: Path) -> Path:
    # UTF-8 with a byte order mark, so that a spreadsheet opened on Windows reads it right.
    path.write_text(appendix_csv(figures), encoding="utf-8-sig", newline="")
    return path


def _as_text(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
