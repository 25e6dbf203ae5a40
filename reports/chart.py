"""What the report's charts share: the judgements' colours and hatching, where a day falls on
a month axis (pauses are shaded from their real first day to their last, as the seed marks 24
March to May 2020), and for the charts drawn by matplotlib (moderation, recurring findings) the
figure, the month axis, the pauses and the SVG output.

SVG keeps the HTML report self-contained and sharp in the PDF. The same numbers are in the
table beside each chart.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from rules.policy import JUDGEMENT_LABELS

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


def new_figure(height: float, width: float = 10) -> Figure:
    """A figure of its own (no pyplot: nothing kept between reports), laid out once with fixed
    margins: a layout engine measured the text and then drew the whole chart twice."""
    figure = Figure(figsize=(width, height), dpi=100)
    figure.subplots_adjust(
        left=0.85 / width, right=1 - 0.25 / width, bottom=0.35 / height, top=1 - 0.35 / height
    )
    return figure


#: A label every month, two, three, six or twelve (each January), whichever gives at most
#: MOST_LABELS: 95 rotated month labels were a third of a chart's time, and unreadable.
LABEL_STEPS, MOST_LABELS = (1, 2, 3, 6, 12), 12
MONTHS_AT_LEAST = 12


def month_axis(axes: Axes, months: Sequence[str]) -> None:
    """A tick on the months labelled 'Jan 2020' (every month when there are a year's, fewer
    for longer: the table beside the chart has every month); the frame opened at the top and
    right."""
    step = next((s for s in LABEL_STEPS if len(months) <= s * MOST_LABELS), LABEL_STEPS[-1])
    labelled = [(x, m) for x, m in enumerate(months) if (int(m[5:]) - 1) % step == 0]
    axes.set_xticks([x for x, _ in labelled], [_month_label(m) for _, m in labelled], fontsize=8)
    # Room for a year at least: a programme's first months are not drawn a page wide.
    axes.set_xlim(-0.6, max(len(months), MONTHS_AT_LEAST) - 0.4)
    axes.spines[["top", "right"]].set_visible(False)


def svg_of(figure: Figure) -> str:
    out = io.StringIO()
    # Text as SVG text, not a path per glyph: far fewer elements for the PDF's WeasyPrint to
    # parse, style and draw one by one. No date: the same input gives the same drawing.
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(out, format="svg", metadata={"Date": None})
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
    axes: Axes, months: Sequence[str], pauses: Sequence[PauseSpan], top: float
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


def _month_label(month: str) -> str:
    """'2020-03' as 'Mar 2020'."""
    names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    year, number = month.split("-")
    return f"{names[int(number) - 1]} {year}"
