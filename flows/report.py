"""The ``compile-highlight-report`` flow: the month's figures, chart, HTML and PDF, a Prefect
artifact, and an email with the PDF to the programme's distribution list (attached, or with
GOV.UK Notify a download link: the words say which).

With ``[report] sign_off`` (the default) the report is first a draft, marked DRAFT, and only
the APS team is emailed, with a link to review it; approving it (``flows.report_signoff``) makes
it final and sends it. A report already approved is compiled again as final.

Thin: the store reads the figures, ``reports/`` renders them and writes their emails, the
outbox sends. A rerun rewrites the files and the artifact but never emails anyone twice (the
outbox key is per month and recipient). The month's record (``models.report_issue``) and its
emails are written in one transaction, and the files put in place with it.
"""

from __future__ import annotations

import os
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
from models import outbox_store, report_issue_store
from models.db import get_engine, session_scope
from models.figures import ReportFigures, figures_json
from models.outbox_store import Outgoing
from models.report_store import report_figures
from notifications.transports import file_delivery
from reports.appendix import write_appendix
from reports.draft_emails import draft_cause, write_draft_ready_emails
from reports.emails import ReportNotEmailed, report_emails
from reports.html import month_label, render_report_html
from reports.markdown import artifact_markdown
from reports.pdf import html_to_pdf
from rules.months import month_of
from rules.policy import Policy
from rules.signoff import DRAFT, FINAL, status_to_compile

DEFAULT_OUT = Path("var/reports")


@dataclass(frozen=True)
class CompiledReport:
    figures: ReportFigures
    html_path: Path
    pdf_path: Path
    pdf: bytes
    seconds: dict[str, float]  # how long each part took: figures, html, pdf
    appendix_path: Path  # every answer, one row per distinct text (CSV)

    @property
    def paths(self) -> tuple[Path, Path, Path]:
        return self.html_path, self.pdf_path, self.appendix_path


def report_paths(out: Path, month: str) -> tuple[Path, Path]:
    """Where a month's report goes in ``out``: its HTML and its PDF."""
    return out / f"highlight-report-{month}.html", out / f"highlight-report-{month}.pdf"


def appendix_path(out: Path, month: str) -> Path:
    return out / f"highlight-report-{month}-appendix.csv"


def compile_report(
    engine: Engine, policy: Policy, month: str, out: Path, *, draft: bool = False
) -> CompiledReport:
    """Read the figures, render the HTML (chart inline; a ``draft`` marked DRAFT) and the PDF,
    and write them and the appendix CSV of every answer to ``out`` as hidden staging files:
    :func:`publish` puts them in place once the report's record says they are what it is
    (``discard`` drops them)."""
    started = time.perf_counter()
    with Session(engine) as session:
        figures = report_figures(session, policy, month)
    read = time.perf_counter()
    html = render_report_html(figures, draft=draft)
    rendered = time.perf_counter()
    pdf = html_to_pdf(html)
    done = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path = report_paths(out, month)
    _staging(html_path).write_text(html, encoding="utf-8")
    _staging(pdf_path).write_bytes(pdf)
    appendix = appendix_path(out, month)
    write_appendix(figures, _staging(appendix))
    seconds = {"figures": read - started, "html": rendered - read, "pdf": done - rendered}
    return CompiledReport(figures, html_path, pdf_path, pdf, seconds, appendix)


def _staging(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial")


def publish(compiled: CompiledReport) -> None:
    """The staged files in place, each in one step (a reader never sees half a file)."""
    for path in compiled.paths:
        if _staging(path).exists():  # a retried transaction publishes again
            os.replace(_staging(path), path)


def discard(compiled: CompiledReport) -> None:
    for path in compiled.paths:
        _staging(path).unlink(missing_ok=True)


@task(name="compile-report")
def _compile(month: str, out: str) -> dict[str, Any]:
    engine, policy = get_engine(), load_policy()
    with Session(engine) as session:
        recorded = report_issue_store.issue(session, month)
    status = status_to_compile(policy.report.sign_off, recorded.status if recorded else None)
    compiled = compile_report(engine, policy, month, Path(out), draft=status == DRAFT)
    try:
        emails = final_report_emails(compiled, policy) if status == FINAL else []
    except ReportNotEmailed:
        publish(compiled)  # the files are there for whoever sends them another way
        raise
    try:
        status, review_emails = _record(engine, policy, compiled, status, emails)
    except BaseException:
        discard(compiled)
        raise
    create_markdown_artifact(
        key=f"highlight-report-{month}",
        markdown=artifact_markdown(compiled.figures, draft=status == DRAFT),
        description=f"Audit highlights report {month_label(month)} ({status})",
    )
    return {
        **figures_json(compiled.figures),
        "html": str(compiled.html_path),
        "pdf": str(compiled.pdf_path),
        "appendix": str(compiled.appendix_path),
        "seconds": compiled.seconds,
        "emails": len(emails),
        "status": status,
        "review_emails": review_emails,
    }


def final_report_emails(compiled: CompiledReport, policy: Policy) -> list[Outgoing]:
    """The final report's emails to the distribution list."""
    settings = get_settings().transport
    try:
        return report_emails(
            compiled.figures,
            compiled.pdf,
            policy.report.distribution,
            settings.base_url,
            file_delivery(settings),
        )
    except ReportNotEmailed as error:
        raise ReportNotEmailed(f"{error} (the report is in {compiled.pdf_path.parent})") from None


def _record(
    engine: Engine, policy: Policy, compiled: CompiledReport, status: str, emails: list[Outgoing]
) -> tuple[str, int]:
    """Record the report and write its emails in one transaction, and put its files in place;
    the status it has (a draft approved meanwhile stays final: the draft is dropped) and how
    many APS members were told of a new draft."""
    month = compiled.figures.month
    out_dir = str(compiled.html_path.parent.resolve())
    with session_scope(engine) as session:
        row = report_issue_store.record_compiled(session, month, status, out_dir, len(emails))
        if row.status != status:
            discard(compiled)
            return row.status, 0
        outbox_store.enqueue(session, emails, report_cause(month))
        told = 0
        if status == DRAFT:
            base_url = get_settings().transport.base_url
            told = write_draft_ready_emails(session, month, base_url, policy.name)
        publish(compiled)
    return status, told


def report_cause(month: str) -> str:
    return f"report:{month}"


@task(name="send-report")
def _send(month: str) -> SendReport:
    progress = progress_logger(get_run_logger())
    causes = [report_cause(month), draft_cause(month)]
    return send_pending(get_engine(), load_policy(), causes, progress=progress)


@flow(name="compile-highlight-report")
def compile_highlight_report(
    month: str | None = None, out: str | None = None, email: bool = True
) -> dict[str, Any]:
    """The month's highlight report (default: this month, Europe/London): with sign-off, a
    draft the APS team is told of; else (or once approved) final, sent to its readers."""
    month = month or month_of(today_in_london())
    result = _compile(month, out or str(DEFAULT_OUT))
    if email:
        report = _send(month)
        result["sent"] = report.sent
        EmailsLeftPending.raise_if_any(report, result)
    return result
