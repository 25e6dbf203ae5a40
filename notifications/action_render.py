"""How audit actions read in a digest: the rows the templates see (``notifications.render``
renders them; ``notifications.digest_words`` words the subject)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from notifications.digest_words import stage_words
from notifications.invite import human_date
from notifications.messages import ActionItem


@dataclass(frozen=True)
class ActionRow:
    """One action as the templates see it: words, not codes."""

    action_id: int
    case_ref: str
    due: str
    stage: str
    days_overdue: int
    owner: str
    link: str
    link_text: str


def action_row(item: ActionItem) -> ActionRow:
    stage = stage_words(item.stage, item.working_days_left)
    return ActionRow(
        action_id=item.action_id,
        case_ref=item.case_ref,
        due=human_date(item.due_on),
        stage=stage + (f" ({item.note})" if item.note else ""),
        days_overdue=item.days_overdue,
        owner=", ".join(part for part in (item.owner_name, item.owner_team) if part),
        link=item.link,
        link_text=f"Mark action {item.action_id} (case {item.case_ref}) done",
    )


def ordered_actions(items: Sequence[ActionItem]) -> list[ActionItem]:
    """Most overdue first, then by due date."""
    return sorted(items, key=lambda i: (-i.days_overdue, i.due_on, i.case_ref, i.action_id))
