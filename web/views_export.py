"""The evidence export for inspection from the dashboard (APS only): the same workbook as
``audits export`` (docs/export.md), returned as an attachment. Months that cannot be read show
the dashboard again, each error beside its field."""

from __future__ import annotations

import io

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from models.export_store import load_evidence
from reports.export_xlsx import write_workbook
from rules.months import MonthError, parse_programme_month
from web.deps import ApsStaffDep, EngineDep, PolicyDep, TodayDep
from web.forms import Errors, rule_message
from web.limits import FormRoute
from web.views_aps import ExportForm, dashboard_page

router = APIRouter(route_class=FormRoute)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/aps/export")
def export(
    request: Request,
    engine: EngineDep,
    policy: PolicyDep,
    today: TodayDep,
    _: ApsStaffDep,
    first: str = Query("", alias="from"),
    last: str = Query("", alias="to"),
    month: str = "",
) -> Response:
    """The workbook of cycles ``from`` to ``to``; ``month`` is the dashboard's, shown again
    with the form's errors."""
    errors: Errors = {}
    first = _month(errors, "export-from", first, "the first cycle")
    last = _month(errors, "export-to", last, "the last cycle")
    if not errors and first > last:
        errors["export-to"] = f"The last cycle must be {first} or after it"
    if errors:
        form = ExportForm({"from": first, "to": last}, errors)
        return dashboard_page(request, engine, policy, today, month, form)
    workbook = io.BytesIO()
    with Session(engine) as session:
        write_workbook(load_evidence(session, policy, first, last), workbook)
    name = f"audit-evidence-{first}-{last}.xlsx"
    return Response(
        workbook.getvalue(),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _month(errors: Errors, field: str, text: str, label: str) -> str:
    text = text.strip()
    if not text:
        errors[field] = f"Enter {label}, like 2026-11"
        return text
    try:
        return parse_programme_month(text)
    except MonthError as error:
        errors[field] = rule_message(error)
        return text
