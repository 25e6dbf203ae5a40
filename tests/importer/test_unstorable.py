"""A character the database cannot store (NUL, or text that is not UTF-8) is a problem at its
FILE:ROW:COLUMN like any other, on SQLite and PostgreSQL alike, and nothing is written.

On PostgreSQL a NUL in a cell used to pass every check and then fail the write with a
traceback; on SQLite it was stored.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from config.settings import load_policy
from flows.allocate import allocate_cycle
from importer import import_cases, import_staff
from importer.completions import import_completions
from models.db import session_scope
from tests.importer.helpers import CASE_HEADER, STAFF_HEADER, dump, failure, write

EXAMPLES = Path(__file__).parents[2] / "examples"
NUL = "contains a NUL character (\\x00), which cannot be stored"
ENGINES = ["engine", pytest.param("pg_engine", marks=pytest.mark.postgres)]
STAFF_ROW = "S001,Sam Example,sam@example.gov.uk,aps,,,,yes"
CASE_ROW = "C1,Assessment North,North,open,2016-05-04,yes,,no,,0"
COMPLETIONS_HEADER = "case_ref,cycle,completed_on,judgement,done_well,challenges,enough_tools,"
COMPLETIONS_HEADER += "do_differently,theme_cin,feedback_1_source,feedback_1_kind,feedback_1_text"


@pytest.fixture(params=ENGINES)
def any_engine(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.getfixturevalue(request.param)
    return engine


def test_a_nul_in_a_staff_cell(any_engine: Engine, tmp_path: Path) -> None:
    before = dump(any_engine)
    path = write(tmp_path, "staff.csv", [STAFF_HEADER, STAFF_ROW.replace("Sam", "Sa\x00m")])
    problems = failure(any_engine, import_staff, path, "staff.csv")
    assert [str(p) for p in problems] == [f"staff.csv:2:name: {NUL}"]
    assert dump(any_engine) == before


def test_a_nul_in_a_case_cell(any_engine: Engine, tmp_path: Path) -> None:
    before = dump(any_engine)
    rows = [CASE_HEADER, CASE_ROW, CASE_ROW.replace("C1,", "C2,").replace("North,", "N\x00,", 1)]
    problems = failure(any_engine, import_cases, write(tmp_path, "c.csv", rows), "c.csv")
    assert [str(p) for p in problems] == [f"c.csv:3:team: {NUL}"]
    assert dump(any_engine) == before


def test_a_nul_in_an_unused_heading(any_engine: Engine, tmp_path: Path) -> None:
    """An unused heading is stored with the import's record, so it must be storable too."""
    before = dump(any_engine)
    path = write(tmp_path, "c.csv", [f"{CASE_HEADER},no\x00tes", f"{CASE_ROW},x"])
    problems = failure(any_engine, import_cases, path, "c.csv")
    assert [str(p) for p in problems] == [
        "c.csv:1:no\\x00tes: heading contains a NUL character (\\x00), which cannot be stored"
    ]
    assert dump(any_engine) == before


def test_a_nul_in_an_unused_cell_is_never_read(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", [f"{CASE_HEADER},child_name", f"{CASE_ROW},A\x00B"])
    with session_scope(engine) as session:
        assert import_cases(session, path, date(2026, 12, 1)).created == 1


@pytest.fixture
def allocated(any_engine: Engine) -> Engine:
    """The example council with November 2026 allocated (see test_completion_import)."""
    with session_scope(any_engine) as session:
        import_staff(session, EXAMPLES / "staff.csv", date(2026, 10, 20))
    with session_scope(any_engine) as session:
        import_cases(session, EXAMPLES / "cases.csv", date(2026, 10, 20))
    with session_scope(any_engine, write_lock=True) as session:
        allocate_cycle(session, load_policy(), "2026-11", None)
    return any_engine


def test_a_nul_in_a_completion(allocated: Engine, tmp_path: Path) -> None:
    before = dump(allocated)
    good = "C100049,2026-11,2026-11-18,good,Well,Hard,Yes,Sooner,Visits on time,parent,strength,"
    rows = [COMPLETIONS_HEADER, good + "Kind\x00", "C100051,2026-11,2026-11-24,good,,,,,T\x00,,,"]
    path = write(tmp_path, "done.csv", rows)
    problems = failure(allocated, import_completions, path, "done.csv")
    assert [str(p) for p in problems] == [
        f"done.csv:2:feedback_1_text: {NUL}",
        f"done.csv:3:theme_cin: {NUL}",
    ]
    assert dump(allocated) == before


def test_a_file_name_that_is_not_utf8(any_engine: Engine, tmp_path: Path) -> None:
    """Bytes in a name that are not UTF-8 reach Python as lone surrogates, which no database
    here stores (the name is kept with the import's record)."""
    name = b"cases-\xff.csv".decode("utf-8", "surrogateescape")
    path = tmp_path / name
    path.write_text(f"{CASE_HEADER}\n{CASE_ROW}\n", encoding="utf-8")
    before = dump(any_engine)
    problems = failure(any_engine, import_cases, path, name)
    assert [str(p) for p in problems] == [
        "cases-\\udcff.csv:1:-: the file's name is not UTF-8: rename it"
    ]
    assert dump(any_engine) == before
