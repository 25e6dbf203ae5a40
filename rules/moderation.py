"""Moderation ("audit the auditor"): which completed audits APS re-reads, who may moderate,
and how often moderators agree.

The sample of a cycle is ``sample_percent`` of its completed audits (rounded up), plus one audit
of every auditor who completed one that cycle and has had none of their audits of the last
``every_months`` cycles (this one included) moderated, unless the sample already holds one of
theirs. It is deterministic: the order audits are picked in is a hash of the cycle and the audit
id, so the same inputs give the same sample, however often it is drawn.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rules.errors import RuleError
from rules.months import months_before
from rules.policy import JUDGEMENTS

MAX_MODERATION_NOTE = 2000
SAMPLE_REASONS = ("percent", "auditor")


class ModerationError(RuleError):
    """Moderating an audit breaks a rule; the message says which, in one line."""


@dataclass(frozen=True)
class Candidate:
    """A completed audit of the cycle, as the sample sees it."""

    audit_id: int
    case_ref: str
    auditor_id: str
    judgement: str


@dataclass(frozen=True)
class Picked:
    """An audit in the sample, and why it is there (one of ``SAMPLE_REASONS``)."""

    candidate: Candidate
    reason: str


def sample_size(completed: int, percent: int) -> int:
    """``percent`` of ``completed`` audits, rounded up (whole-number arithmetic: no float error)."""
    return -(-completed * percent // 100)


def draw_order(cycle: str, audit_id: int) -> str:
    """The key audits are picked in: a hash, so no auditor or case is favoured, yet repeatable."""
    return hashlib.sha256(f"moderation:{cycle}:{audit_id}".encode()).hexdigest()


def pick_sample(
    cycle: str,
    completed: Sequence[Candidate],
    recently_moderated: Iterable[str],
    percent: int,
) -> list[Picked]:
    """The cycle's sample, in audit id order. ``recently_moderated`` are the auditors who had an
    audit of the last ``every_months`` cycles moderated."""
    ordered = sorted(completed, key=lambda c: draw_order(cycle, c.audit_id))
    picked = [Picked(c, "percent") for c in ordered[: sample_size(len(ordered), percent)]]
    covered = set(recently_moderated) | {p.candidate.auditor_id for p in picked}
    for candidate in ordered:
        if candidate.auditor_id not in covered:
            picked.append(Picked(candidate, "auditor"))
            covered.add(candidate.auditor_id)
    return sorted(picked, key=lambda p: p.candidate.audit_id)


def check_moderation(
    judgement: str, note: str, by: str, by_is_active_aps: bool, auditor_id: str, status: str
) -> str:
    """The note, trimmed, if ``by`` may moderate a ``status`` audit by ``auditor_id`` with
    ``judgement``: an active APS member who is not the auditor, a completed audit."""
    if not by_is_active_aps:
        raise ModerationError(f"{by} cannot moderate: only the APS team moderates audits", "by")
    if by == auditor_id:
        raise ModerationError(f"{by} audited this case: an auditor never moderates their own", "by")
    if status != "completed":
        raise ModerationError(f"the audit is {status}: only a completed audit is moderated")
    if judgement not in JUDGEMENTS:
        raise ModerationError(
            f"judgement must be one of {', '.join(JUDGEMENTS)}, not {judgement!r}", "judgement"
        )
    note = note.strip()
    if not note:
        raise ModerationError("say why: a note is needed", "note")
    if len(note) > MAX_MODERATION_NOTE:
        raise ModerationError(f"the note is at most {MAX_MODERATION_NOTE} characters", "note")
    return note


def reaudit_change(before: str, after: str, reaudit_on: Iterable[str]) -> str | None:
    """What a moderated judgement does to the audit's re-audit: ``schedule`` one when it moves
    into ``reaudit_on``, ``withdraw`` one (not yet completed) when it moves out, else None."""
    calls = set(reaudit_on)
    if after in calls and before not in calls:
        return "schedule"
    if before in calls and after not in calls:
        return "withdraw"
    return None


def agreement(moderations: Iterable[tuple[str, bool]]) -> dict[str, Any]:
    """``{moderated, agreed, agreement_pct, changed, by_auditor}`` of ``(auditor_id, agreed)``
    pairs; ``agreement_pct`` to one decimal place, None when nothing was moderated."""
    by_auditor: dict[str, dict[str, int]] = defaultdict(lambda: {"moderated": 0, "agreed": 0})
    for auditor_id, agreed in moderations:
        by_auditor[auditor_id]["moderated"] += 1
        by_auditor[auditor_id]["agreed"] += int(agreed)
    moderated = sum(row["moderated"] for row in by_auditor.values())
    agreed_count = sum(row["agreed"] for row in by_auditor.values())
    return {
        "moderated": moderated,
        "agreed": agreed_count,
        "agreement_pct": round(100 * agreed_count / moderated, 1) if moderated else None,
        "changed": moderated - agreed_count,
        "by_auditor": {staff_id: by_auditor[staff_id] for staff_id in sorted(by_auditor)},
    }


def window_cycles(month: str, every_months: int) -> list[str]:
    """The ``every_months`` cycles that end with ``month`` (``YYYY-MM``), oldest first."""
    return sorted([month, *months_before(month, every_months - 1)])
