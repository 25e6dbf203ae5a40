"""Moderation ("audit the auditor"): a cycle's sample drawn and kept, and an audit moderated
(rules in ``rules.moderation``).

A moderated judgement replaces the auditor's on the audit itself (``Audit.judgement``), so that
every figure follows it; the auditor's own is kept on the :class:`Moderation` row. What follows
for the audit's re-audit is decided here: one not yet completed is withdrawn when the judgement
moves out of ``reaudit_on``; one needed when it moves in is the caller's to schedule with its
emails (``notifications.moderation_emails``), as for a completion. The moderator's note stays in
its own table: the trail says who moderated what, when, and with which judgements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from models.base import utcnow
from models.moderation import Moderation, ModerationSample
from models.people import Staff
from models.programme import Audit, Cycle
from models.trail import on_audit
from rules.actions import staff_name
from rules.moderation import (
    Candidate,
    ModerationError,
    check_moderation,
    pick_sample,
    reaudit_change,
    window_cycles,
)
from rules.policy import Policy
from rules.roles import is_active_aps

#: The kinds of audit a sample is drawn from: audits and re-audits alike are an auditor's work.
SAMPLED_KINDS = ("audit", "reaudit")
#: ``audits moderation sample --json``'s keys, one object per audit.
SAMPLE_KEYS = ("audit_id", "case_ref", "auditor_id", "judgement")


@dataclass(frozen=True)
class SampleLine:
    """An audit of a cycle's sample, as the command and the APS page list it."""

    audit_id: int
    case_ref: str
    auditor_id: str
    judgement: str
    reason: str  # "percent" or "auditor" (rules.moderation.SAMPLE_REASONS)
    moderation: Moderation | None  # None: not moderated yet

    def as_json(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in SAMPLE_KEYS}


@dataclass(frozen=True)
class Moderated:
    """What one moderation did: its row, the audit, and what became of the audit's re-audit
    (``schedule``: the caller schedules it; ``withdraw``: ``withdrawn`` is the re-audit
    withdrawn, None when there was none still to do)."""

    moderation: Moderation
    audit: Audit
    reaudit_change: str | None
    withdrawn: Audit | None = None


def allocated_cycle(session: Session, month: str) -> Cycle:
    """The cycle ``month``, which must have been allocated (a sample is of completed audits)."""
    cycle = session.get(Cycle, month)
    if cycle is None:
        raise ModerationError(f"there is no cycle {month}", "month")
    if cycle.status != "allocated":
        raise ModerationError(f"{month} has not been allocated: nothing to moderate yet", "month")
    return cycle


def candidates(session: Session, month: str) -> list[Candidate]:
    """The cycle's completed audits and re-audits, with their judgement as it stands now."""
    query = (
        select(Audit)
        .where(
            col(Audit.cycle) == month,
            col(Audit.status) == "completed",
            col(Audit.kind).in_(SAMPLED_KINDS),
            col(Audit.judgement).is_not(None),
        )
        .order_by(col(Audit.id))
    )
    return [
        Candidate(a.id, a.case_ref, a.auditor_id, a.judgement or "")
        for a in session.scalars(query)
        if a.id is not None
    ]


def recently_moderated(session: Session, month: str, every_months: int) -> set[str]:
    """Auditors with an audit of the ``every_months`` cycles ending with ``month`` moderated
    (counted by the audits' cycles, not the day they were moderated)."""
    query = select(col(Moderation.auditor_id)).where(
        col(Moderation.cycle).in_(window_cycles(month, every_months))
    )
    return set(session.scalars(query))


def draw_sample(session: Session, month: str, policy: Policy, on: date) -> list[SampleLine]:
    """Draw the cycle's sample and keep what is not kept yet (a rerun on the same audits adds
    nothing); the cycle's whole sample, in audit id order."""
    allocated_cycle(session, month)
    picked = pick_sample(
        month,
        candidates(session, month),
        recently_moderated(session, month, policy.moderation.every_months),
        policy.moderation.sample_percent,
    )
    if picked:
        rows = [
            {"cycle": month, "audit_id": p.candidate.audit_id, "reason": p.reason,
             "sampled_on": on, "created_at": utcnow()}
            for p in picked
        ]  # fmt: skip
        dialect = session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        session.execute(insert(ModerationSample).values(rows).on_conflict_do_nothing())
    return sample_of(session, month)


def sample_of(session: Session, month: str) -> list[SampleLine]:
    """The cycle's sample as kept, each audit with its moderation if it has one. ``judgement``
    is the auditor's (once moderated, the audit's own is the moderator's), so that drawing the
    same sample again prints the same list."""
    query = (
        select(ModerationSample, Audit, Moderation)
        .join(Audit, col(Audit.id) == col(ModerationSample.audit_id))
        .join(Moderation, col(Moderation.audit_id) == col(Audit.id), isouter=True)
        .where(col(ModerationSample.cycle) == month)
        .order_by(col(Audit.id))
    )
    return [
        SampleLine(audit.id, audit.case_ref, audit.auditor_id,
                   moderation.auditor_judgement if moderation else audit.judgement or "",
                   kept.reason, moderation)
        for kept, audit, moderation in session.execute(query)
    ]  # fmt: skip


def moderation_of(session: Session, audit_id: int) -> Moderation | None:
    return session.scalars(select(Moderation).where(col(Moderation.audit_id) == audit_id)).first()


def check_moderator(session: Session, audit_id: int, by: str) -> Audit:
    """The audit, if ``by`` may moderate it at all (an active APS member, not its auditor): what
    the moderation page checks before it shows the form."""
    audit = session.get(Audit, audit_id)
    if audit is None:
        raise ModerationError(f"there is no audit {audit_id}")
    person = session.get(Staff, by)
    if person is None:
        raise ModerationError(f"there is no member of staff {staff_name(by)}", "by")
    if not is_active_aps(person):
        raise ModerationError(f"{by} cannot moderate: only the APS team moderates audits", "by")
    if by == audit.auditor_id:
        raise ModerationError(f"{by} audited this case: an auditor never moderates their own", "by")
    return audit


def moderate(
    session: Session, audit_id: int, judgement: str, note: str, by: str, on: date, policy: Policy
) -> Moderated:
    """Moderate audit ``audit_id``: the moderation kept, the audit's judgement replaced, the
    trail written, and a re-audit no longer called for withdrawn (raises ModerationError)."""
    audit = session.get(Audit, audit_id, with_for_update=True)
    if audit is None:
        raise ModerationError(f"there is no audit {audit_id}")
    person = session.get(Staff, by)
    if person is None:
        raise ModerationError(f"there is no member of staff {staff_name(by)}", "by")
    note = check_moderation(
        judgement, note, by, is_active_aps(person), audit.auditor_id, audit.status
    )
    earlier = moderation_of(session, audit_id)
    if earlier is not None:
        raise ModerationError(
            f"audit {audit_id} was moderated on {earlier.moderated_on} by {earlier.moderated_by}:"
            " an audit is moderated once"
        )
    before = audit.judgement or ""
    moderation = Moderation(
        audit_id=audit_id, cycle=audit.cycle, auditor_id=audit.auditor_id,
        auditor_judgement=before, moderated_judgement=judgement, agreed=before == judgement,
        note=note, moderated_by=by, moderated_on=on,
    )  # fmt: skip
    session.add(moderation)
    audit.judgement, audit.updated_at = judgement, utcnow()
    session.add(audit)
    session.flush()
    change = reaudit_change(before, judgement, policy.reaudits.reaudit_on)
    on_audit(session, by, "audit.moderated", audit_id, {
        "moderation_id": moderation.id, "auditor_judgement": before,
        "moderated_judgement": judgement, "agreed": moderation.agreed, "reaudit": change,
    })  # fmt: skip
    withdrawn = withdraw_reaudit(session, audit_id, by) if change == "withdraw" else None
    return Moderated(moderation, audit, change, withdrawn)


def withdraw_reaudit(session: Session, audit_id: int, by: str) -> Audit | None:
    """Withdraw the audit's re-audit still to do (a completed one is left as it is); it, or
    None when there is none."""
    query = select(Audit).where(
        col(Audit.parent_audit_id) == audit_id,
        col(Audit.kind) == "reaudit",
        col(Audit.status) == "allocated",
    )
    reaudit = session.scalars(query.with_for_update()).first()
    if reaudit is None:
        return None
    reaudit.status, reaudit.updated_at = "withdrawn", utcnow()
    session.add(reaudit)
    on_audit(session, by, "reaudit.withdrawn", reaudit.id or 0, {
        "parent_audit_id": audit_id, "why": "moderated out of the judgements that call for one",
    })  # fmt: skip
    return reaudit


def moderation_json(moderation: Moderation) -> dict[str, Any]:
    """``audits moderate --json``: ``{audit_id, auditor_id, auditor_judgement,
    moderated_judgement, agreed}``."""
    return {
        "audit_id": moderation.audit_id,
        "auditor_id": moderation.auditor_id,
        "auditor_judgement": moderation.auditor_judgement,
        "moderated_judgement": moderation.moderated_judgement,
        "agreed": moderation.agreed,
    }


def shown_moderation(moderation: Moderation | None) -> dict[str, Any] | None:
    """The audit's moderation as ``audits show --json`` gives it (None: not moderated)."""
    if moderation is None:
        return None
    return {
        "auditor_judgement": moderation.auditor_judgement,
        "moderated_judgement": moderation.moderated_judgement,
        "agreed": moderation.agreed,
        "moderated_by": moderation.moderated_by,
        "moderated_on": moderation.moderated_on.isoformat(),
        "note": moderation.note,
    }
