"""In real headless Chromium: an auditor asks for an extension, an APS member approves it with
another date, and the auditor's page, ``audits list`` and the chase ladder all show the new date."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from flows.chase import plan_today
from models.programme import Audit
from tests.flows.council import POLICY
from tests.web.chromium_pages import base_url, browser  # noqa: F401 - fixtures

__all__ = ["base_url", "browser"]
AUDITS = Path(sys.executable).parent / "audits"


def _sign_in(browser: Browser, base_url: str, staff_id: str, start: str) -> Page:
    page = browser.new_context(base_url=base_url).new_page()
    page.goto(start)
    expect(page).to_have_url(f"{base_url}/sign-in?next={start}")
    page.get_by_label("Who are you signing in as?").select_option(staff_id)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base_url}{start}")
    return page


def _ladder(engine, today: date) -> dict[int, str]:
    """Each audit's reminder rung on ``today``, as the chase would plan it."""
    with Session(engine) as session:
        plan = plan_today(session, POLICY, today)
    return {
        notice.audit.audit_id: notice.rung.stage
        for notices in plan.digests.values()
        for notice in notices
    }


def test_extension_requested_and_approved_with_another_date(
    browser, base_url, web_engine, people
) -> None:
    audit_id = int(people["audit"])
    with Session(web_engine) as session:
        audit = session.get(Audit, audit_id)
        assert audit is not None
        case_ref = audit.case_ref
    assert _ladder(web_engine, date(2026, 11, 23)).get(audit_id) == "due_in_5"

    auditor = _sign_in(browser, base_url, people["auditor"], "/my-audits")
    auditor.get_by_role("link", name=case_ref).first.click()
    auditor.get_by_role("button", name="Ask for an extension").click()
    # Sent empty: the error summary takes the focus, and its links lead to the fields.
    auditor.get_by_role("button", name="Send request").click()
    summary = auditor.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Enter why you need more time").click()
    expect(auditor.get_by_label("Why do you need more time?")).to_be_focused()
    auditor.get_by_label("Day").fill("4")
    auditor.get_by_label("Month").fill("12")
    auditor.get_by_label("Year").fill("2026")
    auditor.get_by_label("Why do you need more time?").fill("Annual leave for a week")
    auditor.keyboard.press("Tab")
    auditor.get_by_role("button", name="Send request").click()
    expect(auditor.locator(".govuk-notification-banner--success")).to_contain_text(
        "Extension requested"
    )
    expect(auditor).to_have_url(f"{base_url}/audits/{audit_id}")

    aps = _sign_in(browser, base_url, people["aps"], "/aps/requests")
    expect(aps.locator("#queue-count")).to_contain_text("1 request waiting")
    aps.get_by_role("link", name="Decide").click()
    aps.get_by_label("Approve", exact=True).check()
    # The date fields are revealed only under "Approve" (GOV.UK Frontend's JavaScript ran).
    expect(aps.get_by_label("Day")).to_be_visible()
    aps.get_by_label("Day").fill("7")
    aps.get_by_label("Month").fill("12")
    aps.get_by_label("Year").fill("2026")
    aps.get_by_label("Note").fill("Agreed, to the following Monday")
    aps.get_by_role("button", name="Save decision").click()
    expect(aps.locator(".govuk-notification-banner--success")).to_contain_text("approved")
    expect(aps.locator("#queue-count")).to_contain_text("0 requests waiting")

    auditor.goto("/my-audits")
    row = auditor.locator(f'tr[data-audit-id="{audit_id}"]')
    expect(row.locator(".audit-due")).to_have_text("7 Dec 2026")
    expect(row.locator(".audit-original-due")).to_have_text("30 Nov 2026")
    expect(row).to_contain_text("approved until 7 Dec 2026")

    listed = subprocess.run(
        [str(AUDITS), "list", "--month", "2026-11", "--json"],
        env={**os.environ, "AUDITS_DATABASE_URL": str(web_engine.url)},
        capture_output=True,
        text=True,
        check=True,
    )
    mine = next(a for a in json.loads(listed.stdout) if a["audit_id"] == audit_id)
    assert (mine["due_on"], mine["original_due_on"]) == ("2026-12-07", "2026-11-30")

    # The ladder moved with the date: nothing on 23 November, 5 days' notice on 30 November.
    assert audit_id not in _ladder(web_engine, date(2026, 11, 23))
    assert _ladder(web_engine, date(2026, 11, 30)).get(audit_id) == "due_in_5"
    assert _ladder(web_engine, date(2026, 12, 4)).get(audit_id) == "due_in_1"
