"""Starting, checking and ending development sign-in's sessions (``models.web_sessions``)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlmodel import Session

from models.web_sessions import WebSession


def start_session(session: Session, staff_id: str, now: datetime) -> str:
    """A new live session for ``staff_id``; its id goes in the signed cookie."""
    session_id = secrets.token_urlsafe(32)
    session.add(WebSession(id=session_id, staff_id=staff_id, started_at=now))
    return session_id


def live_staff_id(session: Session, session_id: object) -> str | None:
    """Who the session ``session_id`` signed in, while it has not been ended; else None."""
    if not isinstance(session_id, str):
        return None
    row = session.get(WebSession, session_id)
    return row.staff_id if row is not None and row.ended_at is None else None


def end_session(session: Session, session_id: object, now: datetime) -> None:
    """End the session for good: its cookie, or any copy of it, signs nobody in any more."""
    row = session.get(WebSession, session_id) if isinstance(session_id, str) else None
    if row is not None and row.ended_at is None:
        row.ended_at = now
        session.add(row)
