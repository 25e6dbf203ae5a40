"""The emails a pause causes: each auditor is told, when the pause is recorded, the date their
audit will be due, with the invitation moved to it; applying the pause when it is over tells
nobody again when that date came true, and a resume that shortens it tells them the new one."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from flows.allocate import allocate_cycle
from models import outbox_store
from models.db import session_scope
from models.programme import Audit
from notifications.email_context import EmailContext
from notifications.outgoing import email_from_row
from notifications.pause_emails import apply_ended_pauses, record_pause, record_resume
from tests.flows.council import POLICY, seed_council

NOW = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


def context(attaches_files: bool = True) -> EmailContext:
    return EmailContext("https://audits.test", "aps@example.gov.uk", "P", "s" * 40, NOW,
                        attaches_files)  # fmt: skip


@pytest.fixture
def council(engine: Engine, tmp_path: Path) -> Engine:
    seed_council(engine, tmp_path, cases=300)
    with session_scope(engine) as session:
        allocate_cycle(session, POLICY, "2026-11", "all")  # all due Mon 30 Nov 2026
    return engine


def emails_of(engine: Engine, cause: str) -> list[outbox_store.Notification]:
    with Session(engine) as session:
        return outbox_store.notifications(session, cause=cause)


def outstanding(engine: Engine) -> list[int]:
    with Session(engine) as session:
        return list(session.scalars(select(col(Audit.id)).where(col(Audit.status) == "allocated")))


def invite_of(row: outbox_store.Notification) -> tuple[str, int, date]:
    [attachment] = email_from_row(row).attachments
    calendar = Calendar.from_ical(attachment.content)
    [event] = calendar.walk("VEVENT")
    return str(calendar["METHOD"]), int(event.decoded("SEQUENCE")), event.decoded("DTSTART").date()


def test_a_pause_tells_each_auditor_once_and_a_resume_tells_them_again(council: Engine) -> None:
    with session_scope(council) as session:  # 16-20 Nov: five working days
        _, cause = record_pause(
            session, date(2026, 11, 16), date(2026, 11, 20), "Inspection", "APS01",
            date(2026, 11, 10), POLICY, context(),
        )  # fmt: skip
    told = emails_of(council, cause)
    assert len(told) == len(outstanding(council)) > 0
    assert all(row.subject.endswith("will be due Mon 7 Dec 2026") for row in told)
    # The slot moves to five working days before Mon 7 Dec: Mon 30 Nov.
    assert {invite_of(row) for row in told} == {("REQUEST", 1, date(2026, 11, 30))}

    with session_scope(council) as session:  # resumed on Thu 19 Nov: three days paused
        _, _, resumed = record_resume(
            session, date(2026, 11, 19), "APS01", date(2026, 11, 12), POLICY, context()
        )
    again = emails_of(council, resumed)
    assert len(again) == len(told)
    assert all(row.subject.endswith("will be due Thu 3 Dec 2026") for row in again)
    assert {invite_of(row)[:2] for row in again} == {("REQUEST", 2)}

    with session_scope(council) as session:  # the chase applies it when it is over
        [applied] = apply_ended_pauses(session, date(2026, 11, 23), "chase", context())
    assert len(applied.moves) == len(told)
    assert emails_of(council, f"pause:{applied.pause_id}:applied") == []  # they knew already
    with Session(council) as session:
        dates = set(
            session.scalars(select(col(Audit.due_on)).where(col(Audit.status) == "allocated"))
        )
    assert dates == {date(2026, 12, 3)}


def test_on_a_transport_that_attaches_nothing_the_pause_is_told_in_words(council: Engine) -> None:
    with session_scope(council) as session:
        _, cause = record_pause(
            session, date(2026, 11, 16), date(2026, 11, 20), "Inspection", None,
            date(2026, 11, 10), POLICY, context(attaches_files=False),
        )  # fmt: skip
    told = emails_of(council, cause)
    assert len(told) == len(outstanding(council)) > 0
    assert all(not row.attachments for row in told)
    assert all(
        "attached" not in row.text_body and "invitation" not in row.text_body for row in told
    )
    assert all("to Mon 7 Dec 2026" in row.text_body for row in told)
