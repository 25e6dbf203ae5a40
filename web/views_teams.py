"""The Service Manager's page: their Team Managers' audits and the audits of their teams' cases."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from models.team_store import teams_view
from web.deps import EngineDep, ServiceManagerDep, TodayDep
from web.limits import FormRoute
from web.render import page
from web.views_completion import JUDGEMENT_NAMES

router = APIRouter(route_class=FormRoute)


@router.get("/my-teams", response_class=HTMLResponse)
def my_teams(
    request: Request, engine: EngineDep, user: ServiceManagerDep, today: TodayDep
) -> HTMLResponse:
    with Session(engine) as session:
        view = teams_view(session, user, today)
    context = {"view": view, "judgement_names": JUDGEMENT_NAMES}
    return page(request, "my_teams.html", context)
