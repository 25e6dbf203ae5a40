"""Audit actions: set, marked done and listed (rules in ``rules.actions``).

Every change is written to the trail in the caller's transaction. The owner's email is the
caller's to write (``notifications``), as for every other change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from models.actions import AuditAction
from models.people import Staff
from models.programme import Audit
from models.trail import on_audit
from rules.actions import (
    ActionDraft,
    ActionError,
    Owner,
    check_done,
    check_new_action,
    shown_status,
    staff_name,
)
from rules.roles import is_active_aps

#: Audits that may be given actions: not one released (exempted or withdrawn).
LIVE_AUDIT = ("allocated", "completed")


@dataclass(frozen=True)
class ActionLine:
    """An action with its audit's case reference, as lists show it."""

    action: AuditAction
    case_ref: str


def add_action(
    session: Session, audit_id: int, draft: ActionDraft, set_on: date, by: str
) -> AuditAction:
    """Set an action on audit ``audit_id`` (raises :class:`ActionError` if it may not be)."""
    audit = session.get(Audit, audit_id)
    if audit is None:
        raise ActionError(f"there is no audit {audit_id}")
    if audit.status not in LIVE_AUDIT:
        raise ActionError(f"audit {audit_id} is {audit.status}: actions are set on a live audit")
    person = session.get(Staff, draft.owner_id)
    owner = None if person is None else Owner(person.staff_id, person.role, person.active)
    if owner is None:
        raise ActionError(f"there is no member of staff {staff_name(draft.owner_id)}", "owner")
    text = check_new_action(draft.text, owner, draft.due_on, set_on)
    action = AuditAction(
        audit_id=audit_id,
        text=text,
        owner_id=owner.staff_id,
        set_on=set_on,
        due_on=draft.due_on,
        set_by=by,
    )
    session.add(action)
    session.flush()
    _trail(session, by, "action.set", action, {"owner_id": owner.staff_id})
    return action


def check_setter(session: Session, audit_id: int, by: str) -> None:
    """Whether ``by`` may set actions on the audit: its auditor, or an active APS member."""
    audit = session.get(Audit, audit_id)
    if audit is None:
        raise ActionError(f"there is no audit {audit_id}")
    person = session.get(Staff, by)
    if person is None:
        raise ActionError(f"there is no member of staff {staff_name(by)}", "by")
    if by != audit.auditor_id and not is_active_aps(person):
        raise ActionError(
            f"{by} cannot set actions on audit {audit_id}: only its auditor or the APS team can",
            "by",
        )


def mark_done(
    session: Session, action_id: int, on: date, note: str, by: str, today: date
) -> AuditAction:
    """Mark an action done on ``on`` with ``note``, by its owner, their line manager or APS."""
    action = session.get(AuditAction, action_id, with_for_update=True)
    if action is None:
        raise ActionError(f"there is no action {action_id}")
    closer = may_close(session, action, by)
    note = check_done(action.status, action.set_on, on, note, closer, by, today)
    action.status, action.done_on, action.done_by, action.done_note = "done", on, by, note
    session.add(action)
    _trail(session, by, "action.done", action, {"done_on": on.isoformat()})
    return action


def may_close(session: Session, action: AuditAction, by: str) -> bool:
    """Whether ``by`` may mark ``action`` done: its owner, the owner's line manager, or APS."""
    if by == action.owner_id:
        return True
    owner, person = session.get(Staff, action.owner_id), session.get(Staff, by)
    if person is None:
        return False
    return (owner is not None and owner.line_manager_id == by) or is_active_aps(person)


def list_actions(
    session: Session,
    *,
    status: str | None = None,
    owner_id: str | None = None,
    audit_ids: Sequence[int] | None = None,
    today: date | None = None,
) -> list[ActionLine]:
    """Actions with their case references, by due date then id. ``status`` is ``open``,
    ``done`` or ``overdue`` (open and due before ``today``, which it then needs)."""
    query = select(AuditAction, col(Audit.case_ref)).join(
        Audit, col(Audit.id) == col(AuditAction.audit_id)
    )
    if status in ("open", "overdue"):
        query = query.where(col(AuditAction.status) == "open")
    elif status == "done":
        query = query.where(col(AuditAction.status) == "done")
    if status == "overdue":
        if today is None:
            raise ValueError("overdue actions are listed as of a day: pass today")
        query = query.where(col(AuditAction.due_on) < today)
    if owner_id is not None:
        query = query.where(col(AuditAction.owner_id) == owner_id)
    if audit_ids is not None:
        query = query.where(col(AuditAction.audit_id).in_(list(audit_ids)))
    query = query.order_by(col(AuditAction.due_on), col(AuditAction.id))
    return [ActionLine(action, case_ref) for action, case_ref in session.execute(query)]


def action_json(line: ActionLine, today: date) -> dict[str, Any]:
    """An action as ``audits actions --json`` lists it; ``status`` is ``overdue`` for an open
    action past its due date on ``today``."""
    action = line.action
    return {
        "action_id": action.id,
        "audit_id": action.audit_id,
        "case_ref": line.case_ref,
        "owner_id": action.owner_id,
        "due_on": action.due_on.isoformat(),
        "status": shown_status(action.status, action.due_on, today),
        "done_on": action.done_on.isoformat() if action.done_on else None,
    }


def _trail(
    session: Session, by: str, what: str, action: AuditAction, detail: dict[str, str]
) -> None:
    # The action's text stays in its own table: the trail says who did what, when.
    extra = {"action_id": action.id, "due_on": action.due_on.isoformat(), **detail}
    on_audit(session, by, what, action.audit_id, extra)
