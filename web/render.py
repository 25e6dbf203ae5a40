"""Pages rendered with Jinja2 and the GOV.UK Frontend macros (govuk-frontend-jinja)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader

from web.csrf import csrf_token
from web.deps import app_parts
from web.security import csp_nonce
from web.submit import FLASH

REPO = Path(__file__).resolve().parent.parent
PAGES = REPO / "templates" / "web"
#: Installed from the npm registry by ``make install`` (web/package.json), never committed.
GOVUK_FRONTEND = Path(__file__).resolve().parent / "node_modules" / "govuk-frontend" / "dist"


def _long_date(value: date | None) -> str:
    """'Friday 27 November 2026', the GOV.UK style for dates."""
    return "" if value is None else f"{value:%A} {value.day} {value:%B %Y}"


def _short_date(value: date | None) -> str:
    return "" if value is None else f"{value.day} {value:%b %Y}"


def make_templates() -> Jinja2Templates:
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(PAGES),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=True,
        auto_reload=False,  # templates change only with a release; checking costs every page
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["long_date"] = _long_date
    env.filters["short_date"] = _short_date
    return Jinja2Templates(env=env)


def page(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Render ``template`` with the signed-in person, the CSRF token and any confirmation left
    by the last form (``web.submit``)."""
    parts = app_parts(request)
    full = {
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(request),
        "cspNonce": csp_nonce(request),
        "flash": request.session.pop(FLASH, None),
        "today": parts.clock(),
        "programme_name": parts.policy.name,
        **context,
    }
    return parts.templates.TemplateResponse(request, template, full, status_code=status_code)
