"""Teams, staff and their recorded leave."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, Session, SQLModel

from models.base import timestamp
from rules.roles import is_active_aps

ROLES = ("team_manager", "service_manager", "aps", "director", "social_worker")


class Team(SQLModel, table=True):
    """A team, named as in the case system, and the service area it belongs to."""

    name: str = Field(primary_key=True, max_length=120)
    service_area: str = Field(max_length=120, index=True)


class StaffBase(SQLModel):
    staff_id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    email: str = Field(max_length=254)
    role: str = Field(max_length=20)
    team: str | None = Field(default=None, foreign_key="team.name", max_length=120, index=True)
    line_manager_id: str | None = Field(default=None, foreign_key="staff.staff_id", max_length=40)
    active: bool = True


class Staff(StaffBase, table=True):
    # False once a later staff export no longer lists this person; kept for history and not
    # allocated to until they reappear.
    in_latest_export: bool = True
    missing_since: date | None = None
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()


class StaffPublic(StaffBase):
    in_latest_export: bool


class StaffLeave(SQLModel, table=True):
    """Recorded leave, ``starts_on`` to ``ends_on`` (both days of leave): an auditor on leave for
    most of a cycle is not allocated to in it (``rules.eligibility``). Rules in ``rules.leave``,
    records in ``models.leave_store``."""

    __tablename__ = "staff_leave"
    # Leave is deleted when removed: on SQLite an id is then never given to another (0009).
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    staff_id: str = Field(foreign_key="staff.staff_id", max_length=40, index=True)
    starts_on: date
    ends_on: date
    # rules.leave holds a new reason to 200 characters; the column kept the width it had as
    # "note" (migration 0009 renamed it) so that no upgrade can fail on an older, longer value.
    reason: str = Field(default="", max_length=500)
    # The staff_id of whoever recorded it, or "import" for a leave file: not a foreign key,
    # as for pauses.
    created_by: str = Field(max_length=40)
    created_at: datetime = timestamp()


def check_active_aps(
    session: Session, staff_id: str, refuse: type[ValueError], why: str = ""
) -> Staff:
    """The member of staff ``staff_id``, who must be an active member of the APS team
    (``rules.roles``); otherwise the caller's error ``refuse``, its message ending ``why``."""
    person = session.get(Staff, staff_id)
    if person is None:
        raise refuse(f"there is no member of staff {staff_id}")
    if not is_active_aps(person):
        raise refuse(f"{staff_id} is not an active member of the APS team{why}")
    return person
