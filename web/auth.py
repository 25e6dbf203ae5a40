"""Who is signed in, and what each role may do.

Sign-in is pluggable. A council's single sign-on proxy sets a header (``AUDITS_AUTH_HEADER``)
that is believed only from the proxies in ``AUDITS_TRUSTED_PROXIES``; on a development machine
(``AUDITS_DEV_LOGIN=true``) anyone may choose a member of staff from a list. Either way the person
must be an active member of staff in the latest export, and is looked up again on every request,
so someone who leaves loses access at the next staff import.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable

from fastapi import Request
from sqlalchemy import func, select
from sqlmodel import Session

from config.web_settings import WebSettings
from models.audit_record import AuditRecord, audit_readers, read_audit
from models.people import Staff
from models.programme import Audit
from models.session_store import live_session_person
from rules.audit_access import may_act_on_audit, may_read_audit

SESSION_KEY = "staff_id"
#: The server-side session's id (``models.web_sessions``): ended at sign-out, so that a copy of
#: the cookie taken before then signs nobody in.
SESSION_ID_KEY = "session_id"
#: Who sees the programme dashboard: the APS team runs the programme, directors oversee it.
OVERVIEW_ROLES = ("aps", "director")


class NotSignedIn(Exception):
    """The page needs a signed-in person; they are sent to sign in and brought back."""


class Forbidden(Exception):
    """Signed in, but this person may not see or do this."""

    def __init__(self, message: str = "You do not have permission to see this page.") -> None:
        super().__init__(message)
        self.message = message


def _from_trusted_proxy(request: Request, settings: WebSettings) -> bool:
    if request.client is None:
        return False
    try:
        address = ipaddress.ip_address(request.client.host)
    except ValueError:
        return False
    return any(address in network for network in settings.proxy_networks())


def _header_identity(request: Request, settings: WebSettings, session: Session) -> Staff | None:
    if not settings.auth_header or not _from_trusted_proxy(request, settings):
        return None
    value = request.headers.get(settings.auth_header, "").strip()
    if not value:
        return None
    if settings.auth_header_matches == "staff_id":
        return session.get(Staff, value)
    return session.scalars(
        select(Staff).where(func.lower(Staff.email) == value.lower()).limit(1)
    ).first()


def identify(request: Request, settings: WebSettings, session: Session) -> Staff | None:
    """The signed-in member of staff, or None. The proxy's header wins over a session."""
    person = _header_identity(request, settings, session)
    if person is None and settings.dev_login:
        person = live_session_person(
            session, request.session.get(SESSION_ID_KEY), request.session.get(SESSION_KEY)
        )
    if person is None or not person.active or not person.in_latest_export:
        return None
    return person


def current_user(request: Request) -> Staff:
    """The signed-in person (found by ``web.deps.load_user``), or NotSignedIn."""
    user: Staff | None = getattr(request.state, "user", None)
    if user is None:
        raise NotSignedIn()
    return user


# The checks below only read what load_user found: async, so FastAPI runs them on the event
# loop rather than handing each to a worker thread.
async def require_user(request: Request) -> Staff:
    return current_user(request)


def require_role(*roles: str) -> Callable[[Request], Awaitable[Staff]]:
    async def check(request: Request) -> Staff:
        user = await require_user(request)
        if user.role not in roles:
            raise Forbidden()
        return user

    return check


require_aps = require_role("aps")
require_overview = require_role(*OVERVIEW_ROLES)
require_service_manager = require_role("service_manager")

# The same words for "not yours" and "not there": ids are not secrets, but there is no reason
# to confirm which exist.
NOT_YOURS = "There is no such audit, or it is not yours."


def audit_for(session: Session, audit_id: int, user: Staff) -> Audit:
    """An audit its auditor may act on, or the APS team on the auditor's behalf."""
    audit = session.get(Audit, audit_id)
    if audit is None or not may_act_on_audit(user.staff_id, user.role, audit.auditor_id):
        raise Forbidden(NOT_YOURS)
    return audit


def readable_audit(session: Session, audit_id: int, user: Staff) -> AuditRecord:
    """An audit's full record, if ``user`` may read it (``rules.audit_access``)."""
    record = read_audit(session, audit_id)
    if record is None:
        raise Forbidden(NOT_YOURS)
    if not may_read_audit(user.staff_id, user.role, audit_readers(session, record.audit)):
        raise Forbidden(NOT_YOURS)
    return record
