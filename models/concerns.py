"""Safeguarding concerns an auditor raises about a child's case, chased until acknowledged."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from models.base import timestamp


class SafeguardingConcern(SQLModel, table=True):
    """A concern about a child's safety found during an audit (rules in ``rules.concerns``).

    Its text is read on the audit's page and the acknowledgement page, never in an email, a log
    or the report (it may describe the child)."""

    __tablename__ = "safeguarding_concern"

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    text: str
    # The auditor or an active APS member (a staff_id).
    raised_by: str = Field(max_length=40)
    raised_at: datetime = timestamp()
    #: The working day it counts from (Europe/London), for the escalation to the Directors.
    raised_on: date
    status: str = Field(default="open", max_length=14, index=True)  # rules.concerns
    acknowledged_at: datetime | None = timestamp(nullable=True)
    acknowledged_by: str | None = Field(default=None, max_length=40)
    acknowledged_note: str | None = None
