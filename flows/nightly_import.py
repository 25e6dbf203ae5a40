"""The nightly case import: CSV exports dropped in a folder (``AUDITS_IMPORT_DIR``) are imported
and filed away, and the APS team is told about any file that was refused.

Uploaders must write a file under another name (``cases.csv.part``, say) and rename it to end in
``.csv`` only once it is complete: only ``*.csv`` files directly in the folder are read (any
letter case; hidden files and subfolders are not), so a half-written upload is never imported.
Staff files (a name starting ``staff``) go first, so a case export may rely on that night's staff;
then every other ``.csv`` as a case export; each group in name order.

Each file is imported in its own transaction (``importer``: the whole file or nothing), then moved
to ``processed/<date>/<HHMMSS>-<name>`` or, refused, to ``failed/<date>/<HHMMSS>-<name>`` with
every problem in ``<that name>.errors.txt`` beside it (London time; nothing is ever overwritten).
A file that meets an unexpected error (the database unreachable, say) stays where it is, to be
tried again next run. Logs and emails give file names, counts and places, never a row's content
(a row could hold a child's name): the problem lines, which may quote a cell, stay in the folder.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from sqlalchemy.engine import Engine

from config.clock import LONDON, today_in_london
from config.settings import get_settings, load_policy
from flows.email_context import open_transport_for
from flows.failures import RETRIES, RETRY_DELAY, retry_if_transient, tell_aps_of_failure
from flows.outbox import SendReport, send_outbox
from importer import ImportFailed, import_cases, import_staff
from models import chase_store, outbox_store
from models.db import get_engine, session_scope
from models.outbox_store import Outgoing
from notifications.invite import human_date
from notifications.render import one_line, render_email_template
from rules.values import parse_iso_date

STAFF_PREFIX = "staff"
ERRORS_SUFFIX = ".errors.txt"
EMAIL_KIND = "import-failed"
#: ``Notification.key``'s length; longer lists of file names are keyed by their digest instead.
KEY_LIMIT = 300


class ImportFolderFailed(Exception):
    """Some file was refused: raised after the rest were imported, so the run shows Failed.
    The APS team has been told which files (so the failure hook tells nobody again)."""

    aps_told = True


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


def _what(outcome: FileOutcome) -> str:
    if outcome.error:
        return (
            f"could not be imported because of an unexpected error ({outcome.error}); it was "
            "left in the drop folder and will be tried again next run"
        )
    plural = "" if outcome.problems == 1 else "s"
    return f"refused with {outcome.problems} problem{plural}; nothing in it was imported"


def failure_emails(
    outcome: DropFolderOutcome, day: date, recipients: list[tuple[str, str]], programme: str
) -> list[Outgoing]:
    """One email per APS member (``(email, name)``) about the refused files, keyed on the day
    and the files' names so a rerun never writes (or sends) it again."""
    failed = outcome.failed
    names = ", ".join(f.name for f in failed)
    subject = one_line(f"Nightly import on {human_date(day)}: {len(failed)} refused ({names})")
    if len(subject) > 200:
        subject = f"Nightly import on {human_date(day)}: {len(failed)} files refused"
    files = [{**f.as_json(), "what": _what(f)} for f in failed]
    advice = (
        "Open the errors file to see each problem, correct the export and drop the corrected "
        "file in the folder again (written under another name, then renamed to end in .csv)."
    )
    emails = []
    for address, name in recipients:
        context = {
            "subject": subject,
            "programme_name": programme,
            "recipient_name": name,
            "folder": str(outcome.folder),
            "day": human_date(day),
            "files": files,
            "advice": advice,
        }
        html, text = render_email_template("import_failed", context)
        key = _key(day, sorted(f.name for f in failed), address)
        emails.append(Outgoing(key, EMAIL_KIND, address, subject, text, html))
    return emails


def _key(day: date, names: list[str], address: str) -> str:
    listed = ",".join(names)
    key = f"{EMAIL_KIND}:{day.isoformat()}:{listed}:to:{address}"
    if len(key) <= KEY_LIMIT:
        return key
    digest = hashlib.sha256(listed.encode()).hexdigest()[:32]
    return f"{EMAIL_KIND}:{day.isoformat()}:sha256-{digest}:to:{address}"[:KEY_LIMIT]


@task(
    name="import-drop-folder",
    retries=RETRIES,
    retry_delay_seconds=RETRY_DELAY,
    retry_condition_fn=retry_if_transient,
)
def import_task(folder: Path, today: date) -> DropFolderOutcome:
    return import_drop_folder(get_engine(), folder, today, datetime.now(UTC))


@task(name="tell-aps-and-send")
def tell_task(outcome: DropFolderOutcome, day: date) -> tuple[int, SendReport]:
    """Write the APS team's emails to the outbox, then send them."""
    engine, policy = get_engine(), load_policy()
    cause = f"import-failed:{day.isoformat()}"
    with session_scope(engine) as session:
        directory = chase_store.people(session)
    recipients = [(directory[s].email, directory[s].name) for s in chase_store.aps_team(directory)]
    emails = failure_emails(outcome, day, recipients, policy.name)
    with session_scope(engine) as session:
        outbox_store.enqueue(session, emails, cause)
    report = send_outbox(engine, open_transport_for(policy), time.sleep, causes=[cause])
    return len(recipients), report


def skip_reason(folder: Path | None) -> str:
    """Why the run cannot look at the drop folder, or "" when it can."""
    if folder is None:
        return "no drop folder configured (set AUDITS_IMPORT_DIR)"
    if not folder.is_dir():
        return f"the drop folder {folder} does not exist or is not a folder"
    return ""


@flow(
    name="nightly-case-import",
    on_failure=[tell_aps_of_failure],
    on_crashed=[tell_aps_of_failure],
)
def nightly_case_import(day: str | None = None) -> dict[str, Any]:
    """Import the staff and case exports waiting in ``AUDITS_IMPORT_DIR`` as of ``day``
    (YYYY-MM-DD, default today in London). Ends Failed, after telling APS, if any file failed.

    The import task, not the flow, is retried (when the database was busy or away): a refused
    file is moved to ``failed/`` at once, so a retried flow would find nothing and end
    Completed, hiding the refusal."""
    logger = get_run_logger()
    today = parse_iso_date(day) if day else today_in_london()
    folder = get_settings().import_dir
    reason = skip_reason(folder)
    if reason or folder is None:
        logger.warning("Nothing imported: %s", reason)
        return {"day": today.isoformat(), "skipped": reason}
    outcome = import_task(folder, today)
    if not outcome.files:
        logger.info("Nothing to import in %s", folder)
    for file in outcome.files:
        _log(logger, file)
    result = {
        "day": today.isoformat(),
        "folder": str(folder),
        "imported": sum(1 for f in outcome.files if f.ok),
        "failed": len(outcome.failed),
        "files": [f.as_json() for f in outcome.files],
    }
    if not outcome.failed:
        return result
    told, report = tell_task(outcome, today)
    if told == 0:
        logger.error("No active APS member to tell about the refused files")
    logger.info(
        "Emails: %d sent, %d failed, %d deferred", report.sent, report.failed, report.deferred
    )
    names = ", ".join(f.name for f in outcome.failed)
    raise ImportFolderFailed(f"{len(outcome.failed)} file(s) not imported on {today}: {names}")


def _log(logger: Any, file: FileOutcome) -> None:
    """Names, counts and places only: never a row, nor a problem line (it may quote a cell)."""
    if file.ok:
        counts = ", ".join(f"{value} {name}" for name, value in file.counts.items())
        logger.info(
            "%s (%s) imported: %s; moved to %s", file.name, file.kind, counts, file.moved_to
        )
    elif file.error:
        logger.error(
            "%s (%s) not imported: unexpected %s; left in place", file.name, file.kind, file.error
        )
    else:
        logger.error(
            "%s (%s) refused: %d problem(s); moved to %s, problems listed in %s",
            file.name,
            file.kind,
            file.problems,
            file.moved_to,
            file.errors_file,
        )
