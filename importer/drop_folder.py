"""The nightly import's drop folder: the CSV exports waiting in it, each imported in its own
transaction (the whole file or nothing) and filed away.

Only ``*.csv`` files directly in the folder are read (any letter case; hidden files and
subfolders are not), so an upload written under another name and renamed once complete is never
read half-written. Staff files (a name starting ``staff``) go first, so a case export may rely on
that night's staff; then every other ``.csv`` as a case export; each group in name order.

A file imported is moved to ``processed/<date>/<HHMMSS>-<name>``; one refused, to
``failed/<date>/<HHMMSS>-<name>`` with every problem in ``<that name>.errors.txt`` beside it
(London time; nothing is ever overwritten). A file that meets an unexpected error (the database
unreachable, say) stays where it is, to be tried again next run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from config.clock import LONDON
from importer.cases import import_cases
from importer.csvfile import ImportFailed
from importer.staff import import_staff
from models.db import session_scope

STAFF_PREFIX = "staff"
ERRORS_SUFFIX = ".errors.txt"


@dataclass(frozen=True)
class FileOutcome:
    """What became of one file. ``moved_to`` None: left in the folder to try again."""

    name: str
    kind: str  # "staff" or "cases"
    ok: bool
    counts: dict[str, int] = field(default_factory=dict)
    problems: int = 0
    moved_to: Path | None = None
    errors_file: Path | None = None
    error: str = ""  # an unexpected error's class only: its message might quote a row

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "ok": self.ok,
            "counts": self.counts,
            "problems": self.problems,
            "moved_to": str(self.moved_to) if self.moved_to else None,
            "errors_file": str(self.errors_file) if self.errors_file else None,
            "error": self.error,
        }


@dataclass(frozen=True)
class DropFolderOutcome:
    folder: Path
    files: tuple[FileOutcome, ...]

    @property
    def failed(self) -> list[FileOutcome]:
        return [f for f in self.files if not f.ok]


def drop_files(folder: Path) -> list[tuple[str, Path]]:
    """The files to import, as (kind, path): staff exports first, then case exports."""
    found = sorted(
        (p for p in folder.iterdir() if p.suffix.lower() == ".csv" and not p.name.startswith(".")),
        key=lambda p: p.name,
    )
    files = [p for p in found if p.is_file()]
    staff = [("staff", p) for p in files if p.name.lower().startswith(STAFF_PREFIX)]
    return staff + [("cases", p) for p in files if not p.name.lower().startswith(STAFF_PREFIX)]


def import_drop_folder(
    engine: Engine, folder: Path, today: date, now: datetime
) -> DropFolderOutcome:
    """Import every file waiting in ``folder`` as of ``today`` (the exports' date), and file
    each away under ``now``'s London date and time (``now`` must be timezone-aware)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    stamp = now.astimezone(LONDON)
    outcomes = [_import_one(engine, kind, path, today, stamp) for kind, path in drop_files(folder)]
    return DropFolderOutcome(folder, tuple(outcomes))


def _import_one(engine: Engine, kind: str, path: Path, today: date, stamp: datetime) -> FileOutcome:
    do_import = import_staff if kind == "staff" else import_cases
    try:
        with session_scope(engine) as session:
            result = do_import(session, path, today, display_name=path.name)
    except ImportFailed as failure:
        moved = _file_away(path, path.parent / "failed", stamp)
        errors = moved.with_name(moved.name + ERRORS_SUFFIX)
        errors.write_text("".join(f"{p}\n" for p in failure.problems), encoding="utf-8")
        return FileOutcome(path.name, kind, False, {}, len(failure.problems), moved, errors)
    except Exception as error:  # the other files still import; this one waits for next run
        return FileOutcome(path.name, kind, False, error=type(error).__name__)
    moved = _file_away(path, path.parent / "processed", stamp)
    return FileOutcome(path.name, kind, True, result.counts(), moved_to=moved)


def _file_away(path: Path, under: Path, stamp: datetime) -> Path:
    """Move ``path`` to ``under/<date>/<HHMMSS>-<name>``, with ``-2``, ``-3``... before the
    extension if that name (or its errors file) is taken: an earlier file is never replaced."""
    folder = under / stamp.date().isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    prefix, number = f"{stamp:%H%M%S}-", 1
    target = folder / f"{prefix}{path.name}"
    while target.exists() or target.with_name(target.name + ERRORS_SUFFIX).exists():
        number += 1
        target = folder / f"{prefix}{path.stem}-{number}{path.suffix}"
    path.rename(target)
    return target


def folder_problem(folder: Path | None) -> str:
    """Why the run cannot look at the drop folder, or "" when it can."""
    if folder is None:
        return "no drop folder configured (set AUDITS_IMPORT_DIR)"
    if not folder.is_dir():
        return f"the drop folder {folder} does not exist or is not a folder"
    return ""
