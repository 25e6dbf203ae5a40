"""Migration 0009 on a database that already holds leave: the old note becomes the reason, the
author is "unknown", and (SQLite) a removed leave's id is never given to another."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Engine

from models.base import utcnow
from models.bulk import table_of
from models.db import alembic_config, current_revision, make_engine, migrate
from models.people import Staff


def _database_at_0006(url: str) -> Engine:
    engine = make_engine(url)
    migrate(engine, "0006")
    with engine.begin() as connection:
        connection.execute(
            table_of(Staff).insert().values(
                staff_id="TM1", name="A Manager", email="a@example.gov.uk", role="team_manager",
                active=True, in_latest_export=True, created_at=_now(), updated_at=_now(),
            )
        )  # fmt: skip
        connection.execute(
            text(
                "INSERT INTO staff_leave (staff_id, starts_on, ends_on, note, created_at) "
                "VALUES ('TM1', :start, :end, 'typed in by hand', :now)"
            ),
            {"start": date(2026, 11, 2), "end": date(2026, 11, 6), "now": _now()},
        )
    return engine


def _now() -> datetime:
    return utcnow()


def _check_upgrade(engine: Engine) -> None:
    migrate(engine)
    assert current_revision(engine) == "0015"
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, staff_id, reason, created_by FROM staff_leave")
        ).all()
    assert [tuple(r) for r in rows] == [(1, "TM1", "typed in by hand", "unknown")]


def test_upgrade_keeps_the_note_as_the_reason_on_sqlite(sqlite_url: str) -> None:
    engine = _database_at_0006(sqlite_url)
    _check_upgrade(engine)
    insert = text(
        "INSERT INTO staff_leave (staff_id, starts_on, ends_on, reason, created_by, created_at) "
        "VALUES ('TM1', '2027-01-04', '2027-01-08', 'x', 'TM1', :now) RETURNING id"
    )
    with engine.begin() as connection:
        second = connection.execute(insert, {"now": _now()}).scalar_one()
        connection.execute(text("DELETE FROM staff_leave WHERE id = :id"), {"id": second})
        third = connection.execute(insert, {"now": _now()}).scalar_one()
    assert (second, third) == (2, 3)  # the removed leave's id 2 is not given again
    command.downgrade(alembic_config(engine), "0006")  # and back down
    with engine.connect() as connection:
        notes = connection.execute(text("SELECT note FROM staff_leave ORDER BY id")).scalars()
        assert list(notes) == ["typed in by hand", "x"]
    engine.dispose()


@pytest.mark.postgres
def test_upgrade_keeps_the_note_as_the_reason_on_postgresql(postgres_url: str) -> None:
    engine = _database_at_0006(postgres_url)
    _check_upgrade(engine)
    command.downgrade(alembic_config(engine), "0006")
    assert current_revision(engine) == "0006"
    engine.dispose()
