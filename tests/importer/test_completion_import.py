"""Importing completions from the audit workbook's export: findings, reflections and feedback
stored; a file with any problem refused whole, each problem at its FILE:ROW:COLUMN."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from config.settings import load_policy
from flows.allocate import allocate_cycle
from importer import import_cases, import_staff
from importer.completions import import_completions
from models import Audit, Feedback, ImportRun, Reflection, ThemeFinding, TrailEntry
from models.db import session_scope
from tests.importer.helpers import dump, failure, run, write

EXAMPLES = Path(__file__).parents[2] / "examples"
HEADER = (
    "case_ref,cycle,completed_on,judgement,done_well,challenges,enough_tools,do_differently,"
    "theme_cin,feedback_1_source,feedback_1_kind,feedback_1_text"
)
# The example council's November 2026 allocation gives these cases (audits 1 to 3).
GOOD = "C100049,2026-11,2026-11-18,good,Well,Hard,Yes,Sooner,Visits on time,parent,strength,Kind"
OTHER = "C100051,2026-11,2026-11-24,inadequate,,,,,,,,"


@pytest.fixture
def council(engine: Engine) -> Engine:
    """The example staff and cases, November 2026 allocated as the README does."""
    with session_scope(engine) as session:
        import_staff(session, EXAMPLES / "staff.csv", date(2026, 10, 20))
    with session_scope(engine) as session:
        import_cases(session, EXAMPLES / "cases.csv", date(2026, 10, 20))
    with session_scope(engine, write_lock=True) as session:
        allocate_cycle(session, load_policy(), "2026-11", None)
    return engine


def by_case(engine: Engine) -> dict[str, Audit]:
    with Session(engine) as session:
        return {a.case_ref: a for a in session.scalars(select(Audit))}


def test_the_example_file_is_imported(council: Engine) -> None:
    result = run(council, import_completions, EXAMPLES / "completions.csv")
    assert (result.kind, result.rows, result.created, result.unchanged) == ("completion", 5, 5, 0)
    audits = by_case(council)
    judged = {ref: (a.completed_on, a.judgement) for ref, a in audits.items() if a.judgement}
    assert judged == {
        "C100049": (date(2026, 11, 18), "good"),
        "C100051": (date(2026, 11, 24), "inadequate"),
        "C100003": (date(2026, 11, 26), "requires_improvement"),  # "Requires Improvement"
        "C100025": (date(2026, 11, 20), "outstanding"),
        "C100021": (date(2026, 11, 25), "good"),
    }
    poor = audits["C100051"].id
    with Session(council) as session:
        findings = session.scalars(
            select(ThemeFinding)
            .where(col(ThemeFinding.audit_id) == poor)
            .order_by(col(ThemeFinding.id))
        ).all()
        reflection = session.get(Reflection, poor)
        feedback = session.scalars(select(Feedback).order_by(col(Feedback.id))).all()
        themes_of_c100003 = session.scalars(
            select(col(ThemeFinding.theme)).where(
                col(ThemeFinding.audit_id) == audits["C100003"].id
            )
        ).all()
        nothing_for_c100021 = session.get(Reflection, audits["C100021"].id)
        run_row = session.scalars(select(ImportRun)).all()[-1]
        entry = session.scalars(select(TrailEntry).order_by(col(TrailEntry.id).desc())).first()
    assert [f.theme for f in findings] == ["missing", "cse", "missing_and_cse"]
    assert reflection is not None and reflection.enough_tools.startswith("No: no access")
    assert [(f.source, f.kind) for f in feedback] == [
        ("parent", "strength"),
        ("partner_agency", "improvement"),
        ("carer", "improvement"),
        ("child", "strength"),
        ("partner_agency", "strength"),
        ("parent", "strength"),
    ]
    assert themes_of_c100003 == ["missing", "cse"]  # a blank theme cell is no finding
    assert nothing_for_c100021 is None
    assert (run_row.kind, run_row.rows, run_row.created) == ("completion", 5, 5)
    assert entry is not None and entry.action == "import.completion"


def test_reimporting_the_same_file_changes_no_completion(council: Engine) -> None:
    run(council, import_completions, EXAMPLES / "completions.csv")
    before = dump(council)
    again = run(council, import_completions, EXAMPLES / "completions.csv")
    assert (again.created, again.unchanged) == (0, 5)
    after = dump(council)
    # Only the record of the import itself is new.
    changed = {table for table in after if after[table] != before[table]}
    assert changed == {"import_run", "trail_entry"}


def test_a_completion_is_never_changed_by_an_import(council: Engine, tmp_path: Path) -> None:
    run(council, import_completions, write(tmp_path, "a.csv", [HEADER, GOOD]))
    before = dump(council)
    path = write(tmp_path, "b.csv", [HEADER, GOOD.replace(",good,", ",inadequate,")])
    [problem] = failure(council, import_completions, path, "b.csv")
    assert str(problem).startswith("b.csv:2:case_ref: audit ")
    assert problem.message.endswith(
        "was completed on 2026-11-18 as good: an import never changes a completion"
    )
    assert dump(council) == before


def change(line: str, **values: str) -> str:
    cells = dict(zip(HEADER.split(","), line.split(","), strict=True)) | values
    return ",".join(cells.values())


BAD_ROWS = [
    (change(GOOD, case_ref="C999999"), "case_ref", "case C999999 has no audit in 2026-11"),
    (change(GOOD, cycle="2026-13"), "cycle", "'2026-13' is not a month written YYYY-MM"),
    (change(GOOD, cycle="2026-12"), "case_ref", "case C100049 has no audit in 2026-12"),
    (change(GOOD, completed_on="18/11/2026"), "completed_on", "is not a date written YYYY-MM-DD"),
    (change(GOOD, completed_on="2026-12-02"), "completed_on", "2026-12-02 is in the future"),
    (change(GOOD, completed_on="2026-10-30"), "completed_on", "was allocated on 2026-11-02"),
    (change(GOOD, judgement="fine"), "judgement", "'fine' is not one of outstanding, good"),
    (change(GOOD, judgement=""), "judgement", "is required"),
    (change(GOOD, challenges=""), "challenges", "the rest of the reflection is given"),
    (change(GOOD, feedback_1_source="neighbour"), "feedback_1_source", "is not one of parent"),
    (change(GOOD, feedback_1_kind="praise"), "feedback_1_kind", "is not one of strength"),
    (change(GOOD, feedback_1_text=""), "feedback_1_text", "the rest of feedback 1 is given"),
    (change(GOOD, theme_cin="x" * 4001), "theme_cin", "is longer than 4000 characters"),
]


@pytest.mark.parametrize(("row", "column", "message"), BAD_ROWS)
def test_a_bad_row_is_refused_at_its_column_and_nothing_is_written(
    council: Engine, tmp_path: Path, row: str, column: str, message: str
) -> None:
    before = dump(council)
    path = write(tmp_path, "completions.csv", [HEADER, OTHER, row])
    problems = failure(council, import_completions, path, "completions.csv")
    assert [f"{p.file}:{p.row}:{p.column}" for p in problems] == [f"completions.csv:3:{column}"]
    assert message in problems[0].message
    assert dump(council) == before


BAD_HEADERS = [
    (HEADER.replace("done_well", "well_done"), ["1:done_well"], "missing column"),
    (HEADER + ",theme_cinn", ["1:theme_cinn"], "unknown theme (one of theme_cin"),
    (
        HEADER + ",feedback_2_source",
        ["1:feedback_2_kind", "1:feedback_2_text"],
        "missing column (feedback 2)",
    ),
]


@pytest.mark.parametrize(("header", "where", "message"), BAD_HEADERS)
def test_a_bad_header_is_refused(
    council: Engine, tmp_path: Path, header: str, where: list[str], message: str
) -> None:
    before = dump(council)
    extra = "," * (header.count(",") - HEADER.count(","))
    path = write(tmp_path, "c.csv", [header, GOOD + extra])
    problems = failure(council, import_completions, path, "c.csv")
    assert [f"{p.row}:{p.column}" for p in problems] == where
    assert message in problems[0].message
    assert dump(council) == before


def test_every_problem_is_reported_in_file_order(council: Engine, tmp_path: Path) -> None:
    rows = [
        HEADER,
        change(GOOD, judgement="fine", challenges=""),
        OTHER,
        OTHER,  # the same audit twice
        change(OTHER, case_ref="C000000"),
    ]
    problems = failure(council, import_completions, write(tmp_path, "c.csv", rows), "c.csv")
    assert [f"{p.row}:{p.column}" for p in problems] == [
        "2:judgement",
        "2:challenges",
        "4:case_ref",
        "5:case_ref",
    ]
    assert "is also on line 3: one row per audit" in problems[2].message


def test_audit_id_picks_the_audit_and_must_match(council: Engine, tmp_path: Path) -> None:
    audit_id = by_case(council)["C100049"].id
    header = HEADER + ",audit_id"
    wrong = write(tmp_path, "wrong.csv", [header, GOOD + ",2"])
    [problem] = failure(council, import_completions, wrong, "wrong.csv")
    assert (problem.row, problem.column) == (2, "audit_id")
    assert problem.message == "audit 2 is not an audit of case C100049 in 2026-11"
    result = run(
        council, import_completions, write(tmp_path, "ok.csv", [header, f"{GOOD},{audit_id}"])
    )
    assert result.created == 1


def test_a_released_audit_cannot_be_completed(council: Engine, tmp_path: Path) -> None:
    with session_scope(council) as session:
        session.execute(
            update(Audit).where(col(Audit.case_ref) == "C100049").values(status="withdrawn")
        )
    [problem] = failure(
        council, import_completions, write(tmp_path, "c.csv", [HEADER, GOOD]), "c.csv"
    )
    assert (problem.column, problem.message) == (
        "case_ref",
        "case C100049's audit in 2026-11 (audit 1) is withdrawn",
    )


def test_a_childs_name_column_is_never_read(council: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", [HEADER + ",Child Name", GOOD + ",Zebediah Quux"])
    result = run(council, import_completions, path)
    assert result.created == 1 and result.ignored_columns == ["Child Name"]
    assert result.notices == [
        f"{path}: ignored column(s) Child Name: a child's name is never stored"
    ]
    assert "Zebediah" not in str(dump(council))
