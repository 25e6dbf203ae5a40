"""The web app: ``create_app`` wires settings, the database and the pages together.

Views are thin (read, call a store, redirect) and name what they need as typed dependencies
(``web.deps``); every POST checks its CSRF token and ends in a redirect (post-redirect-get), or
re-renders its form with the GOV.UK error summary, each message beside its field (``web.submit``).

Where a view runs. A plain ``def`` view runs in a worker thread, so that a long one (an export,
the report, a write waiting for SQLite's lock) does not hold up the other pages. The busiest
pages that only read a bounded amount (the decision queue's page of 50, a person's own audits)
are ``async def`` and run on the event loop: a worker process runs one page at a time anyway
(the GIL), and handing each to a thread and back cost them a quarter of their time under load
(``benchmarks/decisions.py``: the queue's p95 at 4 clients on one worker, 32 ms in a thread,
23 ms on the loop). A view that writes does its writing in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from config.clock import today_in_london
from config.web_settings import WebSettings
from rules.policy import Policy
from web import (
    views_actions,
    views_aps,
    views_auditor,
    views_completion,
    views_concerns,
    views_export,
    views_findings,
    views_moderation,
    views_pauses,
    views_recommendations,
    views_report_review,
    views_reports,
    views_session,
    views_teams,
)
from web.auth import Forbidden, NotSignedIn
from web.csrf import CsrfError
from web.deps import AppParts, keep_parts, load_user
from web.limits import FormRefused, LimitBody
from web.render import GOVUK_FRONTEND, make_templates, page
from web.security import SecurityHeaders

SESSION_COOKIE = "audits_session"


def create_app(
    engine: Engine,
    policy: Policy,
    settings: WebSettings,
    secret_key: str,
    clock: Callable[[], date] = today_in_london,
) -> FastAPI:
    """The app for ``engine``; ``clock`` gives today's date (Europe/London) for every rule."""
    settings.check()
    app = FastAPI(
        title=policy.name,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(load_user)],
    )
    keep_parts(app, AppParts(engine, policy, settings, secret_key, clock, make_templates()))
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=int(timedelta(minutes=settings.session_minutes).total_seconds()),
        same_site="lax",
        https_only=settings.https_only(),
    )
    app.add_middleware(LimitBody)
    package, folder = GOVUK_FRONTEND
    app.mount("/assets", StaticFiles(packages=[(package, f"{folder}/assets")]), name="assets")
    app.mount("/static", StaticFiles(packages=[GOVUK_FRONTEND]), name="static")
    pages = (views_session, views_auditor, views_completion, views_aps, views_pauses, views_export)
    for module in (*pages, views_recommendations, views_teams, views_reports, views_report_review):
        app.include_router(module.router)
    app.include_router(views_actions.router)
    app.include_router(views_moderation.router)
    app.include_router(views_concerns.router)
    app.include_router(views_findings.router)
    _add_error_pages(app)
    return app


def _add_error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def sign_in_first(request: Request, _: NotSignedIn) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={quote(target)}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, error: Forbidden) -> HTMLResponse:
        return _problem(request, 403, "You cannot do this", error.message)

    @app.exception_handler(CsrfError)
    async def csrf_refused(request: Request, _: CsrfError) -> HTMLResponse:
        return _problem(
            request,
            403,
            "This form could not be sent",
            "The form was out of date or did not come from this service. Nothing was changed. "
            "Go back, reload the page and try again.",
        )

    @app.exception_handler(FormRefused)
    async def form_refused(request: Request, error: FormRefused) -> HTMLResponse:
        return _problem(request, error.status, "This form could not be sent", error.message)

    @app.exception_handler(RequestValidationError)
    async def bad_address(request: Request, _: RequestValidationError) -> HTMLResponse:
        return _problem(request, 400, "Page not found", "Check the address and try again.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> HTMLResponse:
        if error.status_code == 404:
            return _problem(request, 404, "Page not found", "Check the address and try again.")
        return _problem(request, error.status_code, "Something went wrong", str(error.detail))


def _problem(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    return page(request, "problem.html", {"title": title, "message": message}, status)
