"""The pages each role reads, fed any path and query: never a 5xx, never a change, and an audit
shown only to someone who may read it.

``/audits/{id}`` gets ids that exist, ids that do not, and rubbish (other scripts' digits,
numbers no table holds, NUL, a trailing newline); ``/my-teams`` gets any query string. Each is
asked by a Service Manager, a Director, a Team Manager with no part in the audits, and the
auditor.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote, unquote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from tests.importer.helpers import dump
from tests.web.live import serve, signed_in
from tests.web.roles_story import Story, tell_story

ROLES = ("line_manager", "director", "unrelated_manager", "auditor")
SEGMENT = st.one_of(
    st.sampled_from(
        ["0", "-1", "1", "2", "63", str(2**31), str(2**63), str(2**64), "%D9%A3", "%00", "1%0A"]
    ),
    st.integers(-5, 200).map(str),
    st.text(min_size=1, max_size=8).map(lambda text: quote(text, safe="")),
)
QUERY = st.dictionaries(st.text(max_size=6), st.text(max_size=10), max_size=3)


@pytest.fixture(scope="module")
def site(
    council_db, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, Story, dict[str, httpx.Client], dict[str, set[int | None]]]]:
    from sqlmodel import Session, col, select

    from models.db import make_engine
    from models.people import Staff
    from models.programme import Audit
    from tests.web.live import council_copy

    engine = make_engine(f"sqlite:///{council_copy(council_db, tmp_path_factory.mktemp('fz'))}")
    with Session(engine) as session:
        audit = session.scalars(
            select(Audit).where(col(Audit.cycle) == "2026-11").order_by(col(Audit.id))
        ).first()
        director = session.scalars(
            select(col(Staff.staff_id)).where(col(Staff.role) == "director")
        ).first()
        assert audit is not None and director is not None
    people = {"audit": str(audit.id), "auditor": audit.auditor_id, "aps": "APS01"}
    story = tell_story(engine, {**people, "director": director})
    with Session(engine) as session:
        audits = session.scalars(select(Audit)).all()
        reports = session.scalars(
            select(Staff).where(col(Staff.line_manager_id) == story.line_manager)
        ).all()
        manager = session.get(Staff, story.line_manager)
        assert manager is not None
    teams = {manager.team, *(r.team for r in reports)}
    theirs = {r.staff_id for r in reports}
    readable = {
        "director": {a.id for a in audits},
        "auditor": {a.id for a in audits if a.auditor_id == story.auditor},
        "unrelated_manager": {a.id for a in audits if a.auditor_id == story.unrelated_manager},
        "line_manager": {a.id for a in audits if a.auditor_id in theirs or a.case_team in teams},
    }
    with serve(engine) as url:
        clients = {role: signed_in(url, getattr(story, role)) for role in ROLES}
        yield engine, story, clients, readable
    engine.dispose()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(role=st.sampled_from(ROLES), segment=SEGMENT, query=QUERY)
def test_any_audit_path_is_a_page_or_a_refusal_and_changes_nothing(
    site, role: str, segment: str, query: dict[str, str]
) -> None:
    engine, story, clients, readable = site
    before = dump(engine)
    response = clients[role].get(f"/audits/{segment}", params=query)
    assert response.status_code in (200, 400, 403, 404), response.text[-300:]
    plain = unquote(segment)
    if response.status_code == 200:
        # The page names its audit: it must be one this person may read.
        shown = re.search(r"(?:Re-audit|Audit) (\d+), ", response.text)
        assert shown is not None and int(shown.group(1)) in readable[role]
    elif plain.isascii() and plain.isdigit() and int(plain) in readable[role]:
        pytest.fail(f"{role} was refused audit {plain}, which they may read")
    assert dump(engine) == before


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(role=st.sampled_from(ROLES), query=QUERY, tail=st.sampled_from(["", "/", "/x", "%00"]))
def test_my_teams_with_any_query_is_the_page_or_a_refusal(
    site, role: str, query: dict[str, str], tail: str
) -> None:
    engine, story, clients, _ = site
    before = dump(engine)
    response = clients[role].get(f"/my-teams{tail}", params=query)
    if tail == "/":
        assert response.status_code == 307  # to /my-teams, as every route does
        assert response.headers["location"].split("?")[0].endswith("/my-teams")
    elif tail:
        assert response.status_code == 404
    elif role == "line_manager":
        assert response.status_code == 200 and story.case_ref in response.text
    else:
        assert response.status_code == 403
    assert dump(engine) == before
