"""The allocation's look-ups among a county's years of rows go by index (migration 0015), on
SQLite and PostgreSQL: closed or missing cases, poorly judged audits needing a re-audit, and
re-audits waiting in months not allocated.

Each query is captured as the store sends it (with its parameters) and explained by the
database itself; PostgreSQL is told to avoid sequential scans, so that it shows whether the
index can serve the query at all on a table this small.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import event, insert
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.allocation_inputs import _closed_or_missing_cases, closed_or_missing_query
from models.cases import Case
from models.people import Team
from models.reaudit_moves import _waiting
from models.reaudit_store import audits_needing_reaudit
from tests.flows.council import POLICY

NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)


def _case(ref: str, status: str = "open", in_export: bool = True) -> dict[str, Any]:
    return {
        "case_ref": ref,
        "team": "Team A",
        "status": status,
        "date_of_birth": date(2015, 1, 1),
        "in_latest_export": in_export,
        "created_at": NOW,
        "updated_at": NOW,
    }


def _seed(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(insert(Team), [{"name": "Team A", "service_area": "North"}])
        cases = [_case(f"C{i:03d}") for i in range(20)]
        cases += [_case("CLOSED", status="closed"), _case("GONE", in_export=False)]
        connection.execute(insert(Case), cases)


@contextmanager
def _statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    sent: list[tuple[str, Any]] = []

    def record(_c: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _plan_of_sent(engine: Engine, read: Callable[[Session], Any]) -> str:
    """The database's plan of the last query ``read`` sends through SQLAlchemy."""
    with Session(engine) as session, _statements(engine) as sent:
        read(session)
    statement, parameters = sent[-1]
    return _plan(engine, statement, parameters)


def _plan(engine: Engine, statement: str, parameters: Any) -> str:
    """The database's plan of ``statement``, as one string."""
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        cursor = driver.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return " | ".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(f"EXPLAIN {statement}", parameters)
        return " | ".join(str(row[0]) for row in cursor.fetchall())


@pytest.fixture(params=["sqlite", "postgresql"])
def seeded(request: pytest.FixtureRequest) -> Engine:
    fixture = "engine" if request.param == "sqlite" else "pg_engine"
    engine: Engine = request.getfixturevalue(fixture)
    _seed(engine)
    return engine


def test_closed_or_missing_cases_are_read_from_their_partial_index(seeded: Engine) -> None:
    with Session(seeded) as session:
        found = {case.case_ref: case.status for case in _closed_or_missing_cases(session)}
    assert found == {"CLOSED": "closed", "GONE": "open"}
    compiled = closed_or_missing_query().compile(dialect=seeded.dialect)
    assert not compiled.params  # nothing bound: the condition is written as the index's
    assert "ix_case_record_not_allocatable" in _plan(seeded, compiled.string, ())


def _searches_audits_by(engine: Engine, plan: str, *indexes: str) -> bool:
    """Whether ``plan`` looks audits up in one of ``indexes`` rather than reading the whole
    table (or a whole index of every audit)."""
    if engine.dialect.name == "sqlite" and "SCAN audit" in plan:
        return False
    return any(index in plan for index in indexes)


def test_audits_needing_a_reaudit_are_found_by_index(seeded: Engine) -> None:
    plan = _plan_of_sent(seeded, lambda session: audits_needing_reaudit(session, POLICY))
    assert _searches_audits_by(seeded, plan, "ix_audit_kind_status_judgement"), plan


def test_reaudits_waiting_in_months_not_allocated_are_found_by_index(seeded: Engine) -> None:
    # PostgreSQL may take the live re-audits' partial index instead: it serves as well.
    plan = _plan_of_sent(seeded, _waiting)
    indexes = ("ix_audit_kind_status_judgement", "ux_audit_live_reaudit")
    assert _searches_audits_by(seeded, plan, *indexes), plan
