"""The completions CSV's optional ``tags`` column, on SQLite and on PostgreSQL: the example
file's tags stored; an unknown tag refused naming the tag, file, row and column, with nothing
imported; the programme's own list decides."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from config.settings import load_policy
from flows.allocate import allocate_cycle
from importer import import_cases, import_staff
from importer.completions import import_completions
from models.db import session_scope
from models.finding_store import tags_of
from models.programme import Audit
from tests.importer.helpers import TODAY, dump, failure, write

EXAMPLES = Path(__file__).parents[2] / "examples"
HEADER = (
    "case_ref,cycle,completed_on,judgement,done_well,challenges,enough_tools,do_differently,tags"
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def council(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """The example staff and cases, November 2026 allocated as the README does."""
    engine: Engine = request.getfixturevalue("engine" if request.param == "sqlite" else "pg_engine")
    with session_scope(engine) as session:
        import_staff(session, EXAMPLES / "staff.csv", date(2026, 10, 20))
    with session_scope(engine) as session:
        import_cases(session, EXAMPLES / "cases.csv", date(2026, 10, 20))
    with session_scope(engine, write_lock=True) as session:
        allocate_cycle(session, load_policy(), "2026-11", None)
    yield engine


def tags_by_case(engine: Engine) -> dict[str, list[str]]:
    with Session(engine) as session:
        audits = {a.id: a.case_ref for a in session.scalars(select(Audit).order_by(col(Audit.id)))}
        found = tags_of(session, [i for i in audits if i is not None])
    return {audits[audit_id]: tags for audit_id, tags in found.items()}


def test_the_example_files_tags_are_stored(council: Engine) -> None:
    with session_scope(council) as session:
        import_completions(session, EXAMPLES / "completions.csv", TODAY)
    assert tags_by_case(council) == {
        "C100049": ["multi_agency", "voice_of_the_child"],
        "C100051": ["drift_and_delay", "management_oversight", "recording", "supervision"],
        "C100003": ["management_oversight", "planning"],
        # C100025 and C100021: a blank cell is no tag.
    }


def test_tags_are_read_in_any_case_with_spaces_and_repeats(council: Engine, tmp_path: Path) -> None:
    rows = [HEADER, 'C100049,2026-11,2026-11-18,good,,,,," Supervision ; supervision;;PLANNING "']
    with session_scope(council) as session:
        import_completions(session, write(tmp_path, "c.csv", rows), TODAY)
    assert tags_by_case(council) == {"C100049": ["planning", "supervision"]}


def test_an_unknown_tag_is_named_with_its_file_row_and_column(
    council: Engine, tmp_path: Path
) -> None:
    rows = [
        HEADER,
        "C100049,2026-11,2026-11-18,good,,,,,supervision",
        "C100051,2026-11,2026-11-24,inadequate,,,,,supervision;gardening",
    ]
    before = dump(council)
    [problem] = failure(council, import_completions, write(tmp_path, "c.csv", rows), "c.csv")
    assert str(problem).startswith("c.csv:3:tags: unknown finding tag 'gardening' (one of ")
    assert dump(council) == before  # the good row is not imported either


def test_the_programme_files_list_decides(council: Engine, tmp_path: Path) -> None:
    rows = [HEADER, "C100049,2026-11,2026-11-18,good,,,,,gardening"]
    path = write(tmp_path, "c.csv", rows)
    with session_scope(council) as session:
        import_completions(session, path, TODAY, finding_tags={"gardening": "Gardening"})
    assert tags_by_case(council) == {"C100049": ["gardening"]}
