"""What a person reads on the pages: cohort titles and names, not keys and ids; month names; the
dashboard's request figures agreeing with the decision queue's."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models import request_store
from models.db import session_scope
from models.people import Staff
from models.programme import Audit
from rules.cohorts import cohort_title
from tests.flows.council import POLICY
from tests.web.live import signed_in

ASKED_ON = date(2026, 11, 9)


def _audits(engine: Engine, cycle: str, count: int) -> list[Audit]:
    with Session(engine) as session:
        return list(
            session.scalars(
                select(Audit)
                .where(col(Audit.cycle) == cycle, col(Audit.status) == "allocated")
                .order_by(col(Audit.id))
                .limit(count)
            )
        )


def _ask_extension(engine: Engine, audit: Audit) -> None:
    """An extension of a week past the audit's original due date."""
    assert audit.id is not None
    until = date.fromordinal(audit.original_due_on.toordinal() + 7)
    with session_scope(engine) as session:
        request_store.request_extension(
            session, audit.id, until, "leave", audit.auditor_id, ASKED_ON, POLICY
        )


def _figure(page: str, element_id: str) -> int:
    found = re.search(rf'id="{element_id}">(\d+)<', page)
    assert found, element_id
    return int(found.group(1))


def _queue_count(page: str) -> int:
    found = re.search(
        r'id="queue-link"><a class="govuk-link" href="/aps/requests">(\d+) request', page
    )
    assert found
    return int(found.group(1))


def test_the_dashboards_request_figures_agree_with_the_queue(
    web_engine: Engine, base_url: str, people: dict[str, str]
) -> None:
    november = _audits(web_engine, "2026-11", 2)
    exempted = _audits(web_engine, "2026-11", 3)[2]
    for audit in november:
        _ask_extension(web_engine, audit)
    assert exempted.id is not None
    with session_scope(web_engine) as session:
        request_store.request_exemption(
            session, exempted.id, "sickness", "off sick", exempted.auditor_id, ASKED_ON
        )
    aps = signed_in(base_url, people["aps"])
    dashboard = aps.get("/aps/dashboard?month=2026-11").text
    queue = aps.get("/aps/requests").text
    pending, waiting = _figure(dashboard, "pending"), _queue_count(dashboard)
    assert pending == waiting == 3
    assert "3 requests waiting for a decision, oldest first." in queue
    assert "about other cycles" not in dashboard
    assert "requests about this cycle waiting for a decision" in dashboard


def test_the_dashboard_says_which_requests_are_about_other_cycles(
    web_engine: Engine, base_url: str, people: dict[str, str]
) -> None:
    _ask_extension(web_engine, _audits(web_engine, "2026-11", 1)[0])
    _ask_extension(web_engine, _audits(web_engine, "2026-10", 1)[0])
    page = signed_in(base_url, people["aps"]).get("/aps/dashboard?month=2026-11").text
    assert _figure(page, "pending") == 1 and _queue_count(page) == 2
    assert "2 requests waiting in the decision queue</a>, 1 of them about another cycle" in page
    september = signed_in(base_url, people["aps"]).get("/aps/dashboard?month=2026-09").text
    assert _figure(september, "pending") == 0
    assert "2 requests waiting in the decision queue</a>, all about other cycles" in september


def test_the_dashboard_names_the_month_and_its_theme(
    web_engine: Engine, base_url: str, people: dict[str, str]
) -> None:
    page = signed_in(base_url, people["director"]).get("/aps/dashboard").text
    # The latest allocated cycle up to today: November 2026 (the council's last).
    assert f"November 2026: {cohort_title('all')}" in page
    october = signed_in(base_url, people["aps"]).get("/aps/dashboard?month=2026-10").text
    assert "October 2026: " in october and "Cycle 2026-10" not in october


def test_the_queue_and_the_decision_page_name_people_and_cohorts(
    web_engine: Engine, base_url: str, people: dict[str, str]
) -> None:
    audit = _audits(web_engine, "2026-11", 1)[0]
    assert audit.id is not None
    with session_scope(web_engine) as session:
        made = request_store.request_exemption(
            session,
            audit.id,
            "conflict_of_interest",
            "knows the family",
            audit.auditor_id,
            ASKED_ON,
        )
        auditor = session.get(Staff, audit.auditor_id)
        assert auditor is not None
        name = auditor.name
    aps = signed_in(base_url, people["aps"])
    queue = aps.get("/aps/requests").text
    assert "Exemption (conflict of interest)" in queue and name in queue
    decide = aps.get(f"/requests/exemption/{made.id}").text
    assert f"{name}, {audit.auditor_team}" in decide
    assert f"{audit.auditor_id}, {audit.auditor_team}" not in decide
    assert cohort_title(audit.cohort) in decide
    assert f"(audit {audit.id}, November 2026)" in decide


def test_my_audits_shows_month_names_and_cohort_titles(
    web_engine: Engine, base_url: str, people: dict[str, str]
) -> None:
    page = signed_in(base_url, people["auditor"]).get("/my-audits").text
    assert "November 2026" in page and "October 2026" in page
    assert cohort_title("all") in page
    assert ">2026-11<" not in page
