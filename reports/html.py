"""The highlight report as one self-contained, accessible HTML page (styles and chart inline)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template

from models.bulk import no_cyclic_gc
from models.figures import REFLECTION_QUESTIONS, ReportFigures, TrendFigures
from reports.chart import LABELS
from reports.compliance_chart import compliance_chart
from reports.judgements_chart import judgements_chart
from reports.moderation_chart import moderation_chart
from reports.recurring_chart import recurring_chart
from rules.compliance import whole_percent
from rules.grouping import Picked, TextCount, fold, pick_quotes
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


def rate(value: float | None) -> str:
    """An agreement rate (one decimal place) as the report shows it: "87.5%", "100%"; a dash
    when nothing was moderated."""
    return "–" if value is None else f"{value:.1f}".removesuffix(".0") + "%"


def hours(value: float) -> str:
    """A median time to acknowledge, in hours to one decimal place: "3.5 hours", "1 hour"."""
    shown = f"{value:,.1f}".removesuffix(".0")
    return f"{shown} hour" + ("" if shown == "1" else "s")


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("templates", "report"),
        autoescape=True,
        undefined=StrictUndefined,
        auto_reload=False,  # the templates change only with a release
    )
    env.filters["total"] = lambda counts: sum(counts.values())
    env.globals.update(
        n=lambda value: f"{value:,}",
        pct=percent,
        rate=rate,
        hours=hours,
        share=whole_percent,
        plural=lambda count: "" if count == 1 else "s",
        label=month_label,
        day=lambda value: f"{value.day} {value:%B %Y}",
        judgements=JUDGEMENTS,
        judgement_names=LABELS,
        questions=REFLECTION_QUESTIONS,
        sources=SOURCES,
    )
    return env


def _compiled() -> Template:
    """The report's template with its parts, compiled once a process: compiling them took
    about 50 ms, as long as rendering a report of 95 months."""
    env = _environment()
    for part in ("_recurring_findings.html", "_oversight.html"):
        env.get_template(part)  # kept in the environment's cache for the includes
    return env.get_template("highlight.html")


TEMPLATE = _compiled()


def pause_spans(figures: ReportFigures | TrendFigures) -> list[tuple[date, date]]:
    return [(pause.starts_on, pause.ends_on) for pause in figures.pauses]


def month_compliance_json(
    figures: ReportFigures | TrendFigures,
) -> dict[str, dict[str, dict[str, Any]]]:
    """``compliance_by_month`` as plain data, as the JSON has it and the chart takes it."""
    return {
        month: {kind: asdict(figure) for kind, figure in kinds.items()}
        for month, kinds in figures.compliance_by_month.items()
    }


def moderation_json(figures: ReportFigures) -> dict[str, dict[str, Any]]:
    """``moderation_by_month`` as plain data, as the JSON has it and the chart takes it."""
    return {month: asdict(counts) for month, counts in figures.moderation_by_month.items()}


def _sources(figures: ReportFigures) -> dict[str, str]:
    """Who gave each piece of feedback (folded text -> "parent, carer"), in the order first
    given, so that a grouped quote still says whose words it is."""
    found: dict[str, list[str]] = {}
    for line in (*figures.strengths, *figures.improvements):
        names = found.setdefault(fold(line.text), [])
        if SOURCES.get(line.source, line.source) not in names:
            names.append(SOURCES.get(line.source, line.source))
    return {key: ", ".join(names) for key, names in found.items()}


def _quotes(figures: ReportFigures) -> Any:
    """The template's ``quotes(section_key, groups)``: what to show of a section's answers."""

    def quotes(
        section_key: str, groups: dict[str, tuple[TextCount, ...]]
    ) -> tuple[dict[str, Picked], tuple[TextCount, ...]]:
        featured = figures.featured_quotes.get(section_key, ())
        return pick_quotes(groups, figures.quotes_shown, featured)

    return quotes


def render_report_html(figures: ReportFigures, draft: bool = False) -> str:
    """The report's page; a ``draft`` is marked DRAFT on the page and on every PDF page."""
    # The charts' thousands of small matplotlib objects set off the cyclic collector, which
    # then rescans everything the process holds (a third of the charts' time at 95 months);
    # the figures' cycles are collected once it is back on.
    with no_cyclic_gc():
        return _render(figures, draft)


def _render(figures: ReportFigures, draft: bool) -> str:
    spans = pause_spans(figures)
    chart = judgements_chart(
        figures.judgements_by_month, spans, "Overall judgements of completed audits by month"
    )
    compliance = compliance_chart(
        month_compliance_json(figures), spans, "Compliance of audits and re-audits by month"
    )
    return TEMPLATE.render(
        f=figures,
        draft=draft,
        chart=chart,
        compliance_chart=compliance,
        recurring_chart=recurring_chart(figures.recurring_findings),
        moderation_chart=moderation_chart(moderation_json(figures), spans),
        paused=figures.paused_months,
        quotes=_quotes(figures),
        sources_of=_sources(figures),
        fold=fold,
        first_label=month_label(figures.first_month),
        month_label=month_label(figures.month),
        last_month_label=month_label(add_months(figures.month, -1)),
    )
