"""Debian's Chromium, headless, driven by Playwright (whose own browser download cannot work here).

``make test`` installs the ``chromium`` package; AUDITS_TEST_CHROMIUM names another binary.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, sync_playwright

# Without the networking flags Chromium keeps trying to reach Google's services, which this
# machine's closed network refuses; --no-sandbox because tests may run as root.
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    found = os.environ.get("AUDITS_TEST_CHROMIUM") or shutil.which("chromium")
    if not found:
        raise RuntimeError(
            "Chromium is not installed: run `make browser` (apt-get install chromium)"
        )
    return found


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path(),
            args=FLAGS,
            headless=True,
        )
        try:
            yield browser
        finally:
            browser.close()
