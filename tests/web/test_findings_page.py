"""The social worker's view on the web: completing an audit on the form emails the case's worker
and their Team Manager a signed link to the findings; the page shows the judgement, findings,
reflection and actions; the worker (only) responds on it (post-redirect-get, errors shown again
with nothing changed); the audit's page shows the response; their start page lists their cases'
audits; any other case's audit is refused. On the council's SQLite copy (today 10 November
2026)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models.action_store import add_action
from models.cases import Case
from models.db import session_scope
from models.people import Staff
from models.programme import Audit
from models.responses import PractitionerResponse
from rules.actions import ActionDraft
from tests.web.live import csrf_of, post_form, signed_in
from tests.web.test_completion import GOOD
from tests.web.test_emails import outbox, read  # noqa: F401 - the fixture

__all__ = ["outbox"]
WORKER = "SW900"


def add_worker(engine: Engine, audit_id: int, people: dict[str, str]) -> str:
    """A social worker allocated the audit's case, line-managed by a Team Manager of the case's
    team who is neither the auditor nor ``other_manager`` (the stranger here); the manager."""
    with session_scope(engine) as session:
        audit = session.get(Audit, audit_id)
        assert audit is not None
        manager = session.scalars(
            select(col(Staff.staff_id))
            .where(
                col(Staff.role) == "team_manager",
                col(Staff.team) == audit.case_team,
                col(Staff.staff_id).not_in([people["auditor"], people["other_manager"]]),
            )
            .order_by(col(Staff.staff_id))
        ).first()
        assert manager is not None
        session.add(
            Staff(staff_id=WORKER, name="Sky Worker", email="sky.worker@example.gov.uk",
                  role="social_worker", team=audit.case_team, line_manager_id=manager)
        )  # fmt: skip
        case = session.get(Case, audit.case_ref)
        assert case is not None
        case.worker_id = WORKER
        return manager


def _responses(engine: Engine) -> list[tuple[int, str, str]]:
    with Session(engine) as session:
        rows = session.scalars(select(PractitionerResponse).order_by(col(PractitionerResponse.id)))
        return [(r.audit_id, r.staff_id, r.text) for r in rows]


def _complete(base_url: str, people: dict[str, str], audit_id: int) -> None:
    auditor = signed_in(base_url, people["auditor"])
    done = post_form(auditor, f"/audits/{audit_id}/complete", GOOD)
    assert done.status_code == 303, done.text[-500:]


def test_the_form_emails_the_worker_and_manager_who_read_and_respond(
    base_url: str,
    web_engine: Engine,
    people: dict[str, str],
    outbox: Path,  # noqa: F811
) -> None:
    audit_id = int(people["audit"])
    manager = add_worker(web_engine, audit_id, people)
    with session_scope(web_engine) as session:
        add_action(session, audit_id, ActionDraft(manager, date(2026, 11, 20), "Hold a core group"),
                   date(2026, 11, 9), people["auditor"])  # fmt: skip
    _complete(base_url, people, audit_id)
    sent = {
        str(m["To"]): m
        for m in read(outbox, set())
        if str(m["Subject"]).startswith("Audit findings")
    }
    with Session(web_engine) as session:
        manager_email = session.get(Staff, manager).email  # type: ignore[union-attr]
        case_ref = session.get(Audit, audit_id).case_ref  # type: ignore[union-attr]
    assert sorted(sent) == sorted(["sky.worker@example.gov.uk", manager_email])
    text = sent["sky.worker@example.gov.uk"].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert case_ref in text and "Requires improvement" in text
    assert GOOD["finding"] not in text and "Caseload" not in text and "core group" not in text
    link = text.split("http://", 1)[1].split()[0]
    path = "/" + link.split("/", 1)[1]

    worker = signed_in(base_url, WORKER)
    opened = worker.get(path)
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/audits/{audit_id}/findings"
    page = worker.get(opened.headers["location"]).text
    for shown in ("Requires improvement", GOOD["finding"], "Direct work", "Earlier review",
                  "Hold a core group", "Add response"):  # fmt: skip
        assert shown in page, shown

    empty = post_form(worker, f"/audits/{audit_id}/findings", {"response": "   "})
    assert empty.status_code == 400 and "Enter your response" in empty.text
    assert 'href="#response"' in empty.text
    long = post_form(worker, f"/audits/{audit_id}/findings", {"response": "x" * 2001})
    assert long.status_code == 400 and "2000 characters" in long.text
    assert _responses(web_engine) == []
    said = post_form(worker, f"/audits/{audit_id}/findings", {"response": "Supervision agreed"})
    assert said.status_code == 303 and said.headers["location"] == f"/audits/{audit_id}/findings"
    after = worker.get(said.headers["location"]).text
    assert "Your response has been added." in after and "Supervision agreed" in after
    assert _responses(web_engine) == [(audit_id, WORKER, "Supervision agreed")]

    # The manager reads the findings (and the audit, with the response) but cannot respond.
    lead = signed_in(base_url, manager)
    findings = lead.get(f"/audits/{audit_id}/findings")
    assert findings.status_code == 200 and "Add response" not in findings.text
    refused = lead.post(
        f"/audits/{audit_id}/findings",
        data={"response": "Mine", "csrf_token": csrf_of(findings.text)},
    )
    assert refused.status_code == 403
    audit_page = lead.get(f"/audits/{audit_id}")
    assert audit_page.status_code == 200 and "Supervision agreed" in audit_page.text
    assert 'id="responses"' in audit_page.text
    assert _responses(web_engine) == [(audit_id, WORKER, "Supervision agreed")]


def test_the_workers_start_page_lists_their_cases_audits_and_nothing_else(
    base_url: str, web_engine: Engine, people: dict[str, str]
) -> None:
    audit_id = int(people["audit"])
    add_worker(web_engine, audit_id, people)
    choices = signed_in(base_url, None).get("/sign-in").text  # the development sign-in
    assert "Social workers" in choices and WORKER in choices
    worker = signed_in(base_url, WORKER)
    home = worker.get("/")
    assert home.status_code == 303 and home.headers["location"] == "/my-cases"
    listing = worker.get("/my-cases")
    with Session(web_engine) as session:
        audit = session.get(Audit, audit_id)
        assert audit is not None
        theirs = session.scalars(select(col(Audit.id)).where(col(Audit.case_ref) == audit.case_ref))
        mine = set(theirs)
        other = session.scalars(select(Audit).where(col(Audit.case_ref) != audit.case_ref)).first()
        assert other is not None
    assert listing.status_code == 200
    assert {int(i) for i in _ids(listing)} == mine
    assert "My cases" in listing.text and "/my-audits" not in listing.text  # their navigation
    # Their case's audit: the page and the findings (not yet completed); any other: refused.
    assert worker.get(f"/audits/{audit_id}").status_code == 200
    assert "has not been completed" in worker.get(f"/audits/{audit_id}/findings").text
    for path in (f"/audits/{other.id}", f"/audits/{other.id}/findings"):
        assert worker.get(path).status_code == 403, path
    # A not-completed audit takes no response, even from its worker.
    page = worker.get(f"/audits/{audit_id}/findings").text
    refused = worker.post(
        f"/audits/{audit_id}/findings", data={"response": "x", "csrf_token": csrf_of(page)}
    )
    assert refused.status_code == 400 and "a completed audit" in refused.text
    # Others have no "My cases".
    assert signed_in(base_url, people["auditor"]).get("/my-cases").status_code == 403
    assert _responses(web_engine) == []


def _ids(response: httpx.Response) -> list[str]:
    import re

    return re.findall(r'data-audit-id="([0-9]+)"', response.text)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(max_size=40)
    | st.sampled_from(["", " ", "\x00", "a\x00b", "x" * 2001, "x" * 2000, "٣"]),
    with_token=st.booleans(),
)
def test_any_response_form_is_answered_with_a_page(
    base_url: str, web_engine: Engine, people: dict[str, str], text: str, with_token: bool
) -> None:
    """Whatever is typed: added (303), shown again (400) or refused (403 without the token),
    never a server error; a refusal adds nothing."""
    audit_id = int(people["audit"])
    with Session(web_engine) as session:
        known = session.get(Staff, WORKER) is not None
        done = session.get(Audit, audit_id).status == "completed"  # type: ignore[union-attr]
    if not known:
        add_worker(web_engine, audit_id, people)
    if not done:
        _complete(base_url, people, audit_id)
    worker = signed_in(base_url, WORKER)
    token = csrf_of(worker.get(f"/audits/{audit_id}/findings").text) if with_token else ""
    before = len(_responses(web_engine))
    data = {"response": text, "csrf_token": token}
    response = worker.post(f"/audits/{audit_id}/findings", data=data)
    assert response.status_code in (303, 400, 403), response.text[-300:]
    added = len(_responses(web_engine)) - before
    assert added == (1 if response.status_code == 303 else 0)
