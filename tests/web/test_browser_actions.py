"""In real headless Chromium: an auditor completes an audit with an action on the form; its
owner gets the email, follows its signed link and marks the action done with a note; the link
is refused to someone else, a forged link gets a clear page, and the audit's page shows the
action done."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

from playwright.sync_api import Browser, expect
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.people import Staff
from tests.web.chromium_pages import base_url, browser, link_in, sign_in  # noqa: F401 - fixtures
from tests.web.test_completion_actions import _owner
from tests.web.test_emails import outbox  # noqa: F401 - the fixture

__all__ = ["base_url", "browser", "outbox"]


def _link_to(folder: Path, address: str) -> str:
    for path in sorted(folder.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == address and message["Subject"].startswith("Action for you"):
            return link_in(message)
    raise AssertionError(f"no action email to {address}")


def test_an_action_set_on_the_form_is_marked_done_from_its_email(
    browser: Browser,
    base_url: str,
    web_engine: Engine,
    people: dict[str, str],
    outbox: Path,  # noqa: F811
) -> None:
    audit_id = int(people["audit"])
    owner = _owner(web_engine, audit_id)
    with Session(web_engine) as session:
        address = session.get(Staff, owner).email  # type: ignore[union-attr]

    auditor = sign_in(browser, base_url, people["auditor"], f"/audits/{audit_id}/complete")
    auditor.locator("#on-day").fill("9")
    auditor.locator("#on-month").fill("11")
    auditor.locator("#on-year").fill("2026")
    auditor.get_by_label("Good", exact=True).check()
    auditor.locator("#finding").fill("Plans reviewed on time")
    auditor.locator("#action-1-text").fill("Hold a core group within 10 days")
    expect(auditor.locator("#action-1-owner")).to_have_value(owner)
    auditor.locator("#action-1-due-day").fill("21")  # a Saturday
    auditor.locator("#action-1-due-month").fill("11")
    auditor.locator("#action-1-due-year").fill("2026")
    auditor.get_by_role("button", name="Record as completed").click()
    expect(auditor.locator(".govuk-error-summary")).to_contain_text("working day")
    auditor.locator("#action-1-due-day").fill("20")
    auditor.get_by_role("button", name="Record as completed").click()
    expect(auditor).to_have_url(f"{base_url}/audits/{audit_id}")
    expect(auditor.locator("#actions")).to_contain_text("Hold a core group within 10 days")

    link = _link_to(outbox, address)
    stranger = sign_in(browser, base_url, people["other_manager"], "/my-audits")
    stranger.goto(link)
    expect(stranger.locator("body")).to_contain_text("This link was sent to someone else")
    stranger.goto("/links/forged.not-a.token")
    expect(stranger.locator("body")).to_contain_text("This link cannot be used")

    mine = sign_in(browser, base_url, owner, link)
    expect(mine).to_have_url(re.compile(r"/actions/\d+/done$"))
    expect(mine.locator("#action-facts")).to_contain_text("Hold a core group within 10 days")
    mine.get_by_label("What was done?").fill("")
    mine.get_by_role("button", name="Mark as done").click()
    expect(mine.locator(".govuk-error-summary")).to_contain_text("Enter what was done")
    mine.get_by_label("What was done?").fill("Core group held on 16 November")
    mine.get_by_role("button", name="Mark as done").click()
    expect(mine.locator(".govuk-notification-banner")).to_contain_text("marked done")
    expect(mine.locator("#action-facts")).to_contain_text("Core group held on 16 November")
    mine.goto(link)
    expect(mine.locator("body")).to_contain_text("already been used")

    auditor.goto(f"/audits/{audit_id}")
    expect(auditor.locator("#actions")).to_contain_text("Core group held on 16 November")
