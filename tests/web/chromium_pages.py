"""What the Chromium tests of whole journeys share: one browser per module, the app served for
real on loopback (the other web tests reach it in their own process), and signing in as someone
with development sign-in. A test module imports the fixtures by name:
``from tests.web.chromium_pages import base_url, browser  # noqa: F401``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy.engine import Engine

from tests.web.browser import chromium
from tests.web.live import serve_on_loopback

#: A signed link in an email's text, and its path (``/links/{token}``) to open on this server.
LINK = re.compile(r"https?://\S+?(/links/[A-Za-z0-9_\-.]+)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def base_url(web_engine: Engine) -> Iterator[str]:
    with serve_on_loopback(web_engine) as url:
        yield url


def sign_in(browser: Browser, base_url: str, staff_id: str, start: str) -> Page:
    """A new browser context signed in as ``staff_id``, on ``start`` (or where it redirects)."""
    page = browser.new_context(base_url=base_url).new_page()
    page.goto(start)
    page.get_by_label("Who are you signing in as?").select_option(staff_id)
    page.get_by_role("button", name="Sign in").click()
    return page


def link_in(message: EmailMessage) -> str:
    """The path of the signed link in ``message``'s plain text."""
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    found = LINK.search(text)
    assert found, text
    return found.group(1)
