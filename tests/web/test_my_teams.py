"""The Service Manager's page: their Team Managers' audits and their teams' cases; and the link of
an escalation email, sent by the real chase to a real SMTP server, opening the audit for them."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import ColumnElement, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from flows.chase import decide_run
from flows.outbox import send_outbox
from models.people import Staff
from models.programme import Audit
from notifications.transports import SmtpTransport
from tests.flows.council import POLICY
from tests.flows.smtp_server import SmtpServer
from tests.web.live import TODAY, serve, signed_in
from tests.web.roles_story import Story, tell_story


@pytest.fixture
def story(web_engine: Engine, people: dict[str, str]) -> Story:
    return tell_story(web_engine, people)


@pytest.fixture
def url(story: Story, web_engine: Engine) -> Iterator[str]:
    with serve(web_engine) as served:
        yield served


def _rows(html: str, table: str) -> set[int]:
    """The audit ids of the rows of the table with id ``table``."""
    found = re.search(rf'<table class="govuk-table" id="{table}">(.*?)</table>', html, re.S)
    assert found, f"no table {table}"
    return {int(n) for n in re.findall(r'data-audit-id="(\d+)"', found.group(1))}


def _audits(engine: Engine, *where: ColumnElement[bool]) -> list[Audit]:
    with Session(engine) as session:
        return list(session.scalars(select(Audit).where(*where)))


def test_a_service_manager_sees_their_team_managers_audits_and_no_one_elses(
    url: str, web_engine: Engine, story: Story
) -> None:
    with Session(web_engine) as session:
        reports = session.scalars(
            select(Staff).where(col(Staff.line_manager_id) == story.line_manager)
        ).all()
        manager = session.get(Staff, story.line_manager)
        assert manager is not None
    mine = {r.staff_id for r in reports}
    assert story.auditor in mine and story.reauditor not in mine
    response = signed_in(url, story.line_manager).get("/my-teams")
    assert response.status_code == 200
    html = response.text
    to_do = _audits(web_engine, col(Audit.status) == "allocated")
    assert _rows(html, "overdue") == {
        a.id for a in to_do if a.auditor_id in mine and a.due_on < TODAY
    }
    assert _rows(html, "outstanding") == {
        a.id for a in to_do if a.auditor_id in mine and a.due_on >= TODAY
    }
    assert _rows(html, "completed") == {story.audit_id}
    # Each Team Manager by name with their counts; nobody else's Team Managers.
    for person in reports:
        assert f'data-staff-id="{person.staff_id}"' in html and person.name in html
    assert f'data-staff-id="{story.reauditor}"' not in html
    row = re.search(rf'data-staff-id="{story.auditor}">(.*?)</tr>', html, re.S)
    assert row is not None
    counts = re.findall(r"numeric[^>]*>(\d+)<", row.group(1))
    assert counts == ["0", "1", "1"]  # outstanding, overdue (October), completed (November)
    # The audits of their teams' cases, judged or not; the judgement of the completed one.
    teams = {manager.team, *(r.team for r in reports)}
    assert _rows(html, "team-audits") == {
        a.id for a in _audits(web_engine, col(Audit.case_team).in_(teams))
    }
    assert "Inadequate" in html


def test_a_service_manager_opens_the_audits_of_their_teams_cases(
    url: str, web_engine: Engine, story: Story
) -> None:
    client = signed_in(url, story.line_manager)
    html = client.get("/my-teams").text
    for audit_id in sorted(_rows(html, "team-audits"))[:3]:
        assert client.get(f"/audits/{audit_id}").status_code == 200


@pytest.mark.parametrize("who", ["auditor", "aps", "director", "unrelated_manager"])
def test_anyone_but_a_service_manager_is_refused(url: str, story: Story, who: str) -> None:
    response = signed_in(url, getattr(story, who)).get("/my-teams")
    assert response.status_code == 403
    assert "You cannot do this" in response.text


def test_not_signed_in_is_sent_to_sign_in(url: str) -> None:
    response = signed_in(url, None).get("/my-teams")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/my-teams"


def test_a_service_manager_starts_on_my_teams_with_it_in_the_navigation(
    url: str, story: Story
) -> None:
    client = signed_in(url, story.line_manager)
    assert client.get("/").headers["location"] == "/my-teams"
    assert 'href="/my-teams"' in client.get("/my-audits").text
    assert 'href="/my-teams"' not in signed_in(url, story.auditor).get("/my-audits").text


def test_the_escalation_emails_link_opens_the_audit_for_its_service_manager(
    url: str, web_engine: Engine, story: Story
) -> None:
    """October's audits are 7 working days overdue on TODAY: the chase escalates them to each
    auditor's line manager, whose email's links open each audit (they once answered 403)."""
    with Session(web_engine) as session:
        manager = session.get(Staff, story.line_manager)
        assert manager is not None
    with SmtpServer() as mail:
        summary = decide_run(web_engine, POLICY, TODAY, url)
        assert summary.items_by_stage.get("escalation", 0) > 0
        send_outbox(
            web_engine,
            lambda: SmtpTransport("127.0.0.1", mail.port, "a@x.test", timeout=5),
            sleep=lambda seconds: None,
        )
        [email] = [m for m in mail.messages if m.to == manager.email]
    assert email.subject.startswith("Escalation:")
    text = email.part("plain")
    links = re.findall(rf"{re.escape(url)}(/audits/(\d+))", text)
    assert links
    escalated = {
        a.id: a.case_ref
        for a in _audits(
            web_engine, col(Audit.cycle) == "2026-10", col(Audit.status) == "allocated"
        )
    }
    client = signed_in(url, story.line_manager)
    for path, audit_id in links:
        response = client.get(path)
        assert response.status_code == 200
        assert f"Case {escalated[int(audit_id)]}" in response.text
        assert "Record as completed" not in response.text  # theirs to read, not to do
