"""Extension and exemption requests, and the APS team's decisions on them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.base import timestamp

REQUEST_STATUSES = ("pending", "approved", "rejected")
EXEMPTION_CATEGORIES = ("leave", "sickness", "conflict_of_interest", "other")
EXEMPTION_OUTCOMES = ("reallocated", "withdrawn")


class ExtensionRequest(SQLModel, table=True):
    __tablename__ = "extension_request"
    # The APS decision queue: pending requests, oldest first, read in order from the index.
    __table_args__ = (
        Index("ix_extension_request_queue", "status", "requested_on", "created_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    requested_by: str = Field(foreign_key="staff.staff_id", max_length=40)
    requested_on: date
    requested_until: date
    reason: str
    late: bool = False
    status: str = Field(default="pending", max_length=10, index=True)
    decided_by: str | None = Field(default=None, foreign_key="staff.staff_id", max_length=40)
    decided_on: date | None = None
    decision_note: str | None = None
    approved_until: date | None = None
    created_at: datetime = timestamp()
    decided_at: datetime | None = timestamp(nullable=True)


class ExemptionRequest(SQLModel, table=True):
    """A request to be released from an audit, or (``audit_id`` empty) from a whole cycle.

    An approved cycle exemption keeps the auditor out of that cycle's allocation.
    """

    __tablename__ = "exemption_request"
    __table_args__ = (
        Index("ix_exemption_request_queue", "status", "requested_on", "created_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int | None = Field(default=None, foreign_key="audit.id", index=True)
    staff_id: str = Field(foreign_key="staff.staff_id", max_length=40, index=True)
    cycle: str | None = Field(default=None, max_length=7, index=True)
    requested_by: str = Field(foreign_key="staff.staff_id", max_length=40)
    requested_on: date
    category: str = Field(max_length=30)
    reason: str
    late: bool = False
    status: str = Field(default="pending", max_length=10, index=True)
    decided_by: str | None = Field(default=None, foreign_key="staff.staff_id", max_length=40)
    decided_on: date | None = None
    decision_note: str | None = None
    outcome: str | None = Field(default=None, max_length=12)
    reallocated_audit_id: int | None = Field(default=None, foreign_key="audit.id")
    created_at: datetime = timestamp()
    decided_at: datetime | None = timestamp(nullable=True)
