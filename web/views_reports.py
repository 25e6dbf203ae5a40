"""The report archive (``/reports``): every month's highlight report, draft or final, with its
HTML, PDF and appendix, for APS, directors and service managers.

Only the files of a month's recorded folder (``models.report_issue``) are served, each under a
name made here from the month (never from the address), with its own content type. The HTML is
served to read, not to run: its policy allows its inline styles and chart and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse
from sqlmodel import Session

from config.clock import LONDON
from models import report_issue_store as issues
from models.report_issue import ReportIssue
from rules.months import MonthError, parse_programme_month
from web.deps import EngineDep, ReportReaderDep
from web.limits import FormRoute
from web.render import page

router = APIRouter(route_class=FormRoute)

#: What each download is: its file name in the report's folder, content type, how it opens.
FILES = {
    "html": ("highlight-report-{month}.html", "text/html; charset=utf-8", "inline"),
    "pdf": ("highlight-report-{month}.pdf", "application/pdf", "inline"),
    "appendix": ("highlight-report-{month}-appendix.csv", "text/csv; charset=utf-8", "attachment"),
}
#: A report's page may show itself and its inline chart, and do nothing else.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


def month_in_path(month: str) -> str:
    """The month in the address, exactly YYYY-MM and one the programme can act on, or 404."""
    try:
        parse_programme_month(month)
    except MonthError:
        raise HTTPException(404) from None
    return month


def report_file(row: ReportIssue, kind: str) -> Path | None:
    """The month's file of ``kind`` in its recorded folder, if it is there (and is a file of
    that folder, not a link out of it)."""
    name = FILES[kind][0].format(month=row.month)
    folder = Path(row.out_dir)
    path = folder / name
    if not path.is_file() or path.resolve().parent != folder.resolve():
        return None
    return path


def london(moment: datetime | None) -> str:
    """'7 Dec 2026, 14:05' in Europe/London."""
    if moment is None:
        return ""
    local = moment.astimezone(LONDON)
    return f"{local.day} {local:%b %Y}, {local:%H:%M}"


@dataclass(frozen=True)
class ArchivedReport:
    row: ReportIssue
    approved_by_name: str
    compiled: str
    approved: str
    files: dict[str, bool]  # kind -> whether it is there to download


def archived(session: Session, row: ReportIssue) -> ArchivedReport:
    return ArchivedReport(
        row,
        issues.staff_name(session, row.approved_by),
        london(row.compiled_at),
        london(row.approved_at),
        {kind: report_file(row, kind) is not None for kind in FILES},
    )


@router.get("/reports", response_class=HTMLResponse)
def archive(request: Request, engine: EngineDep, _: ReportReaderDep) -> HTMLResponse:
    with Session(engine) as session:
        reports = [archived(session, row) for row in issues.issues(session)]
    return page(request, "reports.html", {"reports": reports})


@router.get("/reports/{month}/{kind}")
def download(month: str, kind: str, engine: EngineDep, _: ReportReaderDep) -> FileResponse:
    month = month_in_path(month)
    if kind not in FILES:
        raise HTTPException(404)
    with Session(engine) as session:
        row = issues.issue(session, month)
    path = report_file(row, kind) if row is not None else None
    if path is None:
        raise HTTPException(404)
    media_type, disposition = FILES[kind][1:]
    headers = {"Content-Security-Policy": REPORT_CSP} if kind == "html" else {}
    return FileResponse(
        path,
        media_type=media_type,
        filename=path.name,
        content_disposition_type=disposition,
        headers=headers,
    )
