"""The completion form's action rows: the owner select starts on the case team's manager; an
action set with the completion is stored and its owner emailed (with the link to mark it
done); a bad row is shown again with the error beside its field and nothing recorded; any
typed values are answered with a page, never a server error."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models.actions import AuditAction
from models.people import Staff
from models.programme import Audit
from tests.web.live import post_form, signed_in
from tests.web.test_completion import GOOD
from tests.web.test_emails import outbox, read  # noqa: F401 - the fixture

__all__ = ["outbox"]


def _owner(engine: Engine, audit_id: int) -> str:
    """The case team's Team Manager (who the select starts on)."""
    with Session(engine) as session:
        audit = session.get(Audit, audit_id)
        assert audit is not None
        found = session.scalars(
            select(col(Staff.staff_id))
            .where(
                col(Staff.role) == "team_manager",
                col(Staff.team) == audit.case_team,
                col(Staff.active),
                col(Staff.in_latest_export),
            )
            .order_by(col(Staff.name), col(Staff.staff_id))
        ).first()
        assert found is not None
        return found


def _actions(engine: Engine) -> list[tuple[str, date, str]]:
    with Session(engine) as session:
        return [
            (a.owner_id, a.due_on, a.text)
            for a in session.scalars(select(AuditAction).order_by(col(AuditAction.id)))
        ]


def test_an_action_set_on_the_form_is_stored_and_its_owner_emailed(
    base_url: str,
    web_engine: Engine,
    people: dict[str, str],
    outbox: Path,  # noqa: F811
) -> None:
    audit_id = int(people["audit"])
    owner = _owner(web_engine, audit_id)
    auditor = signed_in(base_url, people["auditor"])
    form = auditor.get(f"/audits/{audit_id}/complete").text
    assert f'<option value="{owner}" selected' in form
    row = {
        "action-1-text": "Hold a core group",
        "action-1-owner": owner,
        "action-1-due-day": "20",
        "action-1-due-month": "11",
        "action-1-due-year": "2026",
    }
    bad = post_form(
        auditor, f"/audits/{audit_id}/complete", {**GOOD, **row, "action-1-due-day": "21"}
    )
    assert bad.status_code == 400 and "working day" in bad.text
    assert 'id="action-1-due-day-error"' in bad.text or "action-1-due-day" in bad.text
    nobody = post_form(
        auditor, f"/audits/{audit_id}/complete", {**GOOD, **row, "action-1-owner": people["aps"]}
    )
    assert nobody.status_code == 400 and "Select who owns action 1" in nobody.text
    assert _actions(web_engine) == []
    seen: set[str] = set(p.name for p in outbox.glob("*.eml"))
    done = post_form(auditor, f"/audits/{audit_id}/complete", {**GOOD, **row})
    assert done.status_code == 303, done.text
    assert _actions(web_engine) == [(owner, date(2026, 11, 20), "Hold a core group")]
    with Session(web_engine) as session:
        owner_email = session.get(Staff, owner).email  # type: ignore[union-attr]
    told = [m for m in read(outbox, seen) if m["To"] == owner_email]
    assert len(told) == 1
    text = told[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Hold a core group" not in text  # free text stays behind the link
    assert "/links/" in text and "Fri 20 Nov 2026" in text
    page = auditor.get(f"/audits/{audit_id}").text
    assert "Hold a core group" in page


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(max_size=20),
    owner=st.text(max_size=10),
    day=st.text(max_size=3),
    month=st.text(max_size=3),
    year=st.text(max_size=5),
)
def test_any_action_fields_get_a_page_never_a_server_error(
    base_url: str, people: dict[str, str], text: str, owner: str, day: str, month: str, year: str
) -> None:
    auditor = signed_in(base_url, people["auditor"])
    fields = {
        "action-2-text": text,
        "action-2-owner": owner,
        "action-2-due-day": day,
        "action-2-due-month": month,
        "action-2-due-year": year,
    }
    answer = post_form(
        auditor, f"/audits/{people['audit']}/complete", {**GOOD, "on-day": "", **fields}
    )
    assert answer.status_code == 400  # the completion date is missing: always refused
    assert "The date the audit was completed must include a day" in answer.text
