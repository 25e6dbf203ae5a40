"""The recurring findings (``[findings.tags]``) completed audits carry, and their counts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable

from sqlalchemy import func, select
from sqlmodel import Session, col

from models.findings import FindingTag
from models.programme import Audit


def add_tags(session: Session, audit_id: int, tags: Iterable[str]) -> None:
    """Record the audit's tags (already checked: ``rules.recurring.check_tags``)."""
    for tag in tags:
        session.add(FindingTag(audit_id=audit_id, tag=tag))


def tags_of(session: Session, audit_ids: Collection[int]) -> dict[int, list[str]]:
    """Each audit's tags, sorted (audits without any are absent)."""
    found: dict[int, list[str]] = defaultdict(list)
    if not audit_ids:
        return found
    query = (
        select(col(FindingTag.audit_id), col(FindingTag.tag))
        .where(col(FindingTag.audit_id).in_(list(audit_ids)))
        .order_by(col(FindingTag.audit_id), col(FindingTag.tag))
    )
    for audit_id, tag in session.execute(query):
        found[audit_id].append(tag)
    return found


def tag_counts(session: Session, months: Collection[str]) -> dict[tuple[str, str, str], int]:
    """How many completed audits and re-audits of each cycle in ``months`` carry each tag, by
    judgement: ``(cycle, tag, judgement) -> count``. Re-audits count in their own cycle: a
    finding seen again on a re-audit is the finding recurring."""
    query = (
        select(col(Audit.cycle), col(FindingTag.tag), col(Audit.judgement), func.count())
        .join(Audit, col(Audit.id) == col(FindingTag.audit_id))
        .where(col(Audit.status) == "completed", col(Audit.cycle).in_(list(months)))
        .group_by(col(Audit.cycle), col(FindingTag.tag), col(Audit.judgement))
    )
    return {(cycle, tag, judgement): n for cycle, tag, judgement, n in session.execute(query)}
