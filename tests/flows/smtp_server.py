"""A real SMTP server on loopback (aiosmtpd) for the flow tests: it keeps every message that
arrives, exactly as it arrived, and can be told to misbehave the ways a council's relay does.

    with SmtpServer() as server:
        ...send to 127.0.0.1:server.port...
        server.messages          # what arrived, in order
        server.mailbox.refuse[address] = "550 5.1.1 no such user"
        server.mailbox.rcpt_failures = 1  # the next RCPT gets a 451
        server.stop(); server.start()  # down, then up again on the same port
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Received:
    """One message as the server accepted it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def subject(self) -> str:
        """The subject as a mail client shows it: unfolded, without the space a long subject
        keeps from being folded onto the line after ``Subject:``."""
        return " ".join(str(self.message["Subject"]).split())

    def part(self, subtype: str) -> str:
        """The text of the ``text/<subtype>`` body part (``plain`` or ``html``)."""
        return body_text(self.message, subtype)

    def attachments(self) -> list[EmailMessage]:
        return list(self.message.iter_attachments())


def body_text(message: EmailMessage, subtype: str) -> str:
    """The text of the ``text/<subtype>`` body part (``plain`` or ``html``) of ``message``."""
    body = message.get_body((subtype,))
    assert body is not None, f"no text/{subtype} part in {message['Subject']!r}"
    return str(body.get_content())


def parse(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=default_policy).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


class Mailbox:
    """The aiosmtpd handler: keeps what arrives; the fault switches below make it misbehave."""

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.connections = 0  # EHLO/HELO greetings: one per connection
        self.refuse: dict[str, str] = {}  # recipient -> the reply to its RCPT, every time
        self.rcpt_failures = 0  # answer the next N RCPTs with 451
        self.refusals: list[tuple[str, str]] = []  # (recipient, reply) for each refused RCPT
        # After this many more messages have been accepted, close the connection mid-message:
        # the next DATA is read but neither stored nor answered (the client sees the line cut).
        self.cut_after: int | None = None
        # With ``cut_after``: also stop listening, so the server is gone for the rest of the run.
        self.go_down_on_cut = False
        # Seconds the relay takes to answer each message (a real relay is not instant).
        self.delay = 0.0
        self.cut = threading.Event()
        self.server: Any = None  # the asyncio server, set by SmtpServer

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: ANN001, ANN201
        session.host_name = hostname
        self.connections += 1
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):  # noqa: ANN001, ANN201
        session.host_name = hostname
        self.connections += 1
        return f"250 {server.hostname}"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201
        if address in self.refuse:
            self.refusals.append((address, self.refuse[address]))
            return self.refuse[address]
        if self.rcpt_failures:
            self.rcpt_failures -= 1
            self.refusals.append((address, "451"))
            return "451 4.3.0 Temporary failure, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201
        if self.cut_after is not None:
            if self.cut_after == 0:
                self.cut_after = None
                if self.go_down_on_cut and self.server is not None:
                    self.server.close()  # nobody can connect any more
                self.cut.set()
                server.transport.close()  # and no reply: the message was not accepted
                await asyncio.sleep(30)  # cancelled at once, as the connection is lost
                return "451 4.3.0 unreachable"
            self.cut_after -= 1
        if self.delay:
            await asyncio.sleep(self.delay)
        raw = bytes(envelope.content)
        self.messages.append(
            Received(envelope.mail_from, tuple(envelope.rcpt_tos), raw, parse(raw))
        )
        return "250 OK queued"


def plain_smtp_settings(
    mail: SmtpServer, database_url: str, sender: str, base_url: str
) -> dict[str, str | None]:
    """The settings (for ``settings_env``) of a run that sends to ``mail`` over plain SMTP, with
    no login, on ``database_url``; the outbox folder unset."""
    return {
        "SMTP_SECURITY": None,
        "SMTP_USERNAME": None,
        "SMTP_PASSWORD": None,
        "OUTBOX_DIR": None,
        "DATABASE_URL": database_url,
        "EMAIL_TRANSPORT": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mail.port),
        "SMTP_TIMEOUT": "5",
        "EMAIL_FROM": sender,
        "BASE_URL": base_url,
    }


class SmtpServer:
    """An aiosmtpd server on a free loopback port that can be stopped and started again on the
    same port; what arrived is kept across restarts. A context manager: stopped on leaving."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.mailbox = Mailbox()
        self._controller: Controller | None = None
        self._taken = 0

    # running

    def start(self) -> SmtpServer:
        if self._controller is None:
            controller = Controller(
                self.mailbox, hostname="127.0.0.1", port=self.port, ready_timeout=5
            )
            controller.start()
            self._controller = controller
            self.mailbox.server = controller.server
        return self

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()
        self.mailbox.server = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # what arrived

    @property
    def messages(self) -> list[Received]:
        return self.mailbox.messages

    def take(self) -> list[Received]:
        """What has arrived since the last ``take`` (``messages`` keeps everything)."""
        taken = self.mailbox.messages[self._taken :]
        self._taken += len(taken)
        return taken

    def per_recipient(self) -> Counter[str]:
        """How many messages each recipient has been sent, ever."""
        return Counter(r for m in self.mailbox.messages for r in m.rcpt_tos)
