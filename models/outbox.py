"""The notification outbox and the record of each audit's reminder stages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from models.base import timestamp

NOTIFICATION_STATUSES = ("pending", "sending", "sent", "failed")
REMINDER_STAGES = ("due_in_5", "due_in_1", "overdue", "escalation")


class Notification(SQLModel, table=True):
    """An email, written here under a unique key before it is sent, so a rerun never resends it."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, unique=True)
    kind: str = Field(max_length=40)
    recipient: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    text_body: str
    html_body: str = ""
    attachments: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON))
    #: What change wrote it (``extension-request:12``, ``allocation:2026-11``, ...): the command
    #: or triggered flow that made the change sends the emails of its cause, and nothing else.
    cause: str | None = Field(default=None, max_length=120, index=True)
    status: str = Field(default="pending", max_length=10, index=True)
    attempts: int = 0
    last_error: str | None = None
    provider_ref: str | None = Field(default=None, max_length=200)
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_at: datetime | None = timestamp(nullable=True)
    created_at: datetime = timestamp()
    sent_at: datetime | None = timestamp(nullable=True)
    # A permanent failure is listed once in the next APS digest, then marked reported.
    failure_reported: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class ReminderStage(SQLModel, table=True):
    """One reminder stage of one audit against one due date: sent, or superseded after a gap."""

    __tablename__ = "reminder_stage"
    __table_args__ = (UniqueConstraint("audit_id", "due_on", "stage"),)

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    due_on: date
    stage: str = Field(max_length=20)
    outcome: str = Field(max_length=12)
    notification_id: int | None = Field(default=None, foreign_key="notification.id")
    recorded_on: date
    created_at: datetime = timestamp()
