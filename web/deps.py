"""What the views need, as typed FastAPI dependencies: each view names its needs in its signature.

``create_app`` keeps the app's parts (:class:`AppParts`) on ``app.state``; this module is the one
reader of it. A view takes ``engine: EngineDep``, ``today: TodayDep``, ``user: ApsStaffDep``...
(``Annotated`` aliases, as in FastAPI's full-stack template); code that runs outside a view's
dependencies (page rendering, error pages) asks :func:`app_parts`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine
from sqlmodel import Session

from config.web_settings import WebSettings
from models.people import Staff
from notifications.email_context import EmailContext, email_context
from rules.policy import Policy
from web.auth import (
    identify,
    require_aps,
    require_overview,
    require_role,
    require_service_manager,
    require_user,
)
from web.submit import Submit


@dataclass(frozen=True)
class AppParts:
    """What ``create_app`` wires together, the same for every request."""

    engine: Engine
    policy: Policy
    settings: WebSettings
    secret_key: str  # signs the session cookie and the links in emails
    clock: Callable[[], date]  # today's date (Europe/London), for every rule
    templates: Jinja2Templates


def keep_parts(app: FastAPI, parts: AppParts) -> None:
    app.state.parts = parts


def app_parts(request: Request) -> AppParts:
    """The parts of the app serving ``request``."""
    parts: AppParts = request.app.state.parts
    return parts


# Each reads what create_app kept: async, so FastAPI runs them on the event loop rather than
# handing each to a worker thread.
async def _engine(request: Request) -> Engine:
    return app_parts(request).engine


async def _policy(request: Request) -> Policy:
    return app_parts(request).policy


async def _settings(request: Request) -> WebSettings:
    return app_parts(request).settings


async def _secret_key(request: Request) -> str:
    return app_parts(request).secret_key


async def _today(request: Request) -> date:
    return app_parts(request).clock()


EngineDep = Annotated[Engine, Depends(_engine)]
PolicyDep = Annotated[Policy, Depends(_policy)]
WebSettingsDep = Annotated[WebSettings, Depends(_settings)]
SecretKeyDep = Annotated[str, Depends(_secret_key)]
#: Today's date in Europe/London, read once for the request.
TodayDep = Annotated[date, Depends(_today)]


def _email_context(policy: PolicyDep, secret_key: SecretKeyDep) -> EmailContext:
    """The emails' context for a change made on a page: links signed with the app's key. (Not
    async: it reads the email settings from the environment.)"""
    return email_context(policy, secret=secret_key)


async def _submit(request: Request, engine: EngineDep, policy: PolicyDep) -> Submit:
    return Submit(request, engine, policy)


EmailContextDep = Annotated[EmailContext, Depends(_email_context)]
#: Post-redirect-get for the form a view reads (``web.submit``).
SubmitDep = Annotated[Submit, Depends(_submit)]

#: The signed-in member of staff (or a redirect to sign in); the APS team only; APS and
#: directors (the programme's overview) only.
CurrentStaffDep = Annotated[Staff, Depends(require_user)]
ApsStaffDep = Annotated[Staff, Depends(require_aps)]
OverviewStaffDep = Annotated[Staff, Depends(require_overview)]
#: A Service Manager only (``/my-teams``).
ServiceManagerDep = Annotated[Staff, Depends(require_service_manager)]
#: Who reads the report archive (``/reports``): APS, directors and service managers.
REPORT_READERS = ("aps", "director", "service_manager")
ReportReaderDep = Annotated[Staff, Depends(require_role(*REPORT_READERS))]


async def load_user(request: Request, engine: EngineDep, settings: WebSettingsDep) -> None:
    """App-wide dependency: who is signed in, once per request, for the views and the header.

    Async, so it runs on the event loop: its one query looks up a session and a person by their
    keys (a tenth of a millisecond), less than handing it to a worker thread costs, and every
    page pays it."""
    with Session(engine, expire_on_commit=False) as session:
        request.state.user = identify(request, settings, session)
