"""The actions an audit's page lists: what, whose (by name), due, status (overdue as of the
page's day), and when and how each was done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from models.action_store import list_actions
from models.people import Staff
from rules.actions import shown_status


@dataclass(frozen=True)
class ActionRow:
    action_id: int
    text: str
    owner_name: str
    due_on: date
    status: str  # open, done or overdue
    done_on: date | None
    done_note: str | None


def audit_actions(session: Session, audit_id: int, today: date) -> list[ActionRow]:
    lines = list_actions(session, audit_ids=[audit_id])
    ids = sorted({line.action.owner_id for line in lines})
    query = select(col(Staff.staff_id), col(Staff.name)).where(col(Staff.staff_id).in_(ids))
    names: dict[str, str] = {sid: name for sid, name in session.execute(query)} if ids else {}
    return [
        ActionRow(
            action_id=line.action.id or 0,
            text=line.action.text,
            owner_name=names.get(line.action.owner_id, line.action.owner_id),
            due_on=line.action.due_on,
            status=shown_status(line.action.status, line.action.due_on, today),
            done_on=line.action.done_on,
            done_note=line.action.done_note,
        )
        for line in lines
    ]
