"""The chart of overall judgements by month, made by matplotlib, as SVG text; and what the
report's charts share (the month axis, pauses shaded by their real dates, SVG output).

SVG keeps the HTML report self-contained and sharp in the PDF. Pauses are shaded and labelled
from their first day to their last, as the seed marks 24 March to May 2020. The same numbers
are in the table beside it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

import matplotlib

matplotlib.use("Agg")  # no screen: render to a file-like object only

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from rules.policy import JUDGEMENT_LABELS, JUDGEMENTS  # noqa: E402

LABELS = JUDGEMENT_LABELS
# GOV.UK palette colours, distinguishable in greyscale too (with hatching as a second cue).
COLOURS = {
    "outstanding": "#00703c",
    "good": "#1d70b8",
    "requires_improvement": "#f47738",
    "inadequate": "#d4351c",
}
# Line hatches only: dotted and crossed ones are redrawn dot by dot for every bar in the PDF
# (about 40% of its time with 95 months of bars).
HATCHES = {"outstanding": "", "good": "//", "requires_improvement": "\\\\", "inadequate": "--"}


PauseSpan = tuple[date, date]  # the first and the last paused day


def judgements_chart(
    by_month: dict[str, dict[str, int]], pauses: Sequence[PauseSpan], title: str
) -> str:
    """A stacked bar per month of the judgements' counts, pauses shaded from their real first
    day to their real last; returns the SVG document."""
    months = list(by_month)
    figure, axes = plt.subplots(figsize=(10, 3.8), dpi=100)
    try:
        bottoms = [0] * len(months)
        for judgement in reversed(JUDGEMENTS):
            counts = [by_month[m].get(judgement, 0) for m in months]
            bars = axes.bar(
                range(len(months)), counts, bottom=bottoms, label=LABELS[judgement],
                color=COLOURS[judgement], hatch=HATCHES[judgement], edgecolor="white",
                linewidth=0.5,
            )  # fmt: skip
            # Each bar names its month, judgement and count in the SVG, so the chart can be
            # checked against its data table.
            for bar, month, count in zip(bars, months, counts, strict=True):
                bar.set_gid(f"bar:{month}:{judgement}:{count}")
            bottoms = [b + c for b, c in zip(bottoms, counts, strict=True)]
        top = max(max(bottoms, default=0) * 1.25, 1)
        shade_pauses(axes, months, pauses, top)
        month_axis(axes, months)
        axes.set_ylabel("Audits completed")
        axes.set_title(title, fontsize=11)
        axes.legend(fontsize=8, frameon=False, loc="upper left", ncols=4)
        axes.set_ylim(0, top)
        return svg_of(figure)
    finally:
        plt.close(figure)


MONTHS_AT_LEAST = 12


def month_axis(axes: plt.Axes, months: Sequence[str]) -> None:
    """One tick per month, written 'Mar 20'; the chart's frame opened at the top and right."""
    axes.set_xticks(range(len(months)), [_short(m) for m in months], rotation=90, fontsize=8)
    # Room for a year at least: a programme's first months are not drawn a page wide.
    axes.set_xlim(-0.6, max(len(months), MONTHS_AT_LEAST) - 0.4)
    axes.spines[["top", "right"]].set_visible(False)


def svg_of(figure: Figure) -> str:
    figure.tight_layout()
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None})  # same input, same bytes
    svg = out.getvalue()
    return svg[svg.index("<svg") :]  # inline in HTML: no XML declaration or DOCTYPE


def position(day: date, months: Sequence[str], end: bool = False) -> float:
    """Where ``day`` falls on a month axis (month i spans i - 0.5 to i + 0.5): its start, or
    with ``end`` its end, so that a pause from 24 March shades the last quarter of March."""
    month = f"{day.year:04d}-{day.month:02d}"
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    length = (following - date(day.year, day.month, 1)).days
    offset = (day.day if end else day.day - 1) / length
    if month in months:
        return months.index(month) - 0.5 + offset
    return -0.5 if month < months[0] else len(months) - 0.5


def shade_pauses(
    axes: plt.Axes, months: Sequence[str], pauses: Sequence[PauseSpan], top: float
) -> None:
    """Grey from each pause's first day to its last, labelled, within the chart's months."""
    for starts_on, last_day in pauses:
        if not months or last_day < starts_on:
            continue
        left, right = position(starts_on, months), position(last_day, months, end=True)
        if right <= left:
            continue
        span = axes.axvspan(left, right, color="#b1b4b6", alpha=0.4, linewidth=0)
        span.set_gid(f"pause:{starts_on.isoformat()}:{last_day.isoformat()}")
        axes.text((left + right) / 2, top * 0.97, "Paused", ha="center", va="top", fontsize=8,
                  color="#0b0c0c")  # fmt: skip


def _short(month: str) -> str:
    """'2020-03' as 'Mar 20'."""
    names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    year, number = month.split("-")
    return f"{names[int(number) - 1]} {year[2:]}"
