"""The social worker in the imports: the staff file's ``social_worker`` role (a team and service
area required, as for Team Managers) and the cases file's optional ``worker_id`` column (a
member of staff in the staff data; blank is none; a file without the column leaves the workers
as they were). Nothing is imported from a file with a problem. On SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from importer import import_cases, import_staff
from models import Case, Staff
from tests.importer.helpers import CASE_HEADER, STAFF_HEADER, dump, failure, prefixes, run, write

STAFF = [
    STAFF_HEADER,
    "S001,Sam Example,sam@example.gov.uk,service_manager,Assessment North,North,,yes",
    "S002,Alex Example,alex@example.gov.uk,team_manager,Assessment North,North,S001,yes",
    "SW01,Jess Worker,jess@example.gov.uk,social_worker,Assessment North,North,S002,yes",
    "SW02,Lee Worker,lee@example.gov.uk,social_worker,Assessment North,North,S002,no",
]
CASE_ROWS = [
    "C100001,Assessment North,North,open,2016-05-04,yes,,no,,0",
    "C100002,Assessment North,North,open,2023-01-31,no,neglect,no,,0",
    "C100003,Assessment North,North,open,2010-07-15,no,sexual,no,,3",
]
WITH_WORKER = CASE_HEADER + ",worker_id"


def workers(engine: Engine) -> dict[str, str | None]:
    with Session(engine) as session:
        return {c.case_ref: c.worker_id for c in session.scalars(select(Case))}


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    engine: Engine = request.getfixturevalue("engine" if request.param == "sqlite" else "pg_engine")
    run(engine, import_staff, write(tmp_path, "staff.csv", STAFF))
    return engine


def test_a_social_worker_is_imported_with_their_team_and_manager(db: Engine) -> None:
    with Session(db) as session:
        jess = session.get(Staff, "SW01")
        assert jess is not None
        assert (jess.role, jess.team, jess.line_manager_id, jess.active) == (
            "social_worker",
            "Assessment North",
            "S002",
            True,
        )


@pytest.mark.parametrize("blank", ["team", "service_area"])
def test_a_social_worker_needs_a_team_and_service_area(
    engine: Engine, tmp_path: Path, blank: str
) -> None:
    columns = STAFF_HEADER.split(",")
    values = dict(zip(columns, STAFF[3].split(","), strict=True))
    values |= {blank: "", "line_manager_id": ""}
    path = write(tmp_path, "staff.csv", [STAFF_HEADER, ",".join(values[c] for c in columns)])
    before = dump(engine)
    problems = failure(engine, import_staff, path)
    assert prefixes(problems) == [f"{path}:2:{blank}"]
    assert problems[0].message == "is required for a social_worker"
    assert dump(engine) == before


def test_worker_ids_are_stored_and_a_blank_is_none(db: Engine, tmp_path: Path) -> None:
    rows = [f"{CASE_ROWS[0]},SW01", f"{CASE_ROWS[1]},", f"{CASE_ROWS[2]},SW02"]
    result = run(db, import_cases, write(tmp_path, "cases.csv", [WITH_WORKER, *rows]))
    # An inactive worker is still in the staff data: their cases keep them until moved.
    assert workers(db) == {"C100001": "SW01", "C100002": None, "C100003": "SW02"}
    assert result.ignored_columns == [] and result.created == 3


def test_an_unknown_worker_refuses_the_whole_file(db: Engine, tmp_path: Path) -> None:
    run(db, import_cases, write(tmp_path, "cases.csv", [WITH_WORKER, f"{CASE_ROWS[0]},SW01"]))
    rows = [f"{CASE_ROWS[0]},SW02", f"{CASE_ROWS[1]},NOBODY", f"{CASE_ROWS[2]},{'x' * 41}"]
    path = write(tmp_path, "later.csv", [WITH_WORKER, *rows])
    before = dump(db)
    problems = failure(db, import_cases, path)
    assert prefixes(problems) == [f"{path}:3:worker_id", f"{path}:4:worker_id"]
    assert problems[0].message == "unknown member of staff 'NOBODY' (import the staff list first)"
    assert problems[1].message == "is longer than 40 characters"
    assert dump(db) == before  # not even the good row's worker changed
    assert workers(db) == {"C100001": "SW01"}


def test_a_file_without_the_column_keeps_the_workers_and_a_blank_clears_one(
    db: Engine, tmp_path: Path
) -> None:
    first = [f"{CASE_ROWS[0]},SW01", f"{CASE_ROWS[1]},SW02"]
    run(db, import_cases, write(tmp_path, "one.csv", [WITH_WORKER, *first]))
    # Without the column: workers untouched, and a case that did not change is unchanged.
    later = run(db, import_cases, write(tmp_path, "two.csv", [CASE_HEADER, *CASE_ROWS]))
    assert (later.created, later.updated, later.unchanged) == (1, 0, 2)
    assert workers(db) == {"C100001": "SW01", "C100002": "SW02", "C100003": None}
    # With it: a blank clears one, another moves the case to a new worker.
    moved = [f"{CASE_ROWS[0]},", f"{CASE_ROWS[1]},SW01", f"{CASE_ROWS[2]},"]
    last = run(db, import_cases, write(tmp_path, "three.csv", [WITH_WORKER, *moved]))
    assert (last.updated, last.unchanged) == (2, 1)
    assert workers(db) == {"C100001": None, "C100002": "SW01", "C100003": None}


def test_the_column_is_found_in_any_place_and_case(db: Engine, tmp_path: Path) -> None:
    header = " Worker_ID ," + CASE_HEADER
    path = write(tmp_path, "cases.csv", [header, f"SW01,{CASE_ROWS[0]}"])
    run(db, import_cases, path)
    assert workers(db) == {"C100001": "SW01"}
