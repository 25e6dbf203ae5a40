"""The allocation email end to end: written to the outbox after an allocation, sent to a real
SMTP server on loopback, its calendar invitation read back with the icalendar library and its
signed request links read back with the signing key."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy.engine import Engine

from config.signed_links import read_token
from flows.outbox import SendReport, send_outbox
from models.base import saved_id
from models.chase_store import Person
from models.db import session_scope
from notifications.allocation_emails import allocation_cause, link_ttl, write_allocation_emails
from notifications.email_context import EmailContext
from notifications.transports import SmtpTransport
from tests.flows.council import POLICY
from tests.flows.smtp_server import SmtpServer
from tests.flows.test_chase import (
    BASE_URL,
    DUE,
    MONTH,
    SENDER,
    allocate,
    assert_lists,
    assert_no_child_names,
    by_recipient,
    link,
    notifications,
    people,
    seed,
)
from tests.web.test_links import SECRET, tokens_in

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)  # the allocation run
#: The request links last to the end of the 30th day after the due date, Mon 30 Nov 2026.
LINKS_EXPIRE = datetime(2026, 12, 31, 0, 0, tzinfo=LONDON)


@pytest.fixture
def mail() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


def send(engine: Engine, port: int) -> SendReport:
    return send_outbox(
        engine,
        lambda: SmtpTransport("127.0.0.1", port, SENDER, timeout=5),
        sleep=lambda seconds: None,
    )


def enqueue(engine: Engine, now: datetime = NOW) -> int:
    context = EmailContext(BASE_URL, SENDER, POLICY.name, SECRET, now)
    with session_scope(engine) as session:
        return write_allocation_emails(session, MONTH, context, allocation_cause(MONTH))


def test_each_auditor_gets_one_email_with_a_calendar_invitation(
    engine: Engine, tmp_path: Path, mail: SmtpServer
) -> None:
    seed(engine, tmp_path)
    audits = allocate(engine)
    directory = people(engine)
    assert enqueue(engine) == len(audits)
    report = send(engine, mail.port)
    assert (report.sent, report.failed, report.deferred) == (len(audits), 0, 0)

    received = by_recipient(mail.take())
    assert set(received) == {directory[a.auditor_id].email for a in audits}
    for audit in audits:
        auditor = directory[audit.auditor_id]
        message = received[auditor.email]
        assert message.subject == (
            f"Audit allocated: complete case {audit.case_ref} by Mon 30 Nov 2026"
        )
        assert_lists(message, [audit], [a for a in audits if a is not audit])

        [invite] = message.attachments()
        assert invite.get_content_type() == "text/calendar"
        assert invite.get_param("method") == "REQUEST"
        assert invite.get_filename() == f"audit-{audit.id}.ics"
        payload = invite.get_payload(decode=True)
        assert isinstance(payload, bytes)
        calendar = Calendar.from_ical(payload)
        assert calendar["METHOD"] == "REQUEST"
        [event] = calendar.walk("VEVENT")
        assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
        assert event["DTSTART"].params["TZID"] == "Europe/London"
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        # Five working days before the due date, 10:00 to 12:00 London time.
        assert start == datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
        assert end == datetime(2026, 11, 23, 12, 0, tzinfo=LONDON)
        assert start.astimezone(LONDON).date() < DUE
        assert str(event["ATTENDEE"]).lower() == f"mailto:{auditor.email}"
        assert event["ATTENDEE"].params["ROLE"] == "REQ-PARTICIPANT"
        assert str(event["ORGANIZER"]).lower() == f"mailto:{SENDER}"
        assert str(event["UID"]) == f"audit-{audit.id}@example.gov.uk"
        assert audit.case_ref in str(event["SUMMARY"])
        assert link(audit) in str(event["DESCRIPTION"]) and str(event["URL"]) == link(audit)
        assert_request_links(message.part("plain"), message.part("html"), saved_id(audit), auditor)
    assert_no_child_names(mail.messages)

    # Enqueuing again (the next allocation run, signing new links) writes nothing: the key
    # does not depend on the links, so nothing goes twice.
    before = len(notifications(engine))
    assert enqueue(engine, NOW + timedelta(days=3)) == 0
    assert len(notifications(engine)) == before == len(notifications(engine, "sent"))
    assert send(engine, mail.port).sent == 0
    assert not mail.take()


def assert_request_links(text: str, html: str, audit_id: int, auditor: Person) -> None:
    """Both parts carry the same two signed links: an extension and an exemption request for
    this audit, for this auditor alone, until 30 days after the due date."""
    tokens = tokens_in(text)
    assert tokens == tokens_in(html) and len(tokens) == 2
    claims = [read_token(token, NOW, SECRET) for token in tokens]
    assert [c.purpose for c in claims] == ["extension-request", "exemption-request"]
    assert {(c.subject_id, c.staff_id) for c in claims} == {(audit_id, auditor.staff_id)}
    assert all(c.expires_at == LINKS_EXPIRE for c in claims)
    assert f"Request an extension: {BASE_URL}/links/{tokens[0]}" in text


def test_request_links_last_until_30_days_after_the_due_date_and_at_least_a_day() -> None:
    due = date(2026, 11, 30)
    assert NOW + link_ttl(NOW, due) == LINKS_EXPIRE
    summer = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # British Summer Time: London is UTC+1
    assert summer + link_ttl(summer, date(2026, 6, 30)) == datetime(2026, 7, 30, 23, 0, tzinfo=UTC)
    late = LINKS_EXPIRE + timedelta(days=40)  # emailed long after (a reallocation, a rerun)
    assert link_ttl(late, due) == timedelta(days=1)
