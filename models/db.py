"""Engines, sessions and migrations for SQLite (the default) and PostgreSQL."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

from config.settings import derived_from_settings, get_settings

T = TypeVar("T")
log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created, and SQLite is set up for
    foreign keys, concurrent readers (WAL) and waiting on a busy writer. JSON columns go
    through orjson (:func:`json_text`)."""
    parsed = make_url(url)
    kwargs.setdefault("json_serializer", json_text)
    kwargs.setdefault("json_deserializer", orjson.loads)
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


def json_text(value: Any) -> str:
    """A JSON column's value as text, by orjson: an allocation's explanation (1.5 MB for a
    county) in 2 ms rather than the standard library's 18. Keys that are not strings become
    strings, as with ``json.dumps``."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


WRITE_LOCK = {"take_write_lock": True}


def _sqlite_begin(connection: Any) -> None:
    # A transaction that reads before it writes must hold the write lock from the start, or a
    # concurrent writer makes its first write fail at once ("database is locked") instead of
    # waiting its turn.
    immediate = connection.get_execution_options().get("take_write_lock", False)
    # Straight to the driver: every page opens a transaction, and SQLAlchemy's statement path
    # cost more than the BEGIN itself.
    connection.connection.dbapi_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")


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
def session_scope(engine: Engine, *, write_lock: bool = True) -> Iterator[Session]:
    """One unit of work that writes: committed if the block ends normally, rolled back otherwise.

    ``write_lock`` (the default): concurrent units of work take turns. On SQLite the transaction
    starts with BEGIN IMMEDIATE, so it waits (busy timeout) for the writer before it instead of
    reading first and then failing "database is locked" when it comes to write; PostgreSQL
    relies on row locks and constraints instead. Code that only reads uses a plain ``Session``.
    """
    with Session(engine, expire_on_commit=False) as session:
        if write_lock:
            session.connection(execution_options=WRITE_LOCK)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


#: How often a unit of work is tried when the database says it is busy, and how long to wait
#: before each retry (seconds). SQLite's own busy timeout (60 s) has already been waited out
#: before "database is locked" reaches us; PostgreSQL reports deadlocks and serialisation
#: failures at once.
RETRY_DELAYS = (0.2, 1.0, 3.0, 10.0)


def is_transient(error: BaseException) -> bool:
    """Whether trying the same unit of work again may succeed: SQLite busy or locked, a
    PostgreSQL deadlock or serialisation failure."""
    if not isinstance(error, DBAPIError):
        return False
    text = str(error.orig).lower()
    if "database is locked" in text or "database table is locked" in text:
        return True
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return code in ("40001", "40P01")


def in_transaction(
    engine: Engine,
    work: Callable[[Session], T],
    *,
    write_lock: bool = True,
    delays: tuple[float, ...] = RETRY_DELAYS,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``work`` in one transaction (:func:`session_scope`) and commit; when the database is
    busy (:func:`is_transient`), roll back and run it again after each of ``delays``.

    The one retry policy for writers that meet each other: ``work`` must only touch the
    database (it may run more than once), and what it returns is what the last run returned.
    """
    for attempt in range(len(delays) + 1):
        try:
            with session_scope(engine, write_lock=write_lock) as session:
                return work(session)
        except DBAPIError as error:
            if attempt == len(delays) or not is_transient(error):
                raise
            log.warning("database busy (%s); trying again in %.1f s", error.orig, delays[attempt])
            sleep(delays[attempt])
    raise AssertionError("unreachable")  # pragma: no cover


@derived_from_settings
@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    """The application database's engine (``AUDITS_DATABASE_URL`` unless a URL is given)."""
    return make_engine(url or get_settings().database_url)
