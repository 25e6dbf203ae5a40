"""Shared pieces for the import tests: writing CSV files, running an import, dumping the db."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

import models  # noqa: F401  (registers every table on SQLModel.metadata)
from importer import ImportFailed, ImportResult, Problem
from models.db import session_scope

STAFF_HEADER = "staff_id,name,email,role,team,service_area,line_manager_id,active"
CASE_HEADER = (
    "case_ref,team,service_area,status,date_of_birth,cin,cp_category,cla,cse_risk,"
    "missing_episodes_6m"
)
TODAY = date(2026, 12, 1)

Importer = Callable[[Session, Path, date, str | None], ImportResult]


def write(folder: Path, name: str, lines: Sequence[str], *, bom: bool = False) -> Path:
    """A UTF-8 CSV file of ``lines`` (the first being the header), with CRLF endings as Excel
    writes them."""
    path = folder / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + "\r\n".join(lines).encode() + b"\r\n")
    return path


def run(
    engine: Engine, importer: Importer, path: Path, today: date = TODAY, name: str | None = None
) -> ImportResult:
    """Import ``path`` in a unit of work of its own, committed as the CLI will."""
    with session_scope(engine) as session:
        return importer(session, path, today, name)


def failure(
    engine: Engine, importer: Importer, path: Path, name: str | None = None
) -> list[Problem]:
    """The problems of an import expected to fail. The session is then committed anyway, so
    that anything written before the failure would show in a dump."""
    with session_scope(engine) as session:
        try:
            importer(session, path, TODAY, name)
        except ImportFailed as failed:
            assert failed.problems, "ImportFailed without problems"
            return failed.problems
    raise AssertionError(f"{path.name} was imported but should have been refused")


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary key order: two dumps are equal iff nothing changed."""
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in SQLModel.metadata.sorted_tables
        }


def prefixes(problems: Sequence[Problem]) -> list[str]:
    """Each problem's ``FILE:ROW:COLUMN`` part."""
    return [f"{p.file}:{p.row}:{p.column}" for p in problems]
