"""The recurring findings' trend: a small bar chart per finding tag of its count in each of the
last 12 cycles, side by side in one SVG (small multiples share their scale, so that a taller bar
is a more frequent finding whichever panel it is in).

It takes the report's ``recurring_findings`` as plain data (``audits report --json``'s) and
returns SVG text; the table beside it in the report gives the same figures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from models.figures import RecurringFinding
from reports.chart import svg_of

COLUMNS = 5
COLOUR = "#1d70b8"  # GOV.UK blue
THIS_MONTH = "#003078"  # the report's month, darker


def shown(findings: Sequence[RecurringFinding]) -> list[RecurringFinding]:
    """The findings worth a panel: those seen at least once in the 12 cycles (most frequent
    first, as given); the table lists every one."""
    return [finding for finding in findings if finding.last_12_months]


def recurring_chart(findings: Sequence[RecurringFinding]) -> str:
    """One panel per finding seen in the 12 cycles, the report's month the last bar; "" when
    none was (the report then says so in words)."""
    panels = shown(findings)
    if not panels:
        return ""
    rows = math.ceil(len(panels) / COLUMNS)
    top = max(max(f.by_month.values()) for f in panels)
    figure = Figure(figsize=(10, 1.7 * rows), dpi=100)
    grid = figure.subplots(rows, COLUMNS, squeeze=False, sharey=True)
    for axes, finding in zip(grid.flat, panels, strict=False):
        _panel(axes, finding, top)
    for axes in list(grid.flat)[len(panels) :]:
        axes.set_visible(False)
    figure.tight_layout()  # the panels' titles and labels measured once, to lay them out ...
    figure.set_layout_engine(None)  # ... and not again: savefig would draw the whole chart twice
    return svg_of(figure)


def _panel(axes: Axes, finding: RecurringFinding, top: int) -> None:
    months = list(finding.by_month)
    counts = [finding.by_month[m] for m in months]
    colours = [COLOUR] * (len(months) - 1) + [THIS_MONTH]
    bars = axes.bar(range(len(months)), counts, color=colours, width=0.8)
    # Each bar names its tag, month and count in the SVG, so it can be checked against the table.
    for bar, month, count in zip(bars, months, counts, strict=True):
        bar.set_gid(f"finding:{finding.tag}:{month}:{count}")
    axes.set_title(f"{finding.label} ({finding.this_month})", fontsize=8)
    axes.set_ylim(0, top * 1.15)
    axes.set_xticks([0, len(months) - 1], [_short(months[0]), _short(months[-1])], fontsize=7)
    axes.tick_params(axis="y", labelsize=7)
    axes.spines[["top", "right"]].set_visible(False)


def _short(month: str) -> str:
    """'2020-03' as '03/20'."""
    year, number = month.split("-")
    return f"{number}/{year[2:]}"
