"""Bulk reads and writes straight through the driver, for the few queries that touch every case.

SQLAlchemy's row objects and per-value type conversion cost about as much as the query itself
when a county's 100,000 cases are read; these helpers keep the SQL (built with SQLAlchemy, for
every dialect) and skip the per-row machinery; and :func:`no_cyclic_gc` keeps Python's cyclic
garbage collector from rescanning the many objects such work builds.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import (
    ColumnDefault,
    ColumnElement,
    Insert,
    Select,
    Table,
    Text,
    cast,
    func,
    insert,
    inspect,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped
from sqlmodel import Session, SQLModel


def plain_rows(session: Session, statement: Select[*tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The rows of ``statement`` as the driver's own tuples, without type conversion (so dates
    come back as ISO strings on SQLite: see :func:`as_date`)."""
    connection = session.connection()
    compiled = statement.compile(dialect=connection.dialect)
    params: Any = compiled.params
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup or ())
    cursor = connection.connection.cursor()
    try:
        cursor.execute(compiled.string, params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def gathered_rows(session: Session, statement: Select[*tuple[Any, ...]]) -> list[list[Any]]:
    """The rows of ``statement`` as lists, gathered by the database into one JSON array and
    parsed by orjson: for reads of tens of thousands of rows, where the driver's cost of a row
    (a step out of the database and a Python tuple for each) is most of the read. Values are
    JSON's: dates come as ISO strings, and SQLite's booleans as 0 and 1. In no set order."""
    columns = statement.selected_columns
    (document,) = plain_rows(session, statement.with_only_columns(gathered(session, *columns)))[0]
    return json_list(document)


def gathered(session: Session, *columns: ColumnElement[Any] | Mapped[Any]) -> ColumnElement[Any]:
    """An aggregate of ``columns`` into one JSON array, as text: of the column's values, or of
    a JSON array of the columns' values a row (``json_agg`` on PostgreSQL, ``json_group_array``
    on SQLite). Parse it with :func:`json_list`."""
    if session.get_bind().dialect.name == "postgresql":
        row = columns[0] if len(columns) == 1 else func.json_build_array(*columns)
        return cast(func.json_agg(row), Text)
    return func.json_group_array(columns[0] if len(columns) == 1 else func.json_array(*columns))


def json_list(document: str | None) -> list[Any]:
    """A JSON array as the database gave it (PostgreSQL gives NULL for an empty one)."""
    return orjson.loads(document) if document is not None else []


def as_date(value: date | str | None) -> date | None:
    if isinstance(value, str):
        return date.fromisoformat(value)
    return value


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a table model, for statements that skip the ORM (SQLModel's class
    types no ``__table__``)."""
    table = inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table


def insert_many(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    skip_conflicts: bool = False,
) -> None:
    """Insert ``rows`` (all with the same keys) with one ``executemany`` (on PostgreSQL one
    ``COPY``: :func:`_copy_rows`); with ``skip_conflicts``, a row that would break a unique
    constraint is left out (``ON CONFLICT DO NOTHING``) rather than failing the statement.
    Errors are the driver's own (e.g. ``sqlite3.IntegrityError``), not SQLAlchemy's.

    Each distinct value goes through its column's type conversion once, not once a row: an
    allocation's rows share their dates, timestamps and statuses (and a chase's rungs theirs;
    SQLAlchemy's own executemany took twice the CPU for a chase's 30,000 rungs).
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    keys = list(rows[0])
    statement = _insert_statement(table, dialect.name, skip_conflicts)
    compiled = statement.compile(dialect=dialect, column_keys=keys)
    order = list(compiled.positiontup or ()) if compiled.positional else list(compiled.params)
    processors = [table.c[key].type.dialect_impl(dialect).bind_processor(dialect) for key in order]
    # A column with a Python-side default that the rows leave out is still in the statement.
    missing = {key: _scalar_default(table, key) for key in order if key not in rows[0]}
    if missing:
        rows = [{**missing, **row} for row in rows]
    # The values in statement order, picked in C; then only the columns whose type converts
    # (dates and timestamps on SQLite, say) are converted, a column at a time.
    params: list[Any] = _in_order(rows, order)
    converting = [(i, p) for i, p in enumerate(processors) if p is not None]
    if converting:
        columns = list(zip(*params, strict=True))
        for index, process in converting:
            columns[index] = _converted_column(columns[index], process)
        params = list(zip(*columns, strict=True))
    cursor = connection.connection.cursor()
    try:
        if dialect.name == "postgresql":
            _copy_rows(cursor, table, order, params, skip_conflicts)
            return
        if not compiled.positional:
            params = [dict(zip(order, values, strict=True)) for values in params]
        cursor.executemany(compiled.string, params)
    finally:
        cursor.close()


def _copy_rows(
    cursor: Any, table: Table, columns: list[str], rows: list[Any], skip_conflicts: bool
) -> None:
    """PostgreSQL: the rows sent with ``COPY`` (one stream, not a statement a row: a third
    of the time and a fifth of the CPU for a chase's 20,000 rungs). ``COPY`` cannot skip
    conflicts, so then the rows go to a temporary table first and on with ``INSERT ... SELECT
    ... ON CONFLICT DO NOTHING``."""
    names = ", ".join(f'"{column}"' for column in columns)
    target = f'"{table.name}"'
    if skip_conflicts:
        target = f'"bulk_{table.name}"'
        cursor.execute(
            f'CREATE TEMPORARY TABLE {target} ON COMMIT DROP AS SELECT {names} FROM "{table.name}" '
            "WITH NO DATA"
        )
    with cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
        for values in rows:
            copy.write_row(values)
    if skip_conflicts:
        cursor.execute(
            f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM {target} '
            "ON CONFLICT DO NOTHING"
        )
        cursor.execute(f"DROP TABLE {target}")


def _insert_statement(table: Table, dialect: str, skip_conflicts: bool) -> Insert:
    if not skip_conflicts:
        return insert(table)
    if dialect == "postgresql":
        return postgresql_insert(table).on_conflict_do_nothing()
    return sqlite_insert(table).on_conflict_do_nothing()


def _in_order(rows: Sequence[dict[str, Any]], order: list[str]) -> list[tuple[Any, ...]]:
    if len(order) < 2:  # itemgetter of one key gives the value itself, not a tuple
        return [tuple(row[key] for key in order) for row in rows]
    pick = itemgetter(*order)
    return [pick(row) for row in rows]


def _converted_column(values: tuple[Any, ...], process: Callable[[Any], Any]) -> tuple[Any, ...]:
    """A column's values converted, each distinct value once: a batch's rows share their
    dates, timestamps and statuses, so the per-value work is a dictionary look-up, in C."""
    try:
        converted = {value: process(value) for value in set(values)}
    except TypeError:  # unhashable values (a JSON column's dicts): each converted on its own
        return tuple(map(process, values))
    return tuple(map(converted.__getitem__, values))


def _scalar_default(table: Table, key: str) -> Any:
    default = table.c[key].default
    if not isinstance(default, ColumnDefault) or not default.is_scalar:
        raise ValueError(f"insert_many: every row needs {key!r} (it has no plain default)")
    return default.arg


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Allocation and the chase build hundreds of thousands of small objects that live until the
    job ends and hold no reference cycles; left on, the collector rescans them again and again
    (a third of the run time). Reference counting still frees everything as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
