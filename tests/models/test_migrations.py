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
    assert current_revision(engine) == "0015"
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


@pytest.mark.postgres
def test_postgres_compresses_email_bodies_with_lz4(pg_engine_migrated_here: Engine) -> None:
    """Migration 0014: the outbox's bodies use lz4 where the server has it (this one does)."""
    with pg_engine_migrated_here.connect() as connection:
        has_lz4 = connection.execute(
            text(
                "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                "WHERE name = 'default_toast_compression'"
            )
        ).scalar()
        methods: dict[str, str] = dict(
            connection.execute(
                text(
                    "SELECT attname, attcompression FROM pg_attribute "
                    "WHERE attrelid = 'notification'::regclass AND attname IN "
                    "('text_body', 'html_body', 'attachments', 'subject')"
                )
            ).all()
        )
    assert has_lz4, "the test server is built with lz4"
    # 'l' is lz4; '' is the server's default (pglz), kept for the short columns
    assert methods == {"text_body": "l", "html_body": "l", "attachments": "l", "subject": ""}
