"""With no Prefect server, a request or decision made on a page has its emails (with their
calendar invitations) in the outbox by the time the page answers."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models.people import Staff
from models.programme import Audit
from models.requests import ExemptionRequest, ExtensionRequest
from tests.web.live import post_form, signed_in


@pytest.fixture
def outbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "outbox"
    monkeypatch.setenv("AUDITS_OUTBOX_DIR", str(folder))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    return folder


def read(folder: Path, seen: set[str]) -> list[EmailMessage]:
    """The emails written since ``seen`` (which is updated)."""
    new = [p for p in sorted(folder.glob("*.eml")) if p.name not in seen]
    seen.update(p.name for p in new)
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in new]


def address(engine: Engine, staff_id: str) -> str:
    with Session(engine) as session:
        person = session.get(Staff, staff_id)
        assert person is not None
        return person.email


def method_and_sequence(message: EmailMessage) -> tuple[str, int]:
    [part] = list(message.iter_attachments())
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    calendar = Calendar.from_ical(payload)
    [event] = calendar.walk("VEVENT")
    return str(calendar["METHOD"]), int(event.decoded("SEQUENCE"))


def test_a_request_and_its_decision_are_emailed_before_each_page_answers(
    base_url: str, web_engine: Engine, people: dict[str, str], outbox: Path
) -> None:
    seen: set[str] = set()
    auditor = signed_in(base_url, people["auditor"])
    response = post_form(
        auditor,
        f"/audits/{people['audit']}/extension",
        {"until-day": "4", "until-month": "12", "until-year": "2026", "reason": "Leave"},
    )
    assert response.status_code == 303
    asked = read(outbox, seen)
    with Session(web_engine) as session:
        aps_team = set(session.scalars(select(col(Staff.email)).where(col(Staff.role) == "aps")))
    assert {m["To"] for m in asked} == aps_team and len(asked) == len(aps_team)
    assert all(m["Subject"].startswith("Decide: extension request") for m in asked)

    with Session(web_engine) as session:
        request = session.scalars(select(ExtensionRequest)).one()
    aps = signed_in(base_url, people["aps"])
    response = post_form(
        aps, f"/requests/extension/{request.id}", {"decision": "approve", "note": "Agreed"}
    )
    assert response.status_code == 303
    [told] = read(outbox, seen)
    assert told["To"] == address(web_engine, people["auditor"])
    assert method_and_sequence(told) == ("REQUEST", 1)


def test_a_withdrawal_on_the_page_cancels_the_auditors_slot_at_once(
    base_url: str, web_engine: Engine, people: dict[str, str], outbox: Path
) -> None:
    seen: set[str] = set()
    auditor = signed_in(base_url, people["auditor"])
    response = post_form(
        auditor,
        f"/audits/{people['audit']}/exemption",
        {"category": "sickness", "reason": "Off sick"},
    )
    assert response.status_code == 303
    read(outbox, seen)
    with Session(web_engine) as session:
        request = session.scalars(select(ExemptionRequest)).one()
    aps = signed_in(base_url, people["aps"])
    response = post_form(
        aps, f"/requests/exemption/{request.id}", {"decision": "withdraw", "note": "Closing"}
    )
    assert response.status_code == 303
    [told] = read(outbox, seen)
    assert told["Subject"].endswith("has been withdrawn")
    assert method_and_sequence(told) == ("CANCEL", 1)


def test_a_pause_announced_on_the_page_moves_each_slot_to_its_coming_date_at_once(
    base_url: str, web_engine: Engine, people: dict[str, str], outbox: Path
) -> None:
    """The pages' today is 10 November 2026; a pause of 16-20 November (five working days)
    will move every audit due Mon 30 Nov to Mon 7 Dec: the auditors' calendars move now."""
    seen: set[str] = set()
    aps = signed_in(base_url, people["aps"])
    response = post_form(
        aps,
        "/aps/pauses",
        {"from-day": "16", "from-month": "11", "from-year": "2026",
         "to-day": "20", "to-month": "11", "to-year": "2026", "reason": "Inspection week"},
    )  # fmt: skip
    assert response.status_code == 303
    told = read(outbox, seen)
    with Session(web_engine) as session:
        # October's audits were overdue before the pause: they keep their dates.
        outstanding = session.scalars(
            select(col(Audit.id)).where(
                col(Audit.status) == "allocated", col(Audit.cycle) == "2026-11"
            )
        ).all()
    assert len(told) == len(outstanding) > 0
    assert all(m["Subject"].endswith("will be due Mon 7 Dec 2026") for m in told)
    assert {method_and_sequence(m) for m in told} == {("REQUEST", 1)}
    assert all("Inspection week" not in m.as_string() for m in told)  # free text stays out
