"""The email transports against real servers on loopback: aiosmtpd for SMTP, an HTTP server
that checks requests as GOV.UK Notify does, and a real folder for the outbox."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pydantic import ValidationError

from config.transport_settings import TransportSettings, parse_notify_api_key
from notifications.messages import Attachment, Email
from notifications.transport_notify import notify_token
from notifications.transports import (
    NotifyTransport,
    OutboxDirTransport,
    PermanentError,
    RetryableError,
    SmtpTransport,
    UnavailableError,
    send_with_retries,
    transport_from_settings,
)
from tests.notifications.fake_notify import (
    API_KEY,
    DEFAULT_TEMPLATE,
    DIGEST_TEMPLATE,
    SECRET_KEY,
    SERVICE_ID,
    FakeNotify,
    notify_errors,
    serve_fake_notify,
)

SENDER = "audits@council.example"
ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:REQUEST\r\n"
    b"BEGIN:VEVENT\r\nUID:audit-7@council.example\r\nSUMMARY:Case audit C-1001\r\n"
    b"DTSTART:20260820T100000Z\r\nDTEND:20260820T113000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def make_email(
    to: str = "ann@council.example", reference: str = "digest:2026-08-21:s1", *, ics: bool = False
) -> Email:
    attachments = (Attachment("invite.ics", "text/calendar; method=REQUEST", ICS),) if ics else ()
    return Email(
        to=to,
        subject=f"Complete case audit C-1001 by 28 August ({reference})",
        text=f"Case C-1001: audit due 28 August 2026.\nhttps://audits.example/a/7 {to}\n",
        html=f"<html><body><p>Case <b>C-1001</b>: due 28 August 2026 ({to}).</p></body></html>\n",
        attachments=attachments,
        reference=reference,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def parse(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=default_policy).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def assert_parts(message: EmailMessage, email: Email) -> None:
    assert message["To"] == email.to
    assert message["From"] == SENDER
    assert message["Subject"] == email.subject
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    # Line ends are CRLF on the wire.
    assert plain.get_content().replace("\r\n", "\n") == email.text
    assert html.get_content().replace("\r\n", "\n") == email.html
    attachments = list(message.iter_attachments())
    assert len(attachments) == len(email.attachments)
    for part, expected in zip(attachments, email.attachments, strict=True):
        assert part.get_content_type() == "text/calendar"
        assert part.get_param("method") == "REQUEST"
        assert part.get_filename() == expected.filename
        assert part.get_payload(decode=True) == expected.content


# Outbox


def test_outbox_writes_an_eml_with_text_html_and_calendar_parts(tmp_path: Path) -> None:
    folder = tmp_path / "var" / "outbox"  # does not exist yet
    email = make_email(ics=True)
    with OutboxDirTransport(folder, SENDER) as transport:
        name = transport.send(email)
    assert name.endswith(".eml") and name.startswith("digest_2026-08-21_s1-")
    assert [p.name for p in folder.iterdir()] == [name]
    message = parse((folder / name).read_bytes())
    assert message.get_content_type() == "multipart/mixed"
    assert message["X-Audits-Reference"] == email.reference
    assert message["Message-ID"].endswith("@council.example>")
    assert_parts(message, email)


def test_outbox_file_names_are_safe_and_unique(tmp_path: Path) -> None:
    email = make_email(reference="../../etc/passwd x:y")
    with OutboxDirTransport(tmp_path, SENDER) as transport:
        names = {transport.send(email) for _ in range(3)}
    assert len(names) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    for name in names:
        assert "/" not in name and ".." not in name and " " not in name


# SMTP: a real aiosmtpd server on loopback


class Mailbox:
    """An aiosmtpd handler that keeps what arrives and can be told to misbehave."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage, Any]] = []
        self.sessions = 0  # EHLO/HELO greetings: one per connection (no STARTTLS here)
        self.refuse: dict[str, str] = {}  # recipient -> reply to RCPT
        self.rcpt_failures = 0  # answer the next N RCPTs with 451
        self.data_failures = 0  # answer the next N DATAs with 451
        self.mail_closing = 0  # answer the next N MAILs with 421 (closing)
        self.hang_up_after_data = False  # close the connection after each message
        self.hung_up = threading.Event()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        self.sessions += 1
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):
        session.host_name = hostname
        self.sessions += 1
        return f"250 {server.hostname}"

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.mail_closing:
            self.mail_closing -= 1
            return "421 4.3.2 Service shutting down, closing channel"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        if self.rcpt_failures:
            self.rcpt_failures -= 1
            return "451 4.3.0 try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_failures:
            self.data_failures -= 1
            return "451 4.3.0 try later"
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), parse(envelope.content), session.peer)
        )
        if self.hang_up_after_data:
            # Runs after the 250 below has been written: the client sees the message accepted,
            # then the connection goes.
            asyncio.get_running_loop().call_soon(self._hang_up, server)
        return "250 OK queued"

    def _hang_up(self, server: Any) -> None:
        server.transport.close()
        self.hung_up.set()


StartServer = Callable[..., tuple[Controller, Mailbox]]


@pytest.fixture
def smtp_server() -> Iterator[StartServer]:
    """Start aiosmtpd servers on free loopback ports; all are stopped afterwards."""
    started: list[Controller] = []

    def start(port: int | None = None, **kwargs: Any) -> tuple[Controller, Mailbox]:
        mailbox = Mailbox()
        controller = Controller(
            mailbox, hostname="127.0.0.1", port=port or free_port(), ready_timeout=5, **kwargs
        )
        controller.start()
        started.append(controller)
        return controller, mailbox

    yield start
    for controller in started:
        if controller._thread is not None:  # not already stopped by the test
            controller.stop()


def smtp(controller: Controller, **kwargs: Any) -> SmtpTransport:
    return SmtpTransport("127.0.0.1", controller.port, SENDER, timeout=3, **kwargs)


def test_smtp_delivers_every_part_over_one_connection(smtp_server: StartServer) -> None:
    controller, mailbox = smtp_server()
    emails = [make_email(f"user{i}@council.example", f"digest:{i}", ics=i == 0) for i in range(5)]
    with smtp(controller) as transport:
        ids = [transport.send(email) for email in emails]
        assert transport.connections_opened == 1
    assert mailbox.sessions == 1
    assert len({peer for *_, peer in mailbox.messages}) == 1  # same client port throughout
    assert [(sender, rcpts) for sender, rcpts, _, _ in mailbox.messages] == [
        (SENDER, [email.to]) for email in emails
    ]
    for (_, _, message, _), email, message_id in zip(mailbox.messages, emails, ids, strict=True):
        assert_parts(message, email)
        assert message["Message-ID"] == message_id
    assert len(set(ids)) == 5


def test_smtp_server_down_is_retryable(smtp_server: StartServer) -> None:
    transport = SmtpTransport("127.0.0.1", free_port(), SENDER, timeout=2)
    with pytest.raises(UnavailableError, match="cannot connect") as caught:
        transport.__enter__()
    assert isinstance(caught.value, RetryableError)


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_smtp_4xx_is_retryable_then_delivered_by_retries(
    smtp_server: StartServer, stage: str
) -> None:
    controller, mailbox = smtp_server()
    setattr(mailbox, f"{stage}_failures", 1)
    email = make_email()
    with smtp(controller) as transport:
        with pytest.raises(RetryableError, match="451") as caught:
            transport.send(email)
        assert not isinstance(caught.value, PermanentError)
        assert mailbox.messages == []

        setattr(mailbox, f"{stage}_failures", 1)  # fails once more, then accepts
        waits: list[float] = []
        message_id = send_with_retries(transport, email, sleep=waits.append)
        assert transport.connections_opened == 1
    assert waits == [0.5]
    assert [m[2]["Message-ID"] for m in mailbox.messages] == [message_id]


def test_smtp_retries_give_up_with_the_last_retryable_error(smtp_server: StartServer) -> None:
    controller, mailbox = smtp_server()
    mailbox.rcpt_failures = 10
    waits: list[float] = []
    with smtp(controller) as transport, pytest.raises(RetryableError, match="451"):
        send_with_retries(transport, make_email(), attempts=4, sleep=waits.append)
    assert waits == [0.5, 2.0, 2.0]
    assert mailbox.rcpt_failures == 6 and mailbox.messages == []


def test_smtp_5xx_for_one_recipient_is_permanent_and_the_rest_go(
    smtp_server: StartServer,
) -> None:
    controller, mailbox = smtp_server()
    mailbox.refuse["gone@council.example"] = "550 5.1.1 no such user"
    recipients = ["ann@council.example", "gone@council.example", "bob@council.example"]
    waits: list[float] = []
    outcomes: dict[str, str] = {}
    with smtp(controller) as transport:
        for to in recipients:
            try:
                send_with_retries(transport, make_email(to), sleep=waits.append)
                outcomes[to] = "sent"
            except PermanentError as error:
                outcomes[to] = str(error)
        assert transport.connections_opened == 1
    assert outcomes["ann@council.example"] == outcomes["bob@council.example"] == "sent"
    assert "550" in outcomes["gone@council.example"]
    assert "no such user" in outcomes["gone@council.example"]
    assert waits == []  # a permanent error is not retried
    assert [rcpts for _, rcpts, _, _ in mailbox.messages] == [
        ["ann@council.example"],
        ["bob@council.example"],
    ]


def test_smtp_reconnects_when_the_server_hangs_up_mid_run(smtp_server: StartServer) -> None:
    controller, mailbox = smtp_server()
    mailbox.hang_up_after_data = True
    with smtp(controller) as transport:
        transport.send(make_email("ann@council.example"))
        assert mailbox.hung_up.wait(3)
        transport.send(make_email("bob@council.example"))  # no error: reconnected and sent
        assert transport.connections_opened == 2
    assert [rcpts for _, rcpts, _, _ in mailbox.messages] == [
        ["ann@council.example"],
        ["bob@council.example"],
    ]
    assert mailbox.sessions == 2


def test_smtp_reconnects_after_421_closing(smtp_server: StartServer) -> None:
    controller, mailbox = smtp_server()
    with smtp(controller) as transport:
        transport.send(make_email("ann@council.example"))
        mailbox.mail_closing = 1
        transport.send(make_email("bob@council.example"))
        assert transport.connections_opened == 2
    assert [rcpts for _, rcpts, _, _ in mailbox.messages] == [
        ["ann@council.example"],
        ["bob@council.example"],
    ]


def test_smtp_connection_lost_and_server_stays_down_is_retryable(
    smtp_server: StartServer,
) -> None:
    controller, mailbox = smtp_server()
    mailbox.hang_up_after_data = True
    with smtp(controller) as transport:
        transport.send(make_email("ann@council.example"))
        assert mailbox.hung_up.wait(3)
        controller.stop()
        with pytest.raises(RetryableError):
            transport.send(make_email("bob@council.example"))
        # The server comes back on the same port: the next email in the run goes.
        _, mailbox_again = smtp_server(port=controller.port)
        transport.send(make_email("cat@council.example"))
    assert [rcpts for _, rcpts, _, _ in mailbox.messages] == [["ann@council.example"]]
    assert [rcpts for _, rcpts, _, _ in mailbox_again.messages] == [["cat@council.example"]]


def check_login(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"relay-user",
        b"s3cr3t-relay-pass",
    )
    return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535


def test_smtp_logs_in_over_starttls_when_a_username_is_set(
    smtp_server: StartServer, tls_contexts: tuple[ssl.SSLContext, ssl.SSLContext]
) -> None:
    server_context, client_context = tls_contexts
    controller, mailbox = smtp_server(
        tls_context=server_context, authenticator=check_login, auth_required=True
    )
    tls: dict[str, Any] = {"security": "starttls", "ssl_context": client_context}
    with smtp(controller, username="relay-user", password="s3cr3t-relay-pass", **tls) as transport:
        transport.send(make_email())
    assert len(mailbox.messages) == 1

    with pytest.raises(UnavailableError, match="login .* refused: 535"):
        smtp(controller, username="relay-user", password="wrong", **tls).__enter__()
    with smtp(controller, **tls) as transport, pytest.raises(PermanentError, match="530"):
        transport.send(make_email())  # no login: the server requires one
    assert len(mailbox.messages) == 1


@pytest.fixture(scope="module")
def tls_contexts(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1: (server context, client context trusting it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert_pem)
    (folder / "key.pem").write_bytes(key_pem)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    client = ssl.create_default_context(cadata=cert_pem.decode())
    return server, client


def test_smtp_starttls_and_ssl(
    smtp_server: StartServer, tls_contexts: tuple[ssl.SSLContext, ssl.SSLContext]
) -> None:
    server_context, client_context = tls_contexts
    starttls, starttls_box = smtp_server(tls_context=server_context, require_starttls=True)
    with smtp(starttls, security="starttls", ssl_context=client_context) as transport:
        transport.send(make_email(ics=True))
    assert_parts(starttls_box.messages[0][2], make_email(ics=True))
    with smtp(starttls) as transport, pytest.raises(PermanentError, match="530"):
        transport.send(make_email())  # the server insists on STARTTLS first

    implicit, implicit_box = smtp_server(ssl_context=server_context)
    with smtp(implicit, security="ssl", ssl_context=client_context) as transport:
        transport.send(make_email("bob@council.example"))
    assert implicit_box.messages[0][1] == ["bob@council.example"]
    # Without trusting the certificate, TLS fails: not sent, and worth retrying once fixed.
    with pytest.raises(UnavailableError):
        smtp(implicit, security="ssl").__enter__()


# GOV.UK Notify: a local HTTP server that checks requests as Notify does (fake_notify)


@pytest.fixture
def notify_server() -> Iterator[FakeNotify]:
    with serve_fake_notify() as server:
        yield server


def notify(server: FakeNotify, api_key: str = API_KEY, timeout: float = 3) -> NotifyTransport:
    return NotifyTransport(
        api_key,
        {"default": DEFAULT_TEMPLATE, "digest": DIGEST_TEMPLATE},
        base_url=server.url,
        timeout=timeout,
    )


def test_notify_references_never_carry_an_email_address() -> None:
    from notifications.transport_notify import notify_reference

    assert notify_reference("digest:2026-08-21:s1") == "digest:2026-08-21:s1"
    hidden = notify_reference("report:2026-09:to:director@council.example")
    assert hidden.startswith("report:sha256:") and "@" not in hidden and "director" not in hidden
    assert hidden != notify_reference("report:2026-09:to:other@council.example")


def test_notify_sends_a_signed_request_notify_accepts(notify_server: FakeNotify) -> None:
    with notify(notify_server) as transport:
        digest_id = transport.send(make_email(reference="digest:2026-08-21:s1"))
        allocation_id = transport.send(make_email(reference="allocation:7", ics=True))
    assert uuid.UUID(digest_id) and uuid.UUID(allocation_id) and digest_id != allocation_id
    first, second = notify_server.requests
    assert first["claims"]["iss"] == SERVICE_ID
    assert abs(first["claims"]["iat"] - time.time()) <= 30
    email = make_email(reference="digest:2026-08-21:s1")
    assert first["body"] == {
        "email_address": email.to,
        "template_id": DIGEST_TEMPLATE,
        "personalisation": {"subject": email.subject, "body": email.text},
        "reference": "digest:2026-08-21:s1",
    }
    assert second["body"]["template_id"] == DEFAULT_TEMPLATE  # no "allocation" template
    assert set(second["body"]) == {"email_address", "template_id", "personalisation", "reference"}
    assert first["headers"]["Content-Type"] == "application/json"


def test_fake_notify_refuses_a_stale_token(notify_server: FakeNotify) -> None:
    """The checks above are real: a token 60 seconds old is refused as Notify refuses it."""
    stale = notify_token(SERVICE_ID, SECRET_KEY, now=time.time() - 60)
    response = httpx.post(
        f"{notify_server.url}/v2/notifications/email",
        json={"email_address": "a@b.example", "template_id": DEFAULT_TEMPLATE},
        headers={"Authorization": f"Bearer {stale}"},
    )
    assert response.status_code == 403
    assert "30 seconds" in response.text


def test_notify_wrong_secret_is_permanent(notify_server: FakeNotify) -> None:
    wrong = f"case-audits-live-{SERVICE_ID}-{uuid.uuid4()}"
    with notify(notify_server, api_key=wrong) as transport, pytest.raises(PermanentError) as caught:
        transport.send(make_email())
    assert "403" in str(caught.value) and "Invalid token" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "error", "message", "kind"),
    [
        (400, "BadRequestError", "Can't send to this recipient using a team-only API key",
         PermanentError),
        (403, "AuthError", "Invalid token: API key not found", PermanentError),
        (404, "NotFound", "Template not found", PermanentError),
        (429, "RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 s",
         RetryableError),
        (500, "Exception", "Internal server error", RetryableError),
        (503, "Exception", "Service unavailable", RetryableError),
    ],
)  # fmt: skip
def test_notify_errors_are_sorted(
    notify_server: FakeNotify, status: int, error: str, message: str, kind: type[Exception]
) -> None:
    notify_server.forced = (status, notify_errors(status, error, message))
    with notify(notify_server) as transport, pytest.raises(kind) as caught:
        transport.send(make_email())
    assert f"{status}" in str(caught.value) and message in str(caught.value)
    if kind is RetryableError:
        assert not isinstance(caught.value, PermanentError)


def test_notify_rate_limit_then_success_with_retries(notify_server: FakeNotify) -> None:
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        notify_server.forced = None  # the rate limit has passed

    notify_server.forced = (429, notify_errors(429, "RateLimitError", "Exceeded rate limit"))
    with notify(notify_server) as transport:
        reference = send_with_retries(transport, make_email(), sleep=sleep)
    assert uuid.UUID(reference) and waits == [0.5]
    assert len(notify_server.requests) == 2


def test_notify_unreachable_or_slow_is_retryable(notify_server: FakeNotify) -> None:
    down = NotifyTransport(
        API_KEY, {"default": DEFAULT_TEMPLATE}, base_url=f"http://127.0.0.1:{free_port()}"
    )
    with down as transport, pytest.raises(UnavailableError):
        transport.send(make_email())
    notify_server.delay = 1.0
    with notify(notify_server, timeout=0.3) as transport, pytest.raises(RetryableError) as caught:
        transport.send(make_email())
    assert not isinstance(caught.value, PermanentError)


def test_notify_api_key_and_token() -> None:
    assert parse_notify_api_key(API_KEY) == (SERVICE_ID, SECRET_KEY)
    claims = jwt.decode(
        notify_token(SERVICE_ID, SECRET_KEY, now=1_700_000_000.9),
        SECRET_KEY,
        algorithms=["HS256"],
        options={"verify_iat": False},
    )
    assert claims == {"iss": SERVICE_ID, "iat": 1_700_000_000}
    with pytest.raises(ValueError, match="key_name"):
        parse_notify_api_key(f"{SERVICE_ID}{SECRET_KEY}")
    with pytest.raises(ValueError, match="default"):
        NotifyTransport(API_KEY, {"digest": DIGEST_TEMPLATE})


# Settings

SETTINGS_VARS = (
    "EMAIL_TRANSPORT", "OUTBOX_DIR", "SMTP_HOST", "SMTP_PORT", "SMTP_SECURITY", "SMTP_USERNAME",
    "SMTP_PASSWORD", "SMTP_TIMEOUT", "NOTIFY_API_KEY", "NOTIFY_BASE_URL", "EMAIL_FROM", "BASE_URL",
    "DATA_DIR",
)  # fmt: skip


SMTP_LOGIN = {"EMAIL_TRANSPORT": "smtp", "SMTP_USERNAME": "relay-user"}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in SETTINGS_VARS:
        monkeypatch.delenv(f"AUDITS_{name}", raising=False)
    return monkeypatch


def test_settings_defaults(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = TransportSettings()
    assert settings.email_transport == "outbox"
    assert settings.outbox_dir == Path("var/outbox")
    assert settings.smtp_host == "localhost" and settings.smtp_port == 25
    assert settings.smtp_security == "none"
    assert settings.smtp_username is None and settings.smtp_password is None
    assert settings.notify_api_key is None
    assert settings.notify_base_url == "https://api.notifications.service.gov.uk"
    assert (settings.email_from, settings.base_url) == ("audits@localhost", "http://127.0.0.1:8000")
    assert settings.smtp_timeout == 30
    env.setenv("AUDITS_OUTBOX_DIR", str(tmp_path))
    transport = transport_from_settings(TransportSettings())
    assert isinstance(transport, OutboxDirTransport) and transport.directory == tmp_path


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"EMAIL_TRANSPORT": "pigeon"}, "EMAIL_TRANSPORT must be one of outbox, smtp, notify"),
        ({"EMAIL_TRANSPORT": "smtp", "SMTP_SECURITY": "tls"}, "SMTP_SECURITY must be one of"),
        ({**SMTP_LOGIN, "SMTP_PASSWORD": "changeme"}, "placeholder"),
        ({**SMTP_LOGIN, "SMTP_PASSWORD": "Password"}, "placeholder"),
        ({**SMTP_LOGIN, "SMTP_PASSWORD": " "}, "placeholder"),
        ({"EMAIL_TRANSPORT": "smtp", "SMTP_USERNAME": "u"}, "AUDITS_SMTP_PASSWORD must be set"),
        ({"EMAIL_TRANSPORT": "smtp", "SMTP_PASSWORD": "r3al-one"}, "SMTP_USERNAME is not"),
        ({"EMAIL_TRANSPORT": "notify"}, "AUDITS_NOTIFY_API_KEY must be set"),
        ({"EMAIL_TRANSPORT": "notify", "NOTIFY_API_KEY": "secret"}, "placeholder"),
        ({"EMAIL_TRANSPORT": "notify", "NOTIFY_API_KEY": ""}, "placeholder"),
        ({"EMAIL_TRANSPORT": "notify", "NOTIFY_API_KEY": "not-a-key"}, "not a GOV.UK Notify API"),
        ({"EMAIL_FROM": "nobody"}, "AUDITS_EMAIL_FROM must be an email address"),
    ],
)  # fmt: skip
def test_settings_refused(env: pytest.MonkeyPatch, variables: dict[str, str], message: str) -> None:
    for name, value in variables.items():
        env.setenv(f"AUDITS_{name}", value)
    with pytest.raises(ValueError, match=message) as caught:
        TransportSettings()
    assert isinstance(caught.value, ValidationError)


def test_settings_check_only_the_transport_in_use(env: pytest.MonkeyPatch) -> None:
    env.setenv("AUDITS_SMTP_USERNAME", "relay")
    env.setenv("AUDITS_SMTP_PASSWORD", "changeme")
    env.setenv("AUDITS_NOTIFY_API_KEY", "changeme")
    assert TransportSettings().email_transport == "outbox"


def test_transport_from_settings_smtp_and_notify(
    env: pytest.MonkeyPatch, smtp_server: StartServer, notify_server: FakeNotify
) -> None:
    controller, mailbox = smtp_server()
    env.setenv("AUDITS_EMAIL_TRANSPORT", "SMTP")
    env.setenv("AUDITS_SMTP_HOST", "127.0.0.1")
    env.setenv("AUDITS_SMTP_PORT", str(controller.port))
    env.setenv("AUDITS_SMTP_TIMEOUT", "3")
    env.setenv("AUDITS_EMAIL_FROM", SENDER)
    with transport_from_settings(TransportSettings()) as transport:
        assert transport.name == "smtp"
        transport.send(make_email(ics=True))
    assert_parts(mailbox.messages[0][2], make_email(ics=True))

    env.setenv("AUDITS_EMAIL_TRANSPORT", "notify")
    env.setenv("AUDITS_NOTIFY_API_KEY", API_KEY)
    env.setenv("AUDITS_NOTIFY_BASE_URL", notify_server.url)
    settings = TransportSettings()
    with pytest.raises(ValueError, match="default"):
        transport_from_settings(settings)
    with transport_from_settings(settings, {"default": DEFAULT_TEMPLATE}) as transport:
        assert transport.name == "notify"
        transport.send(make_email())
    assert notify_server.requests[0]["body"]["template_id"] == DEFAULT_TEMPLATE
