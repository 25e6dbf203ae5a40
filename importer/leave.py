"""Import of recorded leave (an HR system's or a spreadsheet's export), whole file or nothing.

Columns: ``staff_id, from, to, reason``: who, the first and last day of leave (``YYYY-MM-DD``,
both days of leave) and why ("annual leave", "training"; about the member of staff, never a
child, and no health details). The file follows the rules of ``audits leave add`` (``rules.leave``):

- the member of staff must already be imported;
- ``to`` is not before ``from``, and one record spans at most two years;
- one person's leave never overlaps: a row that overlaps an earlier row of the file, or leave
  already recorded, is a problem naming the other (never merged, never overwritten);
- a row that repeats leave already recorded (same person, same first and last day) is counted
  unchanged, whatever its reason, so an export of the whole leave calendar can be imported
  again and again. Leave missing from a later file is kept: removing leave is
  ``audits leave remove``.

Every problem is reported as ``FILE:ROW:COLUMN: message`` and nothing is written; an imported
file is recorded as an ImportRun, with one trail entry per leave recorded.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from importer.cases import iso_date
from importer.csvfile import (
    BadValue,
    Column,
    CsvTable,
    ImportFailed,
    ImportResult,
    Problem,
    echo,
    ignored_notice,
    parse_row,
    read_table,
    text,
)
from importer.store import record_run
from models import leave_store
from models.people import Staff
from rules.leave import (
    MAX_STAFF_ID,
    LeaveError,
    LeaveSpell,
    check_dates,
    check_reason,
    overlapping,
)


def reason(value: str) -> str:
    try:
        return check_reason(value)
    except LeaveError as error:
        raise BadValue(str(error).removeprefix("the reason ")) from None


COLUMNS = (
    Column("staff_id", text(MAX_STAFF_ID)),
    Column("from", iso_date),
    Column("to", iso_date),
    Column("reason", reason),
)


@dataclass
class _Checked:
    """The file's rows as the rules see them: new leave (with reasons) and rows already recorded."""

    new: list[tuple[LeaveSpell, str]]
    unchanged: int


def import_leave(
    session: Session, path: Path, today: date, display_name: str | None = None
) -> ImportResult:
    """Check the whole leave file, then record its new leave (not committed).

    Raises ImportFailed, having written nothing, if anything in the file is wrong. ``today`` is
    the import's date, taken for the same signature as the other imports (no leave rule
    depends on it).
    """
    del today
    table = read_table(path, display_name, [column.name for column in COLUMNS])
    leave_store.lock(session)
    checked = _checked_rows(session, table)
    result = ImportResult(
        kind="leave",
        rows=len(checked.new) + checked.unchanged,
        created=len(checked.new),
        unchanged=checked.unchanged,
        ignored_columns=table.extra,
        notices=ignored_notice(table, table.extra, "not used"),
    )
    run = record_run(session, table, result)
    assert run.id is not None
    leave_store.record_imported(session, checked.new, run.id)
    return result


def _checked_rows(session: Session, table: CsvTable) -> _Checked:
    problems = list(table.problems)
    known = set(session.execute(select(col(Staff.staff_id))).scalars())
    parsed: list[tuple[int, dict[str, Any]]] = []
    for line, values in table.rows:
        row = parse_row(table, line, values, COLUMNS, problems)
        problems += _row_problems(table, line, row, known)
        parsed.append((line, row))
    # Overlaps are judged between rows that are otherwise sound.
    bad_lines = {p.row for p in problems}
    sound = [(line, row) for line, row in parsed if line not in bad_lines]
    recorded: dict[str, list[LeaveSpell]] = defaultdict(list)
    for spell in leave_store.spells_of(session, {row["staff_id"] for _, row in sound}):
        recorded[spell.staff_id].append(spell)
    checked, earlier = _Checked([], 0), _EarlierRows()
    for line, row in sound:
        new = LeaveSpell(row["staff_id"], row["from"], row["to"])
        theirs = recorded[new.staff_id]
        problem = earlier.overlap(table, line, new) or _recorded_overlap(table, line, new, theirs)
        if problem is not None:
            problems.append(problem)
        elif any(_same_days(new, old) for old in theirs):
            checked.unchanged += 1
        else:
            checked.new.append((new, row["reason"]))
        earlier.add(line, new)
    if problems:
        raise ImportFailed(table.sorted_problems(problems))
    return checked


def _row_problems(
    table: CsvTable, line: int, row: dict[str, Any], known: set[str]
) -> list[Problem]:
    found = []
    staff_id = row.get("staff_id")
    if staff_id is not None and staff_id not in known:
        found.append(table.problem(line, "staff_id", f"unknown member of staff {echo(staff_id)}"))
    if row.get("from") is not None and row.get("to") is not None:
        try:
            check_dates(row["from"], row["to"])
        except LeaveError as error:
            found.append(table.problem(line, "to", str(error)))
    return found


class _EarlierRows:
    """The file's rows read so far, by person, to find one that a later row overlaps."""

    def __init__(self) -> None:
        self.by_person: dict[str, list[tuple[int, LeaveSpell]]] = defaultdict(list)

    def add(self, line: int, spell: LeaveSpell) -> None:
        self.by_person[spell.staff_id].append((line, spell))

    def overlap(self, table: CsvTable, line: int, new: LeaveSpell) -> Problem | None:
        for first, old in self.by_person[new.staff_id]:
            if overlapping(new, [old]) is not None:
                message = f"overlaps line {first} ({old.dates()}) of {new.staff_id}"
                return table.problem(line, "from", message)
        return None


def _same_days(new: LeaveSpell, old: LeaveSpell) -> bool:
    return (new.staff_id, new.starts_on, new.ends_on) == (old.staff_id, old.starts_on, old.ends_on)


def _recorded_overlap(
    table: CsvTable, line: int, new: LeaveSpell, recorded: list[LeaveSpell]
) -> Problem | None:
    """A problem if ``new`` overlaps recorded leave other than the very same days."""
    clash = overlapping(new, [old for old in recorded if not _same_days(new, old)])
    if clash is None:
        return None
    message = f"overlaps {clash.name} ({clash.dates()}) already recorded for {new.staff_id}"
    return table.problem(line, "from", message + ": leave may not overlap")
