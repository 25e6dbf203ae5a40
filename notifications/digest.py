"""The chase's digests: the day's reminders, chases and escalations gathered into one email per
person, and each written as the outbox keeps it.

Someone with two roles (say, APS and auditor) still gets one email, with every item of both;
the APS team's digest also lists the emails that could not be delivered and the requests that
wait for a decision.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date

from models.chase_store import PendingRequest, Person, aps_team
from models.outbox import Notification
from models.outbox_store import Outgoing
from notifications.action_digest import ActionDigestParts
from notifications.invite import human_date
from notifications.messages import Digest, DigestItem
from notifications.render import render_digest
from rules.action_chase import OWNER
from rules.chase import APS, AUDITOR, LINE_MANAGER, ChasePlan, Notice
from rules.working_days import working_days_between

#: Whose digest a person's is when they have several roles: the highest rank's.
ROLE_RANK = {OWNER: 0, AUDITOR: 1, LINE_MANAGER: 2, APS: 3}


def failure_line(row: Notification) -> str:
    """An email that could not be delivered, as the APS digest lists it."""
    return f"{row.kind} to {row.recipient} ({row.subject}): {row.last_error}"


def pending_line(request: PendingRequest) -> str:
    """A request waiting for a decision, as the APS digest lists it: "Extension request 4 until
    Fri 8 Jan 2027, audit 12 (case C106270), asked by Sam Example on Tue 15 Dec 2026"."""
    if request.requested_until is not None:
        asked = f"until {human_date(request.requested_until)}"
    else:
        category = request.category or "other"
        asked = "for " + ("another reason" if category == "other" else category.replace("_", " "))
    late = " (late)" if request.late else ""
    return (
        f"{request.kind.capitalize()} request {request.request_id} {asked}, audit "
        f"{request.audit_id} (case {request.case_ref}), asked by {request.requested_by_name} "
        f"on {human_date(request.requested_on)}{late}"
    )


def chase_digests(
    plan: ChasePlan,
    directory: dict[str, Person],
    today: date,
    base_url: str,
    failure_lines: tuple[str, ...],
    pending: tuple[str, ...] = (),
    actions: ActionDigestParts | None = None,
) -> dict[str, Digest]:
    """One digest per person (by staff id) with every item the plan routes to them, audits and
    actions alike; the APS team's also when there are failures or pending requests to list,
    items or none."""
    roles: dict[str, set[str]] = defaultdict(set)
    items: dict[str, dict[int, DigestItem]] = defaultdict(dict)
    unrouted = {notice.audit.audit_id for notice in plan.unrouted}
    for (staff_id, role), notices in plan.digests.items():
        roles[staff_id].add(role)
        for notice in notices:
            items[staff_id][notice.audit.audit_id] = digest_item(
                notice, directory, base_url, today, unrouted
            )
    if actions is not None:
        for staff_id, role in actions.plan.digests:
            roles[staff_id].add(role)
    action_items = actions.items(directory, today) if actions is not None else {}
    if failure_lines or pending:
        for staff_id in aps_team(directory):
            roles[staff_id].add(APS)
    return {
        staff_id: Digest(
            recipient_email=directory[staff_id].email,
            recipient_name=directory[staff_id].name,
            role=(role := digest_role(roles[staff_id])),
            run_date=today,
            items=tuple(sorted(items[staff_id].values(), key=lambda i: i.audit_id)),
            failed_notifications=failure_lines if role == APS else (),
            pending_requests=pending if role == APS else (),
            actions=action_items.get(staff_id, ()),
        )
        for staff_id in sorted(roles)
        if staff_id in directory
    }


def digest_role(roles: set[str]) -> str:
    """Whose digest a person's is when they have several roles: the highest rank's (an auditor
    who also owns actions gets the auditor's)."""
    return max(roles, key=lambda role: ROLE_RANK[role])


def digest_item(
    notice: Notice, directory: dict[str, Person], base_url: str, today: date, unrouted: set[int]
) -> DigestItem:
    """One audit's line in a digest (``unrouted``: audits whose auditor has no line manager on
    record, so only APS was told)."""
    audit = notice.audit
    auditor = directory.get(audit.auditor_id)
    return DigestItem(
        audit_id=audit.audit_id,
        case_ref=audit.case_ref,
        kind=audit.kind,
        stage=notice.rung.stage,
        due_on=audit.due_on,
        original_due_on=audit.original_due_on,
        auditor_id=audit.auditor_id,
        auditor_name=auditor.name if auditor else audit.auditor_id,
        auditor_team=(auditor.team or "") if auditor else "",
        days_overdue=notice.days_overdue,
        link=f"{base_url.rstrip('/')}/audits/{audit.audit_id}",
        working_days_left=(
            working_days_between(today, audit.due_on) if today < audit.due_on else None
        ),
        note="no line manager on record: only APS was told" if audit.audit_id in unrouted else "",
    )


def digest_outgoing(digest: Digest, staff_id: str, programme_name: str) -> Outgoing:
    """The digest rendered, as the outbox writes it."""
    email = render_digest(digest, programme_name)
    # The same items on the same day make the same key: a rerun cannot write a second copy.
    content = ",".join(f"{i.audit_id}:{i.stage}:{i.due_on}" for i in digest.items)
    if digest.actions:  # (only then, so that an audits-only digest keeps the key it had)
        content += "|" + ",".join(f"{i.action_id}:{i.stage}:{i.due_on}" for i in digest.actions)
    content += "|" + "|".join(digest.failed_notifications + digest.pending_requests)
    fingerprint = hashlib.sha256(content.encode()).hexdigest()[:16]
    return Outgoing(
        key=f"digest:{digest.run_date}:{staff_id}:{fingerprint}",
        kind=f"digest:{digest.role}",
        recipient=digest.recipient_email,
        subject=email.subject,
        text_body=email.text,
        html_body=email.html,
    )
