"""Every route, for every role and for someone not signed in: allowed or refused.

Refused means a redirect to sign in (not signed in) or 403 (signed in, not allowed); a refused
POST changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models import request_store
from models.base import saved_id
from models.db import session_scope
from models.programme import Audit
from models.requests import ExemptionRequest, ExtensionRequest
from models.trail import TrailEntry
from tests.flows.council import POLICY
from tests.web.live import app_client, csrf_of, serve, signed_in

ROLES = ("anonymous", "auditor", "other_manager", "service_manager", "director", "aps")
EVERYONE = set(ROLES) - {"anonymous"}
OWNER_OR_APS = {"auditor", "aps"}
#: Who reads an audit (rules.audit_access): also a Director and the auditor's line manager
#: (the matrix's Service Manager), who receives its escalations.
READERS = OWNER_OR_APS | {"director", "service_manager"}

# path template -> roles allowed to GET it
GET_ROUTES = {
    "/my-audits": EVERYONE,
    "/audits/{audit}": READERS,
    "/audits/{audit}/extension": OWNER_OR_APS,
    "/audits/{audit}/exemption": OWNER_OR_APS,
    "/audits/{audit}/complete": OWNER_OR_APS,
    "/aps/requests": {"aps"},
    "/requests/extension/{extension}": {"aps"},
    "/requests/exemption/{exemption}": {"aps"},
    "/aps/dashboard": {"aps", "director"},
    "/aps/pauses": {"aps"},
    "/aps/recommendations/2026-11": {"aps"},
    "/my-teams": {"service_manager"},
}
# path template -> (roles allowed to POST, a valid form)
POST_ROUTES = {
    "/audits/{free}/extension": (
        {"auditor", "aps"},
        {"until-day": "4", "until-month": "12", "until-year": "2026", "reason": "leave"},
    ),
    "/audits/{free}/exemption": ({"auditor", "aps"}, {"category": "leave", "reason": "leave"}),
    "/audits/{free}/complete": (
        {"auditor", "aps"},
        {"on-day": "9", "on-month": "11", "on-year": "2026", "judgement": "good", "finding": "x"},
    ),
    "/requests/extension/{extension}": ({"aps"}, {"decision": "reject", "note": "no"}),
    "/requests/exemption/{exemption}": ({"aps"}, {"decision": "withdraw", "note": "ok"}),
    "/aps/pauses": (
        {"aps"},
        {
            "from-day": "1",
            "from-month": "3",
            "from-year": "2027",
            "to-day": "5",
            "to-month": "3",
            "to-year": "2027",
            "reason": "inspection",
        },
    ),
    "/aps/pauses/1/resume": ({"aps"}, {}),
    "/aps/recommendations/2026-11": ({"aps"}, {"text": "Supervision on time"}),
    "/aps/recommendations/2026-11/1/remove": ({"aps"}, {}),
    "/aps/recommendations/2026-11/commentary": ({"aps"}, {"theme": "cin", "commentary": "x"}),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str], Engine]]:
    """One served council for the whole matrix: the auditor has two audits, one with a pending
    extension request and one free; another auditor's audit has a pending exemption request."""
    from models.db import make_engine
    from tests.web.live import council_template

    engine = make_engine(f"sqlite:///{council_template(tmp_path_factory.mktemp('matrix'))}")
    with session_scope(engine, write_lock=True) as session:
        auditor = session.scalars(
            select(col(Audit.auditor_id)).group_by(col(Audit.auditor_id)).having(func.count() >= 2)
        ).first()
        assert auditor is not None, "the council needs an auditor with two audits"
        november = session.scalars(
            select(Audit)
            .where(col(Audit.auditor_id) == auditor, col(Audit.cycle) == "2026-11")
            .order_by(col(Audit.id))
        ).all()
        october = session.scalars(
            select(Audit).where(col(Audit.auditor_id) == auditor, col(Audit.cycle) == "2026-10")
        ).all()
        audits = [saved_id(audit) for audit in [*november, *october]]
        on = date(2026, 11, 9)
        extension = request_store.request_extension(
            session, audits[0], date(2026, 12, 3), "leave", auditor, on, POLICY
        )
        elsewhere = session.scalars(select(Audit).where(col(Audit.auditor_id) != auditor)).first()
        assert elsewhere is not None and elsewhere.id is not None
        exemption = request_store.request_exemption(
            session, elsewhere.id, "sickness", "off sick", elsewhere.auditor_id, on
        )
        ids = {
            "audit": str(audits[0]),
            "free": str(audits[1]),
            "extension": str(extension.id),
            "exemption": str(exemption.id),
        }
    people = _people(engine, auditor)
    with serve(engine) as url:
        yield url, {**people, **ids}, engine
    engine.dispose()


def _people(engine: Engine, auditor: str) -> dict[str, str]:
    from models.people import Staff

    with Session(engine) as session:

        def first(role: str, *excluding: str) -> str:
            found = session.scalars(
                select(col(Staff.staff_id))
                .where(col(Staff.role) == role, col(Staff.staff_id).not_in(excluding))
                .order_by(col(Staff.staff_id))
            ).first()
            assert found is not None
            return found

        return {
            "auditor": auditor,
            "other_manager": first("team_manager", auditor),
            # The auditor's line manager: reads the auditor's audits, acts on none.
            "service_manager": _line_manager(session, auditor),
            "director": first("director"),
            "aps": first("aps"),
        }


def _line_manager(session: Session, staff_id: str) -> str:
    from models.people import Staff

    person = session.get(Staff, staff_id)
    assert person is not None and person.line_manager_id is not None
    manager = session.get(Staff, person.line_manager_id)
    assert manager is not None and manager.role == "service_manager"
    return manager.staff_id


@pytest.fixture(scope="module")
def clients(world: tuple[str, dict[str, str], Engine]) -> Iterator[dict[str, httpx.Client]]:
    url, ids, _ = world
    made = {role: signed_in(url, None if role == "anonymous" else ids[role]) for role in ROLES}
    yield made
    for client in made.values():
        client.close()


def _counts(engine: Engine) -> tuple[int, ...]:
    with Session(engine) as session:
        return tuple(
            session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (ExtensionRequest, ExemptionRequest, TrailEntry)
        ) + (
            session.execute(
                select(func.count()).select_from(Audit).where(col(Audit.status) != "allocated")
            ).scalar_one(),
        )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(GET_ROUTES))
def test_get(world, clients, route: str, role: str) -> None:
    _, ids, _ = world
    response = clients[role].get(route.format(**ids))
    if role == "anonymous":
        assert response.status_code == 303
        assert response.headers["location"].startswith("/sign-in?next=")
    elif role in GET_ROUTES[route]:
        assert response.status_code == 200, response.text[-500:]
        assert 'class="govuk-' in response.text
    else:
        assert response.status_code == 403
        assert "You cannot do this" in response.text


REFUSED_POSTS = [
    (route, role)
    for route, (allowed, _) in sorted(POST_ROUTES.items())
    for role in sorted(EVERYONE - allowed)
]


@pytest.mark.parametrize(("route", "role"), REFUSED_POSTS)
def test_post_refused(world, clients, route: str, role: str) -> None:
    """Roles not allowed are refused with a valid CSRF token, and nothing changes (the allowed
    ones post in test_requests.py)."""
    url, ids, engine = world
    form = POST_ROUTES[route][1]
    client = clients[role]
    token = csrf_of(client.get("/my-audits").text)
    before = _counts(engine)
    response = client.post(route.format(**ids), data={**form, "csrf_token": token})
    assert response.status_code == 403
    assert _counts(engine) == before


@pytest.mark.parametrize("route", sorted(POST_ROUTES))
def test_post_anonymous(world, route: str) -> None:
    url, ids, engine = world
    with app_client(url) as client:
        token = csrf_of(client.get("/sign-in").text)
        before = _counts(engine)
        response = client.post(
            route.format(**ids), data={**POST_ROUTES[route][1], "csrf_token": token}
        )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in")
    assert _counts(engine) == before


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("auditor", "/my-audits"),
        ("other_manager", "/my-audits"),
        ("service_manager", "/my-teams"),
        ("director", "/aps/dashboard"),
        ("aps", "/aps/requests"),
        ("anonymous", "/sign-in?next=/"),
    ],
)
def test_start_page_by_role(clients, role: str, home: str) -> None:
    response = clients[role].get("/")
    assert response.status_code == 303
    assert response.headers["location"] == home


def test_an_unknown_audit_is_refused_like_someone_elses(world, clients) -> None:
    response = clients["auditor"].get("/audits/999999")
    assert response.status_code == 403


# --- The social worker (issue 15) ---------------------------------------------------------------
# A social worker allocated the case of {audit}, line-managed by a Team Manager of the case's
# team who has no audit of their own here ("worker_manager"). The worker reads their case's
# audit (and its findings) and nothing else, and acts on nothing; their manager reads it too.
WORKER_GETS = {"/my-audits", "/my-cases", "/audits/{audit}", "/audits/{audit}/findings"}
FINDINGS_ROUTES = {"/audits/{audit}/findings": READERS, "/my-cases": set()}


@pytest.fixture(scope="module")
def worker(world: tuple[str, dict[str, str], Engine]) -> Iterator[dict[str, httpx.Client]]:
    from models.cases import Case
    from models.people import Staff

    url, ids, engine = world
    with session_scope(engine) as session:
        audit, free = session.get(Audit, int(ids["audit"])), session.get(Audit, int(ids["free"]))
        assert audit is not None and free is not None and audit.case_ref != free.case_ref
        session.add(Staff(staff_id="TMSW1", name="Lee Lead", email="lee.lead@example.gov.uk",
                          role="team_manager", team=audit.case_team))  # fmt: skip
        session.flush()
        session.add(Staff(staff_id="SW1", name="Sky Worker", email="sky@example.gov.uk",
                          role="social_worker", team=audit.case_team,
                          line_manager_id="TMSW1"))  # fmt: skip
        case = session.get(Case, audit.case_ref)
        assert case is not None
        case.worker_id = "SW1"
    made = {"worker": signed_in(url, "SW1"), "worker_manager": signed_in(url, "TMSW1")}
    yield made
    for client in made.values():
        client.close()


@pytest.mark.parametrize(
    "route", sorted({*GET_ROUTES, *FINDINGS_ROUTES, "/audits/{free}", "/audits/{free}/findings"})
)
def test_get_as_the_social_worker(world, worker, route: str) -> None:
    _, ids, _ = world
    response = worker["worker"].get(route.format(**ids))
    if route in WORKER_GETS:
        assert response.status_code == 200, response.text[-500:]
    else:
        assert response.status_code == 403
        assert "You cannot do this" in response.text


@pytest.mark.parametrize("route", ["/audits/{audit}", "/audits/{audit}/findings"])
def test_the_workers_manager_reads_their_case_audit_only(world, worker, route: str) -> None:
    _, ids, _ = world
    assert worker["worker_manager"].get(route.format(**ids)).status_code == 200
    other = route.replace("{audit}", "{free}").format(**ids)
    assert worker["worker_manager"].get(other).status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_findings_pages_for_every_other_role(world, clients, worker, role: str) -> None:
    _, ids, _ = world
    for route, allowed in FINDINGS_ROUTES.items():
        response = clients[role].get(route.format(**ids))
        if role == "anonymous":
            assert response.status_code == 303
        else:
            assert response.status_code == (200 if role in allowed else 403), route


@pytest.mark.parametrize(
    "route", sorted([*POST_ROUTES, "/audits/{audit}/findings", "/audits/{free}/findings"])
)
def test_the_social_worker_acts_on_nothing(world, worker, route: str) -> None:
    """Refused with a valid CSRF token, nothing changed; their own case's findings page takes a
    response only once the audit is completed (a 400 here: it is not yet)."""
    _, ids, engine = world
    client = worker["worker"]
    form = POST_ROUTES.get(route, ({}, {"response": "Agreed"}))[1]
    token = csrf_of(client.get("/my-cases").text)
    before = _counts(engine)
    response = client.post(route.format(**ids), data={**form, "csrf_token": token})
    assert response.status_code == (400 if route == "/audits/{audit}/findings" else 403)
    assert _counts(engine) == before


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_nobody_else_responds(world, clients, worker, role: str) -> None:
    _, ids, engine = world
    client = clients[role]
    token = csrf_of(client.get("/my-audits").text)
    before = _counts(engine)
    response = client.post(
        f"/audits/{ids['audit']}/findings", data={"response": "Mine", "csrf_token": token}
    )
    assert response.status_code == 403
    assert _counts(engine) == before


def test_the_social_workers_start_page(worker) -> None:
    response = worker["worker"].get("/")
    assert response.status_code == 303 and response.headers["location"] == "/my-cases"
