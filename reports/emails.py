"""The highlight report's email: one to each address on the programme's distribution list, with
the PDF attached, or with GOV.UK Notify a download link (the words say which). Each is keyed per
month and recipient, so a rerun never emails anyone twice."""

from __future__ import annotations

from models.figures import Compliance, ReportFigures
from models.outbox_store import Outgoing
from notifications.messages import Attachment, Notice
from notifications.outgoing import attachments_for_outbox
from notifications.render import render_notice
from notifications.transports import FileDelivery
from reports.html import month_label, percent


class ReportNotEmailed(Exception):
    """The transport in use cannot send the report's PDF (GOV.UK Notify's file limits): nobody
    is emailed, so that a rerun by another transport still can; the files are written."""


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
