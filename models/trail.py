"""The append-only audit trail: who did what, when, and why.

The migration adds database triggers that refuse any UPDATE or DELETE of this table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel

from models.base import timestamp


class TrailEntry(SQLModel, table=True):
    __tablename__ = "trail_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = timestamp()
    actor: str = Field(max_length=40)
    action: str = Field(max_length=60, index=True)
    subject_type: str = Field(max_length=30)
    subject_id: str = Field(max_length=60)
    detail: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


def on_audit(
    session: Session, actor: str, action: str, audit_id: int, detail: dict[str, Any]
) -> None:
    """Add an entry about audit ``audit_id`` to the caller's transaction. ``detail`` holds ids,
    dates and counts; free text (an action's, a concern's, a note) stays in its own table."""
    session.add(
        TrailEntry(
            actor=actor,
            action=action,
            subject_type="audit",
            subject_id=str(audit_id),
            detail=detail,
        )
    )
