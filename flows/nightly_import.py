"""The nightly case import: CSV exports dropped in a folder (``AUDITS_IMPORT_DIR``) are imported
and filed away (``importer.drop_folder``), and the APS team is told about any file that was
refused (``notifications.import_failed``).

Uploaders must write a file under another name (``cases.csv.part``, say) and rename it to end in
``.csv`` only once it is complete, so a half-written upload is never imported. Logs and emails
give file names, counts and places, never a row's content (a row could hold a child's name): the
problem lines, which may quote a cell, stay in the folder.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from sqlalchemy.engine import Engine

from config.clock import today_in_london
from config.settings import Settings, load_policy
from flows.delivery import send_pending
from flows.failures import RETRIES, RETRY_DELAY, retry_if_transient, tell_aps_of_failure
from flows.outbox import SendReport
from importer.drop_folder import DropFolderOutcome, FileOutcome, folder_problem, import_drop_folder
from models import chase_store, outbox_store
from models.db import get_engine, session_scope
from notifications.import_failed import failure_emails
from rules.values import parse_iso_date


class ImportFolderFailed(Exception):
    """Some file was refused: raised after the rest were imported, so the run shows Failed.
    The APS team has been told which files (so the failure hook tells nobody again)."""

    aps_told = True


def _engine() -> Engine:
    # Settings read afresh (not get_settings(), which is cached): what the run's environment says.
    return get_engine(Settings().database_url)


@task(
    name="import-drop-folder",
    retries=RETRIES,
    retry_delay_seconds=RETRY_DELAY,
    retry_condition_fn=retry_if_transient,
)
def import_task(folder: Path, today: date) -> DropFolderOutcome:
    return import_drop_folder(_engine(), folder, today, datetime.now(UTC))


@task(name="tell-aps-and-send")
def tell_task(outcome: DropFolderOutcome, day: date) -> tuple[int, SendReport]:
    """Write the APS team's emails to the outbox, then send them."""
    engine, policy = _engine(), load_policy()
    cause = f"import-failed:{day.isoformat()}"
    with session_scope(engine) as session:
        directory = chase_store.people(session)
    recipients = [(directory[s].email, directory[s].name) for s in chase_store.aps_team(directory)]
    emails = failure_emails(outcome.folder, outcome.failed, day, recipients, policy.name)
    with session_scope(engine) as session:
        outbox_store.enqueue(session, emails, cause)
    report = send_pending(engine, policy, [cause])
    return len(recipients), report


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
    folder = Settings().import_dir
    reason = folder_problem(folder)
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
