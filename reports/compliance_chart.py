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

from reports.chart import PauseSpan, month_axis, new_figure, shade_pauses, svg_of

# Solid for completed, dashed for on time; blue for audits, orange for re-audits (GOV.UK
# palette); markers tell the lines apart in greyscale.
LINES = (
    ("audits", "pct", "Audits completed", "#1d70b8", "-", "o"),
    ("audits", "on_time_pct", "Audits on time", "#1d70b8", "--", "s"),
    ("reaudits", "pct", "Re-audits completed", "#f47738", "-", "^"),
    ("reaudits", "on_time_pct", "Re-audits on time", "#f47738", "--", "v"),
)


def compliance_chart(
    by_month: Mapping[str, Mapping[str, Mapping[str, Any]]],
    pauses: Sequence[PauseSpan],
    title: str = "Compliance by month",
) -> str:
    """A line per figure (per cent of the cycle's allocated audits, or re-audits), a gap where
    a cycle had none allocated, pauses shaded from their real first day to their last."""
    months = list(by_month)
    figure = new_figure(3.6)
    axes = figure.add_subplot()
    for kind, figure_key, label, colour, style, marker in LINES:
        values = [_value(by_month[m].get(kind, {}).get(figure_key)) for m in months]
        if all(math.isnan(v) for v in values):
            continue  # e.g. no re-audits yet: no empty legend entry
        (line,) = axes.plot(
            range(len(months)), values, label=label, color=colour, linestyle=style,
            marker=marker, markersize=3.5, linewidth=1.4,
        )  # fmt: skip
        # The line names its figures in the SVG, so it can be checked against the table.
        shown = ",".join("" if math.isnan(v) else str(int(v)) for v in values)
        line.set_gid(f"line:{kind}:{figure_key}:{shown}")
    shade_pauses(axes, months, pauses, 112)
    month_axis(axes, months)
    axes.set_ylim(0, 112)
    axes.set_yticks(range(0, 101, 20), [f"{n}%" for n in range(0, 101, 20)])
    axes.set_ylabel("Of those allocated")
    axes.set_title(title, fontsize=11)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(fontsize=8, frameon=False, loc="lower left", ncols=4)
    return svg_of(figure)


def _value(pct: Any) -> float:
    return math.nan if pct is None else float(pct)
