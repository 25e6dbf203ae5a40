"""A digest's words: its subject line, and a reminder stage as a person reads it.

Split from ``notifications.render`` (which re-exports these) so that each module stays small.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from notifications.invite import human_date, kind_word
from notifications.messages import ActionItem, Digest, DigestItem

_DUE_IN = re.compile(r"due_in_(\d+)")
_STAGE_WORDS = {"overdue": "Overdue", "escalation": "Escalated to line manager"}


def one_line(subject: str) -> str:
    """A subject on one line, whatever the inputs held (no header injection)."""
    return " ".join(subject.split())


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """'1 address', '3 addresses': a count in words, never 'address(es)'."""
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def due_in(stage: str) -> int | None:
    match = _DUE_IN.fullmatch(stage)
    return int(match.group(1)) if match else None


def stage_words(stage: str, days_left: int | None = None) -> str:
    """A stage as a person reads it: "Due in 5 working days", "Overdue", ..."""
    days = due_in(stage)
    if days is not None and days_left is not None:
        days = days_left
    if days is not None:
        return f"Due in {counted(days, 'working day')}"
    if stage in _STAGE_WORDS:
        return _STAGE_WORDS[stage]
    raise ValueError(f"unknown reminder stage {stage!r}")


def is_late(item: DigestItem) -> bool:
    """Whether an item is past its reminders (overdue or escalated)."""
    return due_in(item.stage) is None


def _auditor_subject(items: Sequence[DigestItem]) -> str:
    late = [i for i in items if is_late(i)]
    if len(items) == 1:
        item = items[0]
        kind, due = kind_word(item.kind), human_date(item.due_on)
        if late:
            return f"Overdue: {kind.lower()} {item.case_ref} was due {due} — please complete it now"
        left = item.working_days_left
        days = counted(left if left is not None else due_in(item.stage) or 0, "working day")
        return f"{kind} {item.case_ref} due {due}: {days} left"
    if late:
        first = human_date(min(i.due_on for i in late))
        return f"{len(items)} audits to complete: {len(late)} overdue, first was due {first}"
    return f"{len(items)} audits to complete: first due {human_date(min(i.due_on for i in items))}"


def _owner_subject(actions: Sequence[ActionItem]) -> str:
    late = [i for i in actions if i.days_overdue > 0]
    if len(actions) == 1:
        item = actions[0]
        due = human_date(item.due_on)
        if late:
            return f"Overdue: action for case {item.case_ref} was due {due} — please do it now"
        left = item.working_days_left
        days = counted(left if left is not None else due_in(item.stage) or 0, "working day")
        return f"Action for case {item.case_ref} due {due}: {days} left"
    if late:
        first = human_date(min(i.due_on for i in late))
        return f"{len(actions)} actions to do: {len(late)} overdue, first was due {first}"
    return f"{len(actions)} actions to do: first due {human_date(min(i.due_on for i in actions))}"


def _manager_action_subject(actions: Sequence[ActionItem], audits: int) -> str:
    if audits == 0 and len(actions) == 1:
        item = actions[0]
        return (
            f"Escalation: action for case {item.case_ref} owned by {item.owner_name} is"
            f" {counted(item.days_overdue, 'working day')} overdue"
        )
    if audits == 0:
        return f"Escalation: {len(actions)} actions overdue in your teams"
    return (
        f"Escalation: {counted(audits, 'audit')} and {counted(len(actions), 'action')} overdue"
        " in your teams"
    )


def _manager_subject(items: Sequence[DigestItem], actions: Sequence[ActionItem]) -> str:
    if actions:
        return _manager_action_subject(actions, len(items))
    if len(items) == 1:
        item = items[0]
        return (
            f"Escalation: {kind_word(item.kind).lower()} {item.case_ref} by {item.auditor_name}"
            f" is {counted(item.days_overdue, 'working day')} overdue"
        )
    return f"Escalation: {len(items)} audits overdue in your teams"


def _aps_subject(digest: Digest) -> str:
    counts = [
        (sum(1 for i in digest.items if i.stage == "overdue"), "overdue", "overdue"),
        (sum(1 for i in digest.items if i.stage == "escalation"), "escalated", "escalated"),
        (sum(1 for i in digest.items if not is_late(i)), "due soon", "due soon"),
        (
            sum(1 for i in digest.actions if i.stage == "overdue"),
            "action overdue",
            "actions overdue",
        ),
        (
            sum(1 for i in digest.actions if i.stage == "escalation"),
            "action escalated",
            "actions escalated",
        ),
        (len(digest.failed_notifications), "failed email", "failed emails"),
        (len(digest.pending_requests), "request to decide", "requests to decide"),
    ]
    parts = [counted(n, one, many) for n, one, many in counts if n]
    summary = ", ".join(parts) or "nothing to report"
    return f"Audit programme digest for {human_date(digest.run_date)}: {summary}"


def digest_subject(digest: Digest) -> str:
    """What the recipient has to do and by when, in one line."""
    if digest.role == "aps":
        return one_line(_aps_subject(digest))
    if not digest.items and not digest.actions:
        raise ValueError(f"a {digest.role} digest needs at least one item")
    if digest.role == "auditor":
        also = f" (and {counted(len(digest.actions), 'action')} to do)" if digest.actions else ""
        return one_line(_auditor_subject(digest.items) + also)
    if digest.role == "owner":
        return one_line(_owner_subject(digest.actions))
    if digest.role == "line_manager":
        return one_line(_manager_subject(digest.items, digest.actions))
    raise ValueError(f"unknown recipient role {digest.role!r}")
