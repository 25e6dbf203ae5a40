"""Each input that once reached a 500 (issue 11) now gets a clear error and changes nothing.

Every test is named after what used to fail. The database is compared whole before and after.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from flows.allocate import allocate_cycle
from models.db import session_scope
from models.people import Staff
from models.programme import Audit, Cycle
from tests.flows.council import POLICY, seed_council
from tests.importer.helpers import dump
from tests.web.live import app_client, csrf_of, post_form, serve, signed_in

TOO_BIG = str(2**64)  # above 2**63 - 1: SQLite could not even compare it
ARABIC_INDIC = {"until-day": "٣", "until-month": "١٢", "until-year": "٢٠٢٦"}  # 3 12 2026


def _form_error(response: httpx.Response, *messages: str) -> None:
    assert response.status_code == 400, response.text[:500]
    assert 'class="govuk-error-summary"' in response.text
    for message in messages:
        assert message in response.text


def test_a_csrf_token_that_is_not_ascii_is_refused(base_url, web_engine, people) -> None:
    """hmac.compare_digest raised TypeError on a non-ASCII str."""
    auditor = signed_in(base_url, people["auditor"])
    before = dump(web_engine)
    form = {"until-day": "3", "until-month": "12", "until-year": "2026", "reason": "x"}
    for token in ("é" * 43, "токен", "\x00"):
        response = auditor.post(
            f"/audits/{people['audit']}/extension", data={**form, "csrf_token": token}
        )
        assert response.status_code == 403 and "could not be sent" in response.text
    assert auditor.post("/sign-out", data={"csrf_token": "ü"}).status_code == 403
    assert dump(web_engine) == before


def test_a_huge_day_or_year_is_not_a_real_date(base_url, web_engine, people) -> None:
    """date() raised OverflowError on a day or year too large for a C int."""
    auditor = signed_in(base_url, people["auditor"])
    before = dump(web_engine)
    for day, year in ((TOO_BIG, "2026"), ("3", TOO_BIG), ("3", "9" * 5000)):
        form = {"until-day": day, "until-month": "12", "until-year": year, "reason": "leave"}
        response = post_form(auditor, f"/audits/{people['audit']}/extension", form)
        _form_error(response, "must be a real date", 'href="#until-day"')
        assert f'value="{day}"' in response.text and "leave" in response.text  # kept
    assert dump(web_engine) == before


def test_a_year_at_the_ends_of_the_calendar_is_refused(base_url, web_engine, people) -> None:
    """Working days counted on from year 1 or 9999 ran off the calendar (OverflowError)."""
    aps = signed_in(base_url, people["aps"])
    before = dump(web_engine)
    for year in ("0001", "9999"):
        pause = {"from-day": "1", "from-month": "12", "from-year": year}
        pause |= {"to-day": "2", "to-month": "12", "to-year": year, "reason": "snow"}
        response = post_form(aps, "/aps/pauses", pause)
        _form_error(response, "must be between 1900 and 2199", 'href="#from-year"')
        assert f'value="{year}"' in response.text
    assert dump(web_engine) == before


def test_arabic_indic_digits_are_not_read_as_a_date(base_url, web_engine, people) -> None:
    """str.isdigit() took them, and int() read them as 3 December 2026."""
    auditor, aps = signed_in(base_url, people["auditor"]), signed_in(base_url, people["aps"])
    before = dump(web_engine)
    response = post_form(
        auditor, f"/audits/{people['audit']}/extension", {**ARABIC_INDIC, "reason": "leave"}
    )
    _form_error(response, "must be a real date")
    assert 'value="٣"' in response.text
    pause = {"from-day": "١", "from-month": "12", "from-year": "2026"}
    pause |= {"to-day": "2", "to-month": "12", "to-year": "2026", "reason": "snow"}
    _form_error(post_form(aps, "/aps/pauses", pause), "must be a real date", 'href="#from-day"')
    assert dump(web_engine) == before


def test_an_id_beyond_the_schema_is_not_found(base_url, web_engine, people) -> None:
    """SQLite raised OverflowError on an id above 2**63 - 1, in a path or in ?page=."""
    auditor, aps = signed_in(base_url, people["auditor"]), signed_in(base_url, people["aps"])
    before = dump(web_engine)
    for path in (f"/audits/{TOO_BIG}", f"/audits/{TOO_BIG}/extension", f"/audits/-{TOO_BIG}"):
        assert auditor.get(path).status_code == 400
    for path in (f"/requests/extension/{TOO_BIG}", f"/requests/exemption/{TOO_BIG}"):
        assert aps.get(path).status_code == 400
    assert aps.get(f"/aps/requests?page={TOO_BIG}").status_code == 400
    assert aps.get(f"/aps/requests?page=-{TOO_BIG}").status_code == 200  # the first page
    token = csrf_of(aps.get("/aps/pauses").text)
    for path in (
        f"/audits/{TOO_BIG}/complete",
        f"/audits/{TOO_BIG}/exemption",
        f"/requests/extension/{TOO_BIG}",
        f"/aps/pauses/{TOO_BIG}/resume",
        f"/aps/recommendations/2026-11/{TOO_BIG}/remove",
    ):
        response = aps.post(path, data={"csrf_token": token, "decision": "reject", "note": "x"})
        assert response.status_code == 400 and "Page not found" in response.text, path
    assert dump(web_engine) == before


def test_a_recommendation_number_that_is_not_ascii_or_is_huge(base_url, web_engine, people) -> None:
    """int("²") raised ValueError (str.isdigit() took it), and a huge number overflowed SQLite."""
    aps = signed_in(base_url, people["aps"])
    before = dump(web_engine)
    for number in ("²", "٣", TOO_BIG, "9" * 5000, "0"):
        response = post_form(
            aps, "/aps/recommendations/2026-11", {"number": number, "text": "Supervision notes"}
        )
        _form_error(response, "Number must be a whole number", 'href="#number"')
        assert "Supervision notes" in response.text
    assert dump(web_engine) == before


def test_the_last_month_has_no_next_month(base_url, people) -> None:
    """add_months("9999-12", 1) raised MonthError. Months the programme acts on run from
    1900-01 to 2199-12 (due dates and re-audits are counted on from them)."""
    aps = signed_in(base_url, people["aps"])
    for month in ("9999-12", "0001-01", "2200-01", "1899-12"):
        assert aps.get(f"/aps/recommendations/{month}").status_code == 404
    last = aps.get("/aps/recommendations/2199-12")
    assert last.status_code == 200
    assert "/aps/recommendations/2199-11" in last.text and "Next month" not in last.text
    first = aps.get("/aps/recommendations/1900-01")
    assert first.status_code == 200 and "Previous month" not in first.text


def test_a_month_with_a_trailing_newline_is_not_a_month(base_url, web_engine, people) -> None:
    """The path's month pattern ended in $, which matches before a final newline: the post
    made a cycle named "2026-12\\n"."""
    aps = signed_in(base_url, people["aps"])
    token = csrf_of(aps.get("/aps/recommendations/2026-12").text)
    before = dump(web_engine)
    for month in ("2026-12%0A", "2026-12%0D", "%D9%A2%D9%A0%D9%A2%D9%A6-12", "2026-12%00"):
        response = aps.post(
            f"/aps/recommendations/{month}", data={"csrf_token": token, "text": "Supervision"}
        )
        assert response.status_code == 404, month
        assert aps.get(f"/aps/recommendations/{month}").status_code == 404
    assert dump(web_engine) == before
    with Session(web_engine) as session:
        assert all(len(month) == 7 for month in session.exec(select(Cycle.month)).all())


def test_a_megabyte_of_text_is_refused_beside_its_field_and_kept(
    base_url, web_engine, people
) -> None:
    """Starlette's 1 MB limit a field answered a bare 400 page, and what was typed was lost."""
    auditor = signed_in(base_url, people["auditor"])
    before = dump(web_engine)
    long_reason = "Annual leave booked in spring. " * 35_000  # about 1 MB
    form = {"until-day": "3", "until-month": "12", "until-year": "2026", "reason": long_reason}
    response = post_form(auditor, f"/audits/{people['audit']}/extension", form)
    _form_error(response, "Use 2000 characters or fewer", 'href="#reason"')
    assert long_reason.strip() in response.text
    assert dump(web_engine) == before


def test_a_form_larger_than_any_field_allows_is_a_clear_page(base_url, web_engine, people) -> None:
    auditor = signed_in(base_url, people["auditor"])
    before = dump(web_engine)
    form = {"until-day": "3", "until-month": "12", "until-year": "2026", "reason": "x" * 17_000_000}
    response = post_form(auditor, f"/audits/{people['audit']}/extension", form)
    assert response.status_code == 413 and "too large to send" in response.text
    assert dump(web_engine) == before


def test_a_nul_in_a_text_field_is_refused_beside_it(base_url, web_engine, people) -> None:
    """PostgreSQL cannot store NUL: the write raised (see the PostgreSQL test below)."""
    auditor = signed_in(base_url, people["auditor"])
    before = dump(web_engine)
    form = {"until-day": "3", "until-month": "12", "until-year": "2026", "reason": "on\x00leave"}
    response = post_form(auditor, f"/audits/{people['audit']}/extension", form)
    _form_error(response, "NUL", 'href="#reason"')
    assert dump(web_engine) == before


def test_a_session_cookie_copied_before_sign_out_no_longer_works(base_url, people) -> None:
    """The session lived only in the signed cookie, so a copy outlived sign-out."""
    auditor = signed_in(base_url, people["auditor"])
    copied = app_client(base_url, cookies=dict(auditor.cookies))
    assert copied.get("/my-audits").status_code == 200
    token = csrf_of(auditor.get("/my-audits").text)
    assert auditor.post("/sign-out", data={"csrf_token": token}).status_code == 303
    assert copied.get("/my-audits").status_code == 303  # to sign in
    assert auditor.get("/my-audits").status_code == 303
    # Signing in again starts a new session; the copy stays dead.
    again = signed_in(base_url, people["auditor"])
    assert again.get("/my-audits").status_code == 200
    assert copied.get("/my-audits").status_code == 303


def test_signing_in_as_someone_else_ends_the_first_session(base_url, people) -> None:
    client = signed_in(base_url, people["auditor"])
    copied = app_client(base_url, cookies=dict(client.cookies))
    token = csrf_of(client.get("/sign-in").text)
    client.post("/sign-in", data={"staff_id": people["aps"], "next": "/", "csrf_token": token})
    assert client.get("/aps/requests").status_code == 200
    assert copied.get("/my-audits").status_code == 303


@pytest.fixture
def pg_council(pg_engine: Engine, tmp_path: Path) -> dict[str, str]:
    """November 2026 allocated on PostgreSQL: an auditor, their audit, and an APS member."""
    seed_council(pg_engine, tmp_path, cases=120)
    with session_scope(pg_engine, write_lock=True) as session:
        allocate_cycle(session, POLICY, "2026-11", "all")
    with Session(pg_engine) as session:
        audit = session.exec(select(Audit).order_by(col(Audit.id))).first()
        aps = session.exec(select(Staff.staff_id).where(Staff.role == "aps")).first()
    assert audit is not None and aps is not None
    return {"auditor": audit.auditor_id, "audit": str(audit.id), "aps": aps}


@pytest.mark.postgres
def test_a_nul_anywhere_in_a_form_is_refused_on_postgresql(pg_engine, pg_council) -> None:
    """PostgreSQL's text cannot hold NUL: each of these raised on writing or looking up."""
    audit = pg_council["audit"]
    with serve(pg_engine) as url:
        auditor, aps = signed_in(url, pg_council["auditor"]), signed_in(url, pg_council["aps"])
        before = dump(pg_engine)
        date_ = {"until-day": "3", "until-month": "12", "until-year": "2026"}
        posts = [
            (auditor, f"/audits/{audit}/extension", {**date_, "reason": "a\x00b"}, "reason"),
            (auditor, f"/audits/{audit}/exemption", {"category": "leave", "reason": "\x00"},
             "reason"),
            (auditor, f"/audits/{audit}/complete",
             {"on-day": "9", "on-month": "11", "on-year": "2026", "judgement": "good",
              "finding": "Clear plan\x00"}, "finding"),
            (aps, "/aps/pauses", {"from-day": "1", "from-month": "12", "from-year": "2026",
             "to-day": "2", "to-month": "12", "to-year": "2026", "reason": "snow\x00"}, "reason"),
            (aps, "/aps/recommendations/2026-11", {"text": "Supervision\x00"}, "text"),
            (aps, "/aps/recommendations/2026-11/commentary",
             {"theme": "cin", "commentary": "\x00"}, "commentary"),
        ]  # fmt: skip
        tokens = {id(c): csrf_of(c.get("/my-audits").text) for c in (auditor, aps)}
        for client, path, form, field in posts:
            response = client.post(path, data={**form, "csrf_token": tokens[id(client)]})
            _form_error(response, "NUL", f'href="#{field}"')
        anonymous = app_client(url)
        token = csrf_of(anonymous.get("/sign-in").text)
        sign_in = {"staff_id": f"{pg_council['aps']}\x00", "next": "/", "csrf_token": token}
        response = anonymous.post("/sign-in", data=sign_in)
        assert response.status_code == 400 and "Choose who to sign in as" in response.text
        assert dump(pg_engine) == before
