"""Recording what happens to an audit after allocation."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from sqlmodel import Session

from models.action_store import add_action
from models.base import utcnow
from models.finding_store import add_tags
from models.findings import Feedback, Reflection, ThemeFinding
from models.programme import Audit
from models.trail import TrailEntry
from rules.completion import CompletionDetails, CompletionError, check_completion, check_details

NO_DETAILS = CompletionDetails()


def complete_audit(
    session: Session,
    audit_id: int,
    on: date,
    judgement: str,
    today: date,
    actor: str = "cli",
    *,
    details: CompletionDetails = NO_DETAILS,
) -> Audit:
    """Mark an audit completed on ``on`` with ``judgement``, with its theme findings,
    reflection, feedback, finding tags and actions (set on ``on`` by ``actor``), and record it
    in the trail: all in the caller's transaction."""
    details = check_details(details)
    audit = session.get(Audit, audit_id, with_for_update=True)
    if audit is None:
        raise CompletionError(f"there is no audit {audit_id}")
    check_completion(audit_id, audit.status, audit.allocated_on, on, judgement, today)
    audit.status, audit.completed_on, audit.judgement = "completed", on, judgement
    audit.updated_at = utcnow()
    session.add(audit)
    _add_details(session, audit_id, details)
    session.add(
        TrailEntry(
            actor=actor,
            action="audit.completed",
            subject_type="audit",
            subject_id=str(audit_id),
            # Counts only: the free text stays in its own tables, where it can be read in full.
            detail={
                "completed_on": on.isoformat(),
                "judgement": judgement,
                "due_on": audit.due_on.isoformat(),
                "on_time": on <= audit.due_on,
                "themes": [theme for theme, _ in details.findings],
                "reflection": details.reflection is not None,
                "feedback": len(details.feedback),
                "tags": list(details.tags),
            },
        )
    )
    for draft in details.actions:
        add_action(session, audit_id, draft, on, actor)
    return audit


def _add_details(session: Session, audit_id: int, details: CompletionDetails) -> None:
    for theme, descriptor in details.findings:
        session.add(ThemeFinding(audit_id=audit_id, theme=theme, descriptor=descriptor))
    if details.reflection is not None:
        answers = details.reflection
        session.add(
            Reflection(
                audit_id=audit_id,
                done_well=answers.done_well,
                challenges=answers.challenges,
                enough_tools=answers.enough_tools,
                do_differently=answers.do_differently,
            )
        )
    for entry in details.feedback:
        session.add(Feedback(audit_id=audit_id, **asdict(entry)))
    add_tags(session, audit_id, details.tags)
