"""``models.bulk.gathered_rows``: a query's rows gathered by the database into one JSON array
(SQLite's ``json_group_array``, PostgreSQL's ``json_agg``) come back as the driver would give
their values, text of any kind included, and an empty result is an empty list."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models.bulk import gathered_rows
from models.cases import Case
from models.db import session_scope
from models.people import Team

NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)
#: Case references as a council's export may spell them: quotes, backslashes, control
#: characters and letters outside ASCII all survive the JSON both ways.
REFS = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), min_size=1, max_size=40
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.getfixturevalue("engine" if request.param == "sqlite" else "pg_engine")
    with session_scope(engine) as session:
        session.execute(insert(Team), [{"name": "Team A", "service_area": "North"}])
    return engine


def _case(ref: str, born: date | None, cin: bool, cp: str | None) -> dict[str, object]:
    return {
        "case_ref": ref,
        "team": "Team A",
        "status": "open",
        "date_of_birth": born,
        "cin": cin,
        "cp_category": cp,
        "created_at": NOW,
        "updated_at": NOW,
    }


QUERY = select(
    col(Case.case_ref), col(Case.date_of_birth), col(Case.cin), col(Case.cp_category)
).where(col(Case.status) == "open")


def test_values_come_as_json_gives_them(db: Engine) -> None:
    cases = [
        _case('C"1\\', date(2015, 3, 9), True, "neglect"),
        _case("C\t2 é", None, False, None),
    ]
    with session_scope(db) as session:
        session.execute(insert(Case), cases)
    with Session(db) as session:
        rows = sorted(gathered_rows(session, QUERY))
    # Dates as ISO text; booleans as JSON gives them (SQLite stores 1 and 0).
    assert [(ref, born, bool(cin), cp) for ref, born, cin, cp in rows] == sorted(
        [('C"1\\', "2015-03-09", True, "neglect"), ("C\t2 é", None, False, None)]
    )


def test_no_rows_is_an_empty_list(db: Engine) -> None:
    with Session(db) as session:
        assert gathered_rows(session, QUERY) == []


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(refs=st.sets(REFS, min_size=1, max_size=20))
def test_any_reference_comes_back_unchanged(db: Engine, refs: set[str]) -> None:
    with session_scope(db) as session:
        session.execute(delete(Case))
        session.execute(insert(Case), [_case(ref, None, False, None) for ref in refs])
    with Session(db) as session:
        assert {row[0] for row in gathered_rows(session, QUERY)} == refs
