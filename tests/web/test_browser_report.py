"""In real headless Chromium: an APS member opens the draft report's review page, writes the
commentary on a theme, regenerates the draft, and approves it; the report goes to each reader on
the distribution list once, and the archive shows it final. And picks a quote to feature: too
many refused beside the section, one saved and in the regenerated draft."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from models.db import make_engine
from rules.policy import Policy
from tests.flows.signoff_support import DISTRIBUTION, MONTH, recipients
from tests.settings_env import SettingsEnv
from tests.web.browser import chromium
from tests.web.live import serve_on_loopback
from tests.web.report_support import POLICY, QUOTES_POLICY, draft_copy, draft_template


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def policy() -> Policy:
    return POLICY


@pytest.fixture
def base_url(
    tmp_path_factory: pytest.TempPathFactory,
    prefect_server: str,
    tmp_path: Path,
    settings_env: SettingsEnv,
    policy: Policy,
) -> Iterator[str]:
    template = draft_template(tmp_path_factory.mktemp("draft"))
    settings_env(**draft_copy(template, tmp_path))
    engine = make_engine(f"sqlite:///{tmp_path / 'audits.db'}")
    with serve_on_loopback(engine, policy=policy) as url:
        yield url
    engine.dispose()


def _sign_in_to_review(browser: Browser, base_url: str) -> Page:
    page = browser.new_context(base_url=base_url).new_page()
    start = f"/aps/reports/{MONTH}"
    page.goto(start)
    page.get_by_label("Who are you signing in as?").select_option("APS1")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base_url}{start}")
    return page


def test_review_regenerate_and_approve(browser: Browser, base_url: str, tmp_path: Path) -> None:
    page = _sign_in_to_review(browser, base_url)
    expect(page.locator("#status")).to_contain_text("Draft")

    # The draft opens to read, marked DRAFT.
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Open the report (HTML) (opens in a new tab)").click()
    draft = opened.value
    expect(draft.locator("#draft-mark")).to_contain_text("DRAFT")
    draft.close()

    # Saved empty: the error summary leads to the field.
    section = page.locator("#theme-cin")
    section.get_by_label("Commentary on Children in Need").fill("")
    section.get_by_role("button", name="Save commentary").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    section = page.locator("#theme-cin")
    section.get_by_label("Commentary on Children in Need").fill("Plans are reviewed on time.")
    section.get_by_role("button", name="Save commentary").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Commentary on")

    page.get_by_role("button", name="Regenerate the draft").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("compiled again")
    html = (tmp_path / "reports" / f"highlight-report-{MONTH}.html").read_text()
    assert "Plans are reviewed on time." in html and 'id="draft-mark"' in html
    assert not (tmp_path / "outbox").exists()

    page.get_by_role("button", name="Approve and send the report").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is approved and emailed")
    expect(page.locator("#status")).to_contain_text("Final")
    expect(page.get_by_role("button", name="Approve and send the report")).to_have_count(0)
    assert recipients(tmp_path) == sorted(DISTRIBUTION)

    page.get_by_role("link", name="Reports", exact=True).click()
    expect(page.locator(f'tr[data-month="{MONTH}"]')).to_contain_text("Final")
    expect(page.locator(f'tr[data-month="{MONTH}"]')).to_contain_text("Reviewer APS1")


@pytest.mark.parametrize("policy", [QUOTES_POLICY])
def test_feature_a_quote_and_see_it_in_the_regenerated_draft(
    browser: Browser, base_url: str, tmp_path: Path
) -> None:
    page = _sign_in_to_review(browser, base_url)
    strengths = page.locator('form[data-section="feedback:strength"]')
    strengths.get_by_label("Young person felt listened to").check()
    strengths.get_by_label("Carer felt supported").check()
    strengths.get_by_role("button", name="Feature these quotes").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    strengths = page.locator('form[data-section="feedback:strength"]')
    expect(strengths.locator(".govuk-error-message")).to_contain_text("at most 1 can be featured")

    strengths.get_by_label("Young person felt listened to").uncheck()
    strengths.get_by_role("button", name="Feature these quotes").click()
    banner = page.locator(".govuk-notification-banner")
    expect(banner).to_contain_text("1 quote featured in Practice strengths")
    strengths = page.locator('form[data-section="feedback:strength"]')
    expect(strengths.get_by_label("Carer felt supported")).to_be_checked()
    expect(strengths.get_by_label("Young person felt listened to")).not_to_be_checked()

    page.get_by_role("button", name="Regenerate the draft").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("compiled again")
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Open the report (HTML) (opens in a new tab)").click()
    draft = opened.value
    featured = draft.locator("#feedback blockquote.featured")
    expect(featured).to_have_count(1)
    expect(featured).to_contain_text("Carer felt supported")
    expect(draft.locator("#feedback")).to_contain_text("Chosen by the APS team")
    draft.close()
