"""A Service Manager's teams: their Team Managers' audits, and the audits of their teams' cases.

A Service Manager line-manages Team Managers (``Staff.line_manager_id``); their teams are their
own team (as the staff export gives it) and their Team Managers' teams. The cases of those teams
are audited by Team Managers elsewhere, never by their own team.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from models.audit_record import staff_names
from models.people import Staff
from models.programme import Audit, Cycle


@dataclass(frozen=True)
class ReportSummary:
    """One of the Service Manager's line reports and how their audits stand."""

    staff_id: str
    name: str
    team: str
    active: bool
    outstanding: int = 0
    overdue: int = 0
    completed: int = 0  # of this cycle


@dataclass(frozen=True)
class TeamsView:
    """What ``/my-teams`` shows to one Service Manager."""

    cycle: str | None  # this cycle: the latest allocated one up to today's month
    teams: list[str]
    reports: list[ReportSummary]
    outstanding: list[Audit]  # not yet due, any cycle
    overdue: list[Audit]  # past their due date and not done, any cycle
    completed: list[Audit]  # of this cycle
    team_audits: list[Audit]  # audits of cases in the teams, latest cycles first
    names: dict[str, str] = field(default_factory=dict)

    def name(self, staff_id: str) -> str:
        return self.names.get(staff_id, staff_id)


def current_cycle(session: Session, today: date) -> str | None:
    """The latest allocated cycle that has begun by ``today``."""
    return session.scalars(
        select(col(Cycle.month))
        .where(col(Cycle.status) == "allocated", col(Cycle.month) <= f"{today:%Y-%m}")
        .order_by(col(Cycle.month).desc())
        .limit(1)
    ).first()


def line_reports(session: Session, manager_id: str) -> list[Staff]:
    return list(
        session.scalars(
            select(Staff)
            .where(col(Staff.line_manager_id) == manager_id)
            .order_by(col(Staff.name), col(Staff.staff_id))
        )
    )


def teams_view(session: Session, manager: Staff, today: date, cycles: int = 12) -> TeamsView:
    """``manager``'s line reports' audits (outstanding and overdue from any cycle, completed in
    this one) and the audits of their teams' cases in the latest ``cycles`` cycles."""
    reports = line_reports(session, manager.staff_id)
    teams = sorted({t for t in [manager.team, *(r.team for r in reports)] if t})
    cycle = current_cycle(session, today)
    theirs = _audits_of(session, [r.staff_id for r in reports], cycle)
    outstanding = [a for a in theirs if a.status == "allocated" and a.due_on >= today]
    overdue = [a for a in theirs if a.status == "allocated" and a.due_on < today]
    completed = [a for a in theirs if a.status == "completed" and a.cycle == cycle]
    team_audits = _team_audits(session, teams, cycles)
    people = {r.staff_id for r in reports} | {a.auditor_id for a in team_audits}
    return TeamsView(
        cycle=cycle,
        teams=teams,
        reports=[_summary(r, outstanding, overdue, completed) for r in reports],
        outstanding=outstanding,
        overdue=overdue,
        completed=completed,
        team_audits=team_audits,
        names=staff_names(session, people),
    )


def _summary(
    person: Staff, outstanding: list[Audit], overdue: list[Audit], completed: list[Audit]
) -> ReportSummary:
    def count(audits: list[Audit]) -> int:
        return sum(1 for a in audits if a.auditor_id == person.staff_id)

    return ReportSummary(
        person.staff_id,
        person.name,
        person.team or "",
        person.active,
        count(outstanding),
        count(overdue),
        count(completed),
    )


def _audits_of(session: Session, auditors: list[str], cycle: str | None) -> list[Audit]:
    """The audits of ``auditors`` still to do (any cycle) or of ``cycle``, by due date."""
    if not auditors:
        return []
    wanted = col(Audit.status) == "allocated"
    if cycle is not None:
        wanted = wanted | (col(Audit.cycle) == cycle)
    return list(
        session.scalars(
            select(Audit)
            .where(col(Audit.auditor_id).in_(auditors), wanted)
            .order_by(col(Audit.due_on), col(Audit.case_ref), col(Audit.id))
        )
    )


def _team_audits(session: Session, teams: list[str], cycles: int) -> list[Audit]:
    if not teams:
        return []
    recent = (
        select(col(Audit.cycle))
        .where(col(Audit.case_team).in_(teams))
        .distinct()
        .order_by(col(Audit.cycle).desc())
        .limit(cycles)
    ).subquery()
    return list(
        session.scalars(
            select(Audit)
            .where(col(Audit.case_team).in_(teams), col(Audit.cycle).in_(select(recent.c.cycle)))
            .order_by(col(Audit.cycle).desc(), col(Audit.case_team), col(Audit.case_ref))
        )
    )
