"""The notification outbox: write once under a unique key, claim before sending, record the end.

Every email is first written here, then sent. A row is claimed before it is sent so that two runs
at once never both send it: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, and on SQLite one atomic
UPDATE under the database's write lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from models.base import utcnow
from models.outbox import Notification, ReminderStage
from models.programme import Audit

#: A row left "sending" this long (its run died mid-send) is offered again. Resending risks a
#: duplicate if the provider had accepted it; never resending would risk losing it.
STALE_CLAIM = timedelta(minutes=30)


@dataclass(frozen=True)
class Outgoing:
    """A notification to write: rendered, with its unique key."""

    key: str
    kind: str
    recipient: str
    subject: str
    text_body: str
    html_body: str
    attachments: list[dict[str, Any]] | None = None


def enqueue(session: Session, outgoing: Sequence[Outgoing]) -> dict[str, int]:
    """Write notifications not already in the outbox; their ids by key (existing keys are left
    alone, so a rerun never writes, and so never sends, the same email twice)."""
    if not outgoing:
        return {}
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    now = utcnow()
    rows = [
        {**vars(item), "status": "pending", "attempts": 0, "created_at": now} for item in outgoing
    ]
    ids: dict[str, int] = {}
    # In chunks: one VALUES list per statement, kept well under PostgreSQL's 65,535 parameters.
    for start in range(0, len(rows), ENQUEUE_CHUNK):
        statement = (
            insert(Notification)
            .values(rows[start : start + ENQUEUE_CHUNK])
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(Notification.id, Notification.key)
        )
        ids.update({key: row_id for row_id, key in session.execute(statement).all()})
    return ids


ENQUEUE_CHUNK = 1_000


def claim(session: Session, run: str, limit: int, after_id: int = 0) -> list[Notification]:
    """Claim up to ``limit`` pending notifications (and stale claims) with ids above
    ``after_id`` for this run, in id order."""
    now = utcnow()
    claimable = (
        select(Notification.id)
        .where(
            (Notification.status == "pending")
            | ((Notification.status == "sending") & (Notification.claimed_at < now - STALE_CLAIM))
        )
        .where(Notification.id > after_id)
        .order_by(Notification.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        claimable = claimable.with_for_update(skip_locked=True)
    session.execute(
        update(Notification)
        .where(Notification.id.in_(claimable.scalar_subquery()))
        .values(status="sending", claimed_by=run, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.status == "sending", Notification.claimed_by == run)
            .order_by(Notification.id)
        )
    )


#: What becomes of a notification after a send attempt: sent, failed for good, or back to
#: pending for the next run.
OUTCOME_STATUS = {"sent": "sent", "failed": "failed", "retry": "pending"}


def record_outcomes(session: Session, outcomes: Sequence[tuple[str, int, str]]) -> None:
    """Record ``(outcome, notification_id, detail)`` for a batch, in one statement a kind:
    ``detail`` is the provider's reference when sent, else the error."""
    now = utcnow()
    for outcome, status in OUTCOME_STATUS.items():
        rows = [(i, d) for o, i, d in outcomes if o == outcome]
        if not rows:
            continue
        sent = outcome == "sent"
        table = Notification.__table__.c  # Core, so that a list of rows runs as executemany
        session.connection().execute(
            update(Notification.__table__)
            .where(table.id == bindparam("row_id"))
            .values(
                status=status,
                attempts=table.attempts + 1,
                claimed_by=None,
                provider_ref=bindparam("ref") if sent else table.provider_ref,
                last_error=None if sent else bindparam("error"),
                sent_at=now if sent else table.sent_at,
            ),
            [
                {"row_id": row_id, "ref": detail}
                if sent
                else {"row_id": row_id, "error": detail[:2000]}
                for row_id, detail in rows
            ],
        )


def unreported_failures(session: Session) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.status == "failed", Notification.failure_reported.is_(False))
            .order_by(Notification.id)
        )
    )


def mark_reported(session: Session, notification_ids: Sequence[int]) -> None:
    if notification_ids:
        session.execute(
            update(Notification)
            .where(Notification.id.in_(notification_ids))
            .values(failure_reported=True)
            .execution_options(synchronize_session=False)
        )


def record_stages(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Record reminder rungs (``audit_id, due_on, stage, outcome, notification_id,
    recorded_on``); the unique (audit, due date, stage) keeps each rung to once."""
    if not rows:
        return
    now = utcnow()
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    # Rows as parameters (executemany, batched by SQLAlchemy), not one VALUES list: a run's
    # thousands of rows would overrun PostgreSQL's 65,535 bound parameters a statement.
    session.connection().execute(
        insert(ReminderStage.__table__).on_conflict_do_nothing(),
        [{**row, "created_at": now} for row in rows],
    )


def recorded_stages(session: Session) -> dict[tuple[int, date], set[str]]:
    """The rungs recorded for each outstanding audit, by (audit_id, due_on)."""
    query = (
        select(ReminderStage.audit_id, ReminderStage.due_on, ReminderStage.stage)
        .join(Audit, Audit.id == ReminderStage.audit_id)
        .where(Audit.status == "allocated")
    )
    recorded: dict[tuple[int, date], set[str]] = {}
    for audit_id, due_on, stage in session.execute(query).all():
        recorded.setdefault((audit_id, due_on), set()).add(stage)
    return recorded


def notifications(session: Session, status: str | None = None) -> list[Notification]:
    query = select(Notification).order_by(Notification.id)
    if status:
        query = query.where(Notification.status == status)
    return list(session.scalars(query))
