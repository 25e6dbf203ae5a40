"""Each month's highlight report as compiled and approved (``models.report_issue``).

The row is written in the transaction that writes the report's emails (the APS team's notice of
a draft, or the distribution list's copies of a final report), so the record and its emails
never disagree. Approving locks the row: of two approvals at once, one makes the report final
and the other finds it final already.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from models.base import utcnow
from models.people import Staff
from models.programme import Audit, Cycle, ThemeCommentary
from models.report_issue import ReportIssue
from models.trail import TrailEntry
from rules.signoff import FINAL

#: The trail's actor for a report compiled by the month-end run or ``audits report``.
COMPILER = "compile-highlight-report"


def issue(session: Session, month: str, *, lock: bool = False) -> ReportIssue | None:
    """The month's report record, locked against a concurrent approval when ``lock``."""
    return session.get(ReportIssue, month, with_for_update=lock, populate_existing=lock)


def issues(session: Session) -> list[ReportIssue]:
    """Every month's report, newest month first."""
    return list(session.scalars(select(ReportIssue).order_by(col(ReportIssue.month).desc())))


def cycle_exists(session: Session, month: str) -> bool:
    return session.get(Cycle, month) is not None


def month_themes(session: Session, month: str) -> list[str]:
    """The practice themes a month's report speaks of: its cycle's theme, the cohorts of its
    audits and re-audits, and any with commentary written."""
    cycle = session.get(Cycle, month)
    audited = session.scalars(select(col(Audit.cohort)).where(col(Audit.cycle) == month))
    written = session.scalars(
        select(col(ThemeCommentary.theme)).where(col(ThemeCommentary.cycle) == month)
    )
    themes = {*audited, *written, *([cycle.theme] if cycle is not None else [])}
    return sorted(themes)


def staff_name(session: Session, staff_id: str | None) -> str:
    """Whom to name for ``staff_id``: their name, else the id itself."""
    if staff_id is None:
        return ""
    person = session.get(Staff, staff_id)
    return person.name if person is not None else staff_id


def record_compiled(
    session: Session, month: str, status: str, out_dir: str, sent: int = 0
) -> ReportIssue:
    """Record that ``month``'s report was compiled as ``status`` into ``out_dir``. A report
    that becomes final here (no sign-off) records the ``sent`` emails written to its readers;
    one final already keeps its approval and its count."""
    dialect = session.get_bind().dialect.name
    new = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(ReportIssue)
    now = utcnow()
    session.execute(
        new.values(
            month=month, status=status, out_dir=out_dir, compiled_at=now, sent=sent
        ).on_conflict_do_nothing()
    )
    row = issue(session, month, lock=True)
    assert row is not None
    if row.status == FINAL and status != FINAL:
        return row  # approved while this draft was compiled: it stays final
    if row.status != FINAL and status == FINAL:
        row.sent = sent
    row.status, row.out_dir, row.compiled_at = status, out_dir, now
    session.add(row)
    session.flush()
    _trail(session, COMPILER, f"report.compiled.{status}", month, {"out_dir": out_dir})
    return row


def record_regenerated(session: Session, row: ReportIssue, by: str) -> ReportIssue:
    """A draft compiled again by ``by`` (with the commentary as it now stands)."""
    row.compiled_at = utcnow()
    session.add(row)
    session.flush()
    _trail(session, by, "report.regenerated", row.month, {"out_dir": row.out_dir})
    return row


def record_approved(
    session: Session, row: ReportIssue, by: str, sent: int, at: datetime | None = None
) -> ReportIssue:
    """The locked draft ``row`` made final by ``by``, emailed to ``sent`` addresses."""
    row.status, row.approved_by, row.approved_at = FINAL, by, at or utcnow()
    row.compiled_at, row.sent = row.approved_at, sent
    session.add(row)
    session.flush()
    _trail(session, by, "report.approved", row.month, {"sent": sent, "out_dir": row.out_dir})
    return row


def _trail(session: Session, actor: str, action: str, month: str, detail: dict) -> None:
    session.add(
        TrailEntry(actor=actor, action=action, subject_type="report", subject_id=month,
                   detail=detail)
    )  # fmt: skip
