"""The moderators' agreement rate over time: a bar per cycle of the per cent of its moderated
audits whose judgement the moderator agreed with, over the last 12 cycles.

It takes plain data, the report's ``moderation_by_month`` as ``audits report --json`` prints it
(``{"YYYY-MM": {"moderated": n, "agreed": n, "agreement_pct": x, ...}}``), and returns SVG text;
the table beside it in the report gives the same figures. It never shows an auditor: the
figures by auditor are on an APS-only page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reports.chart import PauseSpan, month_axis, new_figure, shade_pauses, svg_of

COLOUR = "#1d70b8"  # GOV.UK blue
THIS_MONTH = "#003078"  # the report's month, darker


def moderated_months(by_month: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The cycles with at least one moderated audit."""
    return [month for month, counts in by_month.items() if counts.get("moderated")]


def moderation_chart(
    by_month: Mapping[str, Mapping[str, Any]],
    pauses: Sequence[PauseSpan] = (),
    title: str = "Moderators' agreement with auditors' judgements by month",
) -> str:
    """A bar per cycle with moderated audits (none where a cycle had none), the report's month
    the last; "" when no cycle had any (the report then says so in words)."""
    months = list(by_month)
    if not moderated_months(by_month):
        return ""
    figure = new_figure(2.6)
    axes = figure.add_subplot()
    colours = [COLOUR] * (len(months) - 1) + [THIS_MONTH]
    values = [by_month[m].get("agreement_pct") for m in months]
    bars = axes.bar(
        range(len(months)), [0 if v is None else v for v in values], color=colours, width=0.7
    )
    # Each bar names its month and figures in the SVG, so it can be checked against the table.
    for bar, month, value in zip(bars, months, values, strict=True):
        counts = by_month[month]
        bar.set_gid(f"agreement:{month}:{counts.get('moderated', 0)}:{value}")
        if value is None:
            bar.set_visible(False)
    shade_pauses(axes, months, pauses, 112)
    month_axis(axes, months)
    axes.set_ylim(0, 112)
    axes.set_yticks(range(0, 101, 25), [f"{n}%" for n in range(0, 101, 25)])
    axes.set_ylabel("Agreed", fontsize=9)
    axes.set_title(title, fontsize=11)
    return svg_of(figure)
