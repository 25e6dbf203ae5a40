"""The highlight report by GOV.UK Notify: its PDF goes to each address as Notify's download link
(against the stand-in that checks requests as Notify does), and the email's words say how the
PDF comes, attached or as a link, whichever the transport in use does."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from models.db import get_engine, make_engine, migrate
from notifications.file_delivery import NOTIFY_MAX_FILE_BYTES, FileDelivery
from reports.emails import ReportNotEmailed, report_emails
from tests.flows.test_report_flow import PROGRAMME
from tests.models.test_report_store import build_programme
from tests.notifications.fake_notify import (
    API_KEY,
    DEFAULT_TEMPLATE,
    DOCUMENTS_URL,
    REPORT_TEMPLATE,
    FakeNotify,
    serve_fake_notify,
)
from tests.reports.sample import sample_figures
from tests.settings_env import SettingsEnv

ATTACHED = FileDelivery(attaches_files=True)
AS_LINK = FileDelivery(attaches_files=False, link_weeks=26)
DISTRIBUTION = ("director@example.gov.uk", "frontline-teams@example.gov.uk")
PDF = b"%PDF-1.7\n" + b"0" * 1000


@pytest.fixture
def notify_server() -> Iterator[FakeNotify]:
    with serve_fake_notify() as server:
        yield server


@pytest.fixture
def on_notify(
    tmp_path: Path, settings_env: SettingsEnv, notify_server: FakeNotify
) -> Iterator[None]:
    """The hand-worked programme of test_report_flow, its emails sent by GOV.UK Notify."""
    url = f"sqlite:///{tmp_path / 'audits.db'}"
    engine = make_engine(url)
    migrate(engine)
    build_programme(engine)
    engine.dispose()
    notify = f'[notify]\ndefault = "{DEFAULT_TEMPLATE}"\nreport = "{REPORT_TEMPLATE}"\n'
    (tmp_path / "programme.toml").write_text(PROGRAMME + notify)
    settings_env(
        DATABASE_URL=url,
        PROGRAMME=str(tmp_path / "programme.toml"),
        EMAIL_TRANSPORT="notify",
        NOTIFY_API_KEY=API_KEY,
        NOTIFY_BASE_URL=notify_server.url,
        NOTIFY_FILE_WEEKS=None,
    )
    yield
    get_engine().dispose()


@pytest.mark.prefect
def test_the_report_goes_to_each_address_as_a_notify_link(
    prefect_server: None, on_notify: None, notify_server: FakeNotify, tmp_path: Path
) -> None:
    from flows.report import compile_highlight_report

    out = tmp_path / "reports"
    result = compile_highlight_report(month="2026-06", out=str(out))
    pdf = (out / "highlight-report-2026-06.pdf").read_bytes()
    assert result["emails"] == 2 and result["sent"] == 2
    requests = sorted(notify_server.requests, key=lambda r: r["body"]["email_address"].lower())
    assert [r["body"]["email_address"] for r in requests] == [
        "director@example.gov.uk",
        "Frontline-Teams@example.gov.uk",
    ]
    for request in requests:
        personalisation = request["body"]["personalisation"]
        assert request["body"]["template_id"] == REPORT_TEMPLATE
        assert personalisation["link_to_file"]["filename"] == "highlight-report-2026-06.pdf"
        assert base64.b64decode(personalisation["link_to_file"]["file"]) == pdf
        assert "attached" not in personalisation["body"].lower()
        assert "download from the link in this email" in personalisation["body"]
        assert "26 weeks" in personalisation["body"]
        assert f"Download the report (PDF): {DOCUMENTS_URL}/" in request["content"]["body"]
    assert [f["content"] for f in notify_server.files] == [pdf, pdf]

    again = compile_highlight_report(month="2026-06", out=str(out))
    assert again["sent"] == 0 and len(notify_server.requests) == 2


def test_the_words_say_attached_only_when_the_pdf_is() -> None:
    attached = report_emails(sample_figures(), PDF, DISTRIBUTION, "https://a.example", ATTACHED)
    linked = report_emails(sample_figures(), PDF, DISTRIBUTION, "https://a.example", AS_LINK)
    for email in attached:
        assert "is attached as a PDF" in email.text_body and email.attachments
        assert "link in this email" not in email.text_body
    for email in linked:
        assert "attached" not in (email.text_body + email.html_body).lower()
        assert "download from the link in this email" in email.text_body
        assert "works for 26 weeks" in email.text_body and "email address" in email.text_body
        # The PDF stays in the outbox row: the Notify transport sends it as the link.
        assert email.attachments and email.attachments[0]["filename"].endswith(".pdf")


def test_a_pdf_over_notifys_limit_emails_nobody_and_says_why() -> None:
    big = PDF + b"0" * (NOTIFY_MAX_FILE_BYTES + 1 - len(PDF))
    with pytest.raises(ReportNotEmailed) as caught:
        report_emails(sample_figures(), big, DISTRIBUTION, "https://a.example", AS_LINK)
    assert "was not emailed" in str(caught.value) and "up to 2 MB" in str(caught.value)
    # Attached (smtp, outbox), the same PDF goes; to nobody, nothing is refused.
    assert len(report_emails(sample_figures(), big, DISTRIBUTION, "https://a", ATTACHED)) == 2
    assert report_emails(sample_figures(), big, (), "https://a.example", AS_LINK) == []
