"""The ``outbox`` transport: each email written as an ``.eml`` file, for development and demos.

Open the files in any mail client, or parse them with ``email.parser.BytesParser``.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from types import TracebackType

from notifications.messages import Email
from notifications.transport_base import RetryableError, UnavailableError, build_mime

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_stem(reference: str, limit: int = 80) -> str:
    """A file-name stem from an outbox reference: letters, digits, ``.``, ``_`` and ``-`` only."""
    stem = _UNSAFE.sub("_", reference).strip("._-")[:limit].rstrip("._-")
    return stem or "email"


class OutboxDirTransport:
    name = "outbox"
    attaches_files = True

    def __init__(self, directory: Path | str, sender: str) -> None:
        self.directory = Path(directory)
        self.sender = sender

    def __enter__(self) -> OutboxDirTransport:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            where = self.directory
            raise UnavailableError(f"cannot create outbox folder {where}: {error}") from error
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def send(self, email: Email) -> str:
        """Write the email as ``<reference>-<random>.eml``; return that file name."""
        message = build_mime(email, self.sender)
        name = f"{safe_stem(email.reference)}-{uuid.uuid4().hex[:12]}.eml"
        path = self.directory / name
        partial = self.directory / f".{name}.partial"
        try:
            partial.write_bytes(message.as_bytes())
            # A reader never sees half a file: the name appears only once it is complete.
            os.replace(partial, path)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise RetryableError(f"cannot write {path}: {error}") from error
        return name
