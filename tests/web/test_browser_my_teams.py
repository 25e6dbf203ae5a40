"""In real headless Chromium: a Service Manager signs in, lands on My teams, reads how their Team
Managers' audits stand, opens a completed audit from it and comes back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy.engine import Engine

from tests.web.browser import chromium
from tests.web.live import serve_on_loopback
from tests.web.roles_story import Story, tell_story


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def story(web_engine: Engine, people: dict[str, str]) -> Story:
    return tell_story(web_engine, people)


@pytest.fixture
def base_url(story: Story, web_engine: Engine) -> Iterator[str]:
    with serve_on_loopback(web_engine) as url:
        yield url


def test_a_service_manager_reads_their_teams_and_opens_a_completed_audit(
    browser: Browser, base_url: str, story: Story
) -> None:
    page = browser.new_context(base_url=base_url).new_page()
    page.goto("/")
    page.get_by_label("Who are you signing in as?").select_option(story.line_manager)
    page.get_by_role("button", name="Sign in").click()
    # Their start page, marked as the current one in the navigation.
    expect(page).to_have_url(f"{base_url}/my-teams")
    expect(page.get_by_role("heading", name="My teams", level=1)).to_be_visible()
    current = page.locator(".govuk-service-navigation__item--active")
    expect(current).to_have_text("My teams")

    auditor = page.locator(f'#team-managers tr[data-staff-id="{story.auditor}"]')
    expect(auditor).to_contain_text(story.auditor_name)
    expect(auditor.locator("td").nth(3)).to_have_text("1")  # October's audit, overdue
    expect(page.locator("#overdue")).to_contain_text(story.auditor_name)
    completed = page.locator("#completed")
    expect(completed).to_contain_text("Inadequate")
    expect(page.locator("#team-audits")).to_be_visible()

    completed.get_by_role("link", name=story.case_ref).click()
    expect(page).to_have_url(f"{base_url}/audits/{story.audit_id}")
    expect(page.locator("#judgement")).to_have_text("Inadequate")
    expect(page.locator("#findings")).to_contain_text("Risk screening missing")
    expect(page.locator("#trail")).to_contain_text(f"{story.aps_name}")
    expect(page.get_by_role("button", name="Record as completed")).to_have_count(0)
    page.get_by_role("link", name="My teams").first.click()
    expect(page).to_have_url(f"{base_url}/my-teams")
