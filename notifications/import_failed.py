"""The email that tells the APS team which of the night's exports were refused.

It names files, counts and places, never a row's content (a row could hold a child's name): the
problem lines, which may quote a cell, stay in the drop folder's errors files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from models.outbox_store import Outgoing
from notifications.invite import human_date
from notifications.render import one_line, render_email_template

EMAIL_KIND = "import-failed"
#: ``Notification.key``'s length; longer lists of file names are keyed by their digest instead.
KEY_LIMIT = 300


class RefusedFile(Protocol):
    """A file the import refused or could not read (``importer.drop_folder.FileOutcome``)."""

    @property
    def name(self) -> str: ...

    @property
    def problems(self) -> int: ...

    @property
    def error(self) -> str: ...

    def as_json(self) -> dict[str, Any]: ...


def failure_emails(
    folder: Path,
    failed: Sequence[RefusedFile],
    day: date,
    recipients: list[tuple[str, str]],
    programme: str,
) -> list[Outgoing]:
    """One email per APS member (``(email, name)``) about the files of ``folder`` refused,
    keyed on the day and the files' names so a rerun never writes (or sends) it again."""
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
            "folder": str(folder),
            "day": human_date(day),
            "files": files,
            "advice": advice,
        }
        html, text = render_email_template("import_failed", context)
        key = _key(day, sorted(f.name for f in failed), address)
        emails.append(Outgoing(key, EMAIL_KIND, address, subject, text, html))
    return emails


def _what(outcome: RefusedFile) -> str:
    if outcome.error:
        return (
            f"could not be imported because of an unexpected error ({outcome.error}); it was "
            "left in the drop folder and will be tried again next run"
        )
    plural = "" if outcome.problems == 1 else "s"
    return f"refused with {outcome.problems} problem{plural}; nothing in it was imported"


def _key(day: date, names: list[str], address: str) -> str:
    listed = ",".join(names)
    key = f"{EMAIL_KIND}:{day.isoformat()}:{listed}:to:{address}"
    if len(key) <= KEY_LIMIT:
        return key
    digest = hashlib.sha256(listed.encode()).hexdigest()[:32]
    return f"{EMAIL_KIND}:{day.isoformat()}:sha256-{digest}:to:{address}"[:KEY_LIMIT]
