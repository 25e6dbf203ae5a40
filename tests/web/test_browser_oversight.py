"""In real headless Chromium: an auditor raises a safeguarding concern from the audit's page; a
manager of the case's team gets the high-importance email (without the concern's text), follows
its signed link and acknowledges it. A completed audit's findings email takes the case's social
worker to the findings page, where they respond; the auditor sees the response on the audit."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path

from playwright.sync_api import Browser, expect
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models.people import Staff
from tests.web.chromium_pages import base_url, browser, link_in, sign_in  # noqa: F401 - fixtures
from tests.web.test_emails import outbox  # noqa: F401 - the fixture
from tests.web.test_findings_page import WORKER, add_worker

__all__ = ["base_url", "browser", "outbox"]
CONCERN = "Bruising seen in the latest visit record has no strategy discussion on file"


def _emails(folder: Path, kind: str) -> list[EmailMessage]:
    """The emails whose outbox key starts with ``kind`` (``concern``, ``audit``...)."""
    found = []
    for path in sorted(folder.glob(f"{kind}_*.eml")):
        found.append(email.message_from_bytes(path.read_bytes(), policy=email.policy.default))
    return found


def test_a_concern_raised_on_the_page_is_acknowledged_from_its_email(
    browser: Browser,
    base_url: str,
    web_engine: Engine,
    people: dict[str, str],
    outbox: Path,  # noqa: F811
) -> None:
    audit_id = people["audit"]
    auditor = sign_in(browser, base_url, people["auditor"], f"/audits/{audit_id}")
    auditor.locator("#raise-concern").click()
    expect(auditor).to_have_url(f"{base_url}/audits/{audit_id}/concern")
    auditor.get_by_role("button", name="Raise the concern").click()
    expect(auditor.locator(".govuk-error-summary")).to_contain_text("Enter what the concern is")
    auditor.get_by_label("What is the concern?").fill(CONCERN)
    auditor.get_by_role("button", name="Raise the concern").click()
    expect(auditor).to_have_url(f"{base_url}/audits/{audit_id}")
    expect(auditor.locator("#concerns")).to_contain_text(CONCERN)

    raised = _emails(outbox, "concern")
    assert raised and all(m["Importance"] == "high" and m["X-Priority"] == "1" for m in raised)
    assert not any(CONCERN in m.as_string() for m in raised)
    staff_id, to_manager = _manager_email(web_engine, raised)
    manager = sign_in(browser, base_url, staff_id, "/")
    manager.goto(link_in(to_manager))
    expect(manager).to_have_url(re.compile(r"/concerns/\d+/acknowledge$"))
    expect(manager.locator("#concern-facts")).to_contain_text(CONCERN)
    manager.get_by_label("What is being done?").fill("Strategy discussion called for today")
    manager.get_by_role("button", name="Acknowledge the concern").click()
    expect(manager.locator("body")).to_contain_text("Strategy discussion called for today")
    expect(manager.get_by_role("button", name="Acknowledge the concern")).to_have_count(0)


def _manager_email(engine: Engine, messages: list[EmailMessage]) -> tuple[str, EmailMessage]:
    """A Team or Service Manager told of the concern, and their email (APS were told too)."""
    with Session(engine) as session:
        for message in messages:
            person = session.scalars(select(Staff).where(col(Staff.email) == message["To"])).first()
            if person is not None and person.role in ("team_manager", "service_manager"):
                return person.staff_id, message
    raise AssertionError("no manager of the case's team was told")


def test_the_social_worker_responds_from_the_findings_email(
    browser: Browser,
    base_url: str,
    web_engine: Engine,
    people: dict[str, str],
    outbox: Path,  # noqa: F811
) -> None:
    audit_id = int(people["audit"])
    add_worker(web_engine, audit_id, people)
    auditor = sign_in(browser, base_url, people["auditor"], f"/audits/{audit_id}/complete")
    auditor.locator("#on-day").fill("9")
    auditor.locator("#on-month").fill("11")
    auditor.locator("#on-year").fill("2026")
    auditor.get_by_label("Good", exact=True).check()
    auditor.locator("#finding").fill("Plans reviewed on time")
    auditor.get_by_role("button", name="Record as completed").click()
    expect(auditor).to_have_url(f"{base_url}/audits/{audit_id}")
    to_worker = next(m for m in _emails(outbox, "audit") if m["To"] == "sky.worker@example.gov.uk")
    worker = sign_in(browser, base_url, WORKER, "/")
    expect(worker).to_have_url(re.compile(r"/my-cases$"))
    worker.goto(link_in(to_worker))
    expect(worker).to_have_url(f"{base_url}/audits/{audit_id}/findings")
    expect(worker.locator("#judgement")).to_contain_text("Good")
    worker.get_by_role("button", name="Add response").click()
    expect(worker.locator(".govuk-error-summary")).to_be_visible()
    worker.get_by_label("Add your response").fill("Supervision is booked to look at the plan")
    worker.get_by_role("button", name="Add response").click()
    expect(worker.locator("#responses")).to_contain_text("Supervision is booked")
    refused = worker.goto("/aps/dashboard")
    assert refused is not None and refused.status == 403
    expect(worker.locator("h1")).to_contain_text("You cannot do this")

    auditor.goto(f"/audits/{audit_id}")
    expect(auditor.locator("#responses")).to_contain_text("Supervision is booked")
