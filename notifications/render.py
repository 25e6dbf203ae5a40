"""How an email looks: a digest or an allocation notice rendered to an `Email`.

Templates live in the repository's ``templates/emails/``: HTML (autoescaped, its CSS inlined by
css-inline) and a plain-text part. The templates see only the small views built here, made from
the fields of the message dataclasses that may go in an email (case references, dates, staff
names and teams, links), so nothing else a caller carries (a child's name, ``extra``) can leak.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import css_inline
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from notifications.action_render import action_row, ordered_actions
from notifications.digest_words import counted, digest_subject, one_line, stage_words
from notifications.invite import (
    allocation_invite,
    cancelled_invite,
    cycle_label,
    human_date,
    kind_word,
    slot_words,
)
from notifications.messages import (
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
    "counted",
    "digest_subject",
    "human_date",
    "invite_attachment",
    "one_line",
    "render_allocation",
    "render_digest",
    "render_notice",
    "stage_words",
]


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("templates", "."),  # the top-level templates/ package
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # The templates are installed with the code and change only with it: not checking each
        # file's modification time at every render saves a chase 0.1-0.2 s per 1,000 digests.
        auto_reload=False,
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
            "action_rows": [action_row(a) for a in actions],
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
