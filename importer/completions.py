"""Import of completed audits exported from the case system's audit workbook.

One row per completed audit. Columns (headings in any letter case, in any order):

- ``case_ref``, ``cycle`` (YYYY-MM): which audit; the workbook knows the case and the month.
  ``audit_id`` (optional) picks one when a case has two audits in a cycle.
- ``completed_on`` (YYYY-MM-DD), ``judgement`` (``outstanding``, ``good``,
  ``requires_improvement``, ``inadequate``; "Requires Improvement" is read the same).
- ``done_well``, ``challenges``, ``enough_tools``, ``do_differently``: the reflection answers,
  all four or all blank.
- ``theme_<cohort>`` (optional, any number: ``theme_cin``, ``theme_missing_and_cse``...): the
  auditor's descriptor for that practice theme; blank for a theme the audit did not look at.
- ``feedback_<n>_source``, ``feedback_<n>_kind``, ``feedback_<n>_text`` (optional, n = 1, 2...):
  one piece of feedback per n, source ``parent``/``child``/``carer``/``partner_agency``, kind
  ``strength``/``improvement``; all three or all blank.
- ``tags`` (optional): the recurring findings, ``;``-separated (``importer.completion_tags``).

The whole file is checked before anything is written, as for the case import. A row for an audit
already completed with the same date and judgement is counted unchanged (so the workbook's whole
history can be exported every time); a different date or judgement is a problem, never an
overwrite. Columns that look like a child's name are never read, and said so once.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session

from importer.cases import is_name_heading, iso_date, whole_number
from importer.completion_actions import action_numbers, is_action_heading, row_actions
from importer.completion_match import CompletionRow, key_column, match_rows
from importer.completion_tags import TAGS, with_row_tags
from importer.csvfile import (
    BadValue,
    Column,
    CsvTable,
    ImportFailed,
    ImportResult,
    Problem,
    choice,
    echo,
    ignored_notice,
    parse_row,
    read_table,
    text,
)
from importer.store import record_run
from models.audit_store import complete_audit
from models.base import saved_id
from models.programme import Audit
from rules.cohorts import COHORTS
from rules.completion import (
    FEEDBACK_KINDS,
    FEEDBACK_SOURCES,
    MAX_TEXT,
    REFLECTION_QUESTIONS,
    CompletionDetails,
    FeedbackEntry,
    ReflectionAnswers,
    completion_problems,
)
from rules.months import MonthError, format_month, parse_month
from rules.policy import DEFAULT_FINDING_TAGS, JUDGEMENTS

THEME = re.compile(r"theme_(.+)")
FEEDBACK = re.compile(r"feedback_([1-9][0-9]?)_(source|kind|text)")
FEEDBACK_PARTS = ("source", "kind", "text")


def month(value: str) -> str:
    try:
        return format_month(*parse_month(value))
    except MonthError:
        raise BadValue(f"{echo(value)} is not a month written YYYY-MM") from None


def judgement(value: str) -> str:
    """A judgement as the programme writes it, or as a workbook does ("Requires Improvement")."""
    key = re.sub(r"[\s\-]+", "_", value.strip().lower())
    if key not in JUDGEMENTS:
        raise BadValue(f"{echo(value)} is not one of {', '.join(JUDGEMENTS)}")
    return key


COLUMNS = (
    Column("case_ref", text(40)),
    Column("cycle", month),
    Column("completed_on", iso_date),
    Column("judgement", judgement),
    *(Column(question, text(MAX_TEXT), required=False) for question in REFLECTION_QUESTIONS),
)
AUDIT_ID = Column("audit_id", whole_number, required=False)
FREE_TEXT = text(MAX_TEXT)
PARTS = {"source": choice(FEEDBACK_SOURCES), "kind": choice(FEEDBACK_KINDS), "text": FREE_TEXT}


def is_optional(heading: str) -> bool:
    if heading in ("audit_id", TAGS) or is_action_heading(heading):
        return True
    return bool(THEME.fullmatch(heading) or FEEDBACK.fullmatch(heading))


@dataclass
class CompletionResult(ImportResult):
    """What the import did; ``completed`` holds the audits it completed (for the events)."""

    completed: list[Audit] = field(default_factory=list)


def import_completions(
    session: Session,
    path: Path,
    today: date,
    display_name: str | None = None,
    finding_tags: Mapping[str, str] = DEFAULT_FINDING_TAGS,
) -> CompletionResult:
    """Check the whole file, then record its completions (not committed). ``today`` is the
    export's date: a completion after it is refused; ``finding_tags`` the programme's
    ``[findings.tags]``. Raises ImportFailed, having written nothing, if anything in the file is
    wrong."""
    table = read_table(path, display_name, [c.name for c in COLUMNS], optional=is_optional)
    themes, feedback = _header(table)
    numbers = action_numbers(table)
    problems = list(table.problems)
    rows = [_parse(table, line, values, themes, feedback, problems) for line, values in table.rows]
    for row, (line, values) in zip(rows, table.rows, strict=True):
        row.details = with_row_tags(row.details, table, line, values, finding_tags, problems)
    matched = match_rows(session, table, rows, problems)
    todo = _check(table, matched, today, problems)
    set_on = {row.line: row.values["completed_on"] for row, _ in todo}
    actions = row_actions(session, table, numbers, set_on, problems)
    if problems:
        raise ImportFailed(table.sorted_problems(problems))
    names = [heading for heading in table.extra if is_name_heading(heading)]
    others = [heading for heading in table.extra if heading not in names]
    result = CompletionResult(
        kind="completion",
        ignored_columns=table.extra,
        notices=ignored_notice(table, names, "a child's name is never stored")
        + ignored_notice(table, others, "not used"),
    )
    for row, audit in todo:
        on, verdict = row.values["completed_on"], row.values["judgement"]
        details = replace(row.details, actions=actions.get(row.line, ()))
        done = complete_audit(
            session, saved_id(audit), on, verdict, today, "import", details=details
        )
        result.completed.append(done)
    result.rows, result.created = len(rows), len(todo)
    result.unchanged = len(rows) - len(todo)
    record_run(session, table, result)
    return result


def _header(table: CsvTable) -> tuple[dict[str, str], list[str]]:
    """The theme columns by theme, and the feedback numbers; ImportFailed for an unknown theme
    or a piece of feedback without all three of its columns."""
    themes, parts, problems = {}, defaultdict(set), []
    for heading in table.index:
        if found := THEME.fullmatch(heading):
            if found.group(1) not in COHORTS:
                known = ", ".join(f"theme_{c}" for c in COHORTS)
                problems.append(table.problem(1, heading, f"unknown theme (one of {known})"))
            themes[heading] = found.group(1)
        elif found := FEEDBACK.fullmatch(heading):
            parts[found.group(1)].add(found.group(2))
    for number, have in sorted(parts.items()):
        for part in FEEDBACK_PARTS:
            if part not in have:
                heading = f"feedback_{number}_{part}"
                problems.append(table.problem(1, heading, f"missing column (feedback {number})"))
    if problems:
        raise ImportFailed(table.sorted_problems(problems))
    return themes, sorted(parts, key=int)


class _Cells:
    """One row's cells read by heading, each problem added where it is."""

    def __init__(
        self, table: CsvTable, line: int, values: list[str], problems: list[Problem]
    ) -> None:
        self.table, self.line, self.values, self.problems = table, line, values, problems

    def raw(self, heading: str) -> str:
        return self.values[self.table.index[heading]].strip()

    def __call__(self, heading: str, parse: Any) -> Any:
        """The parsed value, or None when blank or bad (a bad one is reported)."""
        value = self.raw(heading)
        try:
            return parse(value) if value else None
        except BadValue as error:
            self.problems.append(self.table.problem(self.line, heading, str(error)))
            return None

    def together(self, headings: Sequence[str], what: str) -> bool:
        """Whether every one of ``headings`` is given. When some are and some are not, each
        blank one is a problem: they go together."""
        blank = [h for h in headings if not self.raw(h)]
        if 0 < len(blank) < len(headings):
            message = f"is blank, but the rest of {what} is given: all or none"
            self.problems += [self.table.problem(self.line, h, message) for h in blank]
        return not blank


def _parse(
    table: CsvTable,
    line: int,
    values: list[str],
    themes: dict[str, str],
    feedback: list[str],
    problems: list[Problem],
) -> CompletionRow:
    columns = COLUMNS + ((AUDIT_ID,) if "audit_id" in table.index else ())
    row = parse_row(table, line, values, columns, problems)
    cells = _Cells(table, line, values, problems)
    findings = tuple((theme, d) for h, theme in themes.items() if (d := cells(h, FREE_TEXT)))
    reflection = None
    if cells.together(REFLECTION_QUESTIONS, "the reflection"):
        answers: list[str] = [row.get(question) or "" for question in REFLECTION_QUESTIONS]
        reflection = ReflectionAnswers(*answers) if all(answers) else None
    entries = []
    for number in feedback:
        headings = [f"feedback_{number}_{part}" for part in FEEDBACK_PARTS]
        if cells.together(headings, f"feedback {number}"):
            got = [cells(h, PARTS[part]) for h, part in zip(headings, FEEDBACK_PARTS, strict=True)]
            if all(got):
                entries.append(FeedbackEntry(*got))
    return CompletionRow(line, row, CompletionDetails(findings, reflection, tuple(entries)))


def _check(
    table: CsvTable,
    matched: list[tuple[CompletionRow, Audit]],
    today: date,
    problems: list[Problem],
) -> list[tuple[CompletionRow, Audit]]:
    """The rows to record: each checked by the completion rules, those already recorded the
    same way left out, and one already recorded differently a problem."""
    todo = []
    for row, audit in matched:
        on, verdict = row.values.get("completed_on"), row.values.get("judgement")
        if on is None or verdict is None or audit.id is None:
            continue  # already reported
        where = key_column(row)
        if audit.status == "completed":
            if (audit.completed_on, audit.judgement) != (on, verdict):
                message = (
                    f"audit {audit.id} was completed on {audit.completed_on} as "
                    f"{audit.judgement}: an import never changes a completion"
                )
                problems.append(table.problem(row.line, where, message))
            continue
        found = completion_problems(audit.id, audit.status, audit.allocated_on, on, verdict, today)
        columns = {"judgement": "judgement", "status": where, "on": "completed_on"}
        problems += [table.problem(row.line, columns[what], text) for what, text in found]
        if not found:
            todo.append((row, audit))
    return todo
