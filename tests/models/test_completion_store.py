"""Recording a completion with its theme findings, reflection and feedback, in one transaction."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models.audit_store import complete_audit
from models.db import session_scope
from models.findings import Feedback, Reflection, ThemeFinding
from models.programme import Audit
from models.trail import TrailEntry
from rules.completion import (
    CompletionDetails,
    CompletionError,
    FeedbackEntry,
    ReflectionAnswers,
)
from tests.importer.helpers import dump
from tests.models.test_reaudit_store import allocated
from tests.rules.labelled_dates import day

NOV_20 = day("Fri 2026-11-20")
DETAILS = CompletionDetails(
    findings=(("cin", "Visits on time, plan progressing"), ("cse", "Risk assessment current")),
    reflection=ReflectionAnswers(
        "Direct work with the family", "High caseload", "Yes", "Hold the review sooner"
    ),
    feedback=(
        FeedbackEntry("parent", "strength", "The social worker listened"),
        FeedbackEntry("partner_agency", "improvement", "Minutes came late"),
        FeedbackEntry("child", "strength", "Felt heard"),
    ),
)


@pytest.fixture
def council(engine: Engine, tmp_path: Path) -> Engine:
    return allocated(engine, tmp_path)


def test_a_completion_stores_findings_reflection_and_feedback(council: Engine) -> None:
    with session_scope(council) as session:
        audit = complete_audit(
            session, 1, NOV_20, "requires_improvement", NOV_20, "aps1", details=DETAILS
        )
    assert (audit.status, audit.completed_on, audit.judgement) == (
        "completed",
        NOV_20,
        "requires_improvement",
    )
    with Session(council) as session:
        findings = session.scalars(select(ThemeFinding).order_by(col(ThemeFinding.id))).all()
        reflection = session.get(Reflection, 1)
        feedback = session.scalars(select(Feedback).order_by(col(Feedback.id))).all()
        [entry] = session.scalars(
            select(TrailEntry).where(col(TrailEntry.action) == "audit.completed")
        ).all()
    assert [(f.audit_id, f.theme, f.descriptor) for f in findings] == [
        (1, "cin", "Visits on time, plan progressing"),
        (1, "cse", "Risk assessment current"),
    ]
    assert reflection is not None
    assert (
        reflection.done_well,
        reflection.challenges,
        reflection.enough_tools,
        reflection.do_differently,
    ) == ("Direct work with the family", "High caseload", "Yes", "Hold the review sooner")
    assert [(f.audit_id, f.source, f.kind, f.text) for f in feedback] == [
        (1, "parent", "strength", "The social worker listened"),
        (1, "partner_agency", "improvement", "Minutes came late"),
        (1, "child", "strength", "Felt heard"),
    ]
    # The trail says what was recorded, by whom; the free text stays in its tables.
    assert entry.actor == "aps1" and entry.detail is not None
    assert (entry.detail["themes"], entry.detail["reflection"], entry.detail["feedback"]) == (
        ["cin", "cse"],
        True,
        3,
    )
    assert "listened" not in str(entry.detail)


def test_the_old_call_still_records_just_the_judgement(council: Engine) -> None:
    with session_scope(council) as session:
        complete_audit(session, 2, NOV_20, "good", NOV_20)
    with Session(council) as session:
        audit = session.get(Audit, 2)
        assert audit is not None and audit.judgement == "good"
        assert session.scalars(select(ThemeFinding)).all() == []
        assert session.get(Reflection, 2) is None


@pytest.mark.parametrize(
    ("audit_id", "details", "message"),
    [
        (
            1,
            CompletionDetails(feedback=(FeedbackEntry("neighbour", "strength", "x"),)),
            "feedback source must be one of",
        ),
        (1, CompletionDetails(findings=(("cin", " "),)), "the descriptor for cin is blank"),
        (99999, DETAILS, "there is no audit 99999"),
    ],
)
def test_a_bad_completion_writes_nothing(
    council: Engine, audit_id: int, details: CompletionDetails, message: str
) -> None:
    before = dump(council)
    with pytest.raises(CompletionError, match=message), session_scope(council) as session:
        complete_audit(session, audit_id, NOV_20, "good", NOV_20, details=details)
    assert dump(council) == before
