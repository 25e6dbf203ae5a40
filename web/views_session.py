"""Signing in and out, the start page, and the signed links that emails carry."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from config.signed_links import LinkError, read_token, target_path
from config.web_settings import WebSettings
from models.db import session_scope
from models.link_store import consume
from models.people import ROLES, Staff
from models.session_store import end_session, start_session
from rules.values import unstorable
from web.auth import SESSION_ID_KEY, SESSION_KEY, Forbidden, current_user
from web.csrf import check_csrf, renew_csrf_token
from web.deps import EngineDep, SecretKeyDep, WebSettingsDep
from web.limits import FormRoute
from web.render import page

router = APIRouter(route_class=FormRoute)

HOME_BY_ROLE = {
    "aps": "/aps/requests",
    "director": "/aps/dashboard",
    "service_manager": "/my-teams",
    "social_worker": "/my-cases",
}
ROLE_NAMES = {
    "aps": "APS team",
    "team_manager": "Team Managers",
    "service_manager": "Service Managers",
    "director": "Directors",
    "social_worker": "Social workers",
}


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another one."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/", include_in_schema=False)
def home(request: Request) -> Response:
    user = current_user(request)
    return RedirectResponse(HOME_BY_ROLE.get(user.role, "/my-audits"), status_code=303)


def _sign_in_context(engine: Engine, settings: WebSettings, next: str) -> dict[str, object]:
    groups: list[tuple[str, list[Staff]]] = []
    if settings.dev_login:
        with Session(engine) as session:
            staff = session.scalars(
                select(Staff)
                .where(col(Staff.active), col(Staff.in_latest_export))
                .order_by(col(Staff.role), col(Staff.name))
            ).all()
        groups = [
            (ROLE_NAMES.get(role, role), [s for s in staff if s.role == role]) for role in ROLES
        ]
    return {"groups": groups, "next": _safe_next(next), "error": None}


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(
    request: Request, engine: EngineDep, settings: WebSettingsDep, next: str = "/"
) -> HTMLResponse:
    return page(request, "sign_in.html", _sign_in_context(engine, settings, next))


@router.post("/sign-in", dependencies=[Depends(check_csrf)])
def sign_in(
    request: Request,
    engine: EngineDep,
    settings: WebSettingsDep,
    staff_id: str = Form(""),
    next: str = Form("/"),
) -> Response:
    """Development sign-in only: a single sign-on proxy signs people in by its header."""
    if not settings.dev_login:
        raise HTTPException(404)
    known = bool(staff_id) and unstorable(staff_id) is None  # PostgreSQL cannot look up a NUL
    with Session(engine) as session:
        person = session.get(Staff, staff_id) if known else None
    if person is None or not person.active or not person.in_latest_export:
        context = {**_sign_in_context(engine, settings, next), "error": "Choose who to sign in as"}
        return page(request, "sign_in.html", context, 400)
    with session_scope(engine) as session:
        end_session(session, request.session.get(SESSION_ID_KEY), datetime.now(UTC))
        session_id = start_session(session, person.staff_id, datetime.now(UTC))
    request.session.clear()
    request.session[SESSION_KEY] = person.staff_id
    request.session[SESSION_ID_KEY] = session_id
    renew_csrf_token(request)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/sign-out", dependencies=[Depends(check_csrf)])
def sign_out(request: Request, engine: EngineDep) -> Response:
    """Ends the session on the server too: a copy of the cookie no longer signs anyone in."""
    with session_scope(engine) as session:
        end_session(session, request.session.get(SESSION_ID_KEY), datetime.now(UTC))
    request.session.clear()
    renew_csrf_token(request)
    return RedirectResponse("/sign-in", status_code=303)


@router.get("/links/{token}", response_class=HTMLResponse)
def follow_link(
    request: Request, token: str, engine: EngineDep, secret_key: SecretKeyDep
) -> Response:
    """A link from an email: checked, then used up by its own recipient, then followed."""
    now = datetime.now(UTC)
    try:
        claims = read_token(token, now, secret_key)
    except LinkError as error:
        return _bad_link(request, str(error))
    user = current_user(request)
    if user.staff_id != claims.staff_id:
        raise Forbidden(
            "This link was sent to someone else. Sign out and sign in as the person it was "
            "sent to, or find the audit from your own pages."
        )
    try:
        with session_scope(engine, write_lock=True) as session:
            consume(session, claims, now)
    except LinkError as error:
        return _bad_link(request, str(error))
    return RedirectResponse(target_path(claims), status_code=303)


def _bad_link(request: Request, message: str) -> HTMLResponse:
    return page(
        request,
        "problem.html",
        {
            "title": "This link cannot be used",
            "message": f"{message} Find the audit or request from your own pages instead.",
        },
        400,
    )
