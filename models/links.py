"""Links from emails that have been followed: each may be used once."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import timestamp


class UsedLink(SQLModel, table=True):
    """A signed link's random id (``jti``), written when the link is used: the primary key makes
    a second use fail, whichever process or machine it reaches."""

    __tablename__ = "used_link"

    jti: str = Field(primary_key=True, max_length=64)
    staff_id: str = Field(max_length=40)
    purpose: str = Field(max_length=30)
    used_at: datetime = timestamp()
