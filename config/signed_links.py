"""Signed, expiring, single-purpose links for emails: "request an extension for audit 12",
"decide exemption request 7".

A link is ``{base_url}/links/{token}``; the token is a JWT (HS256) naming one purpose, one
subject (an audit or a request), the one member of staff it was sent to, when it expires and a
random id (``jti``) so that it can be used once (see ``models.link_store``). A link opens
nothing by itself: the web app still requires that person to be signed in.

Pure apart from the random id: every check takes ``now`` as an argument, so that tests (and a
replayed link) are judged against a stated moment, not the machine's clock.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

ALGORITHM = "HS256"
#: Only tokens made for links: a session token or another service's JWT signed with the same
#: key (if anyone ever did that) cannot be replayed as a link.
AUDIENCE = "case-audits-link"
PURPOSES = (
    "extension-request",
    "exemption-request",
    "decide-extension",
    "decide-exemption",
    "action-done",
    "concern-acknowledge",
    "audit-findings",
    "moderate-audit",
)
_PATHS = {
    "extension-request": "/audits/{id}/extension",
    "exemption-request": "/audits/{id}/exemption",
    "decide-extension": "/requests/extension/{id}",
    "decide-exemption": "/requests/exemption/{id}",
    "action-done": "/actions/{id}/done",
    "concern-acknowledge": "/concerns/{id}/acknowledge",
    "audit-findings": "/audits/{id}/findings",
    "moderate-audit": "/audits/{id}/moderate",
}
_REQUIRED = ["aud", "exp", "iat", "jti", "purpose", "staff", "sub"]
_REASONS = {
    "forged": "This link is not one we sent, or it has been changed.",
    "expired": "This link has expired.",
    "unknown purpose": "This link is for something this service does not do.",
    "used": "This link has already been used.",
    "not yours": "This link was sent to someone else.",
}


class LinkError(ValueError):
    """A link that cannot be followed; ``reason`` is one of the keys of ``_REASONS``."""

    def __init__(self, reason: str, message: str | None = None) -> None:
        super().__init__(message or _REASONS.get(reason, reason))
        self.reason = reason


@dataclass(frozen=True)
class LinkClaims:
    purpose: str
    #: the audit (…-request, audit-findings, moderate-audit), the request (decide-…), the action
    #: (action-done) or the concern (concern-acknowledge)
    subject_id: int
    staff_id: str  # the person the link was sent to
    jti: str
    expires_at: datetime


def make_token(
    purpose: str, subject_id: int, staff_id: str, now: datetime, ttl: timedelta, secret: str
) -> str:
    """A signed token for one purpose, subject and person, valid from ``now`` for ``ttl``."""
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {', '.join(PURPOSES)}, not {purpose!r}")
    if ttl <= timedelta(0):
        raise ValueError(f"a link must live for some time, not {ttl}")
    claims = {
        "aud": AUDIENCE,
        "purpose": purpose,
        "sub": str(subject_id),
        "staff": staff_id,
        "iat": int(_aware(now).timestamp()),
        "exp": int((_aware(now) + ttl).timestamp()),
        "jti": secrets.token_urlsafe(16),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def make_link(
    base_url: str,
    purpose: str,
    subject_id: int,
    staff_id: str,
    now: datetime,
    ttl: timedelta,
    secret: str,
) -> str:
    token = make_token(purpose, subject_id, staff_id, now, ttl, secret)
    return f"{base_url.rstrip('/')}/links/{token}"


def read_token(token: str, now: datetime, secret: str) -> LinkClaims:
    """The claims of a token we signed, still valid at ``now``; else LinkError."""
    claims = _verified(token, secret)
    if claims["purpose"] not in PURPOSES:
        raise LinkError("unknown purpose")
    expires_at = datetime.fromtimestamp(claims["exp"], UTC)
    if _aware(now) >= expires_at:
        raise LinkError("expired", f"This link expired on {expires_at:%d %b %Y at %H:%M} UTC.")
    return LinkClaims(
        claims["purpose"], int(claims["sub"]), claims["staff"], claims["jti"], expires_at
    )


def _verified(token: str, secret: str) -> dict[str, Any]:
    """The payload if the signature, algorithm and audience are ours and every claim is there."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],  # never "none", never a key-confusion algorithm
            audience=AUDIENCE,
            # Expiry is checked against the caller's ``now``, not the machine's clock.
            options={"require": _REQUIRED, "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidTokenError:
        raise LinkError("forged") from None
    # Only we can sign, so malformed claims mean a bug or a leaked key: refuse either way.
    well_formed = (
        isinstance(claims["purpose"], str)
        and isinstance(claims["staff"], str)
        and isinstance(claims["jti"], str)
        and 0 < len(claims["jti"]) <= 64
        and isinstance(claims["sub"], str)
        and claims["sub"].isascii()
        and claims["sub"].isdecimal()
        and isinstance(claims["exp"], int)
    )
    if not well_formed:
        raise LinkError("forged")
    return claims


def target_path(claims: LinkClaims) -> str:
    """The page the link opens, e.g. ``/audits/12/extension``."""
    return _PATHS[claims.purpose].format(id=claims.subject_id)


def check_holder(claims: LinkClaims, signed_in_staff_id: str) -> None:
    """Refuse a link followed by someone other than the person it was sent to."""
    if claims.staff_id != signed_in_staff_id:
        raise LinkError("not yours")


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return moment
