"""Moderation ("audit the auditor"): the audits APS re-reads, and what it found."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import timestamp


class ModerationSample(SQLModel, table=True):
    """One audit picked for moderation in a cycle's sample (``rules.moderation.pick_sample``)."""

    __tablename__ = "moderation_sample"
    __table_args__ = (UniqueConstraint("cycle", "audit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle: str = Field(foreign_key="cycle.month", max_length=7, index=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    #: Why it was picked: "percent" (the cycle's share) or "auditor" (not moderated lately).
    reason: str = Field(max_length=10)
    sampled_on: date
    created_at: datetime = timestamp()


class Moderation(SQLModel, table=True):
    """APS's reading of one completed audit. The audit's ``judgement`` becomes the moderated one
    (so every figure follows it); the auditor's own stays here."""

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", unique=True)
    #: The audit's cycle, copied so the report counts a cycle's moderations in one query.
    cycle: str = Field(max_length=7, index=True)
    auditor_id: str = Field(max_length=40, index=True)
    auditor_judgement: str = Field(max_length=30)
    moderated_judgement: str = Field(max_length=30)
    agreed: bool
    note: str
    moderated_by: str = Field(max_length=40)
    moderated_on: date
    created_at: datetime = timestamp()
