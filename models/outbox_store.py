"""The notification outbox: write once under a unique key, claim before sending, record each end.

Every email is first written here, in the same transaction as the change that causes it, then
sent. A row is claimed before it is sent so that two runs at once never both send it: ``FOR
UPDATE SKIP LOCKED`` on PostgreSQL, and on SQLite one atomic UPDATE under the database's write
lock. A claim is a lease: the run renews it while it works, and a row whose lease ran out (its
run died) is claimed again by the next run. Each row's outcome is recorded as soon as the
transport answers, so a run killed at any moment leaves at most the message in flight unknown.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from models.base import utcnow
from models.bulk import insert_many, table_of
from models.db import RETRY_DELAYS, WRITE_LOCK, is_transient
from models.outbox import Notification, ReminderStage
from models.programme import Audit

#: How long a claim holds without being renewed. A run renews its claims every quarter of this
#: while it sends; a row whose claim is older was left by a run that died, and is claimed again.
LEASE = timedelta(minutes=2)
UNSENT = ("pending", "sending")


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


def enqueue(
    session: Session, outgoing: Sequence[Outgoing], cause: str | None = None
) -> dict[str, int]:
    """Write notifications not already in the outbox, marked with the ``cause`` that wrote
    them; their ids by key (existing keys are left alone, so a rerun never writes, and so never
    sends, the same email twice)."""
    if not outgoing:
        return {}
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    now = utcnow()
    rows = [
        {**vars(item), "cause": cause, "status": "pending", "attempts": 0, "created_at": now}
        for item in outgoing
    ]
    # Rows as parameters of one statement compiled once (SQLAlchemy sends them as a few
    # multi-row INSERT ... RETURNING, within each database's limit on bound parameters), not one
    # VALUES list built and compiled for the whole run's rows.
    outbox = table_of(Notification)
    statement = (
        insert(outbox)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(outbox.c.id, outbox.c.key)
    )
    result = session.connection().execute(statement, rows)
    return {key: row_id for row_id, key in result.all()}


ENQUEUE_CHUNK = 1_000


def _of_causes(causes: Collection[str] | None) -> ColumnElement[bool]:
    """All rows, or those written by one of ``causes``."""
    if causes is None:
        return col(Notification.id).is_not(None)
    return col(Notification.cause).in_(list(causes))


def claim(
    session: Session,
    run: str,
    limit: int,
    after_id: int = 0,
    *,
    causes: Collection[str] | None = None,
    dead_runs: Collection[str] = (),
    lease: timedelta = LEASE,
    now: datetime | None = None,
) -> list[Notification]:
    """Claim for ``run`` up to ``limit`` rows with ids above ``after_id``, in id order: pending
    ones, and those whose claim lapsed or whose claiming run is known to be dead."""
    now = now or utcnow()
    taken_over = (col(Notification.status) == "sending") & or_(
        col(Notification.claimed_at) < now - lease,
        col(Notification.claimed_by).in_(list(dead_runs)),
    )
    claimable = (
        select(col(Notification.id))
        .where((col(Notification.status) == "pending") | taken_over)
        .where(col(Notification.id) > after_id, _of_causes(causes))
        .order_by(col(Notification.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        claimable = claimable.with_for_update(skip_locked=True)
    session.execute(
        update(Notification)
        .where(col(Notification.id).in_(claimable.scalar_subquery()))
        .values(status="sending", claimed_by=run, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return list(
        session.scalars(
            select(Notification)
            .where(col(Notification.status) == "sending", col(Notification.claimed_by) == run)
            .order_by(col(Notification.id))
        )
    )


def live_claims(
    session: Session,
    causes: Collection[str] | None = None,
    *,
    lease: timedelta = LEASE,
    now: datetime | None = None,
) -> dict[str, int]:
    """Rows being sent under a claim that has not lapsed, counted by the run holding them."""
    now = now or utcnow()
    query = (
        select(col(Notification.claimed_by), func.count())
        .where(
            col(Notification.status) == "sending",
            col(Notification.claimed_at) >= now - lease,
            _of_causes(causes),
        )
        .group_by(col(Notification.claimed_by))
    )
    return {str(run): count for run, count in session.execute(query).all()}


def count_unsent(session: Session, causes: Collection[str] | None = None) -> int:
    """Rows not yet sent nor failed for good (pending, or claimed by a run)."""
    query = select(func.count()).where(col(Notification.status).in_(UNSENT), _of_causes(causes))
    return int(session.execute(query).scalar_one())


#: What becomes of a notification after a send attempt: sent, failed for good, or back to
#: pending for the next run.
OUTCOME_STATUS = {"sent": "sent", "failed": "failed", "retry": "pending"}


def record_outcomes(
    session: Session | Connection, outcomes: Sequence[tuple[str, int, str]]
) -> None:
    """Record ``(outcome, notification_id, detail)`` for each row, in one statement a kind:
    ``detail`` is the provider's reference when sent, else the error."""
    connection = session.connection() if isinstance(session, Session) else session
    if connection.dialect.name == "postgresql":
        # A commit that waits for nothing: the record survives this process being killed (the
        # server has it), and only a crash of the database server itself could lose it.
        connection.execute(text("SET LOCAL synchronous_commit TO OFF"))
    now = utcnow()
    for outcome, status in OUTCOME_STATUS.items():
        rows = [(i, d) for o, i, d in outcomes if o == outcome]
        if not rows:
            continue
        sent = outcome == "sent"
        connection.execute(
            _OUTCOME_UPDATES[sent].values(status=status, **({"sent_at": now} if sent else {})),
            [
                {"row_id": row_id, "ref": detail}
                if sent
                else {"row_id": row_id, "error": detail[:2000]}
                for row_id, detail in rows
            ],
        )


def _outcome_update(sent: bool) -> Any:
    """The UPDATE that records outcomes, built once (Core, so that a list of rows runs as
    executemany, and compiled once from SQLAlchemy's cache)."""
    table = table_of(Notification).c
    return (
        update(table_of(Notification))
        .where(table.id == bindparam("row_id"))
        .values(
            attempts=table.attempts + 1,
            claimed_by=None,
            provider_ref=bindparam("ref") if sent else table.provider_ref,
            last_error=None if sent else bindparam("error"),
        )
    )


_OUTCOME_UPDATES = {sent: _outcome_update(sent) for sent in (True, False)}


class OutcomeLog:
    """Where a sending run records its outcomes, one email at a time: each record is its own
    transaction, committed before ``commit`` returns, over one connection held for the run (a
    Session, or a connection from the pool, each time cost more than SQLite's commit itself).
    Retried while the database is busy, as ``models.db.in_transaction`` does."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.connection: Connection | None = None

    def commit(
        self, outcomes: Sequence[tuple[str, int, str]], renew_for: str | None = None
    ) -> None:
        """Record ``outcomes`` (and renew ``renew_for``'s claims), committed."""
        for attempt in range(len(RETRY_DELAYS) + 1):
            try:
                if self.connection is None:
                    self.connection = self.engine.connect().execution_options(**WRITE_LOCK)
                with self.connection.begin():
                    record_outcomes(self.connection, outcomes)
                    if renew_for is not None:
                        renew_claims(self.connection, renew_for)
                return
            except DBAPIError as error:
                self.close()  # the next try starts on a fresh connection
                if attempt == len(RETRY_DELAYS) or not is_transient(error):
                    raise
                time.sleep(RETRY_DELAYS[attempt])

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            connection.close()


def renew_claims(session: Session | Connection, run: str, now: datetime | None = None) -> None:
    """Renew the lease on every row ``run`` still holds."""
    table = table_of(Notification).c
    session.execute(
        update(table_of(Notification))
        .where(table.status == "sending", table.claimed_by == run)
        .values(claimed_at=now or utcnow())
    )


def unreported_failures(session: Session) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(
                col(Notification.status) == "failed",
                col(Notification.failure_reported).is_(False),
            )
            .order_by(col(Notification.id))
        )
    )


def mark_reported(session: Session, notification_ids: Sequence[int]) -> None:
    if notification_ids:
        session.execute(
            update(Notification)
            .where(col(Notification.id).in_(notification_ids))
            .values(failure_reported=True)
            .execution_options(synchronize_session=False)
        )


def record_stages(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Record reminder rungs (``audit_id, due_on, stage, outcome, notification_id,
    recorded_on``); the unique (audit, due date, stage) keeps each rung to once."""
    if not rows:
        return
    # Rows as parameters (one executemany), not one VALUES list: a run's thousands of rows
    # would overrun PostgreSQL's 65,535 bound parameters a statement.
    now = utcnow()
    table = table_of(ReminderStage)
    insert_many(session, table, [{**row, "created_at": now} for row in rows], skip_conflicts=True)


def recorded_stages(session: Session) -> dict[tuple[int, date], set[str]]:
    """The rungs recorded for each outstanding audit, by (audit_id, due_on)."""
    query = (
        select(col(ReminderStage.audit_id), col(ReminderStage.due_on), col(ReminderStage.stage))
        .join(Audit, col(Audit.id) == col(ReminderStage.audit_id))
        .where(col(Audit.status) == "allocated")
    )
    recorded: dict[tuple[int, date], set[str]] = {}
    for audit_id, due_on, stage in session.execute(query).all():
        recorded.setdefault((audit_id, due_on), set()).add(stage)
    return recorded


def notifications(
    session: Session, status: str | None = None, cause: str | None = None
) -> list[Notification]:
    query = select(Notification).order_by(col(Notification.id))
    if status:
        query = query.where(col(Notification.status) == status)
    if cause:
        query = query.where(col(Notification.cause) == cause)
    return list(session.scalars(query))


def existing_keys(session: Session, keys: Sequence[str]) -> set[str]:
    """Those of ``keys`` already in the outbox."""
    found: set[str] = set()
    for start in range(0, len(keys), ENQUEUE_CHUNK):
        chunk = list(keys[start : start + ENQUEUE_CHUNK])
        query = select(col(Notification.key)).where(col(Notification.key).in_(chunk))
        found.update(session.scalars(query))
    return found


def has_cause(session: Session, cause: str) -> bool:
    """Whether the emails of ``cause`` have been written (a change's emails are written once)."""
    query = select(col(Notification.id)).where(col(Notification.cause) == cause).limit(1)
    return session.execute(query).first() is not None
