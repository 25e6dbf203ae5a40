"""Response headers that keep the pages safe in a browser.

- A Content Security Policy: scripts only from this site, plus the two inline scripts of the
  GOV.UK page template, which carry a fresh nonce on every page; nothing may frame the pages.
- ``Referrer-Policy: same-origin``: a signed link's token in the address bar never leaves for
  another site.
- ``Cache-Control: no-store`` on pages: a shared computer's back button or cache shows nothing
  after sign-out.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

from fastapi import Request, Response


def csp_nonce(request: Request) -> str:
    return str(getattr(request.state, "csp_nonce", ""))


async def security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    request.state.csp_nonce = nonce = secrets.token_urlsafe(16)
    response = await call_next(request)
    # A response may carry a stricter policy of its own (a report served to read, with no
    # script at all: web.views_reports). img-src data: for the dashboard's charts, SVG shown
    # as images (see web/render.py).
    if "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = (
            f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        )
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if not request.url.path.startswith(("/assets/", "/static/")):
        response.headers["Cache-Control"] = "no-store"
    return response
