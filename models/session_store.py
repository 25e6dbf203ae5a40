"""Starting, checking and ending development sign-in's sessions (``models.web_sessions``)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlmodel import Session, col

from models.people import Staff
from models.web_sessions import WebSession


def start_session(session: Session, staff_id: str, now: datetime) -> str:
    """A new live session for ``staff_id``; its id goes in the signed cookie."""
    session_id = secrets.token_urlsafe(32)
    session.add(WebSession(id=session_id, staff_id=staff_id, started_at=now))
    return session_id


#: Built once: it runs on every page, and building the statement cost as much as running it.
_LIVE_SESSION_PERSON = (
    select(Staff)
    .join(WebSession, col(WebSession.staff_id) == col(Staff.staff_id))
    .where(
        col(WebSession.id) == bindparam("session_id"),
        col(WebSession.ended_at).is_(None),
        col(Staff.staff_id) == bindparam("staff_id"),
    )
)


def live_session_person(session: Session, session_id: object, staff_id: object) -> Staff | None:
    """The member of staff the live (not ended) session ``session_id`` signed in, when it is
    ``staff_id``; else None. The session and the person in one query: it runs on every page."""
    if not isinstance(session_id, str) or not isinstance(staff_id, str):
        return None
    found = session.scalars(_LIVE_SESSION_PERSON, {"session_id": session_id, "staff_id": staff_id})
    return found.first()


def end_session(session: Session, session_id: object, now: datetime) -> None:
    """End the session for good: its cookie, or any copy of it, signs nobody in any more."""
    row = session.get(WebSession, session_id) if isinstance(session_id, str) else None
    if row is not None and row.ended_at is None:
        row.ended_at = now
        session.add(row)
