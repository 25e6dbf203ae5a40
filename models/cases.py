"""Children's cases as exported from the case system, and the record of each import.

A case is its reference plus the facts cohorts need: never a child's name.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from models.base import timestamp

CP_CATEGORIES = ("neglect", "physical", "emotional", "sexual", "multiple")
CSE_RISKS = ("emerging", "experiencing", "significant")

#: The cases an allocation cannot choose (closed, or left out of the latest export), in each
#: database's spelling of the condition as SQLAlchemy writes it in a query: a query that names
#: it reads only the partial index ``ix_case_record_not_allocatable`` (migration 0015).
NOT_ALLOCATABLE = {
    "sqlite": "status != 'open' OR in_latest_export = 0",
    "postgresql": "status <> 'open' OR NOT in_latest_export",
}


class CaseBase(SQLModel):
    case_ref: str = Field(primary_key=True, max_length=40)
    team: str = Field(foreign_key="team.name", max_length=120, index=True)
    status: str = Field(max_length=10, index=True)
    date_of_birth: date | None = None
    cin: bool = False
    cp_category: str | None = Field(default=None, max_length=20)
    cla: bool = False
    cse_risk: str | None = Field(default=None, max_length=20)
    missing_episodes_6m: int = 0
    #: The case's allocated social worker (the cases CSV's optional ``worker_id``): emailed the
    #: audit's findings, and the only social worker who may read the case's audits.
    worker_id: str | None = Field(default=None, max_length=40, index=True)


class Case(CaseBase, table=True):
    __tablename__ = "case_record"
    __table_args__ = (
        Index(
            "ix_case_record_not_allocatable",
            "case_ref",
            sqlite_where=text(NOT_ALLOCATABLE["sqlite"]),
            postgresql_where=text(NOT_ALLOCATABLE["postgresql"]),
        ),
    )

    # A case left out of a later export is kept with all its audits, marked here, and not
    # allocated until an export lists it again.
    in_latest_export: bool = True
    missing_since: date | None = None
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()


class CasePublic(CaseBase):
    in_latest_export: bool


class ImportRun(SQLModel, table=True):
    """One successful import of a staff or case file."""

    __tablename__ = "import_run"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)
    filename: str = Field(max_length=500)
    sha256: str = Field(max_length=64)
    rows: int
    created: int
    updated: int
    unchanged: int
    marked_missing: int
    ignored_columns: str = Field(default="", max_length=1000)
    imported_at: datetime = timestamp()
