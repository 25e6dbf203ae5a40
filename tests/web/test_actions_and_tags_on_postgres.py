"""The web's part of issue 14 on PostgreSQL (the other web tests use the council's SQLite copy):
a completion with recurring findings and an action, the audit's page showing both, and the
action's owner marking it done on its page."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from flows.allocate import allocate_cycle
from models.actions import AuditAction
from models.db import session_scope
from models.findings import FindingTag
from models.people import Staff
from models.programme import Audit
from tests.flows.council import POLICY, seed_council
from tests.web.live import csrf_of, post_form, serve, signed_in
from tests.web.test_completion import GOOD

pytestmark = pytest.mark.postgres


@pytest.fixture
def council(pg_engine: Engine, tmp_path: Path) -> dict[str, str]:
    """November 2026 allocated on PostgreSQL: an auditor, their audit and another Team Manager
    to own the action."""
    seed_council(pg_engine, tmp_path, cases=120)
    with session_scope(pg_engine, write_lock=True) as session:
        allocate_cycle(session, POLICY, "2026-11", "all")
    with Session(pg_engine) as session:
        audit = session.exec(select(Audit).order_by(col(Audit.id))).first()
        assert audit is not None
        owner = session.exec(
            select(Staff.staff_id)
            .where(Staff.role == "team_manager", Staff.active, Staff.staff_id != audit.auditor_id)
            .order_by(col(Staff.staff_id))
        ).first()
    assert owner is not None
    return {"auditor": audit.auditor_id, "audit": str(audit.id), "owner": owner}


def test_a_completion_with_tags_and_an_action_then_the_owner_marks_it_done(
    pg_engine: Engine, council: dict[str, str]
) -> None:
    audit_id = council["audit"]
    with serve(pg_engine) as url:
        auditor = signed_in(url, council["auditor"])
        path = f"/audits/{audit_id}/complete"
        form = {
            **GOOD,
            "tags": ["supervision", "drift_and_delay"],
            "action-1-text": "Hold a core group",
            "action-1-owner": council["owner"],
            "action-1-due-day": "20",
            "action-1-due-month": "11",
            "action-1-due-year": "2026",
            "csrf_token": csrf_of(auditor.get(path).text),
        }
        done = auditor.post(path, data=form)
        assert done.status_code == 303, done.text
        with Session(pg_engine) as session:
            tags = session.exec(
                select(FindingTag.tag).where(FindingTag.audit_id == int(audit_id))
            ).all()
            [action] = session.exec(select(AuditAction)).all()
        assert sorted(tags) == ["drift_and_delay", "supervision"]
        assert (action.owner_id, action.due_on, action.set_by) == (
            council["owner"], date(2026, 11, 20), council["auditor"],
        )  # fmt: skip
        page = auditor.get(f"/audits/{audit_id}").text
        assert "Supervision" in page and "Drift and delay" in page and "Hold a core group" in page

        owner = signed_in(url, council["owner"])
        marked = post_form(
            owner,
            f"/actions/{action.id}/done",
            {"on-day": "10", "on-month": "11", "on-year": "2026", "note": "Core group held"},
        )
        assert marked.status_code == 303, marked.text
        with Session(pg_engine) as session:
            stored = session.get(AuditAction, action.id)
        assert stored is not None
        assert (stored.status, stored.done_on, stored.done_by) == (
            "done", date(2026, 11, 10), council["owner"],
        )  # fmt: skip
        assert "Core group held" in auditor.get(f"/audits/{audit_id}").text
