"""What a chase run reads of audit actions (the open ones, the rungs already taken) and the
rungs it records in ``action_reminder``, as ``chase_store`` and ``outbox_store`` do for audits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from models.actions import ActionReminder, AuditAction
from models.base import utcnow
from models.bulk import insert_many, table_of
from models.chase_store import Person
from models.programme import Audit
from rules.action_chase import ActionPlan, OpenAction


def open_actions(session: Session) -> list[OpenAction]:
    """Actions still open (a done action is never chased), with their audits' case references.
    Not their text: free text stays out of emails, on the pages behind sign-in and the links."""
    query = (
        select(
            col(AuditAction.id),
            col(AuditAction.audit_id),
            col(Audit.case_ref),
            col(AuditAction.owner_id),
            col(AuditAction.set_on),
            col(AuditAction.due_on),
        )
        .join(Audit, col(Audit.id) == col(AuditAction.audit_id))
        .where(col(AuditAction.status) == "open")
    )
    return [OpenAction(*row) for row in session.execute(query).all()]


def recorded_action_stages(session: Session) -> dict[tuple[int, date], set[str]]:
    """The rungs recorded for each open action, by (action_id, due_on)."""
    query = (
        select(col(ActionReminder.action_id), col(ActionReminder.due_on), col(ActionReminder.stage))
        .join(AuditAction, col(AuditAction.id) == col(ActionReminder.action_id))
        .where(col(AuditAction.status) == "open")
    )
    recorded: dict[tuple[int, date], set[str]] = {}
    for action_id, due_on, stage in session.execute(query).all():
        recorded.setdefault((action_id, due_on), set()).add(stage)
    return recorded


def action_stage_rows(
    plan: ActionPlan,
    directory: Mapping[str, Person],
    digest_ids: Mapping[str, int | None],
    today: date,
) -> list[dict[str, Any]]:
    """The rungs the plan takes today: each sent rung with the id of its owner's digest (by
    email address, in ``digest_ids``), and the rungs it passes over as superseded."""
    rows = []
    for action, step in plan.steps:
        owner = directory.get(action.owner_id)
        sent_in = digest_ids.get(owner.email) if owner else None
        for rung in step.superseded:
            rows.append(_row(action, rung.key, "superseded", None, today))
        if step.send is not None:
            rows.append(_row(action, step.send.key, "sent", sent_in, today))
    return rows


def record_action_stages(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Record action rungs; the unique (action, due date, stage) keeps each rung to once, so a
    second run that somehow decided the same day adds nothing."""
    if not rows:
        return
    now = utcnow()
    # Rows as parameters (executemany), not one VALUES list: see outbox_store.record_stages.
    rows = [{**row, "created_at": now} for row in rows]
    insert_many(session, table_of(ActionReminder), rows, skip_conflicts=True)


def _row(
    action: OpenAction, key: str, outcome: str, notification_id: int | None, today: date
) -> dict[str, Any]:
    return {
        "action_id": action.action_id,
        "due_on": action.due_on,
        "stage": key,
        "outcome": outcome,
        "notification_id": notification_id,
        "recorded_on": today,
    }
