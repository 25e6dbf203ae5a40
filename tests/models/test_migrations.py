"""The migrations create the whole schema on SQLite and PostgreSQL (run from nothing here; the other
tests copy a database migrated once), and the trail is append-only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

import models
from models.bulk import table_of
from models.db import current_revision, make_engine, migrate


def _check_schema(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    assert current_revision(engine) == "0013"
    # The migrations build exactly what the models describe: a model changed without a
    # migration shows here.
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []


def _check_trail_is_append_only(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(
            models.TrailEntry(actor="aps1", action="test", subject_type="x", subject_id="1")
        )
        session.commit()
    for statement in ("UPDATE trail_entry SET actor = 'someone else'", "DELETE FROM trail_entry"):
        with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    with Session(engine) as session:
        entry = session.execute(table_of(models.TrailEntry).select()).one()
        assert entry.actor == "aps1"


def test_sqlite_schema(engine_migrated_here: Engine) -> None:
    _check_schema(engine_migrated_here)
    _check_trail_is_append_only(engine_migrated_here)


@pytest.mark.postgres
def test_postgres_schema(pg_engine_migrated_here: Engine) -> None:
    _check_schema(pg_engine_migrated_here)
    _check_trail_is_append_only(pg_engine_migrated_here)


def test_migrating_twice_changes_nothing(engine: Engine) -> None:
    migrate(engine)
    _check_schema(engine)


def test_timestamps_come_back_timezone_aware(engine: Engine) -> None:
    moment = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    with Session(engine) as session:
        session.add(
            models.TrailEntry(at=moment, actor="a", action="b", subject_type="c", subject_id="d")
        )
        session.commit()
    fresh = make_engine(str(engine.url))
    with Session(fresh) as session:
        entry = session.get(models.TrailEntry, 1)
        assert entry is not None and entry.at == moment and entry.at.tzinfo is not None


def test_naive_timestamps_are_refused(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(
            models.TrailEntry(
                at=datetime(2026, 11, 26, 9, 30),
                actor="a",
                action="b",
                subject_type="c",
                subject_id="d",
            )
        )
        with pytest.raises(Exception, match="timezone-aware"):
            session.commit()
