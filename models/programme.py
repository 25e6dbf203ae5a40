"""Cycles, audits, pauses, and the APS team's recommendations and commentary."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field, SQLModel

from models.base import timestamp

AUDIT_KINDS = ("audit", "reaudit")
AUDIT_STATUSES = ("allocated", "completed", "exempted", "withdrawn")
CYCLE_STATUSES = ("planned", "allocated")
#: The re-audits that count as an audit's one re-audit (see the unique index on Audit).
LIVE_REAUDIT = "kind = 'reaudit' AND status IN ('allocated', 'completed')"


class Cycle(SQLModel, table=True):
    """One month of the programme: its theme, its dates and its allocation's explanation."""

    month: str = Field(primary_key=True, max_length=7)
    theme: str = Field(max_length=30)
    status: str = Field(default="planned", max_length=20)
    allocated_on: date | None = None
    due_on: date | None = None
    allocated_at: datetime | None = timestamp(nullable=True)
    # Why each auditor and case was left out, written once when the cycle is allocated so that
    # the explanation stays true to what was decided even after the case list changes.
    explanation: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = timestamp()


class AuditBase(SQLModel):
    cycle: str = Field(foreign_key="cycle.month", max_length=7)
    kind: str = Field(default="audit", max_length=10)
    case_ref: str = Field(foreign_key="case_record.case_ref", max_length=40)
    auditor_id: str = Field(foreign_key="staff.staff_id", max_length=40)
    cohort: str = Field(max_length=30)
    status: str = Field(default="allocated", max_length=12)
    allocated_on: date
    due_on: date
    original_due_on: date
    completed_on: date | None = None
    judgement: str | None = Field(default=None, max_length=30)
    parent_audit_id: int | None = Field(default=None, foreign_key="audit.id")


class Audit(AuditBase, table=True):
    __table_args__ = (
        Index("ix_audit_cycle_case", "cycle", "case_ref", "status"),
        Index("ix_audit_case_ref", "case_ref"),
        Index("ix_audit_auditor_status", "auditor_id", "status"),
        # Poorly judged audits still needing a re-audit, and re-audits waiting in months not
        # allocated: a few rows among a county's million audits (migration 0015).
        Index("ix_audit_kind_status_judgement", "kind", "status", "judgement"),
        # Finding an audit's re-audit, and at most one live re-audit per audit (migration 0005):
        # a released re-audit (exempted, withdrawn) may be replaced by a reallocated one.
        Index("ix_audit_parent_audit_id", "parent_audit_id"),
        Index(
            "ux_audit_live_reaudit",
            "parent_audit_id",
            unique=True,
            sqlite_where=text(LIVE_REAUDIT),
            postgresql_where=text(LIVE_REAUDIT),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Snapshots at allocation: teams are reorganised, and reports go by what was true then.
    auditor_team: str = Field(max_length=120)
    auditor_service_area: str = Field(max_length=120)
    case_team: str = Field(max_length=120)
    case_service_area: str = Field(max_length=120)
    reason: str = Field(default="", max_length=1000)
    #: The SEQUENCE of the latest calendar invitation sent for the audit (0: the allocation's);
    #: every update or cancellation of the invitation takes the next number.
    invite_sequence: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    #: The due date the auditor was last told, by the allocation email (and its invitation) or
    #: a later one (None: not known): a change that makes it wrong tells them again.
    invite_due_on: date | None = None
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()


class AuditPublic(SQLModel):
    """An audit as ``audits list --json`` shows it."""

    audit_id: int
    case_ref: str
    auditor_id: str
    kind: str
    status: str
    due_on: date
    original_due_on: date
    completed_on: date | None
    judgement: str | None


class Pause(SQLModel, table=True):
    """The programme on hold: nothing is allocated or chased from ``starts_on`` to ``ends_on``."""

    id: int | None = Field(default=None, primary_key=True)
    starts_on: date
    ends_on: date
    reason: str = Field(max_length=1000)
    move_due_dates: bool = True
    created_by: str = Field(max_length=40)
    resumed_on: date | None = None
    created_at: datetime = timestamp()
    # Set once, when the pause is over: the day the outstanding audits' due dates were moved on
    # (or, with move_due_dates off, kept) and by how many working days; never applied twice.
    applied_on: date | None = None
    moved_working_days: int | None = None
    # What was done instead while paused (e.g. a RAG rating of open cases), for the report.
    note: str | None = Field(default=None, max_length=1000)


class Recommendation(SQLModel, table=True):
    """A numbered practice recommendation for a cycle's highlight report."""

    id: int | None = Field(default=None, primary_key=True)
    cycle: str = Field(foreign_key="cycle.month", max_length=7, index=True)
    number: int
    text: str
    high_priority: bool = False
    created_by: str = Field(max_length=40)
    created_at: datetime = timestamp()


class ThemeCommentary(SQLModel, table=True):
    """The APS team's commentary on one practice theme of a cycle."""

    __tablename__ = "theme_commentary"

    id: int | None = Field(default=None, primary_key=True)
    cycle: str = Field(foreign_key="cycle.month", max_length=7, index=True)
    theme: str = Field(max_length=30)
    text: str
    created_by: str = Field(max_length=40)
    created_at: datetime = timestamp()
