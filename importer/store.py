"""Writing a checked import to the database: teams, the staff or case rows, and the run record.

These run only after ``importer.csvfile`` has read the whole file and every row passed its
checks, so a refused file never reaches them. Nothing here commits; the caller does.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import insert, select, update
from sqlmodel import Session, col

from importer.csvfile import CsvTable, ImportResult
from models.base import utcnow
from models.cases import Case, ImportRun
from models.people import Staff, Team
from models.trail import TrailEntry


def record_run(session: Session, table: CsvTable, result: ImportResult) -> ImportRun:
    """Keep one ImportRun and one trail entry for a successful import (not yet committed)."""
    run = ImportRun(
        kind=result.kind,
        filename=table.file[-500:],
        sha256=table.sha256,
        ignored_columns=", ".join(result.ignored_columns)[:1000],
        rows=result.rows,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        marked_missing=result.marked_missing,
    )
    session.add(run)
    session.flush()  # for run.id
    session.add(
        TrailEntry(
            actor="import",
            action=f"import.{result.kind}",
            subject_type="import_run",
            subject_id=str(run.id),
            detail=result.counts(),
        )
    )
    session.flush()
    return run


def upsert_teams(session: Session, areas: dict[str, str]) -> None:
    """Create the file's teams that are new, and move those whose service area changed."""
    existing = dict(session.execute(select(col(Team.name), col(Team.service_area))).all())
    rows = [{"name": team, "service_area": area} for team, area in areas.items()]
    new = [row for row in rows if row["name"] not in existing]
    moved = [
        row for row in rows if existing.get(row["name"], row["service_area"]) != row["service_area"]
    ]
    if new:
        session.execute(insert(Team), new)
    if moved:
        session.execute(update(Team), moved)


def sync(
    session: Session,
    model: type[Staff] | type[Case],
    rows: list[dict[str, Any]],
    today: date,
    result: ImportResult,
    deferred: str | None = None,
) -> None:
    """Make the table match the file's rows in bulk, keyed on the first column of each row.

    Existing rows are read once; each file row is created, updated or left alone; rows the file
    leaves out are marked missing, never deleted. ``deferred`` names a column pointing at the
    same table (a line manager), set on new rows only once every new row exists.
    """
    key, names, stamp = next(iter(rows[0])), list(rows[0]), utcnow()
    columns = [getattr(model, name) for name in names] + [model.in_latest_export]
    existing = {old[0]: tuple(old) for old in session.execute(select(*columns))}
    present = {"in_latest_export": True, "missing_since": None, "updated_at": stamp}
    new, changed, later = [], [], []
    for row in rows:
        old = existing.get(row[key])
        if old is None:
            new.append({**row, **present, "created_at": stamp})
            if deferred and row[deferred] is not None:
                later.append({key: row[key], deferred: row[deferred]})
                new[-1][deferred] = None
        elif not old[-1] or tuple(row.values()) != old[:-1]:
            changed.append({**row, **present})
            result.restored += not old[-1]
    gone = {"in_latest_export": False, "missing_since": today, "updated_at": stamp}
    seen = {row[key] for row in rows}
    missing = [{key: ref, **gone} for ref, old in existing.items() if old[-1] and ref not in seen]
    # Inserts first, so that updates may point at new line managers.
    if new:
        session.execute(insert(model).execution_options(render_nulls=True), new)
    for batch in (changed, later, missing):
        if batch:
            session.execute(update(model), batch)
    result.rows, result.created, result.updated = len(rows), len(new), len(changed)
    result.unchanged = len(rows) - len(new) - len(changed)
    result.marked_missing = len(missing)
