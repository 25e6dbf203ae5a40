"""Importing a leave file: the rules of ``audits leave add`` row by row, whole file or nothing,
re-imports, and (Hypothesis) any file at all is imported or refused with located problems and
nothing written."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from importer import ImportFailed
from importer.leave import import_leave
from models import ImportRun, StaffLeave, TrailEntry
from models.db import session_scope
from tests.importer.helpers import dump, failure, prefixes, run, write
from tests.models.leave_people import import_people

HEADER = "staff_id,from,to,reason"
GOOD = [
    HEADER,
    "TM001,2026-11-02,2026-11-06,annual leave",
    "TM002,2026-11-02,2026-11-06,training course",
    "TM001,2026-11-07,2026-11-13,annual leave",  # the day after TM001's first: no overlap
]


@pytest.fixture
def people(engine: Engine, tmp_path: Path) -> Engine:
    return import_people(engine, tmp_path)


def leave(engine: Engine) -> list[tuple[str, date, date, str, str]]:
    with Session(engine) as session:
        rows = session.scalars(select(StaffLeave).order_by(col(StaffLeave.id)))
        return [(r.staff_id, r.starts_on, r.ends_on, r.reason, r.created_by) for r in rows]


def test_a_good_file_is_imported_with_a_trail_entry_per_leave(
    people: Engine, tmp_path: Path
) -> None:
    result = run(people, import_leave, write(tmp_path, "leave.csv", GOOD, bom=True))
    assert (result.kind, result.rows, result.created, result.unchanged) == ("leave", 3, 3, 0)
    assert leave(people) == [
        ("TM001", date(2026, 11, 2), date(2026, 11, 6), "annual leave", "import"),
        ("TM002", date(2026, 11, 2), date(2026, 11, 6), "training course", "import"),
        ("TM001", date(2026, 11, 7), date(2026, 11, 13), "annual leave", "import"),
    ]
    with Session(people) as session:
        [import_run] = session.scalars(
            select(ImportRun).where(col(ImportRun.kind) == "leave")
        ).all()
        actions = [
            (e.action, e.subject_id, (e.detail or {}).get("import_run"))
            for e in session.scalars(select(TrailEntry).order_by(col(TrailEntry.id)))
            if e.action in ("import.leave", "leave.recorded")
        ]
    assert actions == [
        ("import.leave", str(import_run.id), None),
        ("leave.recorded", "1", import_run.id),
        ("leave.recorded", "2", import_run.id),
        ("leave.recorded", "3", import_run.id),
    ]


def test_importing_the_same_calendar_again_records_nothing_twice(
    people: Engine, tmp_path: Path
) -> None:
    run(people, import_leave, write(tmp_path, "leave.csv", GOOD))
    # The next export: the same leave (one reason reworded), one new, one row left out.
    later = [
        GOOD[0],
        GOOD[1],
        "TM002,2026-11-02,2026-11-06,training",
        "TM002,2026-12-21,2027-01-01,a",
    ]
    result = run(people, import_leave, write(tmp_path, "later.csv", later))
    assert (result.rows, result.created, result.unchanged) == (3, 1, 2)
    assert [row[1:3] for row in leave(people)][-1] == (date(2026, 12, 21), date(2027, 1, 1))
    assert len(leave(people)) == 4  # nothing removed, nothing reworded
    assert leave(people)[1][3] == "training course"


def test_every_problem_is_located_and_nothing_is_written(people: Engine, tmp_path: Path) -> None:
    run(people, import_leave, write(tmp_path, "first.csv", GOOD[:2]))
    before = dump(people)
    bad = [
        HEADER + ",notes",
        "TM001,2026-11-04,2026-11-10,annual leave,",  # overlaps leave 1 as recorded
        "NOBODY,2026-11-02,2026-11-06,annual leave,",
        "TM002,2026-11-09,2026-11-06,training,",
        "TM002,2026-02-30,06/11/2026,,",
        'TM002,2026-11-16,2026-11-20,"two\nlines",',
        "TM002,2026-11-16,2026-11-20," + "x" * 201 + ",",
        "TM002,2026-11-16,2028-11-20,long,",
        "TM002,2026-12-01,2026-12-04,a,",
        "TM002,2026-12-04,2026-12-04,b,",  # overlaps line 10 of the file
        "TM002,2026-12-01,2026-12-04",  # short a value
    ]
    problems = failure(people, import_leave, write(tmp_path, "leave.csv", bad), "leave.csv")
    assert [str(p) for p in problems] == [
        "leave.csv:2:from: overlaps leave 1 (2026-11-02 to 2026-11-06) already recorded for "
        "TM001: leave may not overlap",
        "leave.csv:3:staff_id: unknown member of staff 'NOBODY'",
        "leave.csv:4:to: the leave ends (2026-11-06) before it starts (2026-11-09)",
        "leave.csv:5:from: '2026-02-30' is not a real date",
        "leave.csv:5:to: '06/11/2026' is not a date written YYYY-MM-DD",
        "leave.csv:5:reason: is required",
        "leave.csv:6:reason: must be one line of text (no line breaks or control codes)",
        "leave.csv:8:reason: is longer than 200 characters",
        "leave.csv:9:to: 2026-11-16 to 2028-11-20 is 736 days, more than 731: check the dates "
        "(longer leave is recorded as consecutive records)",
        "leave.csv:11:from: overlaps line 10 (2026-12-01 to 2026-12-04) of TM002",
        "leave.csv:12:-: has 3 values but the header has 5 (a stray comma?)",
    ]
    assert dump(people) == before


def test_a_file_without_the_columns_is_refused_whole(people: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "leave.csv", ["staff_id;from;to;reason", "TM001;2026-11-02;x;y"])
    assert prefixes(failure(people, import_leave, path, "leave.csv")) == [
        "leave.csv:1:staff_id",
        "leave.csv:1:from",
        "leave.csv:1:to",
        "leave.csv:1:reason",
    ]


@pytest.mark.postgres
def test_a_leave_file_on_postgresql(pg_engine: Engine, tmp_path: Path) -> None:
    import_people(pg_engine, tmp_path)
    path = write(tmp_path, "leave.csv", [*GOOD, "TM002,2026-12-21,2027-01-01,congé — formation"])
    assert run(pg_engine, import_leave, path).created == 4
    assert run(pg_engine, import_leave, path).unchanged == 4
    assert leave(pg_engine)[-1][3] == "congé — formation"
    before = dump(pg_engine)
    failure(
        pg_engine,
        import_leave,
        write(tmp_path, "bad.csv", [HEADER, "TM001,2026-11-03,2026-11-03,x"]),
    )
    assert dump(pg_engine) == before


# --- Fuzzing: whatever the file holds, the import never crashes, and a refusal is located and
# writes nothing. Cells are drawn from good values, near misses and arbitrary text.

LOCATED = re.compile(r"leave\.csv:[0-9]+:(staff_id|from|to|reason|-): [^\n]+")
staff_ids = st.sampled_from(["TM001", "TM002", "APS01", "NOBODY", "", " TM001 "]) | st.text(
    max_size=8
)
dates = (
    st.dates(date(2026, 1, 1), date(2027, 12, 31)).map(date.isoformat)
    | st.sampled_from(["", "2026-02-30", "2026-13-01", "26-11-02", "2026-11-2", "٢٠٢٦-١١-٠٢"])
    | st.text(max_size=12)
)
reasons = st.sampled_from(["annual leave", "", "x" * 201]) | st.text(max_size=30)
any_row = st.tuples(staff_ids, dates, dates, reasons)


@st.composite
def good_row(draw: st.DrawFn) -> tuple[str, str, str, str]:
    """A row that passes on its own (spread over a century, so rarely clashing with another)."""
    start = draw(st.dates(date(2000, 1, 1), date(2099, 12, 31)))
    end = start + timedelta(days=draw(st.integers(0, 20)))
    who, why = (
        draw(st.sampled_from(["TM001", "TM002"])),
        draw(st.sampled_from(["annual leave", "congé"])),
    )
    return who, str(start), str(end), why


rows = st.lists(good_row() | any_row, min_size=0, max_size=6)


def csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def check_any_file(engine: Engine, path: Path) -> None:
    before = dump(engine)
    try:
        with session_scope(engine) as session:
            result = import_leave(session, path, date(2026, 12, 1), "leave.csv")
    except ImportFailed as failed:
        assert failed.problems
        for problem in failed.problems:
            assert LOCATED.fullmatch(str(problem)), str(problem)
        assert dump(engine) == before
        event("refused")
        return
    event("imported")
    assert result.rows == result.created + result.unchanged > 0
    assert len(dump(engine)["staff_leave"]) == len(before["staff_leave"]) + result.created


@settings(
    max_examples=150,
    deadline=None,
    # One database for every example: each checks what it changed from how it found it.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rows=rows, quoted=st.booleans())
def test_fuzzed_rows_are_imported_or_refused_with_located_problems(
    people: Engine, tmp_path: Path, rows: list[tuple[str, str, str, str]], quoted: bool
) -> None:
    cell = csv_cell if quoted else (lambda v: v)
    lines = [HEADER, *(",".join(cell(v) for v in row) for row in rows)]
    path = tmp_path / "leave.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8", errors="surrogatepass")
    check_any_file(people, path)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=200))
def test_fuzzed_bytes_never_crash_the_import(people: Engine, tmp_path: Path, body: bytes) -> None:
    path = tmp_path / "leave.csv"
    path.write_bytes(HEADER.encode() + b"\n" + body)
    check_any_file(people, path)
