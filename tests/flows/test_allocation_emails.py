"""The allocation email end to end: written to the outbox after an allocation, sent to a real
SMTP server on loopback, and its calendar invitation read back with the icalendar library."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy.engine import Engine

from flows.allocation_emails import enqueue_allocation_emails
from flows.outbox import SendReport, send_outbox
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

LONDON = ZoneInfo("Europe/London")


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


def enqueue(engine: Engine) -> int:
    return enqueue_allocation_emails(engine, MONTH, BASE_URL, SENDER, POLICY.name)


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
    assert_no_child_names(mail.messages)

    # Enqueuing again (the next allocation run) writes nothing, so nothing goes twice.
    before = len(notifications(engine))
    assert enqueue(engine) == 0
    assert len(notifications(engine)) == before == len(notifications(engine, "sent"))
    assert send(engine, mail.port).sent == 0
    assert not mail.take()
