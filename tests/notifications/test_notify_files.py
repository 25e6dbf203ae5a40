"""Files by GOV.UK Notify: sent as Notify's "send a file by email" link, checked against the
stand-in that refuses what Notify refuses (fake_notify), and the capability that tells the
rendering side whether the transport in use attaches files at all."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from notifications.file_delivery import NOTIFY_MAX_FILE_BYTES, FileDelivery
from notifications.messages import Attachment, Email
from notifications.settings import TransportSettings
from notifications.transport_notify import notify_token
from notifications.transports import (
    NotifyTransport,
    PermanentError,
    file_delivery,
    transport_from_settings,
)
from tests.notifications.fake_notify import (
    API_KEY,
    DEFAULT_TEMPLATE,
    DOCUMENTS_URL,
    REPORT_TEMPLATE,
    SECRET_KEY,
    SERVICE_ID,
    FakeNotify,
    serve_fake_notify,
)

PDF = (
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
)
ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
REPORT = "report:2026-06:to:director@example.gov.uk"


@pytest.fixture
def notify_server() -> Iterator[FakeNotify]:
    with serve_fake_notify() as server:
        yield server


def pdf_of(size: int) -> bytes:
    return PDF + b"0" * (size - len(PDF))


def report_email(*files: Attachment, to: str = "director@example.gov.uk") -> Email:
    subject = "Audit highlights report: June 2026"
    return Email(to, subject, "Download it.\n", "<p>x</p>", files, REPORT)


def pdf(content: bytes = PDF, name: str = "highlight-report-2026-06.pdf") -> Attachment:
    return Attachment(name, "application/pdf", content)


def notify(server: FakeNotify, report_template: str | None = REPORT_TEMPLATE) -> NotifyTransport:
    templates = {"default": DEFAULT_TEMPLATE}
    if report_template:
        templates["report"] = report_template
    return NotifyTransport(API_KEY, templates, base_url=server.url, timeout=5)


def test_a_pdf_goes_as_a_link_that_notify_accepts(notify_server: FakeNotify) -> None:
    with notify(notify_server) as transport:
        transport.send(report_email(pdf()))
        transport.send(report_email(pdf(), to="teams@example.gov.uk"))
    first, second = notify_server.requests
    assert first["body"]["template_id"] == REPORT_TEMPLATE
    assert first["body"]["personalisation"]["link_to_file"] == {
        "file": base64.b64encode(PDF).decode(),
        "filename": "highlight-report-2026-06.pdf",
        "confirm_email_before_download": True,
        "retention_period": "26 weeks",
    }
    # Notify took the file and put its link where the template has ((link_to_file)).
    assert [f["content"] for f in notify_server.files] == [PDF, PDF]
    assert [f["recipient"] for f in notify_server.files] == [
        "director@example.gov.uk",
        "teams@example.gov.uk",
    ]
    assert f"Download the report (PDF): {DOCUMENTS_URL}/" in first["content"]["body"]
    assert first["content"]["body"].startswith("Download it.")
    # The template was read once for the run, before its first file.
    assert notify_server.template_reads == [REPORT_TEMPLATE]


def test_a_file_of_2_mb_goes_and_one_byte_more_is_refused_before_notify(
    notify_server: FakeNotify,
) -> None:
    with notify(notify_server) as transport:
        transport.send(report_email(pdf(pdf_of(NOTIFY_MAX_FILE_BYTES))))
        with pytest.raises(PermanentError) as caught:
            transport.send(report_email(pdf(pdf_of(NOTIFY_MAX_FILE_BYTES + 1))))
    assert "2 MB" in str(caught.value) and "2,097,153 bytes" in str(caught.value)
    assert len(notify_server.requests) == 1 and len(notify_server.files[0]["content"]) == 2**21


def test_a_template_without_the_placeholder_is_refused_before_anything_is_sent(
    notify_server: FakeNotify,
) -> None:
    # Notify itself would take the file and send the email without its link:
    token = notify_token(SERVICE_ID, SECRET_KEY)
    linkless = httpx.post(
        f"{notify_server.url}/v2/notifications/email",
        json={
            "email_address": "director@example.gov.uk",
            "template_id": DEFAULT_TEMPLATE,
            "personalisation": {
                "subject": "s",
                "body": "b",
                "link_to_file": {"file": base64.b64encode(PDF).decode()},
            },
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert linkless.status_code == 201 and DOCUMENTS_URL not in linkless.json()["content"]["body"]
    notify_server.requests.clear()

    # ... so the transport reads the template first, and refuses: with report's own template
    # set to one without the placeholder, and with none (the default serves).
    for report_template in (DEFAULT_TEMPLATE, None):
        transport = notify(notify_server, report_template)
        with transport, pytest.raises(PermanentError) as caught:
            transport.send(report_email(pdf()))
        assert "((link_to_file))" in str(caught.value)
        assert "set [notify] report" in str(caught.value)
    assert notify_server.requests == []


def test_notify_refuses_a_file_for_a_template_it_lacks_a_file_for(
    notify_server: FakeNotify,
) -> None:
    """The report's template with no file: Notify's missing-personalisation error."""
    plain = Email("director@example.gov.uk", "Report", "Nothing attached.\n", "", (), REPORT)
    with notify(notify_server) as transport, pytest.raises(PermanentError) as caught:
        transport.send(plain)
    assert "Missing personalisation: link_to_file" in str(caught.value)


def test_calendar_invitations_are_left_out_other_files_are_not(notify_server: FakeNotify) -> None:
    invite = Attachment("audit-7.ics", "text/calendar; method=REQUEST; charset=utf-8", ICS)
    with notify(notify_server) as transport:
        transport.send(report_email(invite, pdf()))
        only_invite = Email("tm@example.gov.uk", "Allocated", "Case C-1.\n", "", (invite,), "a:7")
        transport.send(only_invite)
        with pytest.raises(PermanentError, match="one file per email"):
            transport.send(report_email(pdf(), pdf(name="second.pdf")))
        with pytest.raises(PermanentError, match=r"only these types of file: \.csv"):
            transport.send(report_email(Attachment("report.zip", "application/zip", b"PK")))
    with_pdf, with_invite = notify_server.requests
    assert [f["filename"] for f in notify_server.files] == ["highlight-report-2026-06.pdf"]
    assert "link_to_file" not in with_invite["body"]["personalisation"]
    assert with_invite["body"]["template_id"] == DEFAULT_TEMPLATE


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"file": "not base64!"}, "File is not base64 encoded"),
        ({"file": base64.b64encode(pdf_of(2**21 + 1)).decode()}, "File is larger than 2MB"),
        ({"file": base64.b64encode(ICS).decode()}, "Unsupported file type 'text/calendar'"),
        ({"filename": "report"}, "must end with a file extension"),
        ({"filename": "r" * 97 + ".pdf"}, "cannot be longer than 100 characters"),
        ({"confirm_email_before_download": "yes"}, "Use a boolean true or false value"),
        ({"retention_period": "79 weeks"}, "Supported periods are from 1 to 78 weeks"),
    ],
)
def test_the_stand_in_refuses_what_notify_refuses(
    notify_server: FakeNotify, change: dict[str, object], message: str
) -> None:
    """The checks the transport is tested against are real: each bad file is refused."""
    value = {"file": base64.b64encode(PDF).decode(), "filename": "r.pdf", **change}
    response = httpx.post(
        f"{notify_server.url}/v2/notifications/email",
        json={
            "email_address": "director@example.gov.uk",
            "template_id": REPORT_TEMPLATE,
            "personalisation": {"subject": "s", "body": "b", "link_to_file": value},
        },
        headers={"Authorization": f"Bearer {notify_token(SERVICE_ID, SECRET_KEY)}"},
    )
    assert response.status_code == 400
    assert message in response.json()["errors"][0]["message"]
    assert notify_server.requests == [] and notify_server.files == []


def test_file_weeks_come_from_the_settings(
    monkeypatch: pytest.MonkeyPatch, notify_server: FakeNotify
) -> None:
    for name in ("EMAIL_TRANSPORT", "NOTIFY_API_KEY", "NOTIFY_BASE_URL", "NOTIFY_FILE_WEEKS"):
        monkeypatch.delenv(f"AUDITS_{name}", raising=False)
    monkeypatch.setenv("AUDITS_EMAIL_TRANSPORT", "notify")
    monkeypatch.setenv("AUDITS_NOTIFY_API_KEY", API_KEY)
    monkeypatch.setenv("AUDITS_NOTIFY_BASE_URL", notify_server.url)
    monkeypatch.setenv("AUDITS_NOTIFY_FILE_WEEKS", "4")
    settings = TransportSettings()
    templates = {"default": DEFAULT_TEMPLATE, "report": REPORT_TEMPLATE}
    with transport_from_settings(settings, templates) as transport:
        transport.send(report_email(pdf()))
    assert notify_server.files[0]["retention_period"] == "4 weeks"
    assert file_delivery(settings) == FileDelivery(attaches_files=False, link_weeks=4)
    for weeks in ("0", "79"):
        monkeypatch.setenv("AUDITS_NOTIFY_FILE_WEEKS", weeks)
        with pytest.raises(ValidationError, match="AUDITS_NOTIFY_FILE_WEEKS"):
            TransportSettings()


def test_the_capability_matches_what_each_transport_does(tmp_path: Path) -> None:
    """What the rendering side is told is what the transport in use does with a file."""
    outbox = TransportSettings(email_transport="outbox", outbox_dir=tmp_path)
    smtp = TransportSettings(email_transport="smtp")
    notify_settings = TransportSettings(email_transport="notify", notify_api_key=SecretStr(API_KEY))
    for settings in (outbox, smtp, notify_settings):
        transport = transport_from_settings(settings, {"default": DEFAULT_TEMPLATE})
        assert file_delivery(settings).attaches_files is transport.attaches_files
    assert file_delivery(smtp) == FileDelivery(attaches_files=True)
    on_notify = file_delivery(notify_settings)
    assert on_notify.links_files and on_notify.link_weeks == 26
    invite = Attachment("audit-7.ics", "text/calendar; method=REQUEST", ICS)
    assert file_delivery(smtp).problem(invite) is None
    assert "GOV.UK Notify sends only these types of file" in str(on_notify.problem(invite))
    assert on_notify.problem(pdf()) is None
    assert "2 MB" in str(on_notify.problem(pdf(pdf_of(NOTIFY_MAX_FILE_BYTES + 1))))
