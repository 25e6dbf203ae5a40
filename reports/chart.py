"""The chart of overall judgements by month, made by matplotlib, as SVG text.

SVG keeps the HTML report self-contained and sharp in the PDF. Paused months are shaded and
labelled, as the seed marks March to May 2020. The same numbers are in the table beside it.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no screen: render to a file-like object only

import matplotlib.pyplot as plt  # noqa: E402

from rules.policy import JUDGEMENTS  # noqa: E402

LABELS = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires_improvement": "Requires improvement",
    "inadequate": "Inadequate",
}
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


def judgements_chart(by_month: dict[str, dict[str, int]], paused: set[str], title: str) -> str:
    """A stacked bar per month of the judgements' counts; returns the SVG document."""
    months = list(by_month)
    figure, axes = plt.subplots(figsize=(10, 4.2), dpi=100)
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
        _mark_pauses(axes, months, paused, max(bottoms, default=0))
        axes.set_xticks(range(len(months)), [_short(m) for m in months], rotation=90, fontsize=8)
        axes.set_ylabel("Audits completed")
        axes.set_title(title, fontsize=11)
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(fontsize=8, frameon=False, loc="upper left", ncols=4)
        axes.set_ylim(0, max(max(bottoms, default=0) * 1.25, 1))
        figure.tight_layout()
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})  # same input, same bytes
        svg = out.getvalue()
        return svg[svg.index("<svg") :]  # inline in HTML: no XML declaration or DOCTYPE
    finally:
        plt.close(figure)


def _mark_pauses(axes: plt.Axes, months: list[str], paused: set[str], top: int) -> None:
    spans = [i for i, m in enumerate(months) if m in paused]
    if not spans:
        return
    for index in spans:
        axes.axvspan(index - 0.5, index + 0.5, color="#b1b4b6", alpha=0.35, linewidth=0)
    middle = (spans[0] + spans[-1]) / 2
    axes.text(middle, max(top, 1) * 1.05, "Paused", ha="center", fontsize=8, color="#0b0c0c")


def _short(month: str) -> str:
    """'2020-03' as 'Mar 20'."""
    names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    year, number = month.split("-")
    return f"{names[int(number) - 1]} {year[2:]}"
