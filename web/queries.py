"""What the pages show, read in as few queries as a page needs (the queue holds thousands)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Date, String, cast, func, literal, null, select, union_all
from sqlmodel import Session

from models.people import Staff
from models.programme import Audit
from models.requests import ExemptionRequest, ExtensionRequest

QUEUE_PAGE_SIZE = 50
TABLES: dict[str, Any] = {"extension": ExtensionRequest, "exemption": ExemptionRequest}


@dataclass(frozen=True)
class RequestRow:
    """A request as the queue and the history tables show it."""

    kind: str  # "extension" or "exemption"
    request: Any  # ExtensionRequest | ExemptionRequest
    audit: Audit | None
    requested_by_name: str
    decided_by_name: str | None

    @property
    def asked(self) -> str:
        if self.kind == "extension":
            until = self.request.requested_until
            return f"until {until.day} {until:%b %Y}"
        return self.request.category.replace("_", " ")


def names(session: Session, staff_ids: set[str]) -> dict[str, str]:
    if not staff_ids:
        return {}
    rows = session.execute(
        select(Staff.staff_id, Staff.name).where(Staff.staff_id.in_(staff_ids))
    ).all()
    return dict(rows)


def _rows(session: Session, found: list[tuple[str, Any]]) -> list[RequestRow]:
    audit_ids = {r.audit_id for _, r in found if r.audit_id is not None}
    audits = (
        {a.id: a for a in session.scalars(select(Audit).where(Audit.id.in_(audit_ids)))}
        if audit_ids
        else {}
    )
    people = {r.requested_by for _, r in found} | {r.decided_by for _, r in found if r.decided_by}
    known = names(session, people)
    return [
        RequestRow(
            kind,
            r,
            audits.get(r.audit_id),
            known.get(r.requested_by, r.requested_by),
            known.get(r.decided_by, r.decided_by) if r.decided_by else None,
        )
        for kind, r in found
    ]


@dataclass(frozen=True)
class QueueRow:
    """A pending request as the decision queue lists it."""

    kind: str
    request_id: int
    requested_on: date
    late: bool
    requested_until: date | None  # extensions
    category: str | None  # exemptions
    case_ref: str
    due_on: date
    requested_by_name: str

    @property
    def asked(self) -> str:
        if self.requested_until is not None:
            return f"until {self.requested_until.day} {self.requested_until:%b %Y}"
        return (self.category or "").replace("_", " ")


def _queue_side(kind: str) -> Any:
    table = TABLES[kind]
    until = table.requested_until if kind == "extension" else cast(null(), Date)
    category = table.category if kind == "exemption" else cast(null(), String)
    return select(
        literal(kind).label("kind"),
        table.id.label("request_id"),
        table.requested_on.label("requested_on"),
        table.created_at.label("created_at"),
        table.audit_id.label("audit_id"),
        table.requested_by.label("requested_by"),
        table.late.label("late"),
        until.label("requested_until"),
        category.label("category"),
    ).where(table.status == "pending")


def pending_queue(session: Session, page: int) -> tuple[list[QueueRow], int]:
    """One page of pending requests of both kinds, oldest first, and how many are pending.

    One query for the page: ordered on the union itself, each side comes in order from its
    queue index and the two are merged (no sort of every pending request), and only the page's
    rows are joined to their audits and requesters."""
    total = sum(
        session.execute(
            select(func.count()).select_from(table).where(table.status == "pending")
        ).scalar_one()
        for table in TABLES.values()
    )
    keys = (
        union_all(*(_queue_side(kind) for kind in TABLES))
        .order_by("requested_on", "created_at", "request_id", "kind")
        .limit(QUEUE_PAGE_SIZE)
        .offset((page - 1) * QUEUE_PAGE_SIZE)
        .subquery()
    )
    rows = session.execute(
        select(
            keys.c.kind,
            keys.c.request_id,
            keys.c.requested_on,
            keys.c.late,
            keys.c.requested_until,
            keys.c.category,
            Audit.case_ref,
            Audit.due_on,
            Staff.name,
        )  # fmt: skip
        .join(Audit, Audit.id == keys.c.audit_id)
        .join(Staff, Staff.staff_id == keys.c.requested_by)
        .order_by(keys.c.requested_on, keys.c.created_at, keys.c.request_id, keys.c.kind)
    ).all()
    return [QueueRow(*row) for row in rows], total


def request_row(session: Session, kind: str, request_id: int) -> RequestRow | None:
    request = session.get(TABLES[kind], request_id)
    return _rows(session, [(kind, request)])[0] if request is not None else None


def history(session: Session, audit_ids: list[int]) -> dict[int, list[RequestRow]]:
    """Every request made about these audits, oldest first, by audit."""
    found: list[tuple[str, Any]] = []
    for kind, table in TABLES.items():
        if audit_ids:
            found += [
                (kind, r)
                for r in session.scalars(select(table).where(table.audit_id.in_(audit_ids)))
            ]
    found.sort(key=lambda pair: (pair[1].created_at, pair[0], pair[1].id))
    by_audit: dict[int, list[RequestRow]] = {}
    for row in _rows(session, found):
        by_audit.setdefault(row.request.audit_id, []).append(row)
    return by_audit


def my_audits(session: Session, staff_id: str, cycles: int = 12) -> list[Audit]:
    """This person's audits in their latest ``cycles`` cycles, newest first."""
    recent = (
        select(Audit.cycle)
        .where(Audit.auditor_id == staff_id)
        .distinct()
        .order_by(Audit.cycle.desc())
        .limit(cycles)
    ).subquery()
    return list(
        session.scalars(
            select(Audit)
            .where(Audit.auditor_id == staff_id, Audit.cycle.in_(select(recent.c.cycle)))
            .order_by(Audit.cycle.desc(), Audit.due_on, Audit.id)
        )
    )


@dataclass(frozen=True)
class AreaFigures:
    """One row of the dashboard: a service area's audits (or all of them) in the cycle."""

    name: str
    allocated: int = 0
    completed: int = 0
    overdue: int = 0
    released: int = 0


def dashboard_figures(session: Session, month: str, today: date, kind: str) -> list[AreaFigures]:
    """Audits of ``kind`` in cycle ``month`` by the auditor's service area, then a total row.

    ``allocated`` leaves out audits released by an approved exemption or withdrawn (they are
    ``released``); ``overdue`` is still to do after its due date, as of ``today``."""
    rows = session.execute(
        select(
            Audit.auditor_service_area,
            Audit.status,
            (Audit.due_on < today).label("past_due"),
            func.count(),
        )
        .where(Audit.cycle == month, Audit.kind == kind)
        .group_by(Audit.auditor_service_area, Audit.status, "past_due")
    ).all()
    areas: dict[str, dict[str, int]] = {}
    for area, status, past_due, count in rows:
        figures = areas.setdefault(
            area, {"allocated": 0, "completed": 0, "overdue": 0, "released": 0}
        )
        if status in ("exempted", "withdrawn"):
            figures["released"] += count
            continue
        figures["allocated"] += count
        if status == "completed":
            figures["completed"] += count
        elif past_due:
            figures["overdue"] += count
    table = [AreaFigures(area, **figures) for area, figures in sorted(areas.items())]
    total = AreaFigures(
        "All service areas",
        *(
            sum(getattr(row, field) for row in table)
            for field in ("allocated", "completed", "overdue", "released")
        ),
    )
    return [*table, total]


def pending_count(session: Session, month: str | None = None) -> int:
    """Requests waiting for a decision (about audits of ``month`` when given)."""
    total = 0
    for table in TABLES.values():
        query = select(func.count()).select_from(table).where(table.status == "pending")
        if month is not None:
            query = query.join(Audit, Audit.id == table.audit_id).where(Audit.cycle == month)
        total += session.execute(query).scalar_one()
    return total
