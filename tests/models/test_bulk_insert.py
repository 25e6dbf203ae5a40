"""``models.bulk.insert_many`` on SQLite (one executemany) and PostgreSQL (COPY, through a
temporary table when conflicts are skipped): the rows come back as written, whatever their
types, and ``skip_conflicts`` leaves an existing row alone where a plain insert fails whole."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models.bulk import insert_many, table_of
from models.db import session_scope
from models.people import Team
from models.trail import TrailEntry


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.getfixturevalue("engine" if request.param == "sqlite" else "pg_engine")
    return engine


def _teams(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        rows = session.execute(select(col(Team.name), col(Team.service_area))).all()
    return {name: area for name, area in rows}


def test_rows_come_back_as_written(db: Engine) -> None:
    moment = datetime(2026, 12, 6, 21, 30, tzinfo=UTC)
    rows = [
        {
            "at": moment,
            "actor": "APS1",
            "action": "bulk-test",
            "subject_type": "audit",
            "subject_id": str(n),
            # JSON with text COPY must escape (a tab, a newline, a backslash), and no JSON at all
            "detail": {"n": n, "note": "tab\there\nnew line \\ back"} if n % 2 else None,
        }
        for n in range(1, 301)
    ]
    with session_scope(db) as session:
        insert_many(session, table_of(TrailEntry), rows)
    with Session(db) as session:
        found = session.scalars(select(TrailEntry).order_by(col(TrailEntry.id))).all()
    assert [(e.subject_id, e.detail, e.at) for e in found] == [
        (row["subject_id"], row["detail"], moment) for row in rows
    ]


def test_skip_conflicts_keeps_the_row_already_there(db: Engine) -> None:
    with session_scope(db) as session:
        insert_many(session, table_of(Team), [{"name": "Team A", "service_area": "North"}])
    with session_scope(db) as session:
        rows = [
            {"name": "Team A", "service_area": "South"},
            {"name": "Team B", "service_area": "East"},
        ]
        insert_many(session, table_of(Team), rows, skip_conflicts=True)
        # a second call in the same transaction (its own temporary table on PostgreSQL)
        insert_many(
            session,
            table_of(Team),
            [{"name": "Team C", "service_area": "West"}],
            skip_conflicts=True,
        )
    assert _teams(db) == {"Team A": "North", "Team B": "East", "Team C": "West"}


def test_a_conflict_without_skipping_fails_and_writes_nothing(db: Engine) -> None:
    with session_scope(db) as session:
        insert_many(session, table_of(Team), [{"name": "Team A", "service_area": "North"}])
    rows = [{"name": "Team D", "service_area": "East"}, {"name": "Team A", "service_area": "X"}]
    # The driver's own error: insert_many writes through the driver's cursor.
    refused = (sqlite3.IntegrityError, psycopg.IntegrityError)
    with pytest.raises(refused), session_scope(db) as session:
        insert_many(session, table_of(Team), rows)
        session.flush()
    assert _teams(db) == {"Team A": "North"}
