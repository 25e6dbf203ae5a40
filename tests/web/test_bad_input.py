"""Bad input re-renders the form with the GOV.UK error summary and changes nothing; a form
without its CSRF token is refused; two APS members deciding at once: one decision stands."""

from __future__ import annotations

import threading
from datetime import date

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models import request_store
from models.db import session_scope
from models.programme import Audit
from models.requests import ExemptionRequest, ExtensionRequest
from models.trail import TrailEntry
from tests.flows.council import POLICY
from tests.web.live import csrf_of, post_form, signed_in


def _state(engine: Engine) -> tuple[object, ...]:
    """Everything a request or decision could change."""
    with Session(engine) as session:
        counts = tuple(
            session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (ExtensionRequest, ExemptionRequest, TrailEntry, Audit)
        )
        audits = session.execute(
            select(col(Audit.id), col(Audit.status), col(Audit.due_on)).order_by(col(Audit.id))
        ).all()
        pending = session.scalars(select(col(ExtensionRequest.status))).all()
    return (*counts, tuple(audits), tuple(pending))


def _error_page(response: httpx.Response, *messages: str) -> None:
    assert response.status_code == 400
    assert 'class="govuk-error-summary"' in response.text
    assert "<title>Error: " in response.text
    for message in messages:
        assert message in response.text


@pytest.mark.parametrize(
    ("form", "messages"),
    [
        ({"until-day": "", "until-month": "", "until-year": "", "reason": ""},
         ["Enter the new due date", "Enter why you need more time", 'href="#until-day"']),
        ({"until-day": "31", "until-month": "2", "until-year": "2027", "reason": "x"},
         ["must be a real date"]),
        ({"until-day": "4", "until-month": "", "until-year": "2026", "reason": "x"},
         ["must include a month", 'href="#until-month"']),
        ({"until-day": "4", "until-month": "12", "until-year": "26", "reason": "x"},
         ["must be a real date"]),
        ({"until-day": "4", "until-month": "1", "until-year": "2027", "reason": "x"},
         ["14 December 2026"]),  # the rule's error names the latest date allowed
        ({"until-day": "5", "until-month": "12", "until-year": "2026", "reason": "x"},
         ["working day"]),  # a Saturday
        ({"until-day": "4", "until-month": "12", "until-year": "2026", "reason": "x" * 2001},
         ["2000 characters or fewer"]),
    ],
)  # fmt: skip
def test_bad_extension_requests(base_url, web_engine, people, form, messages) -> None:
    auditor = signed_in(base_url, people["auditor"])
    before = _state(web_engine)
    response = post_form(auditor, f"/audits/{people['audit']}/extension", form)
    _error_page(response, *messages)
    # What was typed is kept, so it can be corrected.
    assert f'value="{form["until-day"]}"' in response.text
    assert _state(web_engine) == before


@pytest.mark.parametrize(
    ("form", "messages"),
    [
        (
            {"category": "", "reason": ""},
            ["Select why you cannot do the audit", "Enter more detail"],
        ),
        ({"category": "holiday", "reason": "x"}, ["Select why you cannot do the audit"]),
    ],
)
def test_bad_exemption_requests(base_url, web_engine, people, form, messages) -> None:
    before = _state(web_engine)
    response = post_form(
        signed_in(base_url, people["auditor"]), f"/audits/{people['audit']}/exemption", form
    )
    _error_page(response, *messages)
    assert _state(web_engine) == before


@pytest.fixture
def pending(web_engine, people) -> int:
    with session_scope(web_engine, write_lock=True) as session:
        made = request_store.request_extension(
            session, int(people["audit"]), date(2026, 12, 3), "leave", people["auditor"],
            date(2026, 11, 9), POLICY,
        )  # fmt: skip
        assert made.id is not None
        return made.id


@pytest.mark.parametrize(
    ("form", "messages"),
    [
        ({"decision": "", "note": ""}, ["Select approve or reject", "Enter a note"]),
        ({"decision": "approve", "until-day": "40", "until-month": "12", "until-year": "2026",
          "note": "x"}, ["must be a real date"]),
        ({"decision": "approve", "until-day": "4", "until-month": "1", "until-year": "2027",
          "note": "x"}, ["14 December 2026"]),
    ],
)  # fmt: skip
def test_bad_extension_decisions(base_url, web_engine, people, pending, form, messages) -> None:
    before = _state(web_engine)
    response = post_form(signed_in(base_url, people["aps"]), f"/requests/extension/{pending}", form)
    _error_page(response, *messages)
    assert _state(web_engine) == before


def test_reallocating_needs_someone_chosen(base_url, web_engine, people) -> None:
    with session_scope(web_engine, write_lock=True) as session:
        made = request_store.request_exemption(
            session, int(people["audit"]), "leave", "away", people["auditor"], date(2026, 11, 9)
        )
    before = _state(web_engine)
    aps = signed_in(base_url, people["aps"])
    response = post_form(
        aps, f"/requests/exemption/{made.id}", {"decision": "reallocate", "note": "x"}
    )
    _error_page(response, "Select who takes the case")
    response = post_form(
        aps,
        f"/requests/exemption/{made.id}",
        {"decision": "reallocate", "reallocate_to": people["auditor"], "note": "x"},
    )
    _error_page(response, "cannot take audit")
    assert _state(web_engine) == before


def test_nobody_decides_their_own_request(base_url, web_engine, people) -> None:
    aps = signed_in(base_url, people["aps"])
    form = {"until-day": "3", "until-month": "12", "until-year": "2026", "reason": "x"}
    post_form(aps, f"/audits/{people['audit']}/extension", form)
    with Session(web_engine) as session:
        request_id = session.scalars(select(col(ExtensionRequest.id))).one()
    before = _state(web_engine)
    response = post_form(
        aps, f"/requests/extension/{request_id}", {"decision": "approve", "note": "x"}
    )
    _error_page(response, "their own")
    assert _state(web_engine) == before


def test_a_form_without_its_csrf_token_changes_nothing(base_url, web_engine, people) -> None:
    auditor = signed_in(base_url, people["auditor"])
    path = f"/audits/{people['audit']}/extension"
    form = {"until-day": "3", "until-month": "12", "until-year": "2026", "reason": "x"}
    before = _state(web_engine)
    missing = auditor.post(path, data=form)
    assert missing.status_code == 403 and "could not be sent" in missing.text
    # A token from someone else's session is no better than none.
    other = signed_in(base_url, people["aps"])
    stolen = csrf_of(other.get("/my-audits").text)
    assert auditor.post(path, data={**form, "csrf_token": stolen}).status_code == 403
    assert _state(web_engine) == before
    # Signing in anew invalidates the token seen before.
    old = csrf_of(auditor.get(path).text)
    signed_in_again = signed_in(base_url, people["auditor"])
    assert signed_in_again.post(path, data={**form, "csrf_token": old}).status_code == 403
    assert _state(web_engine) == before


def test_sign_out_needs_the_token_too(base_url, people) -> None:
    auditor = signed_in(base_url, people["auditor"])
    assert auditor.post("/sign-out").status_code == 403
    assert auditor.get("/my-audits").status_code == 200
    token = csrf_of(auditor.get("/my-audits").text)
    assert auditor.post("/sign-out", data={"csrf_token": token}).status_code == 303
    assert auditor.get("/my-audits").status_code == 303


def test_two_aps_members_decide_at_once(base_url, web_engine, people, pending) -> None:
    """Both submit the form they loaded; one decision stands, the other is told who won."""
    path = f"/requests/extension/{pending}"
    forms = [
        {"decision": "approve", "note": "Yes"},
        {"decision": "reject", "note": "No"},
    ]
    clients = [signed_in(base_url, people["aps"]), signed_in(base_url, people["aps2"])]
    tokens = [csrf_of(c.get(path).text) for c in clients]
    start = threading.Barrier(2)
    responses: list[httpx.Response | None] = [None, None]

    def decide(i: int) -> None:
        start.wait()
        responses[i] = clients[i].post(path, data={**forms[i], "csrf_token": tokens[i]})

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(r.status_code for r in responses if r is not None)
    assert codes == [303, 400]
    loser = next(r for r in responses if r is not None and r.status_code == 400)
    with Session(web_engine) as session:
        request = session.get(ExtensionRequest, pending)
        decisions = session.scalars(
            select(TrailEntry).where(
                col(TrailEntry.action).in_(["extension.approved", "extension.rejected"])
            )
        ).all()
    assert request is not None and len(decisions) == 1
    assert f"already {request.status}" in loser.text
    assert 'class="govuk-error-summary"' in loser.text
