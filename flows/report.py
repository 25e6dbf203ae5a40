"""The ``compile-highlight-report`` flow: the month's figures, chart, HTML and PDF, a Prefect
artifact, and an email with the PDF to the programme's distribution list (attached, or with
GOV.UK Notify a download link: the words say which).

Thin: the store reads the figures, ``reports/`` renders them, the outbox sends. A rerun rewrites
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
from flows.email_context import open_transport_for
from flows.failures import EmailsLeftPending
from flows.outbox import SendReport, attachments_for_outbox, progress_logger, send_outbox
from models import outbox_store
from models.db import get_engine, session_scope
from models.figures import Compliance, ReportFigures, figures_json
from models.outbox_store import Outgoing
from models.report_store import report_figures
from notifications.messages import Attachment, Notice
from notifications.render import render_notice
from notifications.transports import FileDelivery, file_delivery
from reports.html import month_label, percent, render_report_html
from reports.pdf import html_to_pdf
from rules.months import month_of
from rules.policy import Policy

DEFAULT_OUT = Path("var/reports")


class ReportNotEmailed(Exception):
    """The transport in use cannot send the report's PDF (GOV.UK Notify's file limits): nobody
    is emailed, so that a rerun by another transport still can; the files are written."""


@dataclass(frozen=True)
class CompiledReport:
    figures: ReportFigures
    html_path: Path
    pdf_path: Path
    pdf: bytes
    seconds: dict[str, float]  # how long each part took: figures, html, pdf


def compile_report(engine: Engine, policy: Policy, month: str, out: Path) -> CompiledReport:
    """Read the figures, render the HTML (chart inline) and the PDF, and write both to ``out``."""
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
    seconds = {"figures": read - started, "html": rendered - read, "pdf": done - rendered}
    return CompiledReport(figures, html_path, pdf_path, pdf, seconds)


def artifact_markdown(figures: ReportFigures) -> str:
    """The headline figures for the Prefect UI (the whole report is in the HTML and PDF)."""
    a, r, m = figures.audits, figures.reaudits, figures.month_audits

    rows = [
        ("Audits since " + month_label(figures.first_month), a),
        ("Re-audits", r),
        (month_label(figures.month), m),
    ]
    table = "\n".join(
        f"| {name} | {c.allocated:,} | {c.completed:,} | {c.released:,} | {percent(c.pct)} |"
        for name, c in rows
    )
    pauses = "".join(
        f"\n- Paused {p.starts_on:%d %b %Y} to {p.ends_on:%d %b %Y}: {p.reason}"
        for p in figures.pauses
    )
    return (
        f"# Highlight report {month_label(figures.month)}\n\n"
        "| | Allocated | Completed | Released | Compliance |\n| --- | ---: | ---: | ---: | ---: |\n"
        f"{table}\n\nInadequate this month: {percent(figures.inadequate_pct)} "
        f"(last month {percent(figures.inadequate_pct_last_month)}).{pauses}\n"
    )


def report_emails(
    figures: ReportFigures,
    pdf: bytes,
    distribution: tuple[str, ...],
    base_url: str,
    delivery: FileDelivery,
) -> list[Outgoing]:
    """One email per address on the distribution list, with the PDF as ``delivery`` sends it."""
    label = month_label(figures.month)
    attachment = Attachment(f"highlight-report-{figures.month}.pdf", "application/pdf", pdf)
    problem = delivery.problem(attachment)
    if problem and distribution:
        raise ReportNotEmailed(f"the highlight report for {label} was not emailed: {problem}")
    since = month_label(figures.first_month)
    facts = (
        ("Audit compliance", f"{_of(figures.audits)} since {since}"),
        ("Re-audit compliance", _of(figures.reaudits)),
    )
    outgoing = []
    for address in distribution:
        notice = Notice(
            address,
            "",
            f"Audit highlights report: {label}",
            facts,
            _where_the_pdf_is(label, delivery),
            f"{base_url.rstrip('/')}/aps/dashboard?month={figures.month}",
            f"See the programme dashboard for {label}",
        )
        email = render_notice(notice, figures.programme_name)
        outgoing.append(
            Outgoing(
                key=f"report:{figures.month}:to:{address.lower()}",
                kind="report",
                recipient=address,
                subject=email.subject,
                text_body=email.text,
                html_body=email.html,
                attachments=attachments_for_outbox((attachment,)),
            )
        )
    return outgoing


def _where_the_pdf_is(label: str, delivery: FileDelivery) -> str:
    if delivery.attaches_files:
        return f"The audit highlights report for {label} is attached as a PDF."
    # Notify puts the link where its template has ((link_to_file)), and keeps the file
    # link_weeks weeks; it asks for the recipient's email address before the download.
    return (
        f"The audit highlights report for {label} is a PDF to download from the link in this "
        f"email. The link works for {delivery.link_weeks} weeks and asks for your email address "
        "before the download."
    )


def _of(compliance: Compliance) -> str:
    return f"{percent(compliance.pct)} ({compliance.completed:,} of {compliance.allocated:,})"


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
        "seconds": compiled.seconds,
        "emails": len(emails),
    }


def report_cause(month: str) -> str:
    return f"report:{month}"


@task(name="send-report")
def _send(month: str) -> SendReport:
    progress = progress_logger(get_run_logger())
    return send_outbox(
        get_engine(),
        open_transport_for(load_policy()),
        time.sleep,
        causes=[report_cause(month)],
        progress=progress,
    )


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
