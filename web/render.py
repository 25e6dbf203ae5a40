"""Pages rendered with Jinja2 and the GOV.UK Frontend macros (govuk-frontend-jinja)."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader

from config.clock import demo_today
from notifications.invite import cycle_label
from notifications.render import counted
from rules.cohorts import COHORTS, cohort_title
from rules.policy import JUDGEMENT_LABELS
from web.csrf import csrf_token
from web.deps import app_parts
from web.security import csp_nonce
from web.submit import FLASH

#: GOV.UK Frontend's compiled CSS, JavaScript, fonts and images, as (package, folder): vendored
#: from its npm package by ``make govuk-frontend`` (see the README.md there).
GOVUK_FRONTEND = ("web", "static/govuk-frontend")


def _long_date(value: date | None) -> str:
    """'Friday 27 November 2026', the GOV.UK style for dates."""
    return "" if value is None else f"{value:%A} {value.day} {value:%B %Y}"


#: '%b' without strftime: the queue shows two dates a row, and strftime was a fifth of its render.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _short_date(value: date | None) -> str:
    """'27 Nov 2026'."""
    return "" if value is None else f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def _cohort_title(cohort: str) -> str:
    """'cse' as 'Children identified at risk of CSE'; an unknown key as it is."""
    return cohort_title(cohort) if cohort in COHORTS else cohort


def _svg_data_uri(svg: str) -> str:
    """A chart's SVG as an image address. The pages' Content-Security-Policy refuses inline
    styles, and matplotlib's SVG is all style attributes; an SVG shown as an image keeps its own
    styles (and can run nothing)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def make_templates() -> Jinja2Templates:
    env = Environment(
        loader=ChoiceLoader(
            [
                PackageLoader("templates", "web"),
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
    env.filters["cohort_title"] = _cohort_title
    env.filters["cycle_label"] = cycle_label  # '2026-11' as 'November 2026'
    env.globals["judgement_labels"] = JUDGEMENT_LABELS
    env.filters["svg_data_uri"] = _svg_data_uri
    env.filters["counted"] = counted  # 3 | counted("address", "addresses")
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
        "demo_today": demo_today(),  # None but in a demo under development sign-in
        "programme_name": parts.policy.name,
        "finding_tags": parts.policy.finding_tags,  # tag -> label, in the programme file's order
        **context,
    }
    return parts.templates.TemplateResponse(request, template, full, status_code=status_code)
