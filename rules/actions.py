"""Audit actions: what may be set, who may mark one done, and when one is overdue.

An action is what must change for the child after an audit: its text, its owner (an active Team
Manager or Service Manager, normally the case team's manager) and the working day it is due.
Every check raises :class:`ActionError` with one readable line and the argument it refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rules.errors import RuleError
from rules.values import shown
from rules.working_days import is_working_day

ACTION_OWNER_ROLES = ("team_manager", "service_manager")
ACTION_STATUSES = ("open", "done")
#: What ``audits actions --status`` filters on: the two statuses, and "overdue" (open, past due).
ACTION_FILTERS = (*ACTION_STATUSES, "overdue")
MAX_ACTION_TEXT = 2000
MAX_DONE_NOTE = 2000


class ActionError(RuleError):
    """The action, or marking it done, breaks a rule; the message says which, in one line."""


@dataclass(frozen=True)
class ActionDraft:
    """An action as asked for (``--action "OWNER_ID|YYYY-MM-DD|TEXT"``, the CSV, the form)."""

    owner_id: str
    due_on: date
    text: str


@dataclass(frozen=True)
class Owner:
    """The proposed owner of an action, as the staff list has them."""

    staff_id: str
    role: str
    active: bool


def check_new_action(text: str, owner: Owner | None, due_on: date, set_on: date) -> str:
    """The action's text, trimmed, if an action may be set (raises :class:`ActionError` if not)."""
    text = text.strip()
    if not text:
        raise ActionError("an action needs its text: what must change for the child", "text")
    if len(text) > MAX_ACTION_TEXT:
        raise ActionError(f"an action's text is at most {MAX_ACTION_TEXT} characters", "text")
    if owner is None:
        raise ActionError("the action's owner is not on the staff list", "owner")
    if owner.role not in ACTION_OWNER_ROLES or not owner.active:
        raise ActionError(
            f"{owner.staff_id} cannot own an action: the owner is an active Team Manager or "
            "Service Manager",
            "owner",
        )
    if not is_working_day(due_on):
        raise ActionError(f"an action is due on a working day; {due_on} is not one", "due_on")
    if due_on < set_on:
        raise ActionError(
            f"an action cannot be due ({due_on}) before the day it is set ({set_on})", "due_on"
        )
    return text


def check_done(
    status: str, set_on: date, on: date, note: str, may_close: bool, by: str, today: date
) -> str:
    """The note, trimmed, if the action may be marked done on ``on`` by ``by`` (``may_close``:
    they are its owner, the owner's line manager or an active APS member), as of ``today``."""
    if status == "done":
        raise ActionError("this action is already done")
    if not may_close:
        raise ActionError(
            f"{staff_name(by)} cannot mark this action done: only its owner, their line manager "
            "or the APS team can"
        )
    if on < set_on:
        raise ActionError(f"an action cannot be done ({on}) before it was set ({set_on})", "on")
    if on > today:
        raise ActionError(f"an action cannot be marked done on a future day ({on})", "on")
    note = note.strip()
    if not note:
        raise ActionError("say what was done: a note is needed", "note")
    if len(note) > MAX_DONE_NOTE:
        raise ActionError(f"the note is at most {MAX_DONE_NOTE} characters", "note")
    return note


def staff_name(staff_id: str) -> str:
    """A staff id as a message names it: as it is, or quoted when it holds a control character
    (an id typed wrong, never on the staff list), so that the message stays one line."""
    return staff_id if staff_id.isprintable() else shown(staff_id)


def is_overdue(status: str, due_on: date, today: date) -> bool:
    """Whether an action is overdue on ``today``: still open after its due date."""
    return status == "open" and due_on < today


def shown_status(status: str, due_on: date, today: date) -> str:
    """``open``, ``done`` or, for an open action past its due date, ``overdue``."""
    return "overdue" if is_overdue(status, due_on, today) else status


def parse_action_option(value: str) -> ActionDraft:
    """``OWNER_ID|YYYY-MM-DD|TEXT`` as an :class:`ActionDraft` (the text may hold ``|``)."""
    parts = value.split("|", 2)
    if len(parts) != 3:
        raise ActionError(f"an action is OWNER_ID|YYYY-MM-DD|TEXT, not {value!r}", "action")
    owner_id, due, text = (part.strip() for part in parts)
    try:
        due_on = date.fromisoformat(due)
    except ValueError:
        raise ActionError(f"an action's due date is YYYY-MM-DD, not {due!r}", "due_on") from None
    return ActionDraft(owner_id=owner_id, due_on=due_on, text=text)
