"""The APS pages for pauses, and for the month's recommendations and commentary.

The pages' "today" is Tue 10 Nov 2026; November 2026 is allocated (due Mon 30 Nov 2026).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models import pause_store
from models.db import session_scope
from models.programme import Audit, Pause, Recommendation, ThemeCommentary
from models.trail import TrailEntry
from tests.flows.council import POLICY
from tests.web.live import csrf_of, post_form, signed_in

NOV_16_TO_20 = {
    "from-day": "16", "from-month": "11", "from-year": "2026",
    "to-day": "20", "to-month": "11", "to-year": "2026",
    "reason": "Ofsted inspection",
}  # fmt: skip
REC = "/aps/recommendations/2026-11"


def _state(engine: Engine) -> tuple[Any, ...]:
    """Everything these pages could change."""
    with Session(engine) as session:
        counts = tuple(
            session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (Pause, Recommendation, ThemeCommentary, TrailEntry)
        )
        dues = session.execute(
            select(col(Audit.id), col(Audit.due_on)).order_by(col(Audit.id))
        ).all()
        recs = session.execute(
            select(
                col(Recommendation.number),
                col(Recommendation.text),
                col(Recommendation.high_priority),
            )
        ).all()
    return (*counts, tuple(dues), tuple(recs))


def _error_page(response: httpx.Response, *messages: str) -> None:
    assert response.status_code == 400, response.text[-500:]
    assert 'class="govuk-error-summary"' in response.text
    assert "<title>Error: " in response.text
    for message in messages:
        assert message in response.text


def _due_dates(engine: Engine, cycle: str = "2026-11") -> set[date]:
    with Session(engine) as session:
        return set(session.scalars(select(col(Audit.due_on)).where(col(Audit.cycle) == cycle)))


def test_aps_pauses_the_programme(base_url, web_engine, people) -> None:
    aps = signed_in(base_url, people["aps"])
    page = aps.get("/aps/pauses").text
    assert "The programme has never been paused." in page
    assert 'name="from-day"' in page and 'name="to-year"' in page
    response = post_form(aps, "/aps/pauses", NOV_16_TO_20)
    assert response.status_code == 303 and response.headers["location"] == "/aps/pauses"
    page = aps.get("/aps/pauses").text
    assert "Pause 1 recorded: 16 November 2026 to 20 November 2026." in page
    assert "Ofsted inspection" in page and "Planned" in page and "To move when it is over" in page
    with Session(web_engine) as session:
        pause = session.scalars(select(Pause)).one()
    assert (pause.starts_on, pause.ends_on, pause.created_by) == (
        date(2026, 11, 16), date(2026, 11, 20), people["aps"],
    )  # fmt: skip
    assert pause.applied_on is None and _due_dates(web_engine) == {date(2026, 11, 30)}


def test_the_pause_form_takes_a_note_of_what_was_done_instead(base_url, web_engine, people) -> None:
    aps = signed_in(base_url, "APS01")
    note = {**NOV_16_TO_20, "note": "  RAG ratings of open cases "}
    response = post_form(aps, "/aps/pauses", note)
    assert response.status_code == 303
    assert "Instead: RAG ratings of open cases" in aps.get("/aps/pauses").text
    with Session(web_engine) as session:
        assert session.scalars(select(col(Pause.note))).one() == "RAG ratings of open cases"
    # Too long: the page again, the error beside the note, nothing recorded.
    before = _state(web_engine)
    later = {**NOV_16_TO_20, "from-year": "2030", "to-year": "2030", "note": "n" * 1001}
    response = post_form(aps, "/aps/pauses", later)
    _error_page(response, "The note is too long: 1000 characters at most")
    assert 'id="note-error"' in response.text
    assert _state(web_engine) == before


def test_aps_resumes_the_pause_in_force_today(base_url, web_engine, people) -> None:
    with session_scope(web_engine, write_lock=True) as session:
        pause, _ = pause_store.add_pause(
            session, date(2026, 11, 9), date(2026, 11, 20), "Cyber attack", "APS01",
            date(2026, 11, 9), POLICY,
        )  # fmt: skip
        pause_id = pause.id
    aps = signed_in(base_url, people["aps"])
    page = aps.get("/aps/pauses").text
    assert "The programme is paused until Friday 20 November 2026" in page
    assert f'action="/aps/pauses/{pause_id}/resume"' in page
    response = _post(aps, f"/aps/pauses/{pause_id}/resume", {}, "/aps/pauses")
    assert response.status_code == 303
    page = aps.get("/aps/pauses").text
    assert "The programme resumes today." in page and "Resume the programme today" not in page
    # Paused on Mon 9 Nov only: one working day, so due Mon 30 Nov becomes Tue 1 Dec.
    assert _due_dates(web_engine) == {date(2026, 12, 1)}
    assert "Moved on 1 working day" in page
    with Session(web_engine) as session:
        stored = session.get(Pause, pause_id)
        assert stored is not None and stored.resumed_on == date(2026, 11, 10)
    # Pressing it again (an old page): refused, nothing changes.
    before = _state(web_engine)
    again = _post(aps, f"/aps/pauses/{pause_id}/resume", {}, "/aps/pauses")
    _error_page(again, f"Pause {pause_id} is not in force today")
    assert _state(web_engine) == before


def _post(client: httpx.Client, path: str, form: dict[str, str], page: str = REC) -> httpx.Response:
    """Post ``form`` to ``path`` with the CSRF token of the page its form is on."""
    return client.post(path, data={**form, "csrf_token": csrf_of(client.get(page).text)})


@pytest.mark.parametrize(
    ("form", "messages"),
    [
        ({**NOV_16_TO_20, "from-day": "", "from-month": "", "from-year": "", "reason": ""},
         ["Enter the first paused day", "Enter why the programme is paused", 'href="#from-day"']),
        ({**NOV_16_TO_20, "to-day": "31", "to-month": "11", "reason": "Typed"},
         ["must be a real date", 'value="31"', ">Typed</textarea>"]),
        ({**NOV_16_TO_20, "to-day": "13"},
         ["A pause must end after it starts: 2026-11-13 is before 2026-11-16", 'href="#to-day"']),
        ({**NOV_16_TO_20, "from-day": "19", "to-day": "27"},
         ["It overlaps pause 1 (2026-11-16 to 2026-11-20)", 'href="#from-day"']),
    ],
)  # fmt: skip
def test_bad_pauses_are_shown_and_change_nothing(
    base_url, web_engine, people, form: dict[str, str], messages: list[str]
) -> None:
    aps = signed_in(base_url, people["aps"])
    assert post_form(aps, "/aps/pauses", NOV_16_TO_20).status_code == 303
    before = _state(web_engine)
    response = post_form(aps, "/aps/pauses", form)
    _error_page(response, *messages)
    assert _state(web_engine) == before


def test_recommendations_and_commentary(base_url, web_engine, people) -> None:
    aps = signed_in(base_url, people["aps"])
    start = aps.get("/aps/recommendations")
    assert start.status_code == 303 and start.headers["location"] == REC
    page = aps.get(REC).text
    assert "No recommendations for November 2026 yet." in page and 'name="high_priority"' in page
    response = post_form(aps, REC, {"text": "Supervision in timescales", "high_priority": "yes"})
    assert response.status_code == 303 and response.headers["location"] == REC
    assert "Recommendation 1 added." in aps.get(REC).text
    post_form(aps, REC, {"text": "Oversight recorded"})
    post_form(aps, REC, {"number": "2", "text": "Oversight with rationale"})
    response = _post(aps, f"{REC}/1/remove", {})
    assert response.status_code == 303
    page = aps.get(REC).text
    assert "Recommendation 1 removed" in page
    assert "Oversight with rationale" in page and "Supervision in timescales" not in page
    response = _post(aps, f"{REC}/commentary", {"theme": "cin", "commentary": "Visits late"})
    assert response.status_code == 303
    page = aps.get(REC).text
    assert "Commentary on Children in Need (CiN) added." in page and "Visits late" in page
    with Session(web_engine) as session:
        recs = session.execute(select(col(Recommendation.number), col(Recommendation.text))).all()
        notes = session.execute(
            select(col(ThemeCommentary.theme), col(ThemeCommentary.created_by))
        ).all()
    assert recs == [(1, "Oversight with rationale")]
    assert notes == [("cin", people["aps"])]
    _post(aps, f"{REC}/commentary", {"theme": "cin", "remove": "yes"})
    assert "No commentary for November 2026 yet." in aps.get(REC).text


@pytest.mark.parametrize(
    ("path", "form", "messages"),
    [
        (REC, {"text": ""}, ["Enter the recommendation", 'href="#text"']),
        (REC, {"number": "two", "text": "x"}, ["Number must be a whole number", 'href="#number"']),
        (REC, {"number": "5", "text": "x"},
         ["Recommendation number 5 is out of range: 2026-11 has 1"]),
        (f"{REC}/commentary", {"theme": "", "commentary": ""},
         ["Select the practice theme", "Enter the commentary"]),
        (f"{REC}/commentary", {"theme": "cse", "remove": "yes"},
         ["2026-11 has no commentary on cse to remove"]),
        (f"{REC}/3/remove", {}, ["2026-11 has no recommendation 3"]),
    ],
)  # fmt: skip
def test_bad_recommendations_are_shown_and_change_nothing(
    base_url, web_engine, people, path: str, form: dict[str, str], messages: list[str]
) -> None:
    aps = signed_in(base_url, people["aps"])
    post_form(aps, REC, {"text": "First"})
    before = _state(web_engine)
    _error_page(_post(aps, path, form), *messages)
    assert _state(web_engine) == before


def test_a_badly_written_month_is_not_found(base_url, people) -> None:
    aps = signed_in(base_url, people["aps"])
    assert aps.get("/aps/recommendations/2026-13").status_code == 404


@pytest.mark.parametrize("role", ["auditor", "service_manager", "director"])
def test_only_aps_see_the_links_and_the_start_of_recommendations(
    base_url, people, role: str
) -> None:
    client = signed_in(base_url, people[role])
    assert 'href="/aps/pauses"' not in client.get("/my-audits").text
    assert client.get("/aps/recommendations").status_code == 403
    aps_page = signed_in(base_url, people["aps"]).get("/my-audits").text
    assert 'href="/aps/pauses"' in aps_page and 'href="/aps/recommendations"' in aps_page
