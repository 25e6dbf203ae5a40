"""The dashboard's charts of the programme over time: the highlight report's two charts
(compliance by cycle, overall judgements by cycle) drawn from the same figures, so that a
Director sees on the page what the month-end report will say."""

from __future__ import annotations

from dataclasses import dataclass

from models.figures import TrendFigures
from reports.compliance_chart import compliance_chart
from reports.html import month_compliance_json, pause_spans
from reports.judgements_chart import judgements_chart


@dataclass(frozen=True)
class TrendCharts:
    compliance_svg: str
    judgements_svg: str


def trend_charts(trend: TrendFigures) -> TrendCharts:
    spans = pause_spans(trend)
    return TrendCharts(
        compliance_svg=compliance_chart(
            month_compliance_json(trend), spans, "Compliance of audits and re-audits by month"
        ),
        judgements_svg=judgements_chart(
            trend.judgements_by_month, spans, "Overall judgements of completed audits by month"
        ),
    )
