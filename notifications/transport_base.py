"""What every transport shares: its interface, its two kinds of error, and the MIME message.

Import these from ``notifications.transports``.
"""

from __future__ import annotations

import email.utils
from email.message import EmailMessage, Message
from types import TracebackType
from typing import Protocol

from notifications.messages import Attachment, Email


class DeliveryError(Exception):
    """An email was not delivered."""


class RetryableError(DeliveryError):
    """Worth trying again: a 4xx from SMTP, a timeout or cut connection, Notify 429 or 5xx."""


class UnavailableError(RetryableError):
    """The service could not be reached at all (connection refused, timed out, lost and not
    regained): further emails in this run will very likely fail the same way."""


class PermanentError(DeliveryError):
    """Trying again will not help: SMTP 5xx for that recipient, Notify 400, 403 or another 4xx."""


class Transport(Protocol):
    """Sends emails; used as a context manager for one run (one connection for the run)."""

    name: str
    #: Whether an email's attachments go in the message itself (``smtp``, ``outbox``). GOV.UK
    #: Notify's do not: it sends a file as a download link (``notifications.file_delivery``).
    #: Words that say a file is attached depend on it: ask
    #: ``notifications.transports.file_delivery`` before rendering, without opening a transport.
    attaches_files: bool

    def __enter__(self) -> Transport:
        """Open the connection; raises ``RetryableError`` (``UnavailableError``) if it can't."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def send(self, email: Email) -> str:
        """Send one email; return the provider's reference for it.

        Raises ``RetryableError`` or ``PermanentError``.
        """
        ...


def build_mime(email_: Email, sender: str, message_id: str | None = None) -> EmailMessage:
    """The RFC 5322 message for an email: text and HTML as multipart/alternative, then the
    attachments (a calendar invitation as ``text/calendar; method=REQUEST`` with its file name).
    """
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email_.to
    message["Subject"] = email_.subject
    message["Date"] = email.utils.formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id or make_message_id(sender)
    if email_.reference:
        message["X-Audits-Reference"] = email_.reference
    if email_.high_importance:
        # Outlook reads Importance, most other clients X-Priority (1 is the highest).
        message["Importance"] = "high"
        message["X-Priority"] = "1"
    message.set_content(email_.text)
    if email_.html:
        message.add_alternative(email_.html, subtype="html")
    for attachment in email_.attachments:
        _attach(message, attachment)
    return message


def make_message_id(sender: str) -> str:
    domain = sender.rpartition("@")[2].strip(" >") or None
    return email.utils.make_msgid(domain=domain)


def _attach(message: EmailMessage, attachment: Attachment) -> None:
    parsed = Message()
    parsed["Content-Type"] = attachment.content_type
    params = {
        key: value
        for key, value in parsed.get_params(failobj=[], header="content-type")[1:]
        if key.lower() != "name"
    }
    if parsed.get_content_maintype() == "text" and "charset" not in params:
        params["charset"] = "utf-8"
    message.add_attachment(
        attachment.content,
        maintype=parsed.get_content_maintype(),
        subtype=parsed.get_content_subtype(),
        filename=attachment.filename,
        params=params or None,
    )
