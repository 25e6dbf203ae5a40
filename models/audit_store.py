"""Recording what happens to an audit after allocation."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from models.base import utcnow
from models.programme import Audit
from models.trail import TrailEntry
from rules.completion import CompletionError, check_completion


def complete_audit(
    session: Session, audit_id: int, on: date, judgement: str, today: date, actor: str = "cli"
) -> Audit:
    """Mark an audit completed on ``on`` with ``judgement``, and record it in the trail."""
    audit = session.get(Audit, audit_id, with_for_update=True)
    if audit is None:
        raise CompletionError(f"there is no audit {audit_id}")
    check_completion(audit_id, audit.status, audit.allocated_on, on, judgement, today)
    audit.status, audit.completed_on, audit.judgement = "completed", on, judgement
    audit.updated_at = utcnow()
    session.add(audit)
    session.add(
        TrailEntry(
            actor=actor,
            action="audit.completed",
            subject_type="audit",
            subject_id=str(audit_id),
            detail={
                "completed_on": on.isoformat(),
                "judgement": judgement,
                "due_on": audit.due_on.isoformat(),
                "on_time": on <= audit.due_on,
            },
        )
    )
    return audit
