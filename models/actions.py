"""The actions an audit sets, chased until done, and the record of each action's reminders."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import timestamp


class AuditAction(SQLModel, table=True):
    """What must change for the child after an audit, who owns it and by when."""

    __tablename__ = "audit_action"
    __table_args__ = (Index("ix_audit_action_owner_status", "owner_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    text: str
    owner_id: str = Field(foreign_key="staff.staff_id", max_length=40)
    set_on: date
    due_on: date
    # Who set it: a staff_id, or "import" for the completions CSV.
    set_by: str = Field(max_length=40)
    status: str = Field(default="open", max_length=10, index=True)  # rules.actions.ACTION_STATUSES
    done_on: date | None = None
    done_by: str | None = Field(default=None, max_length=40)
    done_note: str | None = None
    created_at: datetime = timestamp()


class ActionReminder(SQLModel, table=True):
    """One reminder stage of one action against its due date, as ``ReminderStage`` for audits."""

    __tablename__ = "action_reminder"
    __table_args__ = (UniqueConstraint("action_id", "due_on", "stage"),)

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="audit_action.id", index=True)
    due_on: date
    stage: str = Field(max_length=20)
    outcome: str = Field(max_length=12)
    notification_id: int | None = Field(default=None, foreign_key="notification.id")
    recorded_on: date
    created_at: datetime = timestamp()
