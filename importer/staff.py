"""Import of the staff export: who may audit, who manages whom, and the teams they sit in.

Columns: ``staff_id, name, email, role, team, service_area, line_manager_id, active``. Team
managers, service managers and social workers belong to a team (and so a service area); APS
members and directors may leave both blank. A line manager is a staff_id in the same file or
already in the database. See ``importer`` for what a re-import does to people a later file
leaves out.
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
    Problem,
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
from models.people import ROLES, Staff

# An address as mail systems write them (RFC 5322's dot-atom): ASCII letters, digits and the
# few symbols allowed before the @, dots only between them; after it, a host name of letters,
# digits and hyphens in two or more labels, ending in a real top-level domain's letters.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_TOP_LEVEL = re.compile(r"[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59}")


def email(value: str) -> str:
    """An email address: one @, a valid part before it, a host name after it. Whether it
    reaches anyone is for the mail system to say."""
    local, _, domain = value.partition("@")
    labels = domain.split(".")
    looks_right = (
        value.count("@") == 1
        and len(value) <= 254
        and len(local) <= 64
        and _LOCAL.fullmatch(local) is not None
        and len(labels) >= 2
        and all(_LABEL.fullmatch(label) for label in labels)
        and _TOP_LEVEL.fullmatch(labels[-1]) is not None
    )
    if not looks_right:
        raise BadValue(f"{echo(value)} does not look like an email address")
    return value


COLUMNS = (
    Column("staff_id", text(40)),
    Column("name", text(200)),
    Column("email", email),
    Column("role", choice(ROLES)),
    Column("team", text(120), required=False),
    Column("service_area", text(120), required=False),
    Column("line_manager_id", text(40), required=False),
    Column("active", yes_no),
)
# The roles that sit in a team: team managers audit cases outside their own team, service
# managers are the escalation point for their team managers, and social workers hold the team's
# cases (the cases file's worker_id), their Team Manager being their line manager.
TEAM_ROLES = ("team_manager", "service_manager", "social_worker")
# What is stored on Staff, in this order: the key first (see store.sync).
STORED = ("staff_id", "name", "email", "role", "team", "line_manager_id", "active")


def import_staff(
    session: Session, path: Path, today: date, display_name: str | None = None
) -> ImportResult:
    """Check the whole staff file, then upsert its teams and staff (not committed).

    Raises ImportFailed, having written nothing, if anything in the file is wrong.
    """
    table = read_table(path, display_name, [column.name for column in COLUMNS])
    rows, areas = _checked_rows(session, table)
    result = ImportResult(
        kind="staff",
        ignored_columns=table.extra,
        notices=ignored_notice(table, table.extra, "not used"),
    )
    upsert_teams(session, areas)
    sync(session, Staff, rows, today, result, deferred="line_manager_id")
    record_run(session, table, result)
    return result


def _checked_rows(session: Session, table: CsvTable) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The rows to store and each team's service area; ImportFailed listing every problem."""
    problems = list(table.problems)
    teams, seen = TeamAreas(table), dict[str, int]()
    parsed: list[tuple[int, dict[str, Any]]] = []
    for line, values in table.rows:
        row = parse_row(table, line, values, COLUMNS, problems)
        problems += check_unique(table, line, "staff_id", row, seen)
        problems += _team_problems(table, line, row)
        problems += teams.check(line, row)
        parsed.append((line, row))
    # A line manager may come later in the file, so these are checked once every id is known.
    known = seen.keys() | set(session.execute(select(col(Staff.staff_id))).scalars())
    for line, row in parsed:
        problems += _line_manager_problems(table, line, row, known)
    if problems:
        raise ImportFailed(table.sorted_problems(problems))
    return [{name: row[name] for name in STORED} for _, row in parsed], teams.mapping()


def _team_problems(table: CsvTable, line: int, row: dict[str, Any]) -> list[Problem]:
    """Team and service area are required for the team roles, and go together for the others.

    A key absent from ``row`` held a bad value, already reported, so it is not judged here.
    """
    role = row.get("role")
    blank = [name for name in ("team", "service_area") if name in row and row[name] is None]
    if role in TEAM_ROLES:
        return [table.problem(line, name, f"is required for a {role}") for name in blank]
    if blank == ["service_area"] and row.get("team") is not None:
        return [table.problem(line, "service_area", "is required when a team is given")]
    if blank == ["team"] and row.get("service_area") is not None:
        return [table.problem(line, "team", "is required when a service_area is given")]
    return []


def _line_manager_problems(
    table: CsvTable, line: int, row: dict[str, Any], known: set[str]
) -> list[Problem]:
    manager = row.get("line_manager_id")
    if manager is None:
        return []
    if manager == row.get("staff_id"):
        return [table.problem(line, "line_manager_id", "cannot be the person themself")]
    if manager not in known:
        return [table.problem(line, "line_manager_id", f"unknown line manager {manager}")]
    return []
