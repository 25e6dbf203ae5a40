"""Safeguarding concerns on the web pages: the auditor raises one from the audit's page
(post-redirect-get, the error beside the field, emails written at once); a manager of the case's
team follows the signed link in their email, reads the concern and acknowledges it; a Director
reads it but cannot acknowledge it; anyone else is refused. On the council's SQLite copy."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from config.signed_links import make_link
from models.chase_store import people as directory_of
from models.concern_store import case_managers, concern_team, raise_concern
from models.concerns import SafeguardingConcern
from models.db import session_scope
from models.outbox import Notification
from models.programme import Audit
from tests.web.live import SECRET, csrf_of, post_form, signed_in

TEXT = "CONCERNTEXT she said there is no food at home"


def _concern(engine: Engine, audit_id: int, by: str) -> tuple[int, str, str]:
    """A concern raised on the audit; (its id, a Team Manager of the case's team, a Team
    Manager of another team)."""
    with session_scope(engine) as session:
        concern = raise_concern(session, audit_id, TEXT, by, date(2026, 11, 9))
        audit = session.get(Audit, audit_id)
        assert audit is not None and concern.id is not None
        directory = directory_of(session)
        team = concern_team(session, audit)
        managers = case_managers(directory, team)
        others = [p.staff_id for p in directory.values() if p.role == "team_manager"
                  and p.active and p.team != team and p.staff_id != audit.auditor_id]  # fmt: skip
        stranger = min(set(others) - set(managers))
        manager = next(s for s in managers if directory[s].role == "team_manager")
        return concern.id, manager, stranger


def _status(engine: Engine, concern_id: int) -> str:
    with Session(engine) as session:
        found = session.get(SafeguardingConcern, concern_id)
        assert found is not None
        return found.status


def test_the_auditor_raises_a_concern_from_the_audit_page(
    web_engine: Engine, base_url: str, people: dict[str, str]
) -> None:
    audit = people["audit"]
    client = signed_in(base_url, people["auditor"])
    before = client.get(f"/audits/{audit}").text
    assert "No safeguarding concern has been raised" in before
    assert f'href="/audits/{audit}/concern"' in before
    empty = post_form(client, f"/audits/{audit}/concern", {"text": "   "})
    assert empty.status_code == 400 and "Enter what the concern is" in empty.text
    assert 'href="#text"' in empty.text
    long = post_form(client, f"/audits/{audit}/concern", {"text": "x" * 4001})
    assert long.status_code == 400 and "at most 4000 characters" in long.text
    with Session(web_engine) as session:
        assert session.scalars(select(SafeguardingConcern)).first() is None

    raised = post_form(client, f"/audits/{audit}/concern", {"text": TEXT})
    assert raised.status_code == 303 and raised.headers["location"] == f"/audits/{audit}"
    after = client.get(f"/audits/{audit}").text
    assert "Safeguarding concern raised on case" in after and TEXT in after
    with Session(web_engine) as session:
        [concern] = session.scalars(select(SafeguardingConcern)).all()
        emails = session.scalars(
            select(Notification).where(col(Notification.kind) == "concern-raised")
        ).all()
    assert concern.raised_by == people["auditor"] and concern.raised_on == date(2026, 11, 10)
    assert len(emails) > 1 and all(TEXT not in e.text_body + e.html_body for e in emails)

    # Another Team Manager may not raise one (nor see the button); the Director reads it.
    other = signed_in(base_url, people["other_manager"])
    assert other.get(f"/audits/{audit}/concern").status_code == 403
    refused = other.post(f"/audits/{audit}/concern", data={"text": "x"})
    assert refused.status_code in (400, 403)
    director = signed_in(base_url, people["director"]).get(f"/audits/{audit}").text
    assert TEXT in director and 'id="raise-concern"' not in director


def test_a_case_team_manager_acknowledges_from_the_signed_link(
    web_engine: Engine, base_url: str, people: dict[str, str]
) -> None:
    concern_id, manager, stranger = _concern(web_engine, int(people["audit"]), people["auditor"])
    link = make_link(base_url, "concern-acknowledge", concern_id, manager, datetime.now(UTC),
                     timedelta(days=1), SECRET)  # fmt: skip
    path = link.removeprefix(base_url)
    assert signed_in(base_url, stranger).get(path).status_code == 403  # not theirs: not used up
    client = signed_in(base_url, manager)
    opened = client.get(path)
    target = f"/concerns/{concern_id}/acknowledge"
    assert opened.status_code == 303 and opened.headers["location"] == target
    page = client.get(target).text
    assert TEXT in page and "Acknowledge the concern" in page
    empty = post_form(client, target, {"note": ""})
    assert empty.status_code == 400 and "Enter what is being done" in empty.text
    assert _status(web_engine, concern_id) == "open"
    done = post_form(client, target, {"note": "Strategy meeting called for today"})
    assert done.status_code == 303 and done.headers["location"] == target
    shown = client.get(target).text
    assert "acknowledged" in shown and "Strategy meeting called" in shown
    assert "Acknowledge the concern" not in shown
    assert _status(web_engine, concern_id) == "acknowledged"


def test_a_director_reads_it_and_anyone_else_is_refused(
    web_engine: Engine, base_url: str, people: dict[str, str]
) -> None:
    concern_id, _, stranger = _concern(web_engine, int(people["audit"]), people["aps"])
    target = f"/concerns/{concern_id}/acknowledge"
    director = signed_in(base_url, people["director"])
    page = director.get(target)
    assert page.status_code == 200 and TEXT in page.text
    assert "Acknowledge the concern" not in page.text and "not-yours-to-acknowledge" in page.text
    token = csrf_of(page.text)  # the sign-out form's
    tried = director.post(target, data={"note": "Seen", "csrf_token": token})
    assert tried.status_code == 400 and "cannot acknowledge this concern" in tried.text
    other = signed_in(base_url, stranger)
    assert other.get(target).status_code == 403
    assert other.get("/concerns/999999/acknowledge").status_code == 403
    assert _status(web_engine, concern_id) == "open"
    # APS acknowledges.
    aps = signed_in(base_url, people["aps2"])
    assert post_form(aps, target, {"note": "Passed to the front door"}).status_code == 303
    assert _status(web_engine, concern_id) == "acknowledged"


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=40), note=st.text(max_size=40))
def test_any_concern_form_gets_a_page_never_a_server_error(
    web_engine: Engine, base_url: str, people: dict[str, str], text: str, note: str
) -> None:
    audit = people["audit"]
    client = signed_in(base_url, people["aps"])
    with Session(web_engine) as session:
        before = len(session.scalars(select(SafeguardingConcern)).all())
    raised = post_form(client, f"/audits/{audit}/concern", {"text": text})
    assert raised.status_code in (303, 400), raised.text
    with Session(web_engine) as session:
        concerns = session.scalars(
            select(SafeguardingConcern).order_by(col(SafeguardingConcern.id))
        )
        rows = list(concerns)
    assert len(rows) == before + (1 if raised.status_code == 303 else 0)
    if rows and rows[-1].status == "open":
        target = f"/concerns/{rows[-1].id}/acknowledge"
        answer = post_form(client, target, {"note": note})
        assert answer.status_code in (303, 400), answer.text
        assert (_status(web_engine, rows[-1].id or 0) == "acknowledged") == (
            answer.status_code == 303
        )


def test_the_dashboard_warns_of_open_concerns_until_acknowledged(
    web_engine: Engine, base_url: str, people: dict[str, str]
) -> None:
    aps = signed_in(base_url, people["aps"])
    assert 'id="open-concerns"' not in aps.get("/aps/dashboard").text
    concern_id, manager, _ = _concern(web_engine, int(people["audit"]), people["auditor"])
    with Session(web_engine) as session:
        audit = session.get(Audit, int(people["audit"]))
        assert audit is not None
    for reader in (aps, signed_in(base_url, people["director"])):
        page = reader.get("/aps/dashboard").text
        assert 'id="open-concerns"' in page and f"case {audit.case_ref}" in page
        assert f'href="/concerns/{concern_id}/acknowledge"' in page
        assert TEXT not in page  # the text is on the concern's own page
    done = post_form(signed_in(base_url, manager), f"/concerns/{concern_id}/acknowledge",
                     {"note": "Visiting today"})  # fmt: skip
    assert done.status_code == 303
    assert 'id="open-concerns"' not in aps.get("/aps/dashboard").text
