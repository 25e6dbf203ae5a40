"""Importing the staff export: checks, line managers, teams, re-imports, and nothing written on
failure."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from importer import ImportFailed, import_staff
from models import ImportRun, Staff, Team, TrailEntry
from tests.importer.helpers import STAFF_HEADER, TODAY, dump, failure, prefixes, run, write

COLUMNS = STAFF_HEADER.split(",")
ROWS = [
    "S001,Sam Example,sam@example.gov.uk,service_manager,Assessment North,North,,yes",
    "S002,Alex Example,alex@example.gov.uk,team_manager,Assessment North,North,S001,yes",
    "S003,Jo Example,jo@example.gov.uk,team_manager,Child Protection South,South,S001,no",
    "S004,Pat Example,pat@example.gov.uk,aps,,,,yes",
    "S005,Kim Example,kim@example.gov.uk,director,,,,yes",
]


def lines(**line_3: str) -> list[str]:
    """The good file, with line 3 (S002, a team manager) changed as given."""
    values = dict(zip(COLUMNS, ROWS[1].split(","), strict=True)) | line_3
    return [STAFF_HEADER, ROWS[0], ",".join(values[c] for c in COLUMNS), *ROWS[2:]]


def staff(engine: Engine) -> dict[str, Staff]:
    with Session(engine) as session:
        return {s.staff_id: s for s in session.execute(select(Staff)).scalars()}


def teams(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        return {t.name: t.service_area for t in session.execute(select(Team)).scalars()}


def test_a_good_file_is_imported(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "staff.csv", [STAFF_HEADER, *ROWS])
    result = run(engine, import_staff, path)
    assert (result.kind, result.rows, result.created, result.updated, result.unchanged) == (
        "staff",
        5,
        5,
        0,
        0,
    )
    assert (result.marked_missing, result.restored, result.ignored_columns) == (0, 0, [])
    assert result.notices == []
    stored = staff(engine)
    alex = stored["S002"]
    assert (alex.name, alex.email, alex.role, alex.team) == (
        "Alex Example",
        "alex@example.gov.uk",
        "team_manager",
        "Assessment North",
    )
    assert (alex.line_manager_id, alex.active, alex.in_latest_export) == ("S001", True, True)
    assert alex.missing_since is None and alex.created_at.tzinfo is not None
    assert stored["S003"].active is False
    assert stored["S004"].team is None and stored["S004"].line_manager_id is None
    assert teams(engine) == {"Assessment North": "North", "Child Protection South": "South"}


def test_the_import_is_recorded_with_the_file_hash_and_a_trail_entry(
    engine: Engine, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "staff.csv",
        [STAFF_HEADER, *ROWS, "S006,Lee Example,lee@example.gov.uk,aps,,,,yes"],
    )
    run(engine, import_staff, path, name="November staff.csv")
    with Session(engine) as session:
        run_row = session.execute(select(ImportRun)).scalars().one()
        entry = session.execute(select(TrailEntry)).scalars().one()
    assert (run_row.kind, run_row.filename, run_row.rows, run_row.created) == (
        "staff",
        "November staff.csv",
        6,
        6,
    )
    assert run_row.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (entry.actor, entry.action, entry.subject_type) == (
        "import",
        "import.staff",
        "import_run",
    )
    assert entry.subject_id == str(run_row.id)
    assert entry.detail == {
        "rows": 6,
        "created": 6,
        "updated": 0,
        "unchanged": 0,
        "marked_missing": 0,
        "restored": 0,
    }


@pytest.mark.parametrize("bom", [True, False])
def test_utf8_with_or_without_a_byte_order_mark(engine: Engine, tmp_path: Path, bom: bool) -> None:
    row = "S009,Zoë Exämple,zoe@example.gov.uk,aps,,,,yes"
    path = write(tmp_path, "staff.csv", [STAFF_HEADER, row], bom=bom)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") is bom
    assert run(engine, import_staff, path).created == 1
    assert staff(engine)["S009"].name == "Zoë Exämple"


def test_headings_and_values_are_tidied(engine: Engine, tmp_path: Path) -> None:
    header = " Staff_ID ,NAME,Email , role,team,service_area,line_manager_id,Active"
    row = " S010 , Lou Example ,lou@example.gov.uk, Team_Manager , Team A ,Area 1,, Yes "
    path = write(tmp_path, "staff.csv", [header, row])
    run(engine, import_staff, path)
    lou = staff(engine)["S010"]
    assert (lou.staff_id, lou.name, lou.role, lou.team, lou.active) == (
        "S010",
        "Lou Example",
        "team_manager",
        "Team A",
        True,
    )
    assert teams(engine) == {"Team A": "Area 1"}


def test_extra_columns_are_ignored_and_listed(engine: Engine, tmp_path: Path) -> None:
    header = f"phone,{STAFF_HEADER},Notes,"
    rows = [f"0123,{row},on a course," for row in ROWS]
    result = run(engine, import_staff, write(tmp_path, "staff.csv", [header, *rows]))
    assert result.created == 5
    assert result.ignored_columns == ["phone", "Notes"]
    assert result.notices == [f"{tmp_path / 'staff.csv'}: ignored column(s) phone, Notes: not used"]
    assert "on a course" not in repr(dump(engine))


BAD_VALUES = [
    ("staff_id", "", "is required"),
    ("staff_id", "S" * 41, "is longer than 40 characters"),
    ("name", "", "is required"),
    ("name", "N" * 201, "is longer than 200 characters"),
    ("email", "", "is required"),
    ("email", "alex.example.gov.uk", "'alex.example.gov.uk' does not look like an email address"),
    ("email", "alex@@example.gov.uk", "'alex@@example.gov.uk' does not look like an email address"),
    ("email", "alex@localhost", "'alex@localhost' does not look like an email address"),
    (
        "email",
        "alex example@example.gov.uk",
        "'alex example@example.gov.uk' does not look like an email address",
    ),
    ("email", "alex@example..uk", "'alex@example..uk' does not look like an email address"),
    ("email", "alex@.example.uk", "'alex@.example.uk' does not look like an email address"),
    ("email", "@example.gov.uk", "'@example.gov.uk' does not look like an email address"),
    # Not addresses, though each has one @ and a dot after it:
    *(
        ("email", bad, f"{bad!r} does not look like an email address")
        for bad in (
            "Alex <alex@example.gov.uk>",
            "alex@example.gov.uk>",
            "alex;bob@example.gov.uk",
            ".alex@example.gov.uk",
            "alex.@example.gov.uk",
            "álex@example.gov.uk",
            "alex@exa_mple.gov.uk",
            "alex@-example.gov.uk",
            "alex@example.gov.u2",
            "alex@example.gov.uk.",
            "alex\x00@example.gov.uk",
        )
    ),
    ("name", "Al\x00ex", "contains a NUL character (\\x00), which cannot be stored"),
    ("role", "", "is required"),
    (
        "role",
        "manager",
        "'manager' is not one of team_manager, service_manager, aps, director, social_worker",
    ),
    ("team", "", "is required for a team_manager"),
    ("team", "T" * 121, "is longer than 120 characters"),
    ("service_area", "", "is required for a team_manager"),
    ("service_area", "A" * 121, "is longer than 120 characters"),
    ("line_manager_id", "S999", "unknown line manager S999"),
    ("line_manager_id", "S002", "cannot be the person themself"),
    ("line_manager_id", "L" * 41, "is longer than 40 characters"),
    ("active", "", "is required"),
    ("active", "maybe", "'maybe' is not one of yes, no"),
]


@pytest.mark.parametrize(("column", "value", "message"), BAD_VALUES)
def test_each_bad_value_is_reported_where_it_is(
    engine: Engine, tmp_path: Path, column: str, value: str, message: str
) -> None:
    path = write(tmp_path, "staff.csv", lines(**{column: value}))
    problems = failure(engine, import_staff, path, "staff.csv")
    assert [str(p) for p in problems] == [f"staff.csv:3:{column}: {message}"]


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        ({"role": "service_manager", "team": ""}, "team", "is required for a service_manager"),
        ({"role": "aps", "service_area": ""}, "service_area", "is required when a team is given"),
        ({"role": "director", "team": ""}, "team", "is required when a service_area is given"),
    ],
)
def test_team_and_service_area_by_role(
    engine: Engine, tmp_path: Path, changes: dict[str, str], column: str, message: str
) -> None:
    problems = failure(engine, import_staff, write(tmp_path, "s.csv", lines(**changes)), "s.csv")
    assert [str(p) for p in problems] == [f"s.csv:3:{column}: {message}"]


def test_aps_and_directors_need_no_team(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", lines(role="aps", team="", service_area="", line_manager_id=""))
    run(engine, import_staff, path)
    assert staff(engine)["S002"].team is None


def test_a_missing_column_stops_the_check(engine: Engine, tmp_path: Path) -> None:
    header = STAFF_HEADER.replace("email,", "").replace(",active", "")
    rows = ["S001,Sam Example,not-a-role,,,,", "S001"]
    problems = failure(engine, import_staff, write(tmp_path, "s.csv", [header, *rows]), "s.csv")
    assert [str(p) for p in problems] == [
        "s.csv:1:email: missing column",
        "s.csv:1:active: missing column",
    ]


def test_a_column_given_twice_is_a_problem(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", [STAFF_HEADER + ",Role", ROWS[0] + ",aps"])
    problems = failure(engine, import_staff, path, "s.csv")
    assert [str(p) for p in problems] == ["s.csv:1:role: duplicate column (also column 4)"]


def test_a_duplicate_id_is_reported_on_the_line_where_it_repeats(
    engine: Engine, tmp_path: Path
) -> None:
    again = "S001,Another Example,another@example.gov.uk,aps,,,,yes"
    path = write(tmp_path, "s.csv", [STAFF_HEADER, *ROWS, again])
    problems = failure(engine, import_staff, path, "s.csv")
    assert [str(p) for p in problems] == [
        "s.csv:7:staff_id: duplicate staff_id S001 (first on line 2)"
    ]


def test_a_line_manager_may_come_later_in_the_file(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", [STAFF_HEADER, ROWS[1], ROWS[0]])
    assert run(engine, import_staff, path).created == 2
    assert staff(engine)["S002"].line_manager_id == "S001"


def test_a_line_manager_from_an_earlier_import_is_known(engine: Engine, tmp_path: Path) -> None:
    run(engine, import_staff, write(tmp_path, "first.csv", [STAFF_HEADER, *ROWS]))
    newcomer = "S020,Ash Example,ash@example.gov.uk,team_manager,New Team,North,S001,yes"
    result = run(engine, import_staff, write(tmp_path, "second.csv", [STAFF_HEADER, newcomer]))
    assert (result.created, result.marked_missing) == (1, 5)
    stored = staff(engine)
    assert stored["S020"].line_manager_id == "S001"
    assert stored["S001"].in_latest_export is False


def test_a_team_in_two_service_areas_is_reported_on_the_later_line(
    engine: Engine, tmp_path: Path
) -> None:
    problems = failure(
        engine, import_staff, write(tmp_path, "s.csv", lines(service_area="South")), "s.csv"
    )
    assert [str(p) for p in problems] == [
        "s.csv:3:service_area: team 'Assessment North' is in service area 'North' on line 2"
    ]


def test_a_file_that_is_not_utf8_is_one_problem(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(
        f"{STAFF_HEADER}\n{ROWS[0]}\nS009,Zoë,zoe@example.gov.uk,aps,,,,yes\n".encode("cp1252")
    )
    problems = failure(engine, import_staff, path, "s.csv")
    assert len(problems) == 1
    assert str(problems[0]).startswith("s.csv:1:-: is not UTF-8 text (first bad byte on line 3)")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty (no header row)"),
        (b"\xef\xbb\xbf\r\n", "is empty (no header row)"),
        (STAFF_HEADER.encode() + b"\n\n", "has a header but no data rows"),
    ],
)
def test_a_file_without_rows_is_refused(
    engine: Engine, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(content)
    assert [str(p) for p in failure(engine, import_staff, path, "s.csv")] == [
        f"s.csv:1:-: {message}"
    ]


def test_a_row_of_the_wrong_width_is_reported(engine: Engine, tmp_path: Path) -> None:
    shifted = "S006,Example, Lee,lee@example.gov.uk,aps,,,,yes"
    path = write(
        tmp_path, "s.csv", [STAFF_HEADER, *ROWS, shifted, "S007,,", "S008" + "," * 7 + ",,"]
    )
    problems = failure(engine, import_staff, path, "s.csv")
    assert [str(p) for p in problems] == [
        "s.csv:7:-: has 9 values but the header has 8 (a stray comma?)",
        "s.csv:8:-: has 3 values but the header has 8 (a stray comma?)",
        "s.csv:9:name: is required",
        "s.csv:9:email: is required",
        "s.csv:9:role: is required",
        "s.csv:9:active: is required",
    ]


def test_every_problem_is_reported_in_file_order(engine: Engine, tmp_path: Path) -> None:
    quoted = 'S006,"Lee\nExample",lee@example.gov.uk,aps,,,,yes'  # lines 7 and 8
    bad = [
        "S007,Max Example,max@example,boss,,,,yes",  # line 9
        "",  # line 10: blank lines are skipped but counted
        "S008,Ray Example,ray@example.gov.uk,team_manager,Assessment North,South,S404,no",
    ]
    path = write(tmp_path, "s.csv", [STAFF_HEADER, *ROWS, quoted, *bad])
    with pytest.raises(ImportFailed) as caught, Session(engine) as session:
        import_staff(session, path, TODAY, "s.csv")
    assert prefixes(caught.value.problems) == [
        "s.csv:9:email",
        "s.csv:9:role",
        "s.csv:11:service_area",
        "s.csv:11:line_manager_id",
    ]
    assert str(caught.value) == (
        "s.csv:9:email: 'max@example' does not look like an email address (4 problems in all)"
    )


def test_problems_name_the_path_when_no_display_name_is_given(
    engine: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path, "staff.csv", lines(active="perhaps"))
    problems = failure(engine, import_staff, path)
    assert problems[0].file == str(path)
    assert str(problems[0]).startswith(f"{path}:3:active: ")


BAD_FILES = {
    "bad value": lines(email="nobody"),
    "missing column": [STAFF_HEADER.replace(",active", ""), "S001,Sam,sam@example.gov.uk,aps,,,"],
    "duplicate": [STAFF_HEADER, *ROWS, ROWS[0]],
    "unknown manager": lines(line_manager_id="S404"),
    "bad line late in the file": [STAFF_HEADER, *ROWS, "S099,,,,,,,"],
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_failed_import_changes_nothing(engine: Engine, tmp_path: Path, case: str) -> None:
    earlier = [
        STAFF_HEADER,
        ROWS[0],
        "S030,Old Example,old@example.gov.uk,team_manager,Old Team,West,S001,yes",
    ]
    run(engine, import_staff, write(tmp_path, "earlier.csv", earlier), date(2026, 11, 1))
    before = dump(engine)
    assert before["staff"] and before["import_run"]
    failure(engine, import_staff, write(tmp_path, "bad.csv", BAD_FILES[case]))
    assert dump(engine) == before


def test_a_reimport_updates_marks_missing_and_restores(engine: Engine, tmp_path: Path) -> None:
    first = run(
        engine, import_staff, write(tmp_path, "1.csv", [STAFF_HEADER, *ROWS]), date(2026, 10, 1)
    )
    assert first.created == 5
    created_at = staff(engine)["S001"].updated_at

    # S002 left out; S001's email and S003's team change; S004 and S005 as before.
    moved = ROWS[2].replace("Child Protection South,South", "Assessment North,North")
    changed = [ROWS[0].replace("sam@", "sam.example@"), moved, *ROWS[3:]]
    second = run(
        engine, import_staff, write(tmp_path, "2.csv", [STAFF_HEADER, *changed]), date(2026, 11, 2)
    )
    assert (second.rows, second.created, second.updated, second.unchanged) == (4, 0, 2, 2)
    assert (second.marked_missing, second.restored) == (1, 0)
    stored = staff(engine)
    assert stored["S001"].email == "sam.example@example.gov.uk"
    assert stored["S001"].updated_at > created_at
    assert stored["S004"].updated_at == stored["S004"].created_at
    assert stored["S003"].team == "Assessment North"
    assert (stored["S002"].in_latest_export, stored["S002"].missing_since) == (
        False,
        date(2026, 11, 2),
    )
    assert stored["S002"].line_manager_id == "S001"  # kept, with its history

    # Still missing a month later: keeps the date it first went missing.
    third = run(
        engine, import_staff, write(tmp_path, "3.csv", [STAFF_HEADER, *changed]), date(2026, 12, 1)
    )
    assert (third.unchanged, third.updated, third.marked_missing) == (4, 0, 0)
    assert staff(engine)["S002"].missing_since == date(2026, 11, 2)

    # Listed again: restored.
    fourth = run(
        engine,
        import_staff,
        write(tmp_path, "4.csv", [STAFF_HEADER, ROWS[1], *changed]),
        date(2027, 1, 4),
    )
    assert (fourth.created, fourth.updated, fourth.unchanged, fourth.restored) == (0, 1, 4, 1)
    assert (staff(engine)["S002"].in_latest_export, staff(engine)["S002"].missing_since) == (
        True,
        None,
    )
    with Session(engine) as session:
        actions = (
            session.execute(select(col(TrailEntry.action)).order_by(col(TrailEntry.id)))
            .scalars()
            .all()
        )
        runs = (
            session.execute(select(col(ImportRun.marked_missing)).order_by(col(ImportRun.id)))
            .scalars()
            .all()
        )
    assert actions == ["import.staff"] * 4
    assert runs == [0, 1, 0, 0]


def test_a_new_person_may_manage_an_existing_one(engine: Engine, tmp_path: Path) -> None:
    run(engine, import_staff, write(tmp_path, "1.csv", [STAFF_HEADER, ROWS[3]]))
    boss = "S050,Bo Example,bo@example.gov.uk,director,,,,yes"
    managed = "S004,Pat Example,pat@example.gov.uk,aps,,,S050,yes"
    result = run(engine, import_staff, write(tmp_path, "2.csv", [STAFF_HEADER, managed, boss]))
    assert (result.created, result.updated) == (1, 1)
    assert staff(engine)["S004"].line_manager_id == "S050"


def test_the_example_file_imports_cleanly(engine: Engine) -> None:
    result = run(engine, import_staff, Path(__file__).parents[2] / "examples" / "staff.csv")
    roles = [s.role for s in staff(engine).values()]
    assert result.created == result.rows >= 14
    assert (
        roles.count("team_manager") >= 10
        and roles.count("aps") == 2
        and roles.count("director") == 1
    )
    assert len(set(teams(engine).values())) == 2 and len(teams(engine)) >= 6
    managers = staff(engine)
    assert all(
        managers[s.line_manager_id].role == "service_manager"
        for s in managers.values()
        if s.role == "team_manager" and s.line_manager_id
    )


@pytest.mark.postgres
def test_import_and_reimport_on_postgresql(pg_engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", [STAFF_HEADER, ROWS[1], *ROWS[2:], ROWS[0]])
    assert run(pg_engine, import_staff, path).created == 5
    assert staff(pg_engine)["S002"].line_manager_id == "S001"
    before = dump(pg_engine)
    failure(pg_engine, import_staff, write(tmp_path, "bad.csv", lines(line_manager_id="S404")))
    assert dump(pg_engine) == before
    again = run(
        pg_engine,
        import_staff,
        write(tmp_path, "2.csv", [STAFF_HEADER, *ROWS[:2]]),
        date(2027, 1, 4),
    )
    assert (again.unchanged, again.marked_missing) == (2, 3)
    assert staff(pg_engine)["S005"].missing_since == date(2027, 1, 4)


def test_a_record_spanning_lines_is_reported_on_its_first_line(
    engine: Engine, tmp_path: Path
) -> None:
    spanning = 'S006,"Lee\nvan\nExample",lee@example.gov.uk,chief,,,,yes'  # lines 7 to 9
    after = "S007,Max Example,max@example.gov.uk,aps,,,,no way"  # line 10
    path = write(tmp_path, "s.csv", [STAFF_HEADER, *ROWS, spanning, after])
    problems = failure(engine, import_staff, path, "s.csv")
    assert prefixes(problems) == ["s.csv:7:role", "s.csv:10:active"]
