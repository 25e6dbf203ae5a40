"""How an email looks: a digest or an allocation notice rendered to an `Email`.

Templates live in the repository's ``templates/emails/``: HTML (autoescaped, its CSS inlined by
css-inline) and a plain-text part. The templates see only the small views built here, made from
the fields of the message dataclasses that may go in an email (case references, dates, staff
names and teams, links), so nothing else a caller carries (a child's name, ``extra``) can leak.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import css_inline
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from notifications.action_render import (
    action_row,
    manager_action_subject,
    ordered_actions,
    owner_subject,
)
from notifications.invite import (
    allocation_invite,
    cancelled_invite,
    cycle_label,
    human_date,
    kind_word,
    slot_words,
)
from notifications.messages import (
    ActionItem,
    AllocationNotice,
    Attachment,
    Digest,
    DigestItem,
    Email,
    Notice,
)

__all__ = [
    "allocation_invite",
    "allocation_subject",
    "digest_subject",
    "human_date",
    "invite_attachment",
    "render_allocation",
    "render_digest",
    "render_notice",
]

_DUE_IN = re.compile(r"due_in_(\d+)")
_STAGE_WORDS = {"overdue": "Overdue", "escalation": "Escalated to line manager"}


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("templates", "."),  # the top-level templates/ package
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@cache
def _inliner() -> css_inline.CSSInliner:
    return css_inline.CSSInliner(load_remote_stylesheets=False)


def render_email_template(name: str, context: dict[str, Any]) -> tuple[str, str]:
    """The HTML part (CSS inlined) and the text part of template ``emails/<name>``."""
    env = _environment()
    html = env.get_template(f"emails/{name}.html").render(context)
    text = env.get_template(f"emails/{name}.txt").render(context)
    return _inliner().inline(html), text


def one_line(subject: str) -> str:
    """A subject on one line, whatever the inputs held (no header injection)."""
    return " ".join(subject.split())


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """'1 address', '3 addresses': a count in words, never 'address(es)'."""
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def _due_in(stage: str) -> int | None:
    match = _DUE_IN.fullmatch(stage)
    return int(match.group(1)) if match else None


def stage_words(stage: str, days_left: int | None = None) -> str:
    """A stage as a person reads it: "Due in 5 working days", "Overdue", ..."""
    days = _due_in(stage)
    if days is not None and days_left is not None:
        days = days_left
    if days is not None:
        return f"Due in {counted(days, 'working day')}"
    if stage in _STAGE_WORDS:
        return _STAGE_WORDS[stage]
    raise ValueError(f"unknown reminder stage {stage!r}")


@dataclass(frozen=True)
class _Row:
    """One item as the templates see it: words, not codes."""

    case_ref: str
    kind: str
    due: str
    original_due: str  # "" unless the due date was extended
    stage: str
    days_overdue: int
    auditor: str
    link: str
    link_text: str


def _row(item: DigestItem) -> _Row:
    kind = kind_word(item.kind)
    extended = item.original_due_on != item.due_on
    return _Row(
        case_ref=item.case_ref,
        kind=kind,
        due=human_date(item.due_on),
        original_due=human_date(item.original_due_on) if extended else "",
        stage=stage_words(item.stage, item.working_days_left)
        + (f" ({item.note})" if item.note else ""),
        days_overdue=item.days_overdue,
        auditor=", ".join(part for part in (item.auditor_name, item.auditor_team) if part),
        link=item.link,
        link_text=f"Open {kind.lower()} {item.audit_id} (case {item.case_ref})",
    )


def _ordered(items: Sequence[DigestItem]) -> list[DigestItem]:
    """Most overdue first, then by due date."""
    return sorted(items, key=lambda i: (-i.days_overdue, i.due_on, i.case_ref, i.audit_id))


def _is_late(item: DigestItem) -> bool:
    return _due_in(item.stage) is None


def _auditor_subject(items: Sequence[DigestItem]) -> str:
    late = [i for i in items if _is_late(i)]
    if len(items) == 1:
        item = items[0]
        kind, due = kind_word(item.kind), human_date(item.due_on)
        if late:
            return f"Overdue: {kind.lower()} {item.case_ref} was due {due} — please complete it now"
        left = item.working_days_left
        days = counted(left if left is not None else _due_in(item.stage) or 0, "working day")
        return f"{kind} {item.case_ref} due {due}: {days} left"
    if late:
        first = human_date(min(i.due_on for i in late))
        return f"{len(items)} audits to complete: {len(late)} overdue, first was due {first}"
    return f"{len(items)} audits to complete: first due {human_date(min(i.due_on for i in items))}"


def _owner_subject(actions: Sequence[ActionItem]) -> str:
    first = min(actions, key=lambda i: i.due_on)
    left = first.working_days_left
    return owner_subject(
        actions, counted(left if left is not None else _due_in(first.stage) or 0, "working day")
    )


def _manager_subject(items: Sequence[DigestItem], actions: Sequence[ActionItem]) -> str:
    if actions:
        return manager_action_subject(actions, len(items))
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
        (sum(1 for i in digest.items if not _is_late(i)), "due soon", "due soon"),
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


def render_digest(digest: Digest, programme_name: str) -> Email:
    """One person's digest for one run: every item, in HTML and plain text."""
    subject = digest_subject(digest)
    items, actions = _ordered(digest.items), ordered_actions(digest.actions)
    html, text = render_email_template(
        "digest",
        {
            "subject": subject,
            "programme_name": programme_name,
            "role": digest.role,
            "recipient_name": digest.recipient_name,
            "run_date": human_date(digest.run_date),
            "rows": [_row(item) for item in items],
            "any_overdue": any(item.days_overdue > 0 for item in items),
            "action_rows": [
                action_row(a, stage_words(a.stage, a.working_days_left)) for a in actions
            ],
            "any_action_overdue": any(a.days_overdue > 0 for a in actions),
            "failed": list(digest.failed_notifications),
            "pending": list(digest.pending_requests),
        },
    )
    return Email(to=digest.recipient_email, subject=subject, text=text, html=html)


def allocation_subject(notice: AllocationNotice) -> str:
    what = kind_word(notice.kind)
    return one_line(
        f"{what} allocated: complete case {notice.case_ref} by {human_date(notice.due_on)}"
    )


def render_allocation(
    notice: AllocationNotice, programme_name: str, with_invite: bool = True
) -> Email:
    """The allocation email, with a calendar invitation for the slot attached (``with_invite``;
    otherwise the slot is only named, as for a transport that attaches nothing)."""
    subject = allocation_subject(notice)
    kind = kind_word(notice.kind)
    html, text = render_email_template(
        "allocation",
        {
            "subject": subject,
            "programme_name": programme_name,
            "recipient_name": notice.recipient_name,
            "case_ref": notice.case_ref,
            "kind": kind,
            "cycle": cycle_label(notice.cycle),
            "cohort_title": notice.cohort_title,
            "allocated_on": human_date(notice.allocated_on),
            "due": human_date(notice.due_on),
            "slot": slot_words(notice.slot_start, notice.slot_end),
            "link": notice.link,
            "link_text": f"Open {kind.lower()} {notice.audit_id} (case {notice.case_ref})",
            "extension_link": notice.extension_link,
            "exemption_link": notice.exemption_link,
            "with_invite": with_invite,
        },
    )
    return Email(
        to=notice.recipient_email,
        subject=subject,
        text=text,
        html=html,
        attachments=(invite_attachment(notice),) if with_invite else (),
    )


def invite_attachment(notice: AllocationNotice, method: str = "REQUEST") -> Attachment:
    """The audit's calendar invitation as an attachment: ``REQUEST`` (the slot, new or moved) or
    ``CANCEL`` (the slot taken out of the calendar)."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"an invitation's method is REQUEST or CANCEL, not {method!r}")
    content = allocation_invite(notice) if method == "REQUEST" else cancelled_invite(notice)
    return Attachment(
        f"audit-{notice.audit_id}.ics",
        f"text/calendar; method={method}; charset=utf-8",
        content,
    )


def render_notice(
    notice: Notice, programme_name: str, attachments: tuple[Attachment, ...] = ()
) -> Email:
    """A one-off email: a request for APS to decide, a decision for the auditor, a due date
    moved by a pause; with ``attachments`` (an updated or cancelled invitation)."""
    subject = one_line(notice.subject)
    html, text = render_email_template(
        "notice",
        {
            "subject": subject,
            "programme_name": programme_name,
            "recipient_name": notice.recipient_name,
            "message": notice.message,
            "facts": list(notice.facts),
            "link": notice.link,
            "link_text": notice.link_text,
        },
    )
    return Email(
        to=notice.recipient_email, subject=subject, text=text, html=html, attachments=attachments
    )
