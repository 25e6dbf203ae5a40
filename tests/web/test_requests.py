"""Requests and decisions through the pages: post-redirect-get, what changes, what is shown."""

from __future__ import annotations

from datetime import date
from typing import TypeVar

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col

from models.base import saved_id
from models.programme import Audit
from models.requests import ExemptionRequest, ExtensionRequest
from models.trail import TrailEntry
from tests.web.live import csrf_of, post_form, signed_in

Row = TypeVar("Row", bound=SQLModel)

DEC_4 = {"until-day": "4", "until-month": "12", "until-year": "2026"}


def _audit(engine: Engine, audit_id: str | int) -> Audit:
    with Session(engine) as session:
        audit = session.get(Audit, int(audit_id))
        assert audit is not None
        return audit


def _one(engine: Engine, table: type[Row]) -> Row:
    with Session(engine) as session:
        rows = session.scalars(select(table)).all()
        assert len(rows) == 1, rows
        return rows[0]


def test_auditor_asks_for_an_extension_and_aps_approves_another_date(
    base_url, web_engine, people
) -> None:
    audit_id = people["audit"]
    auditor = signed_in(base_url, people["auditor"])
    response = post_form(
        auditor, f"/audits/{audit_id}/extension", {**DEC_4, "reason": "Annual leave"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/audits/{audit_id}"
    page = auditor.get(response.headers["location"]).text
    assert "Extension requested for case" in page  # the flash, once
    assert "Extension requested for case" not in auditor.get(f"/audits/{audit_id}").text
    request = _one(web_engine, ExtensionRequest)
    assert request.status == "pending" and request.requested_until == date(2026, 12, 4)
    assert request.requested_by == people["auditor"] and not request.late

    aps = signed_in(base_url, people["aps"])
    queue = aps.get("/aps/requests").text
    assert "1 request waiting" in queue and f"/requests/extension/{request.id}" in queue
    response = post_form(
        aps,
        f"/requests/extension/{request.id}",
        {"decision": "approve", "until-day": "7", "until-month": "12", "until-year": "2026",
         "note": "Agreed, to the Monday"},
    )  # fmt: skip
    assert response.status_code == 303 and response.headers["location"] == "/aps/requests"
    assert f"Extension request {request.id} approved" in aps.get("/aps/requests").text
    audit = _audit(web_engine, audit_id)
    assert audit.due_on == date(2026, 12, 7) and audit.original_due_on == date(2026, 11, 30)
    mine = auditor.get("/my-audits").text
    assert "7 Dec 2026" in mine and "(approved until 7 Dec 2026)" in mine
    with Session(web_engine) as session:
        actions = session.scalars(select(col(TrailEntry.action)).order_by(col(TrailEntry.id))).all()
    assert actions[-2:] == ["extension.requested", "extension.approved"]


def test_aps_may_ask_on_an_auditors_behalf(base_url, web_engine, people) -> None:
    aps = signed_in(base_url, people["aps"])
    response = post_form(
        aps, f"/audits/{people['audit']}/extension", {**DEC_4, "reason": "Phoned in"}
    )
    assert response.status_code == 303
    assert _one(web_engine, ExtensionRequest).requested_by == people["aps"]


def test_exemption_reallocated_to_a_suggested_auditor(base_url, web_engine, people) -> None:
    audit_id = people["audit"]
    auditor = signed_in(base_url, people["auditor"])
    response = post_form(
        auditor, f"/audits/{audit_id}/exemption", {"category": "sickness", "reason": "Off sick"}
    )
    assert response.status_code == 303
    request = _one(web_engine, ExemptionRequest)
    aps = signed_in(base_url, people["aps"])
    page = aps.get(f"/requests/exemption/{request.id}").text
    audit = _audit(web_engine, audit_id)
    assert 'name="reallocate_to"' in page
    assert audit.case_team not in page.split("Who takes the case?")[1].split("</fieldset>")[0]
    suggested = page.split('name="reallocate_to" type="radio" value="')[1].split('"')[0]
    response = post_form(
        aps,
        f"/requests/exemption/{request.id}",
        {"decision": "reallocate", "reallocate_to": suggested, "note": "Covered"},
    )
    assert response.status_code == 303
    assert _audit(web_engine, audit_id).status == "exempted"
    with Session(web_engine) as session:
        new = session.scalars(
            select(Audit).where(
                col(Audit.case_ref) == audit.case_ref,
                col(Audit.cycle) == audit.cycle,
                col(Audit.id) != audit.id,
            )
        ).one()
    assert new.auditor_id == suggested and new.due_on == date(2026, 11, 30)
    assert new.case_ref in signed_in(base_url, suggested).get("/my-audits").text


def test_exemption_withdrawn_and_one_rejected(base_url, web_engine, people) -> None:
    auditor = signed_in(base_url, people["auditor"])
    aps = signed_in(base_url, people["aps"])
    post_form(auditor, f"/audits/{people['audit']}/exemption", {"category": "other", "reason": "x"})
    request = _one(web_engine, ExemptionRequest)
    response = post_form(
        aps, f"/requests/exemption/{request.id}", {"decision": "reject", "note": "Needed"}
    )
    assert response.status_code == 303
    assert _audit(web_engine, people["audit"]).status == "allocated"
    post_form(auditor, f"/audits/{people['audit']}/exemption", {"category": "leave", "reason": "y"})
    with Session(web_engine) as session:
        second = session.scalars(
            select(ExemptionRequest).where(col(ExemptionRequest.status) == "pending")
        ).one()
    response = post_form(
        aps, f"/requests/exemption/{second.id}", {"decision": "withdraw", "note": "Not needed"}
    )
    assert response.status_code == 303
    assert _audit(web_engine, people["audit"]).status == "withdrawn"
    page = auditor.get(f"/audits/{people['audit']}").text
    assert "Withdrawn" in page and "Rejected" in page and "Ask for an extension" not in page


def test_a_request_after_the_due_date_is_marked_late_in_the_queue(
    base_url, web_engine, people
) -> None:
    with Session(web_engine) as session:
        october = session.scalars(
            select(Audit).where(
                col(Audit.cycle) == "2026-10", col(Audit.auditor_id) == people["auditor"]
            )
        ).one()
    auditor = signed_in(base_url, people["auditor"])
    response = post_form(
        auditor,
        f"/audits/{october.id}/extension",
        {"until-day": "12", "until-month": "11", "until-year": "2026", "reason": "Behind"},
    )
    assert response.status_code == 303
    assert _one(web_engine, ExtensionRequest).late
    row = signed_in(base_url, people["aps"]).get("/aps/requests").text.split('data-request="')[1]
    assert "Late" in row.split("</tr>")[0]


def _beside(response: httpx.Response, message: str, href: str, field: str | None) -> None:
    """Refused (400) with ``message`` in the summary, linked to ``#href``, and beside ``field``
    (None: the page shows no form)."""
    assert response.status_code == 400, response.text[-500:]
    summary = response.text.split('class="govuk-error-summary"')[1].split("</ul>")[0]
    assert summary.count("<li>") == 1 and f'href="#{href}"' in summary and message in summary
    if field is None:
        return
    beside = response.text.split(f'id="{field}-error"')[1].split("</p>")[0]
    assert message in beside


def test_a_broken_rule_is_shown_beside_the_field_it_is_about(base_url, web_engine, people) -> None:
    """By the field the rule names (``RuleError.field``); a rule about the record as it stands,
    by the form's main question."""
    audit_id = people["audit"]
    auditor = signed_in(base_url, people["auditor"])
    saturday = {"until-day": "5", "until-month": "12", "until-year": "2026", "reason": "Leave"}
    response = post_form(auditor, f"/audits/{audit_id}/extension", saturday)
    _beside(response, "2026-12-05 is not a working day", "until-day", "until")
    assert 'value="5"' in response.text and ">Leave</textarea>" in response.text
    made = post_form(auditor, f"/audits/{audit_id}/extension", {**DEC_4, "reason": "Leave"})
    assert made.status_code == 303
    request = _one(web_engine, ExtensionRequest)
    again = {"category": "other", "reason": "Another"}
    response = post_form(auditor, f"/audits/{audit_id}/exemption", again)
    _beside(response, "already has an open request", "category", "category")

    aps = signed_in(base_url, people["aps"])
    path = f"/requests/extension/{request.id}"
    too_late = {"decision": "approve", "until-day": "15", "until-month": "12",
                "until-year": "2026", "note": "Agreed"}  # fmt: skip
    _beside(post_form(aps, path, too_late), "is more than 10 working days", "until-day", "until")
    assert post_form(aps, path, {"decision": "reject", "note": "No"}).status_code == 303
    token = csrf_of(aps.get("/aps/requests").text)  # the decision page has no form now
    response = aps.post(path, data={"decision": "approve", "note": "Yes", "csrf_token": token})
    _beside(response, "was already rejected by", "decision", None)  # the decision is shown
    assert _one(web_engine, ExtensionRequest).status == "rejected"


def _counts(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as session:
        return tuple(
            session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (ExtensionRequest, ExemptionRequest, TrailEntry)
        )


def test_the_queue_is_oldest_first_and_paged(base_url, web_engine, people, monkeypatch) -> None:
    """Requests made on three days, out of order, come back oldest first across the pages."""
    from models import request_store
    from models.db import session_scope
    from tests.flows.council import POLICY
    from web import queries

    monkeypatch.setattr(queries, "QUEUE_PAGE_SIZE", 10)
    days = [date(2026, 11, 6), date(2026, 11, 2), date(2026, 11, 4)]
    made: list[tuple[date, int, str]] = []  # (day, order made, "kind-id")
    with session_scope(web_engine, write_lock=True) as session:
        audits = session.scalars(select(Audit).order_by(col(Audit.id))).all()
        for n, audit in enumerate(audits):
            on = days[n % 3]
            request: ExemptionRequest | ExtensionRequest
            if n % 2:
                request = request_store.request_exemption(
                    session, saved_id(audit), "leave", "x", audit.auditor_id, on
                )
            else:
                until = date(2026, 12, 1) if audit.cycle == "2026-11" else date(2026, 11, 12)
                request = request_store.request_extension(
                    session, saved_id(audit), until, "x", audit.auditor_id, on, POLICY
                )
            kind = "exemption" if n % 2 else "extension"
            made.append((on, n, f"{kind}-{request.id}"))
    aps = signed_in(base_url, people["aps"])
    pages = [aps.get(f"/aps/requests?page={n}").text for n in range(1, 9)]
    assert f"{len(made)} requests waiting" in pages[0]
    shown = [row.split('"')[0] for page in pages for row in page.split('data-request="')[1:]]
    assert shown == [key for _, _, key in sorted(made)]
    assert 'rel="next"' in pages[0] and 'rel="prev"' in pages[1]
    assert aps.get("/aps/requests?page=abc").status_code == 400


def test_the_dashboard_counts_the_cycle(base_url, web_engine, people) -> None:
    from models.audit_store import complete_audit
    from models.db import session_scope

    with session_scope(web_engine, write_lock=True) as session:
        november = session.scalars(
            select(Audit).where(col(Audit.cycle) == "2026-11").order_by(col(Audit.id))
        ).all()
        october = session.scalars(select(Audit).where(col(Audit.cycle) == "2026-10")).all()
        complete_audit(
            session,
            saved_id(november[0]),
            date(2026, 11, 9),
            "good",
            today=date(2026, 11, 9),
            actor="t",
        )
    director = signed_in(base_url, people["director"])
    page = director.get("/aps/dashboard").text
    assert f'id="allocated">{len(november)}<' in page
    assert 'id="completed">1<' in page and 'id="overdue">0<' in page
    october_page = director.get("/aps/dashboard?month=2026-10").text
    # Every October audit is still to do and past its 30 October due date on 10 November.
    assert f'id="overdue">{len(october)}<' in october_page
    assert "decision queue" not in october_page  # the queue link is for APS only
