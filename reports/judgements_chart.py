"""The chart of overall judgements by month: a stacked bar per month, as SVG text
(``reports.svg_chart``: drawn with matplotlib, its axes and text layout alone took as long as
the report's figures).

Each bar names its month, judgement and count in its id (``bar:2020-09:good:14``), so that the
chart can be checked against the table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

from reports.chart import COLOURS, HATCHES, LABELS, PauseSpan
from reports.svg_chart import MonthChart, count_label, value_ticks
from rules.policy import JUDGEMENTS

BAR_WIDTH = 0.8
#: Each hatch as lines 6 points apart in a 6-point tile (matplotlib's spacing), in white.
HATCH_LINES = {
    "//": "M -1 1 L 1 -1 M 0 6 L 6 0 M 5 7 L 7 5",
    "\\\\": "M -1 5 L 1 7 M 0 0 L 6 6 M 5 -1 L 7 1",
    "--": "M 0 3 L 6 3",
}


def judgements_chart(
    by_month: dict[str, dict[str, int]], pauses: Sequence[PauseSpan], title: str
) -> str:
    """A stacked bar per month of the judgements' counts, pauses shaded from their real first
    day to their real last; returns the SVG document."""
    months = list(by_month)
    stacks = [sum(by_month[m].get(j, 0) for j in JUDGEMENTS) for m in months]
    top = max(max(stacks, default=0) * 1.25, 1)
    chart = MonthChart(months, top, 3.8)
    chart.defs += [_pattern(j) for j in JUDGEMENTS if HATCHES[j]]
    _bars(chart, by_month)
    chart.shade_pauses(pauses)
    ticks = [(value, count_label(value)) for value in value_ticks(top)]
    chart.axes(ticks, "Audits completed", title)
    chart.legend([(_swatch(j), LABELS[j]) for j in reversed(JUDGEMENTS)], at_top=True)
    return chart.svg()


def _bars(chart: MonthChart, by_month: dict[str, dict[str, int]]) -> None:
    """A bar per month and judgement, stacked from the worst judgement up, each with its id;
    then each judgement's hatching over its bars, as one shape (WeasyPrint, for the PDF, builds
    a hatch pattern afresh for each shape filled with it)."""
    bottoms = [0] * len(by_month)
    for judgement in reversed(JUDGEMENTS):
        outlines = []
        for x, (month, counts) in enumerate(by_month.items()):
            count = counts.get(judgement, 0)
            left, right = chart.x(x - BAR_WIDTH / 2), chart.x(x + BAR_WIDTH / 2)
            low, high = chart.y(bottoms[x]), chart.y(bottoms[x] + count)
            box = f'x="{left:.2f}" y="{high:.2f}" width="{right - left:.2f}" '
            box += f'height="{low - high:.2f}"'
            chart.body.append(
                f'<rect id="bar:{month}:{judgement}:{count}" {box} fill="{COLOURS[judgement]}" '
                'stroke="#ffffff" stroke-width="0.5"/>'
            )
            outlines.append(f"M {left:.2f} {low:.2f} H {right:.2f} V {high:.2f} H {left:.2f} Z")
            bottoms[x] += count
        if HATCHES[judgement] and outlines:
            chart.body.append(f'<path d="{" ".join(outlines)}" fill="url(#hatch-{judgement})"/>')


def _pattern(judgement: str) -> str:
    return (
        f'<pattern id="hatch-{judgement}" patternUnits="userSpaceOnUse" width="6" height="6">'
        f'<path d="{HATCH_LINES[HATCHES[judgement]]}" stroke="#ffffff" stroke-width="1"/>'
        "</pattern>"
    )


def _swatch(judgement: str) -> str:
    """The legend's box of a judgement: its colour and hatching."""
    box = f'width="16" height="5.6" fill="{COLOURS[judgement]}"'
    hatched = f'<rect width="16" height="5.6" fill="url(#hatch-{judgement})"/>'
    return f"<rect {box}/>" + (hatched if HATCHES[judgement] else "")
