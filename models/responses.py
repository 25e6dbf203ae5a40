"""The social worker's responses to an audit of their case."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import timestamp


class PractitionerResponse(SQLModel, table=True):
    """What the case's social worker says about the audit's findings (``audits respond``)."""

    __tablename__ = "practitioner_response"

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    staff_id: str = Field(foreign_key="staff.staff_id", max_length=40)
    text: str
    created_at: datetime = timestamp()
