"""How a file an email carries reaches its recipient on the transport in use.

``smtp`` and ``outbox`` attach files to the message. GOV.UK Notify cannot attach anything: it
sends a file as a download link, put in the email where its template has the placeholder
``((link_to_file))``, and only files of the types and size it accepts (below). So whatever words
an email that carries a file ("attached", "download it from the link") asks
:func:`notifications.transports.file_delivery` first: no email says "attached" unless
something is.

Notify's limits, from its API documentation ("Send a file by email"): a file smaller than 2 MB
(its clients refuse more than 2 × 1024 × 1024 bytes), of one of the types in
``NOTIFY_FILE_TYPES``, with a file name of at most 100 characters ending in its extension; the
link is kept 1 to 78 weeks, 26 by default (``NOTIFY_LINK_WEEKS`` in config/transport_settings.py,
checked there), and by default asks the recipient to confirm their email address before the
download. A calendar invitation (``.ics``) is not a type Notify takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from notifications.messages import Attachment

#: The placeholder a Notify template puts the file's download link in.
NOTIFY_FILE_PLACEHOLDER = "link_to_file"
NOTIFY_MAX_FILE_BYTES = 2 * 1024 * 1024
NOTIFY_MAX_FILENAME = 100
NOTIFY_FILE_TYPES = (
    ".csv", ".doc", ".docx", ".jpeg", ".jpg", ".json", ".odt", ".pdf", ".png", ".rtf", ".txt",
    ".xlsx",
)  # fmt: skip


@dataclass(frozen=True)
class FileDelivery:
    """What the transport in use does with a file an email carries."""

    #: True: the file is attached to the email itself (``smtp``, ``outbox``). False: it is not
    #: (GOV.UK Notify); it goes as a download link when ``link_weeks`` is set, within Notify's
    #: limits, and a calendar invitation does not go at all.
    attaches_files: bool
    #: GOV.UK Notify: how many weeks the download link works (the email should say so).
    link_weeks: int | None = None

    @property
    def links_files(self) -> bool:
        """Whether files go as download links (GOV.UK Notify)."""
        return not self.attaches_files and self.link_weeks is not None

    def problem(self, attachment: Attachment) -> str | None:
        """Why ``attachment`` cannot reach the recipient this way, or None when it can."""
        if self.attaches_files:
            return None
        if not self.links_files:
            return f"{attachment.filename}: this transport sends no files"
        return notify_file_problem(attachment)


def notify_file_problem(attachment: Attachment) -> str | None:
    """Why GOV.UK Notify would refuse to send ``attachment`` as a link, or None."""
    name = attachment.filename
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in NOTIFY_FILE_TYPES:
        kinds = ", ".join(NOTIFY_FILE_TYPES)
        return f"{name}: GOV.UK Notify sends only these types of file: {kinds}"
    if len(name) > NOTIFY_MAX_FILENAME:
        return f"{name}: GOV.UK Notify takes file names of up to {NOTIFY_MAX_FILENAME} characters"
    size = len(attachment.content)
    if size > NOTIFY_MAX_FILE_BYTES:
        return (
            f"{name} is {megabytes(size)} ({size:,} bytes): GOV.UK Notify sends files of up to "
            f"{megabytes(NOTIFY_MAX_FILE_BYTES)} ({NOTIFY_MAX_FILE_BYTES:,} bytes)"
        )
    return None


def is_calendar_invitation(attachment: Attachment) -> bool:
    return attachment.content_type.split(";", 1)[0].strip().lower() == "text/calendar"


def megabytes(size: int) -> str:
    """A size as people read it: ``2 MB``, ``2.4 MB`` (MB of 1,048,576 bytes, as Notify's)."""
    value = size / (1024 * 1024)
    return f"{value:.0f} MB" if value == int(value) else f"{value:.1f} MB"
