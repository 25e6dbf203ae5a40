"""Development sign-in's sessions, kept on the server so that signing out ends one for good.

The session cookie is signed, not stored: without a record here, a copy of it taken before
sign-out would still sign its holder in until it expired. The cookie carries the session's
random id; a session is live while its row has no ``ended_at``.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import timestamp


class WebSession(SQLModel, table=True):
    __tablename__ = "web_session"

    id: str = Field(primary_key=True, max_length=64)
    staff_id: str = Field(max_length=40)
    started_at: datetime = timestamp()
    ended_at: datetime | None = timestamp(nullable=True)
