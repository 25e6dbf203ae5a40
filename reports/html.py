"""The highlight report as one self-contained, accessible HTML page (styles and chart inline)."""

from __future__ import annotations

from datetime import date

from jinja2 import Environment, PackageLoader, StrictUndefined

from models.figures import REFLECTION_QUESTIONS, ReportFigures
from reports.chart import LABELS, judgements_chart
from rules.months import add_months
from rules.policy import JUDGEMENTS

SOURCES = {
    "parent": "parent",
    "child": "child or young person",
    "carer": "carer",
    "partner_agency": "partner agency",
}


def month_label(month: str | None) -> str:
    """'2020-09' as 'September 2020'."""
    if not month:
        return ""
    year, number = month.split("-")
    return f"{date(int(year), int(number), 1):%B %Y}"


def percent(value: int | None) -> str:
    """A whole per cent as the report shows it; a dash when nothing was allocated."""
    return "–" if value is None else f"{value}%"


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("templates", "report"), autoescape=True, undefined=StrictUndefined
    )
    env.globals.update(
        n=lambda value: f"{value:,}",
        pct=percent,
        label=month_label,
        day=lambda value: f"{value.day} {value:%B %Y}",
        judgements=JUDGEMENTS,
        judgement_names=LABELS,
        questions=REFLECTION_QUESTIONS,
        sources=SOURCES,
    )
    return env


def paused_months(figures: ReportFigures) -> set[str]:
    return {month for pause in figures.pauses for month in pause.months}


def render_report_html(figures: ReportFigures, draft: bool = False) -> str:
    """The report's page; a ``draft`` is marked DRAFT on the page and on every PDF page."""
    paused = paused_months(figures)
    chart = judgements_chart(
        figures.judgements_by_month, paused, "Overall judgements of completed audits by month"
    )
    return (
        _environment()
        .get_template("highlight.html")
        .render(
            f=figures,
            draft=draft,
            chart=chart,
            paused=paused,
            first_label=month_label(figures.first_month),
            month_label=month_label(figures.month),
            last_month_label=month_label(add_months(figures.month, -1)),
        )
    )
