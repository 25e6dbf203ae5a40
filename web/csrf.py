"""CSRF protection: every form carries a token kept in the signed session cookie.

A POST whose token is missing or differs is refused before the view runs, so a page on another
site cannot make a signed-in person's browser request, approve or withdraw anything.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

FIELD = "csrf_token"


class CsrfError(Exception):
    """A form posted without the token this session issued."""


def csrf_token(request: Request) -> str:
    token = request.session.get(FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[FIELD] = token
    return str(token)


def renew_csrf_token(request: Request) -> None:
    """A new token at sign-in and sign-out, so a token seen before then is worthless."""
    request.session[FIELD] = secrets.token_urlsafe(32)


async def check_csrf(request: Request) -> None:
    """FastAPI dependency for every POST route."""
    form = await request.form()
    sent = form.get(FIELD)
    expected = request.session.get(FIELD)
    if not isinstance(sent, str) or not isinstance(expected, str) or not expected:
        raise CsrfError()
    # Compared as bytes: compare_digest raises TypeError on a str that is not ASCII, and a
    # posted token can be anything.
    if not hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode("utf-8")):
        raise CsrfError()
