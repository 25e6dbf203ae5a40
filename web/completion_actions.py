"""The completion form's action rows: up to ``ACTION_SLOTS`` actions, each an owner (a select of
the active Team and Service Managers, defaulting to the case team's manager), a due date and
the text of what must change. A row with no text is ignored; one with text is checked as
``audits action add`` checks an action, each problem beside its own field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from models.people import Staff
from rules.actions import ACTION_OWNER_ROLES, ActionDraft, ActionError, Owner, check_new_action
from web.forms import Errors, date_field, text_field

ACTION_SLOTS = 3
DATE_PARTS = ("day", "month", "year")
#: The form field a rule's complaint goes beside (``ActionError.field``), within a row.
_RULE_PARTS = {"owner": "owner", "due_on": "due-day", "text": "text"}


@dataclass(frozen=True)
class OwnerChoices:
    """Who may own an action, as the select lists them, and who it starts on."""

    people: list[tuple[str, str]]  # (staff_id, "Name, Team")
    default: str  # the case team's Team Manager, if there is one

    def owner(self, staff_id: str) -> Owner | None:
        known = any(staff_id == person for person, _ in self.people)
        return Owner(staff_id, "team_manager", True) if known else None


def owner_choices(session: Session, case_team: str) -> OwnerChoices:
    query = (
        select(Staff)
        .where(
            col(Staff.role).in_(ACTION_OWNER_ROLES),
            col(Staff.active),
            col(Staff.in_latest_export),
        )
        .order_by(col(Staff.name), col(Staff.staff_id))
    )
    staff = list(session.scalars(query))
    team_manager = next(
        (s.staff_id for s in staff if s.role == "team_manager" and s.team == case_team), ""
    )
    return OwnerChoices([(s.staff_id, f"{s.name}, {s.team or 'no team'}") for s in staff],
                        team_manager)  # fmt: skip


def default_values(choices: OwnerChoices) -> dict[str, str]:
    """The empty rows, each owner preset to the case team's manager."""
    return {f"action-{n}-owner": choices.default for n in range(1, ACTION_SLOTS + 1)}


def read_action_rows(
    errors: Errors, values: dict[str, str], choices: OwnerChoices, set_on: date | None
) -> tuple[ActionDraft, ...]:
    """The rows with text as drafts; each problem added to ``errors`` beside its field."""
    drafts = []
    for n in range(1, ACTION_SLOTS + 1):
        field = f"action-{n}"
        if not values.get(f"{field}-text", "").strip():
            continue
        before = len(errors)
        words = text_field(errors, f"{field}-text", values[f"{field}-text"], "Enter the action")
        owner_id = values.get(f"{field}-owner", "")
        owner = choices.owner(owner_id)
        if owner is None:
            errors[f"{field}-owner"] = f"Select who owns action {n}"
        day, month, year = (values.get(f"{field}-due-{part}", "") for part in DATE_PARTS)
        due = date_field(errors, f"{field}-due", f"the due date of action {n}", day, month, year)
        if len(errors) > before or due is None or owner is None:
            continue
        try:
            check_new_action(words, owner, due, set_on or due)
        except ActionError as error:
            part = _RULE_PARTS.get(error.field or "", "text")
            errors[f"{field}-{part}"] = str(error)[:1].upper() + str(error)[1:]
            continue
        drafts.append(ActionDraft(owner_id, due, words))
    return tuple(drafts)
