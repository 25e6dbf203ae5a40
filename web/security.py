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

from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The policy of every page but those that bring a stricter one of their own (a report served
#: to read, with no script at all: web.views_reports). img-src data: for the dashboard's
#: charts, SVG shown as images (see web/render.py).
CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_STATIC = ("/assets/", "/static/")


def csp_nonce(request: Request) -> str:
    return str(getattr(request.state, "csp_nonce", ""))


class SecurityHeaders:
    """ASGI middleware that adds the headers above to every HTTP response. (A plain ASGI
    middleware rather than ``app.middleware("http")``: that one runs each request through a
    task and memory streams of its own, a fifth of a bare page's cost.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # request.state reads this dict: the page's inline scripts carry the nonce.
        scope.setdefault("state", {})["csp_nonce"] = nonce = secrets.token_urlsafe(16)
        static = str(scope.get("path", "")).startswith(_STATIC)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "Content-Security-Policy" not in headers:
                    headers["Content-Security-Policy"] = CSP.format(nonce=nonce)
                headers["X-Frame-Options"] = "DENY"
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
                if not static:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)
