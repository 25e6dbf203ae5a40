"""The report's two big charts, written as SVG text (reports.svg_chart): bars stacked to their
counts, lines broken where a month has no figure, pauses and month labels where they belong."""

from __future__ import annotations

import re
from datetime import date
from xml.etree import ElementTree

import pytest

from reports.compliance_chart import compliance_chart
from reports.judgements_chart import judgements_chart
from reports.svg_chart import MonthChart, count_label, value_ticks

MONTHS = ["2020-01", "2020-02", "2020-03", "2020-04"]
BY_MONTH = {
    "2020-01": {"outstanding": 1, "good": 4, "requires_improvement": 2, "inadequate": 1},
    "2020-02": {"outstanding": 0, "good": 6, "requires_improvement": 1, "inadequate": 3},
    "2020-03": {"outstanding": 2, "good": 2, "requires_improvement": 0, "inadequate": 0},
    "2020-04": {"outstanding": 0, "good": 0, "requires_improvement": 0, "inadequate": 0},
}
SVG = "{http://www.w3.org/2000/svg}"


def _bars(svg: str) -> dict[tuple[str, str], ElementTree.Element]:
    root = ElementTree.fromstring(svg)
    return {
        tuple(rect.get("id", "").split(":")[1:3]): rect  # type: ignore[misc]
        for rect in root.iter(f"{SVG}rect")
        if rect.get("id", "").startswith("bar:")
    }


def test_value_ticks_are_round_and_cover_the_axis() -> None:
    assert value_ticks(9_000) == [0, 2_000, 4_000, 6_000, 8_000]
    assert value_ticks(12.5) == [0, 2.5, 5, 7.5, 10, 12.5]
    assert value_ticks(1.25) == [0, 0.25, 0.5, 0.75, 1, 1.25]
    assert [count_label(v) for v in (0, 2_000, 0.25)] == ["0", "2000", "0.25"]


def test_bars_are_stacked_to_their_counts() -> None:
    svg = judgements_chart(BY_MONTH, [], "Judgements")
    bars = _bars(svg)
    assert len(bars) == 16  # every month and judgement, a month of none too
    chart = MonthChart(MONTHS, 10 * 1.25, 3.8)  # the tallest stack, 10, a quarter under the top
    # February: inadequate 3 at the bottom, requires improvement 1 on it, then good 6.
    stack = [bars["2020-02", j] for j in ("inadequate", "requires_improvement", "good")]
    heights = [float(b.get("height", "")) for b in stack]
    unit = chart.y(0) - chart.y(1)
    assert heights == pytest.approx([3 * unit, 1 * unit, 6 * unit], abs=0.02)
    tops = [float(b.get("y", "")) for b in stack]
    assert tops[0] == pytest.approx(chart.y(3), abs=0.01)
    assert tops[1] + heights[1] == pytest.approx(tops[0], abs=0.02)  # each on the one below
    assert tops[2] == pytest.approx(chart.y(10), abs=0.01)
    assert float(bars["2020-04", "good"].get("height", "")) == 0
    assert "<script" not in svg and "url(#hatch-good)" in svg


def test_a_pause_is_shaded_and_months_labelled() -> None:
    svg = judgements_chart(BY_MONTH, [(date(2020, 3, 24), date(2020, 5, 31))], "Judgements")
    root = ElementTree.fromstring(svg)
    pause = next(r for r in root.iter(f"{SVG}rect") if r.get("id", "").startswith("pause:"))
    chart = MonthChart(MONTHS, 12.5, 3.8)
    # From 24 March (23/31 of the way through March, position 2) to the chart's right edge.
    assert float(pause.get("x", "")) == pytest.approx(chart.x(1.5 + 23 / 31), abs=0.01)
    assert float(pause.get("x", "")) + float(pause.get("width", "")) == pytest.approx(
        chart.x(3.5), abs=0.02
    )
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[:1] == ["Paused"] and "Jan 2020" in texts and "Apr 2020" in texts


def test_a_line_breaks_where_a_month_has_no_figure() -> None:
    data: dict[str, dict[str, dict[str, int | None]]] = {
        "2020-01": {"audits": {"pct": 50, "on_time_pct": 40}},
        "2020-02": {"audits": {"pct": None, "on_time_pct": None}},
        "2020-03": {"audits": {"pct": 80, "on_time_pct": 70}},
        "2020-04": {"audits": {"pct": 90, "on_time_pct": None}},
    }
    svg = compliance_chart(data, [])
    line = re.search(r'<g id="line:audits:pct:50,,80,90"><path d="([^"]+)"', svg)
    assert line is not None
    assert [step[0] for step in line.group(1).split(" ") if step in "ML"] == ["M", "M", "L"]
    assert 'id="line:audits:on_time_pct:40,,70,"' in svg and "line:reaudits" not in svg
    ElementTree.fromstring(svg)  # well formed
