"""Engines, sessions and migrations for SQLite (the default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created, and SQLite is set up for
    foreign keys, concurrent readers (WAL) and waiting on a busy writer."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN past the first SELECT; take it over
        # so that a transaction starts where SQLAlchemy says it does.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


WRITE_LOCK = {"take_write_lock": True}


def _sqlite_begin(connection: Any) -> None:
    # A transaction that reads before it writes must hold the write lock from the start, or a
    # concurrent writer makes its first write fail at once ("database is locked") instead of
    # waiting its turn.
    immediate = connection.get_execution_options().get("take_write_lock", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to ``revision`` (``audits init``)."""
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def session_scope(engine: Engine, *, write_lock: bool = False) -> Iterator[Session]:
    """One unit of work: committed if the block ends normally, rolled back otherwise.

    ``write_lock``: the work reads, decides, then writes, and concurrent runs must take turns
    (SQLite: BEGIN IMMEDIATE; PostgreSQL relies on row locks and constraints instead)."""
    with Session(engine, expire_on_commit=False) as session:
        if write_lock:
            session.connection(execution_options=WRITE_LOCK)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
