"""The ``smtp`` transport: one SMTP connection for the whole run, through ``smtplib``.

Security ``none`` (plain, e.g. a relay on the same host), ``starttls`` (upgraded after EHLO) or
``ssl`` (TLS from the start, usually port 465); a login when a username is set. If the server
drops the connection mid-run, the transport reconnects once and sends that email again.

Replies are sorted as SMTP defines them: 4xx (and a dropped connection, a timeout, a refused
connection) is ``RetryableError``; 5xx is ``PermanentError``.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from types import TracebackType

from notifications.messages import Email
from notifications.transport_base import (
    PermanentError,
    RetryableError,
    UnavailableError,
    build_mime,
    make_message_id,
)


class SmtpTransport:
    name = "smtp"
    attaches_files = True

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        security: str = "none",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in ("none", "starttls", "ssl"):
            raise ValueError(f"SMTP security must be none, starttls or ssl, not {security!r}")
        self.host = host
        self.port = port
        self.sender = sender
        self.security = security
        self.username = username
        self.password = password
        self.timeout = timeout
        self.ssl_context = ssl_context
        self._connection: smtplib.SMTP | None = None
        #: Connections opened in this run (one unless the server dropped the connection).
        self.connections_opened = 0

    def __enter__(self) -> SmtpTransport:
        self._connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()

    def send(self, email: Email) -> str:
        """Send one email over the run's connection; return the Message-ID it was sent with."""
        message_id = make_message_id(self.sender)
        message = build_mime(email, self.sender, message_id)
        for attempt in (1, 2):
            connection = self._live_connection()
            try:
                connection.send_message(message, from_addr=self.sender, to_addrs=[email.to])
                return message_id
            except smtplib.SMTPServerDisconnected as error:
                lost: Exception = error
            except smtplib.SMTPRecipientsRefused as error:
                code, reply = error.recipients.get(email.to, next(iter(error.recipients.values())))
                if code != 421:
                    raise _by_code(code, reply, f"recipient {email.to} refused") from error
                lost = error
            except smtplib.SMTPResponseException as error:
                if error.smtp_code != 421:
                    if self._closed(connection):
                        self._drop()
                    what = f"SMTP error sending to {email.to}"
                    raise _by_code(error.smtp_code, error.smtp_error, what) from error
                lost = error
            except (OSError, smtplib.SMTPException) as error:
                self._drop()
                raise RetryableError(f"SMTP error sending to {email.to}: {error!r}") from error
            # The connection was lost, or the server said 421 (closing the channel): an idle
            # timeout or a restart mid-run. Reconnect once and send this email again.
            self._drop()
            if attempt == 2:
                raise RetryableError(
                    f"SMTP connection to {self.host}:{self.port} lost again sending to "
                    f"{email.to}: {lost!r}"
                ) from lost
        raise AssertionError("unreachable")  # pragma: no cover

    # connection handling

    def _live_connection(self) -> smtplib.SMTP:
        if self._connection is None or self._closed(self._connection):
            self._drop()
            self._connect()
        assert self._connection is not None
        return self._connection

    @staticmethod
    def _closed(connection: smtplib.SMTP) -> bool:
        return getattr(connection, "sock", None) is None

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _connect(self) -> None:
        where = f"{self.host}:{self.port}"
        connection: smtplib.SMTP | None = None
        try:
            if self.security == "ssl":
                connection = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=self._context()
                )
            else:
                connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            connection.ehlo()
            if self.security == "starttls":
                connection.starttls(context=self._context())
                connection.ehlo()
            if self.username:
                connection.login(self.username, self.password or "")
        except smtplib.SMTPAuthenticationError as error:
            _close_quietly(connection)
            raise UnavailableError(
                f"SMTP login to {where} as {self.username} refused: {error.smtp_code} "
                f"{_text(error.smtp_error)} (check AUDITS_SMTP_USERNAME and AUDITS_SMTP_PASSWORD)"
            ) from error
        except (OSError, smtplib.SMTPException) as error:
            _close_quietly(connection)
            raise UnavailableError(f"cannot connect to SMTP server {where}: {error!r}") from error
        self._connection = connection
        self.connections_opened += 1

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context or ssl.create_default_context()


def _by_code(code: int, reply: bytes | str, what: str) -> RetryableError | PermanentError:
    text = f"{what}: {code} {_text(reply)}"
    if 500 <= code < 600:
        return PermanentError(text)
    return RetryableError(text)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _close_quietly(connection: smtplib.SMTP | None) -> None:
    if connection is not None:
        with contextlib.suppress(OSError):
            connection.close()
