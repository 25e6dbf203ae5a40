"""Importing the case export: cohort facts, child names never stored, re-imports, bulk writing,
and nothing written on failure."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from importer import ImportFailed, import_cases, import_staff
from importer.cases import is_name_heading
from models import Case, ImportRun, Team, TrailEntry
from tests.importer.helpers import CASE_HEADER, TODAY, dump, failure, prefixes, run, write

COLUMNS = CASE_HEADER.split(",")
ROWS = [
    "C100001,Assessment North,North,open,2016-05-04,yes,,no,,0",
    "C100002,Assessment North,North,open,2023-01-31,no,neglect,no,,0",
    "C100003,Child Protection South,South,open,2010-07-15,no,sexual,no,experiencing,3",
    "C100004,Child Protection South,South,closed,2009-02-28,no,,yes,emerging,1",
]
EXAMPLES = Path(__file__).parents[2] / "examples"


def lines(**line_3: str) -> list[str]:
    """The good file, with line 3 (C100002) changed as given."""
    values = dict(zip(COLUMNS, ROWS[1].split(","), strict=True)) | line_3
    return [CASE_HEADER, ROWS[0], ",".join(values[c] for c in COLUMNS), *ROWS[2:]]


def cases(engine: Engine) -> dict[str, Case]:
    with Session(engine) as session:
        return {c.case_ref: c for c in session.execute(select(Case)).scalars()}


def teams(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        return {t.name: t.service_area for t in session.execute(select(Team)).scalars()}


def test_a_good_file_is_imported(engine: Engine, tmp_path: Path) -> None:
    result = run(engine, import_cases, write(tmp_path, "cases.csv", [CASE_HEADER, *ROWS]))
    assert (result.kind, result.rows, result.created, result.updated, result.unchanged) == (
        "cases",
        4,
        4,
        0,
        0,
    )
    assert (result.marked_missing, result.ignored_columns, result.notices) == (0, [], [])
    stored = cases(engine)
    one, two, three, four = (stored[f"C10000{n}"] for n in range(1, 5))
    assert (one.team, one.status, one.date_of_birth, one.cin, one.cla) == (
        "Assessment North",
        "open",
        date(2016, 5, 4),
        True,
        False,
    )
    assert (one.cp_category, one.cse_risk, one.missing_episodes_6m) == (None, None, 0)
    assert (two.cp_category, three.cp_category, three.cse_risk) == (
        "neglect",
        "sexual",
        "experiencing",
    )
    assert three.missing_episodes_6m == 3
    assert (four.status, four.cla, four.cse_risk) == ("closed", True, "emerging")
    assert all(c.in_latest_export and c.missing_since is None for c in stored.values())
    assert teams(engine) == {"Assessment North": "North", "Child Protection South": "South"}
    with Session(engine) as session:
        run_row = session.execute(select(ImportRun)).scalars().one()
        entry = session.execute(select(TrailEntry)).scalars().one()
    assert (run_row.kind, run_row.rows, run_row.created) == ("cases", 4, 4)
    assert run_row.sha256 == hashlib.sha256((tmp_path / "cases.csv").read_bytes()).hexdigest()
    assert (entry.action, entry.subject_id, entry.detail["created"]) == (
        "import.cases",
        str(run_row.id),
        4,
    )


@pytest.mark.parametrize("bom", [True, False])
def test_utf8_with_or_without_a_byte_order_mark(engine: Engine, tmp_path: Path, bom: bool) -> None:
    path = write(
        tmp_path,
        "cases.csv",
        [CASE_HEADER, "C200001,Équipe Nord,Région,open,2020-01-01,yes,,no,,0"],
        bom=bom,
    )
    assert run(engine, import_cases, path).created == 1
    assert cases(engine)["C200001"].team == "Équipe Nord"
    assert teams(engine) == {"Équipe Nord": "Région"}


def test_fixed_values_in_any_case_and_spaces_are_accepted(engine: Engine, tmp_path: Path) -> None:
    row = " C300001 , Assessment North ,North, OPEN ,2019-12-31,Yes,Sexual,NO,Significant, 2 "
    run(engine, import_cases, write(tmp_path, "c.csv", [CASE_HEADER.upper(), row]))
    case = cases(engine)["C300001"]
    assert (case.case_ref, case.team, case.status, case.cin, case.cla) == (
        "C300001",
        "Assessment North",
        "open",
        True,
        False,
    )
    assert (case.cp_category, case.cse_risk, case.missing_episodes_6m) == (
        "sexual",
        "significant",
        2,
    )


def test_extra_columns_are_ignored(engine: Engine, tmp_path: Path) -> None:
    header = f"{CASE_HEADER},allocated_worker_team,Ethnicity"
    rows = [f"{row},Somewhere,Unrecorded" for row in ROWS]
    result = run(engine, import_cases, write(tmp_path, "c.csv", [header, *rows]), name="c.csv")
    assert result.created == 4
    assert result.ignored_columns == ["allocated_worker_team", "Ethnicity"]
    assert result.notices == ["c.csv: ignored column(s) allocated_worker_team, Ethnicity: not used"]
    assert "Unrecorded" not in repr(dump(engine))


CHILD = ("Marigold", "Quillfeather")  # values that appear nowhere else


def _stored_bytes(engine: Engine, tmp_path: Path) -> bytes:
    engine.dispose()  # close connections so the write-ahead log is folded into the file
    return b"".join(path.read_bytes() for path in tmp_path.glob("audits.db*"))


def test_a_child_name_column_is_accepted_and_never_stored(engine: Engine, tmp_path: Path) -> None:
    header = f"Child Name,{CASE_HEADER},SURNAME,key worker"
    rows = [f"{CHILD[0]} {n},{row},{CHILD[1]},Someone" for n, row in enumerate(ROWS)]
    path = write(tmp_path, "cases.csv", [header, *rows])
    result = run(engine, import_cases, path, name="cases.csv")
    assert result.created == 4
    assert result.ignored_columns == ["Child Name", "SURNAME", "key worker"]
    name_notices = [n for n in result.notices if "child's name" in n]
    assert name_notices == [
        "cases.csv: ignored column(s) Child Name, SURNAME: a child's name is never stored"
    ]
    everything = repr(dump(engine)) + repr(result)
    assert CHILD[0] not in everything and CHILD[1] not in everything
    stored = _stored_bytes(engine, tmp_path)
    assert b"C100003" in stored  # the check below looks in the right place
    for value in CHILD:
        assert value.encode() not in stored and value.encode("utf-16-le") not in stored


def test_a_refused_file_never_echoes_a_child_name(engine: Engine, tmp_path: Path) -> None:
    header = f"{CASE_HEADER},first_name"
    rows = [f"{row},{CHILD[0]}" for row in lines(status="pending", cin="")[1:]]
    problems = failure(engine, import_cases, write(tmp_path, "c.csv", [header, *rows]), "c.csv")
    assert prefixes(problems) == ["c.csv:3:status", "c.csv:3:cin"]
    assert CHILD[0] not in " ".join(map(str, problems))


@pytest.mark.parametrize(
    "heading",
    ["child_name", "Name", "forename", "First Name", "first-name", "Surname", "last_name",
     "lastname", "Full Name", "given_name", "family-name", "Middle Name", "Child's Name",
     "child_first_name"],
)  # fmt: skip
def test_name_headings_are_recognised(heading: str) -> None:
    assert is_name_heading(heading)


@pytest.mark.parametrize("heading", ["team_name", "key worker", "ethnicity", "gender", "named"])
def test_other_headings_are_not_taken_for_names(heading: str) -> None:
    assert not is_name_heading(heading)


BAD_VALUES = [
    ("case_ref", "", "is required"),
    ("case_ref", "C" * 41, "is longer than 40 characters"),
    ("team", "", "is required"),
    ("team", "T" * 121, "is longer than 120 characters"),
    ("service_area", "", "is required"),
    ("service_area", "S" * 121, "is longer than 120 characters"),
    ("status", "", "is required"),
    ("status", "pending", "'pending' is not one of open, closed"),
    ("date_of_birth", "", "is required"),
    ("date_of_birth", "31/01/2023", "'31/01/2023' is not a date written YYYY-MM-DD"),
    ("date_of_birth", "2023-1-31", "'2023-1-31' is not a date written YYYY-MM-DD"),
    ("date_of_birth", "20230131", "'20230131' is not a date written YYYY-MM-DD"),
    ("date_of_birth", "2023-02-30", "'2023-02-30' is not a real date"),
    ("date_of_birth", "٢٠٢٣-٠١-٣١", "'٢٠٢٣-٠١-٣١' is not a date written YYYY-MM-DD"),
    ("date_of_birth", "2026-12-02", "2026-12-02 is after the export's date (2026-12-01)"),
    ("case_ref", "C10\x000002", "contains a NUL character (\\x00), which cannot be stored"),
    ("team", "\x00", "contains a NUL character (\\x00), which cannot be stored"),
    ("cin", "", "is required"),
    ("cin", "y", "'y' is not one of yes, no"),
    (
        "cp_category",
        "abuse",
        "'abuse' is not one of neglect, physical, emotional, sexual, multiple",
    ),
    ("cla", "", "is required"),
    ("cla", "true", "'true' is not one of yes, no"),
    ("cse_risk", "high", "'high' is not one of emerging, experiencing, significant"),
    ("missing_episodes_6m", "", "is required"),
    ("missing_episodes_6m", "-1", "'-1' is not a whole number (0 or more)"),
    ("missing_episodes_6m", "1.5", "'1.5' is not a whole number (0 or more)"),
    ("missing_episodes_6m", "two", "'two' is not a whole number (0 or more)"),
    ("missing_episodes_6m", "99999999999", "'99999999999' is too large"),
]


@pytest.mark.parametrize(("column", "value", "message"), BAD_VALUES)
def test_each_bad_value_is_reported_where_it_is(
    engine: Engine, tmp_path: Path, column: str, value: str, message: str
) -> None:
    path = write(tmp_path, "cases.csv", lines(**{column: value}))
    problems = failure(engine, import_cases, path, "cases.csv")
    assert [str(p) for p in problems] == [f"cases.csv:3:{column}: {message}"]


def test_a_long_bad_value_is_cut_short_in_the_message(engine: Engine, tmp_path: Path) -> None:
    problems = failure(
        engine, import_cases, write(tmp_path, "c.csv", lines(status="x" * 200)), "c.csv"
    )
    assert str(problems[0]) == f"c.csv:3:status: '{'x' * 30}...' is not one of open, closed"


def test_a_missing_column_is_one_problem_per_column(engine: Engine, tmp_path: Path) -> None:
    header = CASE_HEADER.replace(",cse_risk", "")
    problems = failure(engine, import_cases, write(tmp_path, "c.csv", [header, "junk,,,"]), "c.csv")
    assert [str(p) for p in problems] == ["c.csv:1:cse_risk: missing column"]


def test_a_semicolon_file_gets_a_hint(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", [CASE_HEADER.replace(",", ";"), ROWS[0].replace(",", ";")])
    problems = failure(engine, import_cases, path, "c.csv")
    assert len(problems) == len(COLUMNS)
    assert str(problems[0]) == "c.csv:1:case_ref: missing column (is the file separated by commas?)"


def test_a_duplicate_case_ref_is_reported_on_the_line_where_it_repeats(
    engine: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path, "c.csv", [CASE_HEADER, *ROWS, ROWS[2].replace("open", "closed")])
    problems = failure(engine, import_cases, path, "c.csv")
    assert [str(p) for p in problems] == [
        "c.csv:6:case_ref: duplicate case_ref C100003 (first on line 4)"
    ]


def test_a_team_in_two_service_areas_is_reported_on_the_later_line(
    engine: Engine, tmp_path: Path
) -> None:
    problems = failure(
        engine, import_cases, write(tmp_path, "c.csv", lines(service_area="East")), "c.csv"
    )
    assert [str(p) for p in problems] == [
        "c.csv:3:service_area: team 'Assessment North' is in service area 'North' on line 2"
    ]


def test_the_file_moves_a_team_to_another_service_area(engine: Engine, tmp_path: Path) -> None:
    run(engine, import_cases, write(tmp_path, "1.csv", [CASE_HEADER, *ROWS]))
    moved = [row.replace(",North,", ",Central,") for row in ROWS]
    result = run(engine, import_cases, write(tmp_path, "2.csv", [CASE_HEADER, *moved]))
    assert result.unchanged == 4  # the cases themselves did not change
    assert teams(engine)["Assessment North"] == "Central"


def test_a_file_that_is_not_utf8_is_one_problem(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(
        f"{CASE_HEADER}\nC1,Équipe,Nord,open,2020-01-01,yes,,no,,0\n".encode("latin-1")
    )
    problems = failure(engine, import_cases, path, "c.csv")
    assert [str(p) for p in problems] == [
        "c.csv:1:-: is not UTF-8 text (first bad byte on line 2); save it as CSV UTF-8"
    ]


def test_every_problem_is_reported_with_its_line(engine: Engine, tmp_path: Path) -> None:
    header = f"{CASE_HEADER},note"
    good = [f"{row}," for row in ROWS]
    spanning = 'C100005,Assessment North,North,open,2018-03-03,no,,no,,0,"two\nlines"'  # lines 6-7
    bad = [
        "C100006,Assessment North,North,open,2018-13-01,maybe,,no,,0,",  # line 8
        "C100001,Assessment North,North,open,2018-01-01,no,,no,,x,",  # line 9
    ]
    path = write(tmp_path, "c.csv", [header, *good, spanning, *bad])
    with pytest.raises(ImportFailed) as caught, Session(engine) as session:
        import_cases(session, path, TODAY, "c.csv")
    assert prefixes(caught.value.problems) == [
        "c.csv:8:date_of_birth",
        "c.csv:8:cin",
        "c.csv:9:case_ref",
        "c.csv:9:missing_episodes_6m",
    ]
    assert str(caught.value).endswith("(4 problems in all)")


BAD_FILES = {
    "bad value": lines(cp_category="unknown"),
    "missing column": [CASE_HEADER.replace("cin,", ""), "C1,T,S,open,2020-01-01,,no,,0"],
    "duplicate": [CASE_HEADER, *ROWS, ROWS[0]],
    "team in two areas": [
        CASE_HEADER,
        *ROWS,
        "C100009,Assessment North,South,open,2020-01-01,no,,no,,0",
    ],
    "last row bad": [CASE_HEADER, *ROWS, "C100009,,,,,,,,,"],
    "not utf-8": [CASE_HEADER, "C100009,Team \udcff,S,open,2020-01-01,no,,no,,0"],
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_failed_import_changes_nothing(engine: Engine, tmp_path: Path, case: str) -> None:
    run(engine, import_staff, EXAMPLES / "staff.csv", date(2026, 11, 1))
    run(
        engine,
        import_cases,
        write(tmp_path, "earlier.csv", [CASE_HEADER, ROWS[0], ROWS[3]]),
        date(2026, 11, 1),
    )
    before = dump(engine)
    assert before["case_record"] and before["staff"] and len(before["trail_entry"]) == 2
    content = BAD_FILES[case]
    path = tmp_path / "bad.csv"
    path.write_bytes("\n".join(content).encode("utf-8", "surrogateescape"))
    failure(engine, import_cases, path)
    assert dump(engine) == before


def test_a_reimport_updates_marks_missing_and_restores(engine: Engine, tmp_path: Path) -> None:
    run(engine, import_cases, write(tmp_path, "1.csv", [CASE_HEADER, *ROWS]), date(2026, 10, 1))
    first = cases(engine)

    # C100001 left out, C100002 now on a CP plan for physical abuse; the rest as before.
    changed = [ROWS[1].replace("neglect", "physical"), *ROWS[2:]]
    second = run(
        engine, import_cases, write(tmp_path, "2.csv", [CASE_HEADER, *changed]), date(2026, 11, 2)
    )
    assert (second.rows, second.created, second.updated, second.unchanged) == (3, 0, 1, 2)
    assert (second.marked_missing, second.restored) == (1, 0)
    stored = cases(engine)
    assert stored["C100002"].cp_category == "physical"
    assert stored["C100002"].updated_at > first["C100002"].updated_at
    assert stored["C100003"].updated_at == first["C100003"].updated_at
    assert (stored["C100001"].in_latest_export, stored["C100001"].missing_since) == (
        False,
        date(2026, 11, 2),
    )
    assert stored["C100001"].date_of_birth == date(2016, 5, 4)  # kept, not deleted

    third = run(
        engine, import_cases, write(tmp_path, "3.csv", [CASE_HEADER, *changed]), date(2026, 12, 1)
    )
    assert (third.unchanged, third.marked_missing) == (3, 0)
    assert cases(engine)["C100001"].missing_since == date(2026, 11, 2)

    new = "C100010,New Team,East,open,2024-06-01,yes,,no,,0"
    fourth = run(
        engine,
        import_cases,
        write(tmp_path, "4.csv", [CASE_HEADER, ROWS[0], *changed, new]),
        date(2027, 1, 4),
    )
    assert (fourth.created, fourth.updated, fourth.unchanged, fourth.restored) == (1, 1, 3, 1)
    restored = cases(engine)["C100001"]
    assert (restored.in_latest_export, restored.missing_since) == (True, None)
    assert teams(engine)["New Team"] == "East"


def test_a_large_file_is_written_in_bulk(engine: Engine, tmp_path: Path) -> None:
    """No statement per row: the number of statements does not grow with the file."""
    rows = [
        f"C{n:07d},Team {n % 30},Area {n % 30 // 15},open,2015-01-01,{'yes' if n % 2 else 'no'},"
        f"{'neglect' if n % 3 == 0 else ''},no,{'emerging' if n % 5 == 0 else ''},{n % 4}"
        for n in range(3000)
    ]
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    created = run(
        engine, import_cases, write(tmp_path, "c.csv", [CASE_HEADER, *rows]), date(2026, 11, 2)
    )
    assert created.created == 3000
    counted = len(statements)
    reimport = [row.replace(",open,", ",closed,") for row in rows[:1500]]
    second = run(
        engine, import_cases, write(tmp_path, "c2.csv", [CASE_HEADER, *reimport]), date(2026, 12, 1)
    )
    assert (second.updated, second.marked_missing) == (1500, 1500)
    assert counted < 40 and len(statements) - counted < 40, statements[:50]
    assert sum(1 for c in cases(engine).values() if not c.in_latest_export) == 1500


def test_the_example_files_import_cleanly(engine: Engine) -> None:
    staff = run(engine, import_staff, EXAMPLES / "staff.csv")
    result = run(engine, import_cases, EXAMPLES / "cases.csv")
    assert staff.created == staff.rows and result.created == result.rows
    assert result.notices == [] and result.ignored_columns == []
    stored = list(cases(engine).values())
    open_cases = [c for c in stored if c.status == "open"]
    assert len(open_cases) >= 50 and len(stored) > len(open_cases)
    assert set(teams(engine)) == {c.team for c in stored}  # the case teams are the staff teams
    assert sum(c.cin for c in open_cases) >= 5
    assert {c.cp_category for c in open_cases} >= {
        "neglect",
        "physical",
        "emotional",
        "sexual",
        "multiple",
    }
    under_5 = [
        c
        for c in open_cases
        if c.cp_category and c.date_of_birth and c.date_of_birth > date(2021, 12, 1)
    ]
    assert len(under_5) >= 3
    assert sum(1 for c in open_cases if c.cse_risk) >= 5
    assert sum(1 for c in open_cases if c.missing_episodes_6m) >= 5
    assert sum(1 for c in open_cases if c.cse_risk and c.missing_episodes_6m) >= 2


@pytest.mark.postgres
def test_examples_and_a_reimport_on_postgresql(pg_engine: Engine, tmp_path: Path) -> None:
    run(pg_engine, import_staff, EXAMPLES / "staff.csv")
    first = run(pg_engine, import_cases, EXAMPLES / "cases.csv")
    assert first.created == first.rows > 50
    before = dump(pg_engine)
    failure(pg_engine, import_cases, write(tmp_path, "bad.csv", lines(missing_episodes_6m="-2")))
    assert dump(pg_engine) == before
    kept = (EXAMPLES / "cases.csv").read_text().splitlines()[:11]  # the header and ten cases
    again = run(pg_engine, import_cases, write(tmp_path, "2.csv", kept), date(2027, 1, 4))
    assert (again.unchanged, again.marked_missing) == (10, first.rows - 10)
    missing = [c for c in cases(pg_engine).values() if not c.in_latest_export]
    assert len(missing) == first.rows - 10 and {c.missing_since for c in missing} == {
        date(2027, 1, 4)
    }


def test_a_file_that_is_not_csv_is_one_problem(engine: Engine, tmp_path: Path) -> None:
    huge = "x" * 200_000  # past the csv module's limit on one value
    path = write(tmp_path, "c.csv", [CASE_HEADER, ROWS[0], f'{ROWS[1]},"{huge}"'])
    problems = failure(engine, import_cases, path, "c.csv")
    assert [str(p) for p in problems] == [
        "c.csv:3:-: is not valid CSV (field larger than field limit (131072))"
    ]


def test_a_file_that_cannot_be_read_is_one_problem(engine: Engine, tmp_path: Path) -> None:
    problems = failure(engine, import_cases, tmp_path / "absent.csv", "absent.csv")
    assert [str(p) for p in problems] == [
        "absent.csv:1:-: cannot be read (No such file or directory)"
    ]
