"""Telling APS about requests and auditors about decisions; events for requests."""

from __future__ import annotations

import email
import email.policy
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy.engine import Engine

from config.signed_links import read_token
from flows.allocate import allocate_cycle
from flows.outbox import send_outbox
from flows.requests import handle_request
from models import chase_store, outbox_store, request_store
from models.base import saved_id
from models.db import session_scope
from notifications.email_context import EmailContext
from notifications.request_emails import (
    request_notices,
    write_decision_emails,
    write_request_emails,
)
from notifications.transports import OutboxDirTransport
from tests.flows.council import POLICY, seed_council
from tests.flows.smtp_server import body_text
from tests.settings_env import SettingsEnv
from tests.web.test_links import SECRET, tokens_in

REASON = "Sensitive narrative that must never be emailed"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CONTEXT = EmailContext("https://audits.test", "audits@example.gov.uk", "P", SECRET, NOW)


@pytest.fixture
def council(engine: Engine, tmp_path: Path) -> Engine:
    seed_council(engine, tmp_path, cases=300)
    with session_scope(engine, write_lock=True) as session:
        allocate_cycle(session, POLICY, "2026-11", "all")
    return engine


def first_audit(engine: Engine) -> tuple[int, str]:
    with session_scope(engine) as session:
        audit = min(chase_store.outstanding_audits(session), key=lambda a: a.audit_id)
    return audit.audit_id, audit.auditor_id


def aps_members(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        return chase_store.aps_team(chase_store.people(session))


def sent_messages(engine: Engine, folder: Path) -> list[email.message.EmailMessage]:
    send_outbox(engine, lambda: OutboxDirTransport(folder, "audits@example.gov.uk"), lambda s: None)
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted(folder.glob("*.eml"))
    ]


def test_each_aps_member_is_asked_to_decide_without_the_reason(
    council: Engine, tmp_path: Path
) -> None:
    audit_id, auditor = first_audit(council)
    with session_scope(council) as session:
        request = request_store.request_extension(
            session, audit_id, date(2026, 12, 4), REASON, auditor, date(2026, 12, 1), POLICY
        )
        notices = request_notices(session, "extension", saved_id(request), CONTEXT)
        cause = write_request_emails(session, "extension", saved_id(request), CONTEXT)
    assert cause == f"extension-request:{request.id}:requested"
    assert len(notices) == len(aps_members(council)) > 0
    with session_scope(council) as session:  # again, as a triggered flow does: nothing new
        assert write_request_emails(session, "extension", saved_id(request), CONTEXT) == cause
    messages = sent_messages(council, tmp_path / "out")
    assert len(messages) == len(notices)  # the second enqueue wrote nothing
    body = body_text(messages[0], "plain")
    assert messages[0]["Subject"].startswith(f"Decide: late extension request {request.id}")
    assert REASON not in messages[0].as_string()
    # Each APS member's link is signed for them: decide this extension request, for 30 days.
    with session_scope(council) as session:
        directory = chase_store.people(session)
    signed_for = []
    for message in messages:
        text = body_text(message, "plain")
        html = body_text(message, "html")
        [token] = tokens_in(text)
        assert tokens_in(html) == [token] and f"https://audits.test/links/{token}" in text
        claims = read_token(token, NOW, SECRET)
        assert (claims.purpose, claims.subject_id) == ("decide-extension", request.id)
        assert claims.expires_at == NOW + timedelta(days=30)
        assert directory[claims.staff_id].email == message["To"]
        signed_for.append(claims.staff_id)
    assert sorted(signed_for) == sorted(aps_members(council))
    assert "/requests/extension/" not in body  # only the signed link, no plain one


def test_the_auditor_hears_the_decision_and_a_new_auditor_gets_the_case(
    council: Engine, tmp_path: Path
) -> None:
    audit_id, auditor = first_audit(council)
    aps = aps_members(council)[0]
    with session_scope(council) as session:
        request = request_store.request_exemption(
            session, audit_id, "conflict_of_interest", REASON, auditor, date(2026, 11, 10)
        )
        released = session.get(request_store.Audit, audit_id)
        assert released is not None
        to = request_store.suggested_auditors(session, released)[0].staff_id
    with session_scope(council, write_lock=True) as session:
        request_store.decide_exemption(
            session, saved_id(request), True, to, REASON, aps, date(2026, 11, 11)
        )
        cause = write_decision_emails(session, "exemption", saved_id(request), CONTEXT)
        decided = session.get(type(request), saved_id(request))
        assert decided is not None
        new_id = decided.reallocated_audit_id
        directory = chase_store.people(session)
    with session_scope(council) as session:
        rows = outbox_store.notifications(session, cause=cause)
    assert {r.kind for r in rows} == {"exemption-request", "allocation"}
    messages = sent_messages(council, tmp_path / "out")
    by_to = {m["To"]: m for m in messages}
    assert len(messages) == 2 == len(by_to)
    told = by_to[directory[auditor].email]
    assert told["Subject"] == (
        f"Exemption approved: audit {audit_id} (case {released.case_ref}) has been reallocated"
    )
    # The auditor's link is to their audit's page (the decision page is for APS only).
    assert f"https://audits.test/audits/{audit_id}" in told.as_string()
    # Their calendar slot is taken out: METHOD:CANCEL, the allocation's UID, a higher SEQUENCE.
    cancel = invite_of(told)
    assert cancel["METHOD"] == "CANCEL"
    [event] = cancel.walk("VEVENT")
    assert (str(event["UID"]), event["SEQUENCE"], str(event["STATUS"])) == (
        f"audit-{audit_id}@example.gov.uk", 1, "CANCELLED",
    )  # fmt: skip
    # The new auditor gets the case at once: an allocation email with an invitation of its own.
    given = by_to[directory[to].email]
    assert given["Subject"].startswith("Audit allocated")
    invite = invite_of(given)
    [event] = invite.walk("VEVENT")
    assert invite["METHOD"] == "REQUEST" and event["SEQUENCE"] == 0
    assert str(event["UID"]) == f"audit-{new_id}@example.gov.uk"
    assert all(REASON not in m.as_string() for m in messages)


def invite_of(message: email.message.EmailMessage) -> Calendar:
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    payload = attachment.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return Calendar.from_ical(payload)


def test_an_approved_extension_moves_the_auditors_calendar_slot(
    council: Engine, tmp_path: Path
) -> None:
    audit_id, auditor = first_audit(council)
    aps = aps_members(council)[0]
    with session_scope(council, write_lock=True) as session:
        request = request_store.request_extension(
            session, audit_id, date(2026, 12, 4), REASON, auditor, date(2026, 11, 20), POLICY
        )
        request_store.decide_extension(
            session, saved_id(request), True, None, REASON, aps, date(2026, 11, 23), POLICY
        )
        write_decision_emails(session, "extension", saved_id(request), CONTEXT)
        write_decision_emails(session, "extension", saved_id(request), CONTEXT)  # no second
        email_of = chase_store.people(session)[auditor].email
    [message] = sent_messages(council, tmp_path / "out")
    assert message["To"] == email_of
    assert message["Subject"].endswith("is now due Fri 4 Dec 2026")
    assert "calendar invitation attached moves your slot" in message.as_string()
    invite = invite_of(message)
    [event] = invite.walk("VEVENT")
    assert invite["METHOD"] == "REQUEST"
    assert (str(event["UID"]), event["SEQUENCE"]) == (f"audit-{audit_id}@example.gov.uk", 1)
    # Five working days before the new due date (Fri 4 Dec): Fri 27 Nov, 10:00 London.
    assert event.decoded("DTSTART").date() == date(2026, 11, 27)


@pytest.mark.prefect
def test_a_request_emits_its_event_and_the_flow_tells_aps(
    prefect_server: None,
    council: Engine,
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    settings_env: SettingsEnv,
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.events.filters import EventFilter, EventNameFilter
    from prefect.settings import PREFECT_API_URL

    from flows.events import emit_request_event

    monkeypatch.setenv("PREFECT_API_URL", str(PREFECT_API_URL.value()))
    settings_env(DATABASE_URL=sqlite_url, OUTBOX_DIR=str(tmp_path / "outbox"))
    audit_id, auditor = first_audit(council)
    with session_scope(council) as session:
        request = request_store.request_extension(
            session, audit_id, date(2026, 12, 4), REASON, auditor, date(2026, 11, 20), POLICY
        )
    assert emit_request_event("extension", "requested", saved_id(request), audit_id)

    found = []
    with get_client(sync_client=True) as client:
        for _ in range(40):
            wanted = EventFilter(event=EventNameFilter(name=["extension.requested"]))
            page = client.read_events(wanted, limit=50)
            found = [
                e for e in page.events if e.resource.get("audits.request-id") == str(request.id)
            ]
            if found:
                break
            time.sleep(0.25)
    assert found and found[0].resource["audits.audit-id"] == str(audit_id)

    result = handle_request("extension", saved_id(request))
    assert result["emails_sent"] == len(aps_members(council))
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == result["emails_sent"]
