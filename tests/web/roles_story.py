"""One audit's whole story on the web tests' council, for the pages each role reads.

The auditor's November audit gets an extension (asked and approved), is completed with a poor
judgement, theme findings, a reflection and feedback, and is re-audited by another Team Manager
(the re-audit handed to someone outside the case's team, as a handover would).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models import reaudit_store, request_store
from models.audit_store import complete_audit
from models.base import saved_id
from models.db import session_scope
from models.people import Staff
from models.programme import Audit
from rules.completion import CompletionDetails, FeedbackEntry, ReflectionAnswers
from tests.flows.council import POLICY
from tests.web.live import TODAY

ASKED_ON = date(2026, 11, 9)
DETAILS = CompletionDetails(
    findings=(("cin", "Plan reviewed late; visits on time"), ("cse", "Risk screening missing")),
    reflection=ReflectionAnswers(
        "Direct work with the young person",
        "Caseload of 24",
        "Needs training on exploitation screening",
        "Screen at the first visit",
    ),
    feedback=(
        FeedbackEntry("parent", "strength", "The social worker kept in touch every week"),
        FeedbackEntry("partner_agency", "improvement", "Minutes came a month late"),
    ),
)


@dataclass(frozen=True)
class Story:
    audit_id: int
    case_ref: str
    reaudit_id: int
    auditor: str
    auditor_name: str
    line_manager: str
    reauditor: str
    reauditor_name: str
    unrelated_manager: str  # a Team Manager with no part in the audit
    unrelated_service_manager: str  # a Service Manager of other teams
    aps: str
    aps_name: str
    director: str


def tell_story(engine: Engine, people: dict[str, str]) -> Story:
    audit_id, auditor, aps = int(people["audit"]), people["auditor"], people["aps"]
    with session_scope(engine, write_lock=True) as session:
        asked = request_store.request_extension(
            session, audit_id, date(2026, 12, 3), "Annual leave", auditor, ASKED_ON, POLICY
        )
        request_store.decide_extension(
            session, saved_id(asked), True, None, "Agreed", aps, ASKED_ON, POLICY
        )
        audit = complete_audit(
            session, audit_id, TODAY, "inadequate", TODAY, auditor, details=DETAILS
        )
        [reaudit] = reaudit_store.schedule_reaudits(session, POLICY, TODAY)
        reauditor = _outside(session, audit, exclude={auditor})
        reaudit.auditor_id = reauditor.staff_id
        session.add(reaudit)
        case_ref, reaudit_id = audit.case_ref, saved_id(reaudit)
    with Session(engine) as session:
        person = _staff(session, auditor)
        found = session.get(Audit, audit_id)
        assert found is not None and person.line_manager_id is not None
        audit = found
        unrelated = _outside(session, audit, exclude={auditor, reauditor.staff_id})
        managers = session.scalars(
            select(Staff).where(col(Staff.role) == "service_manager").order_by(col(Staff.staff_id))
        ).all()
        other_sm = next(
            m
            for m in managers
            if m.staff_id != person.line_manager_id
            and m.team != audit.case_team
            and audit.case_team not in _teams_of(session, m.staff_id)
        )
        return Story(
            audit_id=audit_id,
            case_ref=case_ref,
            reaudit_id=reaudit_id,
            auditor=auditor,
            auditor_name=person.name,
            line_manager=person.line_manager_id,
            reauditor=reauditor.staff_id,
            reauditor_name=reauditor.name,
            unrelated_manager=unrelated.staff_id,
            unrelated_service_manager=other_sm.staff_id,
            aps=aps,
            aps_name=_staff(session, aps).name,
            director=people["director"],
        )


def _staff(session: Session, staff_id: str) -> Staff:
    person = session.get(Staff, staff_id)
    assert person is not None
    return person


def _outside(session: Session, audit: Audit, exclude: set[str]) -> Staff:
    """An active Team Manager of neither the case's nor the auditor's team."""
    found = session.scalars(
        select(Staff)
        .where(
            col(Staff.role) == "team_manager",
            col(Staff.active),
            col(Staff.team).not_in([audit.case_team, audit.auditor_team]),
            col(Staff.staff_id).not_in(exclude),
        )
        .order_by(col(Staff.staff_id))
    ).first()
    assert found is not None
    return found


def _teams_of(session: Session, manager_id: str) -> set[str]:
    return {
        team
        for team in session.scalars(
            select(col(Staff.team)).where(col(Staff.line_manager_id) == manager_id)
        )
        if team
    }
