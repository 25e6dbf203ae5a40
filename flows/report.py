"""The ``compile-highlight-report`` flow: the month's figures, chart, HTML and PDF, a Prefect
artifact, and an email with the PDF to the programme's distribution list (attached, or with
GOV.UK Notify a download link: the words say which).

Thin: the store reads the figures, ``reports/`` renders them and writes their emails, the
outbox sends. A rerun rewrites
the files and the artifact but never emails anyone twice (the outbox key is per month and
recipient).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from sqlalchemy.engine import Engine
from sqlmodel import Session

from config.clock import today_in_london
from config.settings import get_settings, load_policy
from flows.delivery import send_pending
from flows.failures import EmailsLeftPending
from flows.outbox import SendReport, progress_logger
from models import outbox_store
from models.db import get_engine, session_scope
from models.figures import ReportFigures, figures_json
from models.report_store import report_figures
from notifications.transports import file_delivery
from reports.appendix import write_appendix
from reports.emails import ReportNotEmailed, report_emails
from reports.html import month_label, render_report_html
from reports.markdown import artifact_markdown
from reports.pdf import html_to_pdf
from rules.months import month_of
from rules.policy import Policy

DEFAULT_OUT = Path("var/reports")


@dataclass(frozen=True)
class CompiledReport:
    figures: ReportFigures
    html_path: Path
    pdf_path: Path
    pdf: bytes
    seconds: dict[str, float]  # how long each part took: figures, html, pdf
    appendix_path: Path | None = None  # every answer, one row per distinct text (CSV)


def compile_report(engine: Engine, policy: Policy, month: str, out: Path) -> CompiledReport:
    """Read the figures, render the HTML (chart inline) and the PDF, and write both to ``out``
    with the appendix CSV of every answer."""
    started = time.perf_counter()
    with Session(engine) as session:
        figures = report_figures(session, policy, month)
    read = time.perf_counter()
    html = render_report_html(figures)
    rendered = time.perf_counter()
    pdf = html_to_pdf(html)
    done = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path = (
        out / f"highlight-report-{month}.html",
        out / f"highlight-report-{month}.pdf",
    )
    html_path.write_text(html, encoding="utf-8")
    pdf_path.write_bytes(pdf)
    appendix = write_appendix(figures, out / f"highlight-report-{month}-appendix.csv")
    seconds = {"figures": read - started, "html": rendered - read, "pdf": done - rendered}
    return CompiledReport(figures, html_path, pdf_path, pdf, seconds, appendix)


@task(name="compile-report")
def _compile(month: str, out: str) -> dict[str, Any]:
    engine, policy = get_engine(), load_policy()
    compiled = compile_report(engine, policy, month, Path(out))
    create_markdown_artifact(
        key=f"highlight-report-{month}",
        markdown=artifact_markdown(compiled.figures),
        description=f"Audit highlights report {month_label(month)}",
    )
    settings = get_settings().transport
    try:
        emails = report_emails(
            compiled.figures,
            compiled.pdf,
            policy.report.distribution,
            settings.base_url,
            file_delivery(settings),
        )
    except ReportNotEmailed as error:
        raise ReportNotEmailed(f"{error} (the report is in {compiled.pdf_path.parent})") from None
    with session_scope(engine) as session:
        outbox_store.enqueue(session, emails, report_cause(month))
    return {
        **figures_json(compiled.figures),
        "html": str(compiled.html_path),
        "pdf": str(compiled.pdf_path),
        "appendix": str(compiled.appendix_path),
        "seconds": compiled.seconds,
        "emails": len(emails),
    }


def report_cause(month: str) -> str:
    return f"report:{month}"


@task(name="send-report")
def _send(month: str) -> SendReport:
    progress = progress_logger(get_run_logger())
    return send_pending(get_engine(), load_policy(), [report_cause(month)], progress=progress)


@flow(name="compile-highlight-report")
def compile_highlight_report(
    month: str | None = None, out: str | None = None, email: bool = True
) -> dict[str, Any]:
    """The month's highlight report (default: this month, Europe/London)."""
    month = month or month_of(today_in_london())
    result = _compile(month, out or str(DEFAULT_OUT))
    if email:
        report = _send(month)
        result["sent"] = report.sent
        EmailsLeftPending.raise_if_any(report, result)
    return result
