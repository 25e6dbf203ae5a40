"""Every CSV import (staff, cases, completions, and the nightly drop folder) fed generated files:
a file is imported, or refused with every problem on one line as FILE:ROW:COLUMN and nothing
written; never another exception. On SQLite and on PostgreSQL (which cannot store NUL).

Cells are plausible values, rubbish (NUL, other scripts' digits, numbers no column holds, dates
in the future or at the ends of the calendar, things that are not email addresses, quotes,
commas and line breaks) or blank; headers lose, repeat or gain columns; some files are not UTF-8.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from config.settings import load_policy
from flows.allocate import allocate_cycle
from importer import ImportFailed, import_cases, import_staff
from importer.completions import import_completions
from importer.drop_folder import import_drop_folder
from models.db import make_engine, migrate, session_scope
from tests.importer.helpers import dump
from tests.postgres import fresh_database

EXAMPLES = Path(__file__).parents[2] / "examples"
TODAY = date(2026, 11, 30)
RUBBISH = st.one_of(
    st.sampled_from(["\x00", "a\x00b", "Kind\x00"]),  # PostgreSQL cannot store NUL
    st.sampled_from(
        ["٢٠٢٣-٠١-٣١", "2023-01-3١", "20230131", "2027-01-01", "0001-01-01", "9999-12-31",
         "2026-11\n", str(2**31), str(2**64), "9" * 400, "-1", "+3", "1_000", "²",
         "Jane Smith <jane@x.gov.uk>", "a@b", "a@@b.uk", "a@b.c", "x" * 5000, 'say "hi", then\nbye',
         "YES", "Open", "Requires Improvement"]
    ),
    st.text(max_size=15),
)  # fmt: skip
PLAUSIBLE = {
    "staff_id": st.sampled_from(["S001", "S002", "S003", "APS01", "TM001"]),
    "name": st.sampled_from(["Sam Example", "Alex Smith"]),
    "email": st.sampled_from(["sam@example.gov.uk", "alex.smith@council.gov.uk"]),
    "role": st.sampled_from(
        ["team_manager", "service_manager", "aps", "director", "social_worker"]
    ),
    "team": st.sampled_from(["Assessment North", "Child Protection South", ""]),
    "service_area": st.sampled_from(["North", "South", ""]),
    "line_manager_id": st.sampled_from(["", "S001", "S404"]),
    "active": st.sampled_from(["yes", "no"]),
    "case_ref": st.sampled_from(["C100049", "C100051", "C100003", "C900001"]),
    "status": st.sampled_from(["open", "closed"]),
    "date_of_birth": st.dates(date(2005, 1, 1), date(2026, 12, 31)).map(date.isoformat),
    "cin": st.sampled_from(["yes", "no"]),
    "cp_category": st.sampled_from(["", "neglect", "sexual"]),
    "cla": st.sampled_from(["yes", "no"]),
    "cse_risk": st.sampled_from(["", "emerging"]),
    "missing_episodes_6m": st.integers(0, 9).map(str),
    # The cases file's optional worker: in the example staff, not in it, or none.
    "worker_id": st.sampled_from(["S005", "S002", "S404", ""]),
    "cycle": st.sampled_from(["2026-11", "2026-10"]),
    "completed_on": st.dates(date(2026, 11, 1), date(2026, 12, 5)).map(date.isoformat),
    "judgement": st.sampled_from(["good", "inadequate", "requires_improvement"]),
    "audit_id": st.sampled_from(["1", "2", ""]),
    "tags": st.sampled_from(["supervision", "Drift_and_delay; planning", ";;", "gardening", ""]),
    # An action: an eligible owner or not (APS, unknown), a due date before or after completion.
    "action_1_owner": st.sampled_from(["S001", "S002", "APS01", "S404", ""]),
    "action_1_due": st.dates(date(2026, 11, 1), date(2026, 12, 31)).map(date.isoformat),
    "action_1_text": st.sampled_from(["Hold a core group", "=cmd()", ""]),
}
COLUMNS = {
    "staff": "staff_id,name,email,role,team,service_area,line_manager_id,active",
    "cases": "case_ref,team,service_area,status,date_of_birth,cin,cp_category,cla,cse_risk,"
    "missing_episodes_6m",
    "cases_worker": "case_ref,team,service_area,status,date_of_birth,cin,cp_category,cla,"
    "cse_risk,missing_episodes_6m,worker_id",
    "completions": "case_ref,cycle,completed_on,judgement,done_well,challenges,enough_tools,"
    "do_differently,theme_cin,feedback_1_source,feedback_1_kind,feedback_1_text,audit_id,tags,"
    "action_1_owner,action_1_due,action_1_text",
}
IMPORTERS = {
    "staff": import_staff,
    "cases": import_cases,
    "cases_worker": import_cases,  # the cases file with its optional worker_id column
    "completions": import_completions,
}
TEXT = st.sampled_from(["Well", "Kind", "parent", "strength", ""])


def cell(column: str) -> st.SearchStrategy[str]:
    plausible = PLAUSIBLE.get(column, TEXT)
    return st.one_of(plausible, plausible, plausible, RUBBISH, st.just(""))


@st.composite
def export(draw: st.DrawFn, kind: str) -> bytes:
    """A CSV export of ``kind``: the example file with a few cells made rubbish (so that a bad
    value is often the only thing wrong, and would reach the database if a check let it
    through), or a file of wild cells under a header that may have lost, moved or gained a
    column; a few with bytes that are not UTF-8."""
    if draw(st.booleans()):
        table = _example(kind)
        for _ in range(draw(st.integers(0, 2))):
            row = draw(st.integers(1, len(table) - 1))
            table[row][draw(st.integers(0, len(table[0]) - 1))] = draw(RUBBISH)
    else:
        table = draw(_wild(kind))
    buffer = io.StringIO()
    csv.writer(buffer).writerows(table)
    data = buffer.getvalue().encode("utf-8")
    prefix = draw(st.sampled_from([b"", b"", b"\xef\xbb\xbf"]))
    suffix = draw(st.sampled_from([b"", b"", b"", b"\xff\xfe,\n"]))  # not UTF-8
    return prefix + data + suffix


def _example(kind: str) -> list[list[str]]:
    if kind == "cases_worker":  # the example cases, each given an example member of staff
        header, *rows = _example("cases")
        return [[*header, "worker_id"], *([*row, f"S00{1 + n % 9}"] for n, row in enumerate(rows))]
    text = (EXAMPLES / f"{kind}.csv").read_text(encoding="utf-8")
    return [row for row in csv.reader(io.StringIO(text)) if row]


@st.composite
def _wild(draw: st.DrawFn, kind: str) -> list[list[str]]:
    header = COLUMNS[kind].split(",")
    if draw(st.booleans()):
        header = draw(st.permutations(header))
    extra = draw(
        st.lists(
            st.one_of(st.sampled_from(["notes", "child_name", "staff_id"]), RUBBISH), max_size=2
        )
    )
    dropped = draw(st.sets(st.sampled_from(header), max_size=1)) if draw(st.booleans()) else set()
    header = [h for h in header if h not in dropped] + extra
    rows = draw(st.lists(st.tuples(*(cell(h) for h in header)).map(list), max_size=5))
    if draw(st.booleans()) and rows:  # a row of the wrong width
        rows[-1] = rows[-1][:-1]
    return [header, *rows]


def _council(engine: Engine) -> Engine:
    """The example staff and cases with November 2026 allocated: completions have audits."""
    migrate(engine)
    with session_scope(engine) as session:
        import_staff(session, EXAMPLES / "staff.csv", date(2026, 10, 20))
    with session_scope(engine) as session:
        import_cases(session, EXAMPLES / "cases.csv", date(2026, 10, 20))
    with session_scope(engine, write_lock=True) as session:
        allocate_cycle(session, load_policy(), "2026-11", None)
    return engine


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def council(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'audits.db'}")
        yield _council(engine)
        engine.dispose()
        return
    with fresh_database(request.getfixturevalue("postgres_server_url")) as url:
        engine = make_engine(url)
        yield _council(engine)
        engine.dispose()


def _one_line_each(failure: ImportFailed, name: str) -> None:
    assert failure.problems
    for problem in failure.problems:
        text = str(problem)
        assert text.startswith(f"{name}:{problem.row}:{problem.column}: "), text
        assert problem.row >= 1 and problem.column and "\n" not in text and "\r" not in text, text


FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("kind", list(IMPORTERS))
def test_an_import_takes_the_file_or_refuses_it_unchanged(
    council: Engine, tmp_path_factory: pytest.TempPathFactory, kind: str
) -> None:
    folder = tmp_path_factory.mktemp(kind)

    @FUZZ
    @given(data=export(kind))
    def check(data: bytes) -> None:
        path = folder / f"{kind}.csv"
        path.write_bytes(data)
        before = dump(council)
        with Session(council) as session:
            try:
                IMPORTERS[kind](session, path, TODAY, f"{kind}.csv")
            except ImportFailed as failure:
                session.commit()  # anything written before the refusal would now show
                _one_line_each(failure, f"{kind}.csv")
                assert dump(council) == before
            else:
                session.flush()  # written (a value the database refuses fails here)...
                session.rollback()  # ...and undone, so each example starts from the council

    check()


def test_the_nightly_import_files_a_bad_export_under_failed(
    council: Engine, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Never an unexpected error (which would leave the file to fail again every night)."""
    now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)

    @settings(FUZZ, max_examples=20)
    @given(staff=export("staff"), cases=export("cases"))
    def check(staff: bytes, cases: bytes) -> None:
        folder = tmp_path_factory.mktemp("drop")
        (folder / "staff-export.csv").write_bytes(staff)
        (folder / "cases-export.csv").write_bytes(cases)
        before = dump(council)
        outcome = import_drop_folder(council, folder, TODAY, now)
        assert [f.error for f in outcome.files] == ["", ""]
        for file in outcome.files:
            assert file.moved_to is not None and file.moved_to.exists()
            where = "processed" if file.ok else "failed"
            assert file.moved_to.parent.parent.name == where
            if not file.ok:
                assert file.errors_file is not None
                lines = file.errors_file.read_text(encoding="utf-8").splitlines()
                assert len(lines) == file.problems
        if not any(f.ok for f in outcome.files):
            assert dump(council) == before
        assert not list(folder.glob("*.csv"))  # nothing left to fail again tomorrow

    check()
