"""Audit actions in the chase's digests: each recipient's action items, with a done link signed
for that recipient alone (the owner, their line manager or an APS member: each may mark it done).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from models.chase_store import Person
from notifications.action_links import action_done_link
from notifications.email_context import EmailContext
from notifications.messages import ActionItem
from rules.action_chase import ActionNotice, ActionPlan
from rules.working_days import working_days_between


@dataclass(frozen=True)
class ActionDigestParts:
    """A run's action plan and what signing its links needs."""

    plan: ActionPlan
    context: EmailContext

    def items(
        self, directory: Mapping[str, Person], today: date
    ) -> dict[str, tuple[ActionItem, ...]]:
        """Each recipient's action items (by staff id), by action id."""
        unrouted = {notice.action.action_id for notice in self.plan.unrouted}
        found: dict[str, dict[int, ActionItem]] = {}
        for (staff_id, _), notices in self.plan.digests.items():
            theirs = found.setdefault(staff_id, {})
            for notice in notices:
                theirs[notice.action.action_id] = action_item(
                    notice, staff_id, directory, self.context, today, unrouted
                )
        return {
            staff_id: tuple(theirs[k] for k in sorted(theirs)) for staff_id, theirs in found.items()
        }


def action_item(
    notice: ActionNotice,
    recipient_id: str,
    directory: Mapping[str, Person],
    context: EmailContext,
    today: date,
    unrouted: set[int],
) -> ActionItem:
    """One action's line in ``recipient_id``'s digest (``unrouted``: actions whose owner has no
    line manager on record, so only APS was told of the escalation)."""
    action = notice.action
    owner = directory.get(action.owner_id)
    return ActionItem(
        action_id=action.action_id,
        audit_id=action.audit_id,
        case_ref=action.case_ref,
        stage=notice.rung.stage,
        due_on=action.due_on,
        owner_id=action.owner_id,
        owner_name=owner.name if owner else action.owner_id,
        owner_team=(owner.team or "") if owner else "",
        days_overdue=notice.days_overdue,
        link=action_done_link(context, action.action_id, recipient_id, action.due_on),
        working_days_left=(
            working_days_between(today, action.due_on) if today < action.due_on else None
        ),
        note="no line manager on record: only APS was told" if action.action_id in unrouted else "",
    )
