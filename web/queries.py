"""What the pages show, read in as few queries as a page needs (the queue holds thousands)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, literal, select, union_all
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from models.people import Staff
from models.programme import Audit, Cycle
from models.requests import ExemptionRequest, ExtensionRequest

QUEUE_PAGE_SIZE = 50
AnyRequest = ExtensionRequest | ExemptionRequest
TABLES: dict[str, type[AnyRequest]] = {"extension": ExtensionRequest, "exemption": ExemptionRequest}


@dataclass(frozen=True)
class RequestRow:
    """A request as the queue and the history tables show it."""

    kind: str  # "extension" or "exemption"
    request: AnyRequest
    audit: Audit | None
    requested_by_name: str
    decided_by_name: str | None
    auditor_name: str = ""  # the audit's auditor, by name ("" when the audit is gone)

    @property
    def asked(self) -> str:
        if isinstance(self.request, ExtensionRequest):
            until = self.request.requested_until
            return f"until {until.day} {until:%b %Y}"
        return _category(self.request.category)


def _category(category: str | None) -> str:
    """An exemption's category as words beside "Exemption": "(conflict of interest)"."""
    return f"({(category or '').replace('_', ' ')})"


def names(session: Session, staff_ids: set[str]) -> dict[str, str]:
    if not staff_ids:
        return {}
    rows = session.execute(
        select(col(Staff.staff_id), col(Staff.name)).where(col(Staff.staff_id).in_(staff_ids))
    ).all()
    return dict(rows)


def _rows(session: Session, found: list[tuple[str, AnyRequest]]) -> list[RequestRow]:
    audit_ids = {r.audit_id for _, r in found if r.audit_id is not None}
    audits = (
        {a.id: a for a in session.scalars(select(Audit).where(col(Audit.id).in_(audit_ids)))}
        if audit_ids
        else {}
    )
    people = {r.requested_by for _, r in found} | {r.decided_by for _, r in found if r.decided_by}
    known = names(session, people | {a.auditor_id for a in audits.values()})
    rows = []
    for kind, r in found:
        audit = audits.get(r.audit_id)
        rows.append(
            RequestRow(
                kind,
                r,
                audit,
                known.get(r.requested_by, r.requested_by),
                known.get(r.decided_by, r.decided_by) if r.decided_by else None,
                known.get(audit.auditor_id, audit.auditor_id) if audit else "",
            )
        )
    return rows


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
        return _category(self.category)


def _queue_keys(kind: str) -> Select[*tuple[Any, ...]]:
    """One table's pending requests as sort keys only: all in its queue index (migration 0004),
    so paging deep into the queue reads index entries, not rows."""
    table = TABLES[kind]
    return select(
        literal(kind).label("kind"),
        col(table.id).label("request_id"),
        col(table.requested_on).label("requested_on"),
        col(table.created_at).label("created_at"),
    ).where(col(table.status) == "pending")


@cache
def _queue_statements() -> tuple[Select[*tuple[Any, ...]], Select[*tuple[Any, ...]]]:
    """The queue page's two statements, built once (building them cost more than running them):
    the page, its size and offset bound per call; and how many requests are pending."""
    keys = (
        union_all(*(_queue_keys(kind) for kind in TABLES))
        .order_by("requested_on", "created_at", "request_id", "kind")
        .limit(bindparam("size"))
        .offset(bindparam("skip"))
        .subquery("k")
    )
    ext, exe = aliased(ExtensionRequest, name="ext"), aliased(ExemptionRequest, name="exe")
    audit_id = func.coalesce(col(ext.audit_id), col(exe.audit_id))
    requested_by = func.coalesce(col(ext.requested_by), col(exe.requested_by))
    page = (
        select(
            keys.c.kind,
            keys.c.request_id,
            keys.c.requested_on,
            func.coalesce(col(ext.late), col(exe.late)),
            col(ext.requested_until),
            col(exe.category),
            col(Audit.case_ref),
            col(Audit.due_on),
            col(Staff.name),
        )
        .select_from(keys)
        .outerjoin(ext, (keys.c.kind == "extension") & (col(ext.id) == keys.c.request_id))
        .outerjoin(exe, (keys.c.kind == "exemption") & (col(exe.id) == keys.c.request_id))
        .join(Audit, col(Audit.id) == audit_id)
        .join(Staff, col(Staff.staff_id) == requested_by)
        .order_by(keys.c.requested_on, keys.c.created_at, keys.c.request_id, keys.c.kind)
    )
    counts = [
        select(func.count()).select_from(table).where(col(table.status) == "pending")
        for table in TABLES.values()
    ]
    total = select(sum((c.scalar_subquery() for c in counts[1:]), counts[0].scalar_subquery()))
    return page, total


def pending_queue(session: Session, page: int) -> tuple[list[QueueRow], int]:
    """One page of pending requests of both kinds, oldest first, and how many are pending.

    Two statements, run through the session's connection (rows, not ORM objects). The page:
    each side's sort keys come in order from its queue index and the two are merged (no sort
    of every pending request), then only the page's 50 are joined to their request, audit and
    requester."""
    statement, total = _queue_statements()
    connection = session.connection()
    skip = (page - 1) * QUEUE_PAGE_SIZE
    rows = connection.execute(statement, {"size": QUEUE_PAGE_SIZE, "skip": skip}).all()
    return [QueueRow(*row) for row in rows], int(connection.execute(total).scalar_one())


def request_row(session: Session, kind: str, request_id: int) -> RequestRow | None:
    request = session.get(TABLES[kind], request_id)
    if not isinstance(request, AnyRequest):  # not found (and narrowed from SQLModel)
        return None
    return _rows(session, [(kind, request)])[0]


def history(session: Session, audit_ids: list[int]) -> dict[int, list[RequestRow]]:
    """Every request made about these audits, oldest first, by audit."""
    if not audit_ids:
        return {}
    extensions = select(ExtensionRequest).where(col(ExtensionRequest.audit_id).in_(audit_ids))
    exemptions = select(ExemptionRequest).where(col(ExemptionRequest.audit_id).in_(audit_ids))
    found: list[tuple[str, AnyRequest]] = [
        *(("extension", r) for r in session.scalars(extensions)),
        *(("exemption", r) for r in session.scalars(exemptions)),
    ]
    found.sort(key=lambda pair: (pair[1].created_at, pair[0], pair[1].id))
    by_audit: dict[int, list[RequestRow]] = {}
    for row in _rows(session, found):
        if row.request.audit_id is not None:  # always: found by audit
            by_audit.setdefault(row.request.audit_id, []).append(row)
    return by_audit


def _my_audits_statement() -> Select:
    recent = (
        select(col(Audit.cycle))
        .where(col(Audit.auditor_id) == bindparam("staff_id"))
        .distinct()
        .order_by(col(Audit.cycle).desc())
        .limit(bindparam("cycles"))
    ).subquery()
    return (
        select(Audit)
        .where(
            col(Audit.auditor_id) == bindparam("staff_id"),
            col(Audit.cycle).in_(select(recent.c.cycle)),
        )
        .order_by(col(Audit.cycle).desc(), col(Audit.due_on), col(Audit.id))
    )


#: Built once: every auditor's home page runs it, and building it cost as much as running it.
_MY_AUDITS = _my_audits_statement()


def my_audits(session: Session, staff_id: str, cycles: int = 12) -> list[Audit]:
    """This person's audits in their latest ``cycles`` cycles, newest first."""
    return list(session.scalars(_MY_AUDITS, {"staff_id": staff_id, "cycles": cycles}))


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
            col(Audit.auditor_service_area),
            col(Audit.status),
            (col(Audit.due_on) < today).label("past_due"),
            func.count(),
        )
        .where(col(Audit.cycle) == month, col(Audit.kind) == kind)
        .group_by(col(Audit.auditor_service_area), col(Audit.status), "past_due")
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


def dashboard_month(session: Session, today: date) -> str:
    """The cycle the dashboard opens on: the latest allocated up to today's month (before a
    month's allocation day, and in a demo run past its month, that is the month before),
    else today's month."""
    current = f"{today:%Y-%m}"
    latest = session.scalars(
        select(col(Cycle.month))
        .where(col(Cycle.month) <= current, col(Cycle.status) == "allocated")
        .order_by(col(Cycle.month).desc())
        .limit(1)
    ).first()
    return latest or current


def pending_count(session: Session, month: str | None = None) -> int:
    """Requests waiting for a decision (about audits of ``month`` when given)."""
    total = 0
    for table in TABLES.values():
        query = select(func.count()).select_from(table).where(col(table.status) == "pending")
        if month is not None:
            on_audit = col(Audit.id) == col(table.audit_id)
            query = query.join(Audit, on_audit).where(col(Audit.cycle) == month)
        total += session.execute(query).scalar_one()
    return total
