"""The completion form's recurring findings: checkboxes labelled from the programme file, ticked
in real headless Chromium and shown on the audit's page; a forged or stale tag refused beside the
checkboxes with nothing changed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models.findings import FindingTag
from tests.importer.helpers import dump
from tests.web.browser import chromium
from tests.web.live import csrf_of, serve_on_loopback, signed_in
from tests.web.test_completion import GOOD


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _tags(engine: Engine, audit_id: int) -> list[str]:
    with Session(engine) as session:
        query = select(col(FindingTag.tag)).where(col(FindingTag.audit_id) == audit_id)
        return sorted(session.scalars(query))


def test_ticked_findings_are_recorded_and_shown(
    browser: Browser, web_engine: Engine, people: dict[str, str]
) -> None:
    audit_id = int(people["audit"])
    with serve_on_loopback(web_engine) as url:
        page = browser.new_context(base_url=url).new_page()
        start = f"/audits/{audit_id}/complete"
        page.goto(start)
        page.get_by_label("Who are you signing in as?").select_option(people["auditor"])
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(f"{url}{start}")
        # A box per tag of the programme file, labelled as it says.
        boxes = page.locator('input[name="tags"]')
        expect(boxes).to_have_count(10)
        page.locator("#on-day").fill("9")
        page.locator("#on-month").fill("11")
        page.locator("#on-year").fill("2026")
        page.get_by_label("Good", exact=True).check()
        page.get_by_label("Practice theme").fill("Visits on time; supervision thin.")
        page.get_by_label("Drift and delay").check()
        page.get_by_label("Voice of the child").check()
        page.get_by_role("button", name="Record as completed").click()
        expect(page).to_have_url(f"{url}/audits/{audit_id}")
        shown = page.locator("#finding-tags li")
        expect(shown).to_have_text(["Drift and delay", "Voice of the child"])
    assert _tags(web_engine, audit_id) == ["drift_and_delay", "voice_of_the_child"]


def test_an_unknown_tag_re_renders_the_form_with_the_error(
    base_url: str, web_engine: Engine, people: dict[str, str]
) -> None:
    audit_id = int(people["audit"])
    auditor = signed_in(base_url, people["auditor"])
    path = f"/audits/{audit_id}/complete"
    before = dump(web_engine)
    token = csrf_of(auditor.get(path).text)
    form = {**GOOD, "csrf_token": token, "tags": ["supervision", "gardening"]}
    response = auditor.post(path, data=form)
    assert response.status_code == 400
    summary = response.text.split('class="govuk-error-summary"')[1].split("</ul>")[0]
    assert 'href="#tags"' in summary and "Unknown finding tag &#39;gardening&#39;" in summary
    # The error beside the checkboxes, and what was ticked kept.
    assert 'id="tags-error"' in response.text
    assert 'value="supervision" checked' in response.text
    assert dump(web_engine) == before


def test_a_completion_without_tags_says_none_were_recorded(
    base_url: str, web_engine: Engine, people: dict[str, str]
) -> None:
    audit_id = int(people["audit"])
    auditor = signed_in(base_url, people["auditor"])
    path = f"/audits/{audit_id}/complete"
    token = csrf_of(auditor.get(path).text)
    assert auditor.post(path, data={**GOOD, "csrf_token": token}).status_code == 303
    assert "No recurring findings were recorded." in auditor.get(f"/audits/{audit_id}").text
    assert _tags(web_engine, audit_id) == []
