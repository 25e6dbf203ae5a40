"""The chart of compliance over time: audits and re-audits, completed and on time, by cycle.

It takes plain data, the report's ``compliance_by_month`` as ``audits report --json`` prints it
(``{"YYYY-MM": {"audits": {"pct": ..., "on_time_pct": ...}, "reaudits": {...}}}``) and the
pauses' first and last days, and returns SVG text: the highlight report draws it, and a
Director's dashboard page can draw the same figures with the same call.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from reports.chart import PauseSpan
from reports.svg_chart import MonthChart

# Solid for completed, dashed for on time; blue for audits, orange for re-audits (GOV.UK
# palette); markers tell the lines apart in greyscale.
LINES = (
    ("audits", "pct", "Audits completed", "#1d70b8", "-", "o"),
    ("audits", "on_time_pct", "Audits on time", "#1d70b8", "--", "s"),
    ("reaudits", "pct", "Re-audits completed", "#f47738", "-", "^"),
    ("reaudits", "on_time_pct", "Re-audits on time", "#f47738", "--", "v"),
)
TOP = 112  # room above 100% for the pauses' labels
#: matplotlib's dashes (3.7 and 1.6 line widths) at the lines' width of 1.4 points.
DASHES = {"-": "", "--": ' stroke-dasharray="5.18 2.24"'}
MARKER = 1.75  # half a marker's width, in points


def compliance_chart(
    by_month: Mapping[str, Mapping[str, Mapping[str, Any]]],
    pauses: Sequence[PauseSpan],
    title: str = "Compliance by month",
) -> str:
    """A line per figure (per cent of the cycle's allocated audits, or re-audits), a gap where
    a cycle had none allocated, pauses shaded from their real first day to their last."""
    months = list(by_month)
    chart = MonthChart(months, TOP, 3.6)
    legend = []
    for kind, figure_key, label, colour, style, marker in LINES:
        values = [_value(by_month[m].get(kind, {}).get(figure_key)) for m in months]
        if all(math.isnan(v) for v in values):
            continue  # e.g. no re-audits yet: no empty legend entry
        # The line names its figures in the SVG, so it can be checked against the table.
        shown = ",".join("" if math.isnan(v) else str(int(v)) for v in values)
        points = [(chart.x(x), chart.y(v)) for x, v in enumerate(values) if not math.isnan(v)]
        chart.body.append(
            f'<g id="line:{kind}:{figure_key}:{shown}">'
            + _line(chart, values, colour, style)
            + _markers(points, colour, marker)
            + "</g>"
        )
        sample = _line_sample(colour, style) + _markers([(8, 2.8)], colour, marker)
        legend.append((sample, label))
    chart.shade_pauses(pauses)
    ticks = [(n, f"{n}%") for n in range(0, 101, 20)]
    chart.axes(ticks, "Of those allocated", title)
    if legend:
        chart.legend(legend, at_top=False)
    return chart.svg()


def _line(chart: MonthChart, values: list[float], colour: str, style: str) -> str:
    """The line through the months' values, broken where a month has none."""
    steps, pen_down = [], False
    for x, value in enumerate(values):
        if math.isnan(value):
            pen_down = False
            continue
        steps.append(f"{'L' if pen_down else 'M'} {chart.x(x):.2f} {chart.y(value):.2f}")
        pen_down = True
    return (
        f'<path d="{" ".join(steps)}" fill="none" stroke="{colour}" stroke-width="1.4"'
        f'{DASHES[style]} stroke-linejoin="round"/>'
    )


def _line_sample(colour: str, style: str) -> str:
    return (
        f'<path d="M 0 2.8 H 16" fill="none" stroke="{colour}" stroke-width="1.4"{DASHES[style]}/>'
    )


def _markers(points: list[tuple[float, float]], colour: str, marker: str) -> str:
    """Every point's marker in one shape: a circle, square or triangle (up or down)."""
    r = MARKER
    shapes = {
        "o": f"m {-r} 0 a {r} {r} 0 1 0 {2 * r} 0 a {r} {r} 0 1 0 {-2 * r} 0 z",
        "s": f"m {-r} {-r} h {2 * r} v {2 * r} h {-2 * r} z",
        "^": f"m 0 {-r} l {r} {2 * r} h {-2 * r} z",
        "v": f"m 0 {r} l {r} {-2 * r} h {-2 * r} z",
    }
    shape = shapes[marker]
    d = " ".join(f"M {x:.2f} {y:.2f} {shape}" for x, y in points)
    return f'<path d="{d}" fill="{colour}" stroke="{colour}" stroke-width="1"/>'


def _value(pct: Any) -> float:
    return math.nan if pct is None else float(pct)
