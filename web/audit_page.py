"""What an audit's page shows, in words a person reads: names rather than staff ids, London
times, judgements and sources as words (cohort titles and month names are the templates'
filters); the record comes from ``models.audit_record``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from config.clock import LONDON
from models.audit_record import AuditRecord
from models.figures import REFLECTION_QUESTIONS
from models.people import Staff
from models.trail import TrailEntry
from rules.audit_access import may_act_on_audit
from rules.roles import is_active_aps
from web.views_completion import JUDGEMENT_NAMES

SOURCE_NAMES = {
    "parent": "Parent",
    "child": "Child or young person",
    "carer": "Carer",
    "partner_agency": "Partner agency",
}
KIND_NAMES = {"strength": "Strength", "improvement": "To improve"}
CATEGORY_NAMES = {
    "leave": "leave",
    "sickness": "sickness",
    "conflict_of_interest": "conflict of interest",
    "other": "another reason",
}
ACTION_WORDS = {
    "audit.completed": "Recorded as completed",
    "extension.requested": "Asked for an extension",
    "extension.approved": "Approved the extension",
    "extension.rejected": "Rejected the extension",
    "exemption.requested": "Asked to be released (exemption)",
    "exemption.approved": "Approved the exemption",
    "exemption.rejected": "Rejected the exemption",
    "reaudit.scheduled": "Scheduled this re-audit",
    "reaudit.handed_over": "Handed this re-audit to another auditor",
    "reaudit.moved": "Moved this re-audit to a later cycle",
}


@dataclass(frozen=True)
class TrailLine:
    at: str  # "Friday 20 November 2026, 10:05" (Europe/London)
    who: str
    what: str


def short_date(iso: str) -> str:
    """ "3 Dec 2026" for "2026-12-03" (as the pages write dates); anything else as it is."""
    try:
        day = date.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso)
    return f"{day.day} {day:%b %Y}"


def london_time(moment: datetime) -> str:
    local = moment.astimezone(LONDON)
    return f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M}"


def describe(entry: TrailEntry, record: AuditRecord) -> str:
    """What a trail entry records, in a sentence: the action and what matters of its detail."""
    detail: dict[str, Any] = entry.detail or {}
    words = ACTION_WORDS.get(entry.action, entry.action.replace(".", " ").replace("_", " "))
    extra = []
    if judgement := detail.get("judgement"):
        extra.append(f"judgement {JUDGEMENT_NAMES.get(judgement, judgement).lower()}")
    if until := detail.get("until"):
        extra.append(f"due {short_date(until)}")
    if outcome := detail.get("outcome"):
        extra.append(str(outcome))
    if to := detail.get("to"):
        extra.append(f"to {record.name(to)}")
    if cycle := detail.get("cycle"):
        extra.append(f"cycle {cycle}")
    # Not the "why" of a re-audit's choice: it names auditors by staff id.
    for key in ("reason", "note"):
        if text := detail.get(key):
            extra.append(f"“{text}”")
    return words + (": " + "; ".join(extra) if extra else "")


def back_link(user: Staff, record: AuditRecord) -> tuple[str, str]:
    """Where the page's back link leads: the reader's own list of audits."""
    if user.staff_id == record.audit.auditor_id or user.role == "team_manager":
        return "/my-audits", "My audits"
    if user.role == "service_manager":
        return "/my-teams", "My teams"
    if user.role in ("aps", "director"):
        return "/aps/dashboard", "Dashboard"
    if user.role == "social_worker":
        return "/my-cases", "My cases"
    return "/my-audits", "My audits"


def audit_context(record: AuditRecord, user: Staff) -> dict[str, Any]:
    """The template's context for ``audit.html``."""
    audit = record.audit
    reflection = record.reflection
    return {
        "audit": audit,
        "record": record,
        "auditor_name": record.name(audit.auditor_id),
        "judgement_name": JUDGEMENT_NAMES.get(audit.judgement or "", audit.judgement),
        "can_act": may_act_on_audit(user.staff_id, user.role, audit.auditor_id),
        # APS moderate a completed audit, never one they audited (rules.moderation).
        "may_moderate": is_active_aps(user) and user.staff_id != audit.auditor_id,
        "pending": any(line.request.status == "pending" for line in record.requests),
        "findings": [(f.theme, f.descriptor) for f in record.findings],
        "reflection": (
            [(question, getattr(reflection, key)) for key, question in REFLECTION_QUESTIONS.items()]
            if reflection
            else []
        ),
        "feedback": [
            (SOURCE_NAMES.get(f.source, f.source), KIND_NAMES.get(f.kind, f.kind), f.text)
            for f in record.feedback
        ],
        "category_names": CATEGORY_NAMES,
        "trail": [
            TrailLine(london_time(entry.at), record.name(entry.actor), describe(entry, record))
            for entry in record.trail
        ],
        "back": back_link(user, record),
        # The case's social worker's responses (templates/web/_audit_responses.html).
        "responses": [
            (r.id, record.name(r.staff_id), london_time(r.created_at), r.text)
            for r in record.responses
        ],
    }
