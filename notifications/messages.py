"""What an email carries, independent of how it is rendered or sent.

Emails carry case references and links, never a child's name or narrative about a child.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

STAGES = ("due_in_5", "due_in_1", "overdue", "escalation")
#: The same ladder for audit actions, as a chase run counts them in ``items_by_stage``.
ACTION_STAGES = tuple(f"action_{stage}" for stage in STAGES)
#: "owner": someone told of actions they own, and of no audit of their own.
RECIPIENT_ROLES = ("auditor", "owner", "line_manager", "aps")
#: The outbox kinds sent marked high importance: a safeguarding concern must not wait in an inbox.
HIGH_IMPORTANCE_KINDS = frozenset({"concern-raised", "concern-chase"})


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "text/calendar; method=REQUEST"
    content: bytes


@dataclass(frozen=True)
class Email:
    """A rendered email, ready for any transport."""

    to: str
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = ()
    reference: str = ""  # the outbox key: lets a provider deduplicate and a reader trace it
    #: Marked high importance (``Importance: high``, ``X-Priority: 1``): a safeguarding concern.
    high_importance: bool = False


@dataclass(frozen=True)
class DigestItem:
    """One audit in a digest: what it is, how far along the reminder ladder, and where to act."""

    audit_id: int
    case_ref: str
    kind: str  # "audit" or "reaudit"
    stage: str  # one of STAGES
    due_on: date
    original_due_on: date
    auditor_id: str
    auditor_name: str
    auditor_team: str
    days_overdue: int  # working days past the due date (0 when not yet due)
    link: str
    # Working days left before the due date, when a reminder goes later than its rung (after a
    # missed run): the words then say how long is really left, not what the rung's name says.
    working_days_left: int | None = None
    note: str = ""  # e.g. that an escalation reached nobody but APS


@dataclass(frozen=True)
class ActionItem:
    """One audit action in a digest: the case, how far along the ladder, and
    the signed link (for this digest's recipient) to the page that marks it done."""

    action_id: int
    audit_id: int
    case_ref: str
    stage: str  # one of STAGES: the rung of the action's own ladder
    due_on: date
    owner_id: str
    owner_name: str
    owner_team: str
    days_overdue: int
    link: str
    working_days_left: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Digest:
    """Everything one person is told in one run: one email, however many items."""

    recipient_email: str
    recipient_name: str
    role: str  # one of RECIPIENT_ROLES: the auditor, an owner, a line manager, or the APS team
    run_date: date
    items: tuple[DigestItem, ...]
    # For the APS digest: notifications that failed for good since the last digest.
    failed_notifications: tuple[str, ...] = ()
    # For the APS digest: extension and exemption requests still waiting for a decision (so a
    # request is seen even if the event that should have announced it was lost).
    pending_requests: tuple[str, ...] = ()
    # The audit actions the chase tells this person of (their own, or escalated, or for APS).
    actions: tuple[ActionItem, ...] = ()


@dataclass(frozen=True)
class AllocationNotice:
    """The email an auditor gets when a case is allocated to them, with a calendar invitation."""

    recipient_email: str
    recipient_name: str
    audit_id: int
    case_ref: str
    kind: str
    cycle: str  # "YYYY-MM"
    cohort_title: str
    allocated_on: date
    due_on: date
    link: str
    # The slot to block out for the audit and the reflection conversation (Europe/London).
    slot_start: datetime
    slot_end: datetime
    organiser_email: str
    # Signed links for this auditor alone, each usable once (config.signed_links); "" omits them.
    extension_link: str = ""
    exemption_link: str = ""
    #: The SEQUENCE of this invitation: 0 for the allocation's, higher for each later revision.
    invite_sequence: int = 0
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Notice:
    """A one-off email about one thing (a request to decide, a decision made): a subject, a few
    labelled facts, a paragraph on what to do, and a link."""

    recipient_email: str
    recipient_name: str
    subject: str
    facts: tuple[tuple[str, str], ...]
    message: str
    link: str
    link_text: str
