"""Every web form (every POST route) fed anything: never a 5xx, and a refusal changes nothing.

Each example signs in afresh as a Team Manager, an APS member or nobody, then posts to one
route a form whose fields are plausible, rubbish (NUL, other scripts' digits, numbers no table
holds, a trailing newline, text over the limit) or missing, to a path whose id or month may be
rubbish too, with the right CSRF token or not. The database is compared whole before and after
any post that was refused (4xx, or sent to sign in). Run on SQLite and on PostgreSQL, where NUL
cannot be stored. The app is served by uvicorn as in the other web tests: an exception it did
not turn into a page would be a 500, which fails the test with the example that caused it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from flows.allocate import allocate_cycle
from models import request_store
from models.base import saved_id
from models.db import make_engine, migrate, session_scope
from models.people import Staff
from models.programme import Audit
from tests.flows.council import POLICY, seed_council
from tests.importer.helpers import dump
from tests.postgres import fresh_database
from tests.web.live import CSRF, TODAY, app_client, council_copy, serve

RUBBISH = st.one_of(
    st.sampled_from(["\x00", "a\x00b", "Annual leave\x00"]),  # PostgreSQL cannot store NUL
    st.sampled_from(
        ["", " ", "0", "-1", str(2**31), str(2**63), str(2**64), "9" * 400, "²", "٣", "３",
         "2026-12\n", "\n", "1_000", "+3", "31", "0001", "9999", "x" * 2001]
    ),
    st.text(max_size=12),
)  # fmt: skip
SEGMENT = st.one_of(
    st.sampled_from(["0", "-1", str(2**63), str(2**64), "%D9%A3", "abc", "1.5", "%00", "1%0A"]),
    st.text(min_size=1, max_size=8).map(lambda text: quote(text, safe="")),
)
MONTHS = st.one_of(
    st.just("2026-11"),
    st.sampled_from(["2026-12%0A", "9999-12", "0001-01", "2199-12", "1900-01", "2026-13"]),
    SEGMENT,
)
DAY, MONTH = st.integers(1, 31).map(str), st.integers(1, 12).map(str)
YEAR = st.sampled_from(["2026", "2027"])
TEXT = st.sampled_from(["Annual leave", "Supervision notes are late", "Yes"])


def field(plausible: st.SearchStrategy[str]) -> st.SearchStrategy[str | None]:
    """A form field: plausible, rubbish, or left out (None)."""
    return st.one_of(plausible, plausible, RUBBISH, st.none())


def date_fields(name: str) -> dict[str, st.SearchStrategy[str | None]]:
    return {f"{name}-day": field(DAY), f"{name}-month": field(MONTH), f"{name}-year": field(YEAR)}


def choice(*values: str) -> st.SearchStrategy[str | None]:
    return field(st.sampled_from(values))


@dataclass
class Site:
    engine: Engine
    url: str
    ids: dict[str, list[str]]  # valid path values by kind
    people: dict[str, str]  # staff id by role
    clients: dict[str, tuple[httpx.Client, str]]  # by role: signed in, and its CSRF token

    def client(self, role: str, afresh: bool) -> tuple[httpx.Client, str]:
        """A client signed in as ``role`` (or nobody), and its session's CSRF token; signed in
        again when ``afresh`` (after a post that may have signed it in or out)."""
        if afresh or role not in self.clients:
            client = app_client(self.url, timeout=30)
            token = _token(client)
            if role != "anonymous":
                data = {"staff_id": self.people[role], "next": "/", "csrf_token": token}
                assert client.post("/sign-in", data=data).status_code == 303
                token = _token(client)
            self.clients[role] = (client, token)
        return self.clients[role]


def _token(client: httpx.Client) -> str:
    found = CSRF.search(client.get("/sign-in").text)
    assert found is not None
    return found.group(1)


def _prepare(engine: Engine) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Pending requests to decide, and the ids the paths may use."""
    with Session(engine) as session:
        audits = session.exec(
            select(Audit).where(Audit.cycle == "2026-11").order_by(col(Audit.id))
        ).all()
        aps = session.exec(select(Staff.staff_id).where(Staff.role == "aps")).first()
    auditor, second = audits[0], next(a for a in audits if a.auditor_id != audits[0].auditor_id)
    assert aps is not None and auditor.id is not None and second.id is not None
    with session_scope(engine, write_lock=True) as session:
        extension = request_store.request_extension(
            session, second.id, date(2026, 12, 3), "leave", second.auditor_id, TODAY, POLICY
        )
        exemption = request_store.request_exemption(
            session, saved_id(audits[2]), "leave", "away", audits[2].auditor_id, TODAY
        )
    ids = {
        "audit": [str(a.id) for a in audits[:3]],
        "extension": [str(extension.id)],
        "exemption": [str(exemption.id)],
        "number": ["1", "2"],
        "pause": ["1"],
    }
    return ids, {"auditor": auditor.auditor_id, "aps": aps}


def _site(engine: Engine) -> Iterator[Site]:
    ids, people = _prepare(engine)
    with serve(engine) as url:
        site = Site(engine, url, ids, people, {})
        yield site
        for client, _ in site.clients.values():
            client.close()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def site(
    request: pytest.FixtureRequest, council_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    if request.param == "sqlite":
        engine = make_engine(
            f"sqlite:///{council_copy(council_db, tmp_path_factory.mktemp('fuzz'))}"
        )
        yield from _site(engine)
        engine.dispose()
        return
    with fresh_database(request.getfixturevalue("postgres_server_url")) as url:
        engine = make_engine(url)
        migrate(engine)
        seed_council(engine, tmp_path_factory.mktemp("fuzz-pg"), cases=120)
        with session_scope(engine, write_lock=True) as session:
            allocate_cycle(session, POLICY, "2026-11", "all")
        yield from _site(engine)
        engine.dispose()


# Each POST route: its path (with {kind} for a path value) and its form's fields.
REFLECTION = {
    name: field(TEXT) for name in ("done_well", "challenges", "enough_tools", "do_differently")
}
FEEDBACK = {
    f"feedback-{n}-{part}": field(st.sampled_from(values))
    for n in (1, 2)
    for part, values in (
        ("source", ["parent", "carer"]),
        ("kind", ["strength"]),
        ("text", ["Kind"]),
    )
}
ROUTES: dict[str, tuple[str, dict[str, Any]]] = {
    "sign-in": ("/sign-in", {"staff_id": field(st.sampled_from(["TM001", "APS01", "NOPE"])),
                             "next": field(st.sampled_from(["/", "/my-audits", "//evil"]))}),
    "sign-out": ("/sign-out", {}),
    "extension": ("/audits/{audit}/extension", {**date_fields("until"), "reason": field(TEXT)}),
    "exemption": ("/audits/{audit}/exemption",
                  {"category": choice("leave", "sickness", "other"), "reason": field(TEXT)}),
    "complete": ("/audits/{audit}/complete",
                 {**date_fields("on"), "judgement": choice("good", "inadequate"),
                  "finding": field(TEXT), **REFLECTION, **FEEDBACK,
                  "tags": choice("supervision", "Drift_And_Delay", "gardening", "")}),
    "decide-extension": ("/requests/extension/{extension}",
                         {"decision": choice("approve", "reject"), **date_fields("until"),
                          "note": field(TEXT)}),
    "decide-exemption": ("/requests/exemption/{exemption}",
                         {"decision": choice("reallocate", "withdraw", "reject"),
                          "reallocate_to": field(st.sampled_from(["TM001", "TM002", "APS01"])),
                          "note": field(TEXT)}),
    "pause": ("/aps/pauses", {**date_fields("from"), **date_fields("to"), "reason": field(TEXT),
                              "note": field(TEXT)}),
    "resume": ("/aps/pauses/{pause}/resume", {}),
    "recommend": ("/aps/recommendations/{month}",
                  {"number": field(st.sampled_from(["", "1", "2"])), "text": field(TEXT),
                   "high_priority": choice("yes")}),
    "remove": ("/aps/recommendations/{month}/{number}/remove", {}),
    "commentary": ("/aps/recommendations/{month}/commentary",
                   {"theme": choice("cin", "cse", "all"), "commentary": field(TEXT),
                    "remove": choice("yes")}),
}  # fmt: skip


# A form each route would take (or nearly: the rules may still refuse it on the day), which
# half the examples spoil in a field or two, so that one bad value is often all that is wrong.
GOOD: dict[str, dict[str, str]] = {
    "sign-in": {"staff_id": "APS01", "next": "/"},
    "extension": {"until-day": "3", "until-month": "12", "until-year": "2026", "reason": "Leave"},
    "exemption": {"category": "leave", "reason": "Annual leave"},
    "complete": {"on-day": "9", "on-month": "11", "on-year": "2026", "judgement": "good",
                 "finding": "Clear plan", "done_well": "Visits", "challenges": "Time",
                 "enough_tools": "Yes", "do_differently": "Sooner", "feedback-1-source": "parent",
                 "feedback-1-kind": "strength", "feedback-1-text": "Kind", "tags": "supervision"},
    "decide-extension": {"decision": "approve", "note": "Agreed"},
    "decide-exemption": {"decision": "withdraw", "note": "Agreed"},
    "pause": {"from-day": "1", "from-month": "12", "from-year": "2026", "to-day": "2",
              "to-month": "12", "to-year": "2026", "reason": "Snow"},
    "recommend": {"text": "Supervision", "high_priority": "yes"},
    "commentary": {"theme": "cin", "commentary": "Good practice"},
}  # fmt: skip


@st.composite
def spoiled(draw: st.DrawFn, good: dict[str, str]) -> dict[str, str]:
    """``good`` with one or two fields made rubbish or left out."""
    form = dict(good)
    for name in draw(st.lists(st.sampled_from(sorted(good)), min_size=1, max_size=2)):
        value = draw(st.one_of(RUBBISH, RUBBISH, st.none()))
        if value is None:
            form.pop(name, None)
        else:
            form[name] = value
    return form


@st.composite
def posts(draw: st.DrawFn, site: Site, route: str) -> tuple[str, str, dict[str, str], Any]:
    """(role, path, form, csrf): who posts what where; csrf True for the session's token."""
    template, fields = ROUTES[route]
    path = template
    for kind in ("audit", "extension", "exemption", "pause", "number"):
        if f"{{{kind}}}" in path:
            value = draw(st.one_of(st.sampled_from(site.ids[kind]), SEGMENT))
            path = path.replace(f"{{{kind}}}", value)
    if "{month}" in path:
        path = path.replace("{month}", draw(MONTHS))
    if route in GOOD and draw(st.booleans()):
        form = draw(spoiled(GOOD[route]))
    else:
        form = {name: v for name, strategy in fields.items() if (v := draw(strategy)) is not None}
    role = draw(st.sampled_from(["auditor", "aps", "aps", "anonymous"]))
    csrf = draw(st.one_of(st.just(True), st.just(True), st.just(True), st.none(), RUBBISH))
    return role, path, form, csrf


def _refused(status: int, location: str) -> bool:
    return status >= 400 or location.startswith("/sign-in?next=")


@pytest.mark.parametrize("route", list(ROUTES))
def test_no_form_post_reaches_a_server_error(site: Site, route: str) -> None:
    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(post=posts(site, route))
    def check(post: tuple[str, str, dict[str, str], Any]) -> None:
        role, path, form, csrf = post
        client, token = site.client(role, afresh=route in ("sign-in", "sign-out"))
        data = dict(form)
        if csrf is not None:
            data["csrf_token"] = token if csrf is True else csrf
        before = dump(site.engine)
        response = client.post(path, data=data)
        assert response.status_code < 500, (path, data, response.text[:300])
        if _refused(response.status_code, response.headers.get("location", "")):
            assert dump(site.engine) == before, (path, data, response.status_code)

    check()


PAGES = [
    "/audits/{audit}", "/audits/{audit}/extension", "/audits/{audit}/exemption",
    "/audits/{audit}/complete", "/requests/extension/{extension}",
    "/requests/exemption/{exemption}", "/aps/requests?page={text}", "/aps/dashboard?month={text}",
    "/aps/recommendations/{month}", "/links/{text}", "/sign-in?next={text}",
]  # fmt: skip


def test_no_page_reaches_a_server_error(site: Site) -> None:
    """The pages (GET) with rubbish in their paths and queries: never a 5xx, nothing changed."""

    @settings(max_examples=80, deadline=None, derandomize=True)
    @given(
        template=st.sampled_from(PAGES),
        value=st.one_of(SEGMENT, MONTHS),
        role=st.sampled_from(["auditor", "aps", "anonymous"]),
    )
    def check(template: str, value: str, role: str) -> None:
        client, _ = site.client(role, afresh=False)
        path = template
        for kind in ("audit", "extension", "exemption", "month", "text"):
            path = path.replace(f"{{{kind}}}", value)
        before = dump(site.engine)
        response = client.get(path)
        assert response.status_code < 500, (path, response.text[:300])
        assert dump(site.engine) == before, path

    check()
