"""The highlight report's headline figures in Markdown, for the Prefect UI's artifact (the whole
report is in the HTML and PDF)."""

from __future__ import annotations

from models.figures import ReportFigures
from reports.html import hours, month_label, percent, rate


def artifact_markdown(figures: ReportFigures, draft: bool = False) -> str:
    """The headline figures for the Prefect UI (the whole report is in the HTML and PDF); a
    ``draft`` says it is not yet approved."""
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
    status = "**DRAFT: not yet approved for distribution.**\n\n" if draft else ""
    return (
        f"# Highlight report {month_label(figures.month)}\n\n{status}"
        "| | Allocated | Completed | Released | Compliance |\n| --- | ---: | ---: | ---: | ---: |\n"
        f"{table}\n\nInadequate this month: {percent(figures.inadequate_pct)} "
        f"(last month {percent(figures.inadequate_pct_last_month)}).{pauses}\n"
        f"\n{_recurring(figures)}\n\n{_oversight(figures)}\n"
    )


def _recurring(figures: ReportFigures) -> str:
    """This month's recurring findings, most frequent first, in a line."""
    found = [f"{r.label} {r.this_month:,}" for r in figures.recurring_findings if r.this_month]
    if not found:
        return f"No recurring findings were recorded in {month_label(figures.month)}."
    return f"Recurring findings in {month_label(figures.month)}: {', '.join(found)}."


def _oversight(figures: ReportFigures) -> str:
    """The month's safeguarding concerns, moderation and practitioner responses, in counts
    (never a concern's text or an auditor)."""
    c, m, r = figures.concerns, figures.moderation, figures.practitioner_responses
    median = c.median_hours_to_acknowledge
    concerns = f"Safeguarding concerns: {c.raised:,} raised, {c.acknowledged:,} acknowledged"
    concerns += f" (median {hours(median)})." if median is not None else "."
    moderation = "Moderated: none."
    if m.moderated:
        moderation = (
            f"Moderated: {m.moderated:,} ({m.agreed:,} agreed, {rate(m.agreement_pct)}; "
            f"{m.changed:,} changed)."
        )
    responses = (
        f"Practitioner responses: {r.with_response:,} of {r.completed:,} completed audits "
        "and re-audits."
    )
    return f"{concerns} {moderation} {responses}"
