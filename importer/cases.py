"""Import of the case export: each case's reference, team and the facts the cohorts need.

Columns: ``case_ref, team, service_area, status, date_of_birth, cin, cp_category, cla,
cse_risk, missing_episodes_6m``, and optionally ``worker_id``. The date of birth is kept only
because the "CP under 5" cohort needs a child's age on the allocation date.

``worker_id`` is the staff_id of the case's allocated social worker, who must already be in the
staff data (imported before the cases; any role, active or not: see docs/importing.md); blank
means none. A file without the column leaves every case's worker as it was; a file with it sets
each listed case's worker, a blank cell clearing it.

A child's name is never stored (docs/domain.md, "Data"). The file has no column for it;
an export that carries one anyway is accepted, the column is never read into a value, never
stored and never echoed in a message, and the result carries one notice naming the column(s)
so that whoever runs the export can drop them. See ``importer`` for re-import semantics.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from importer.csvfile import (
    BadValue,
    Column,
    CsvTable,
    ImportFailed,
    ImportResult,
    TeamAreas,
    check_unique,
    choice,
    echo,
    ignored_notice,
    parse_row,
    read_table,
    text,
    yes_no,
)
from importer.store import record_run, sync, upsert_teams
from models.cases import CP_CATEGORIES, CSE_RISKS, Case
from models.people import Staff

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# PostgreSQL's INTEGER: a larger number would fail on writing, after the file passed its checks.
_MAX_INT = 2**31 - 1


def iso_date(value: str) -> date:
    """A real date written YYYY-MM-DD, the one form that cannot be misread (01/02 is not)."""
    if not _DATE.fullmatch(value):
        raise BadValue(f"{echo(value)} is not a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadValue(f"{echo(value)} is not a real date") from None


def whole_number(value: str) -> int:
    if not re.fullmatch(r"[0-9]+", value):  # not int(): it takes "+3", "1_000" and other digits
        raise BadValue(f"{echo(value)} is not a whole number (0 or more)")
    if int(value) > _MAX_INT:
        raise BadValue(f"{echo(value)} is too large")
    return int(value)


COLUMNS = (
    Column("case_ref", text(40)),
    Column("team", text(120)),
    Column("service_area", text(120)),
    Column("status", choice(("open", "closed"))),
    Column("date_of_birth", iso_date),
    Column("cin", yes_no),
    Column("cp_category", choice(CP_CATEGORIES), required=False),
    Column("cla", yes_no),
    Column("cse_risk", choice(CSE_RISKS), required=False),
    Column("missing_episodes_6m", whole_number),
)
#: The optional column: read (and stored) only when the file has it, so that an export without
#: it never wipes the workers an earlier one gave.
WORKER = Column("worker_id", text(40), required=False)
# What is stored on Case, in this order: the key first (see store.sync).
STORED = (
    "case_ref",
    "team",
    "status",
    "date_of_birth",
    "cin",
    "cp_category",
    "cla",
    "cse_risk",
    "missing_episodes_6m",
)
# Headings that carry a child's name, compared in lower case without spaces, "_" or "-". Any
# heading starting "child" and containing "name" (child_first_name, Child's Name) counts too.
NAME_HEADINGS = frozenset(
    {
        "childname",
        "name",
        "forename",
        "forenames",
        "firstname",
        "surname",
        "lastname",
        "fullname",
        "givenname",
        "givennames",
        "familyname",
        "middlename",
        "middlenames",
        "preferredname",
        "knownas",
    }
)


def import_cases(
    session: Session, path: Path, today: date, display_name: str | None = None
) -> ImportResult:
    """Check the whole case file, then upsert its teams and cases (not committed).

    Raises ImportFailed, having written nothing, if anything in the file is wrong.
    """
    table = read_table(
        path, display_name, [column.name for column in COLUMNS], lambda key: key == WORKER.name
    )
    rows, areas = _checked_rows(session, table, today)
    names = [heading for heading in table.extra if is_name_heading(heading)]
    others = [heading for heading in table.extra if heading not in names]
    result = ImportResult(
        kind="cases",
        ignored_columns=table.extra,
        notices=ignored_notice(table, names, "a child's name is never stored")
        + ignored_notice(table, others, "not used"),
    )
    upsert_teams(session, areas)
    sync(session, Case, rows, today, result)
    record_run(session, table, result)
    return result


def is_name_heading(heading: str) -> bool:
    """Whether a column heading looks like it holds a person's name."""
    key = re.sub(r"[\s_\-']", "", heading.lower())
    return key in NAME_HEADINGS or (key.startswith("child") and "name" in key)


def _checked_rows(
    session: Session, table: CsvTable, today: date
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The rows to store and each team's service area; ImportFailed listing every problem."""
    problems = list(table.problems)
    teams, seen = TeamAreas(table), dict[str, int]()
    with_worker = WORKER.name in table.index
    columns = (*COLUMNS, WORKER) if with_worker else COLUMNS
    stored = (*STORED, WORKER.name) if with_worker else STORED
    known = _staff_ids(session) if with_worker else set()
    rows = []
    for line, values in table.rows:
        row = parse_row(table, line, values, columns, problems)
        born = row.get("date_of_birth")
        if born is not None and born > today:  # the export cannot know a child not yet born
            message = f"{born} is after the export's date ({today})"
            problems.append(table.problem(line, "date_of_birth", message))
        problems += check_unique(table, line, "case_ref", row, seen)
        problems += teams.check(line, row)
        worker = row.get(WORKER.name)
        if worker is not None and worker not in known:
            message = f"unknown member of staff {echo(worker)} (import the staff list first)"
            problems.append(table.problem(line, WORKER.name, message))
        rows.append(row)
    if problems:
        raise ImportFailed(table.sorted_problems(problems))
    return [{name: row[name] for name in stored} for row in rows], teams.mapping()


def _staff_ids(session: Session) -> set[str]:
    """Every staff_id in the staff data, whoever they are now: a worker who has left keeps
    their cases until the case system moves them."""
    return set(session.execute(select(col(Staff.staff_id))).scalars())
