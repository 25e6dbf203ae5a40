"""How audit actions read in a digest: the rows the templates see, and the subject's words.

Kept beside ``notifications.render`` (which calls it) so that each stays small.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from notifications.invite import human_date
from notifications.messages import ActionItem


@dataclass(frozen=True)
class ActionRow:
    """One action as the templates see it: words, not codes."""

    case_ref: str
    text: str
    due: str
    stage: str
    days_overdue: int
    owner: str
    link: str
    link_text: str


def action_row(item: ActionItem, stage: str) -> ActionRow:
    """``stage``: the stage in words (``render.stage_words``)."""
    return ActionRow(
        case_ref=item.case_ref,
        text=item.text,
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


def is_late(item: ActionItem) -> bool:
    return item.days_overdue > 0


def owner_subject(actions: Sequence[ActionItem], count: str) -> str:
    """The subject of an owner's digest of actions alone (``count``: "N working days", the
    words for a reminder's days left)."""
    late = [i for i in actions if is_late(i)]
    if len(actions) == 1:
        item = actions[0]
        due = human_date(item.due_on)
        if late:
            return f"Overdue: action for case {item.case_ref} was due {due} — please do it now"
        return f"Action for case {item.case_ref} due {due}: {count} left"
    if late:
        first = human_date(min(i.due_on for i in late))
        return f"{len(actions)} actions to do: {len(late)} overdue, first was due {first}"
    return f"{len(actions)} actions to do: first due {human_date(min(i.due_on for i in actions))}"


def manager_action_subject(actions: Sequence[ActionItem], audits: int) -> str:
    """The subject of a line manager's digest with escalated actions (and ``audits`` audits)."""
    if audits == 0 and len(actions) == 1:
        item = actions[0]
        days = f"{item.days_overdue} working day{'s' if item.days_overdue != 1 else ''}"
        return (
            f"Escalation: action for case {item.case_ref} owned by {item.owner_name} is {days}"
            " overdue"
        )
    if audits == 0:
        return f"Escalation: {len(actions)} actions overdue in your teams"
    what = f"{audits} audit{'s' if audits != 1 else ''}"
    return f"Escalation: {what} and {len(actions)} action{'s' if len(actions) != 1 else ''}" + (
        " overdue in your teams"
    )
