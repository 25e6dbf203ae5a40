"""A chart over months written straight as SVG text: the frame that the report's two big charts
(judgements, compliance) share, with their months, pauses, axes, title and legend.

matplotlib took about 0.1 s for the two charts at 95 months, of which its axes, ticks and text
layout alone were about 0.06 s whatever was drawn on them: as much as all the figures' own
work, and on PostgreSQL a fifth of the report's time. These charts need none of its
measuring: the margins are fixed, text is SVG text placed by its anchor (the reader's font
lays it out), and every mark is a rectangle, a line or a marker in data coordinates. The look
is matplotlib's (its sizes, font and layout), so that these charts sit beside the report's
smaller matplotlib ones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from html import escape

from reports.chart import LABEL_STEPS, MONTHS_AT_LEAST, MOST_LABELS, PauseSpan, position

FONT = (
    "font-family: 'DejaVu Sans', 'Bitstream Vera Sans', 'Lucida Grande', 'Verdana', 'Arial', "
    "'Helvetica', sans-serif"
)
#: A baseline below the top of its text, and below its middle, in font sizes (DejaVu Sans).
TOP_TO_BASELINE, MIDDLE_TO_BASELINE = 0.76, 0.38
#: Roughly the width of a character of DejaVu Sans, in font sizes: only the legend's columns
#: are placed by it (a label's own width is the reader's font's).
CHARACTER = 0.62
TICK, PAD = 3.5, 3.5  # a tick's length and the gap to its label, in points
INK = "#000000"


class MonthChart:
    """A chart of ``width`` by ``height`` inches (points in the SVG, as matplotlib's): months
    along the bottom, ``0`` to ``top`` up the side, margins fixed (in inches) as the report's
    matplotlib charts have them."""

    def __init__(self, months: Sequence[str], top: float, height: float, width: float = 10):
        self.months, self.top = list(months), top
        self.width, self.height = width * 72, height * 72
        self.left, self.right = 0.85 * 72, self.width - 0.25 * 72
        self.ceiling, self.floor = 0.35 * 72, self.height - 0.35 * 72
        # Room for a year at least: a programme's first months are not drawn a page wide.
        self.x_from, self.x_to = -0.6, max(len(self.months), MONTHS_AT_LEAST) - 0.4
        self.defs: list[str] = []
        self.body: list[str] = []

    def x(self, value: float) -> float:
        span = self.right - self.left
        return self.left + (value - self.x_from) / (self.x_to - self.x_from) * span

    def y(self, value: float) -> float:
        return self.floor - value / self.top * (self.floor - self.ceiling)

    def svg(self) -> str:
        """The document: inline in HTML (no XML declaration), sized in points."""
        w, h = _n(self.width), _n(self.height)
        return "\n".join(
            [
                f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{w}pt" '
                f'height="{h}pt" viewBox="0 0 {w} {h}">',
                "<defs>",
                *self.defs,
                "</defs>",
                f'<rect width="{w}" height="{h}" fill="#ffffff"/>',
                *self.body,
                "</svg>",
            ]
        )

    # --- the frame -------------------------------------------------------------------------

    def shade_pauses(self, pauses: Sequence[PauseSpan]) -> None:
        """Grey from each pause's first day to its last, labelled, within the chart's months
        (as ``reports.chart.shade_pauses`` on a matplotlib chart)."""
        for starts_on, last_day in pauses:
            self._pause(starts_on, last_day)

    def _pause(self, starts_on: date, last_day: date) -> None:
        if not self.months or last_day < starts_on:
            return
        left = self.x(position(starts_on, self.months))
        right = self.x(position(last_day, self.months, end=True))
        if right <= left:
            return
        self.body.append(
            f'<rect id="pause:{starts_on.isoformat()}:{last_day.isoformat()}" x="{_n(left)}" '
            f'y="{_n(self.ceiling)}" width="{_n(right - left)}" '
            f'height="{_n(self.floor - self.ceiling)}" fill="#b1b4b6" opacity="0.4"/>'
        )
        label_y = self.y(self.top * 0.97) + TOP_TO_BASELINE * 8
        self.text((left + right) / 2, label_y, "Paused", 8, fill="#0b0c0c")

    def axes(self, y_ticks: Sequence[tuple[float, str]], y_label: str, title: str) -> None:
        """The left and bottom spines, the month ticks (at most MOST_LABELS labels, every 1, 2,
        3, 6 or 12 months), the value ticks, the side's label and the title."""
        left, right, floor = _n(self.left), _n(self.right), _n(self.floor)
        marks = [f"M {left} {floor} L {right} {floor} M {left} {floor} L {left} {_n(self.ceiling)}"]
        for value, label in y_ticks:
            y = self.y(value)
            marks.append(f"M {left} {_n(y)} h {-TICK}")
            self.text(self.left - TICK - PAD, y + MIDDLE_TO_BASELINE * 10, label, 10, "end")
        for x, label in self._month_ticks():
            marks.append(f"M {_n(x)} {floor} v {TICK}")
            self.text(x, self.floor + TICK + PAD + TOP_TO_BASELINE * 8, label, 8)
        self.body.append(f'<path d="{" ".join(marks)}" stroke="{INK}" stroke-width="0.8"/>')
        middle = (self.floor + self.ceiling) / 2
        self.text(22, middle, y_label, 10, rotate=True)
        self.text((self.left + self.right) / 2, self.ceiling - 6, title, 11)

    def _month_ticks(self) -> list[tuple[float, str]]:
        months = self.months
        step = next((s for s in LABEL_STEPS if len(months) <= s * MOST_LABELS), LABEL_STEPS[-1])
        return [
            (self.x(x), month_label(m))
            for x, m in enumerate(months)
            if (int(m[5:]) - 1) % step == 0
        ]

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        anchor: str = "middle",
        fill: str = INK,
        rotate: bool = False,
    ) -> None:
        """``text`` with its baseline at ``y``, anchored at ``x`` (start, middle or end)."""
        turn = f' transform="rotate(-90 {_n(x)} {_n(y)})"' if rotate else ""
        self.body.append(
            f'<text x="{_n(x)}" y="{_n(y)}" style="font-size: {size}px; {FONT}; '
            f'text-anchor: {anchor}; fill: {fill}"{turn}>{escape(text)}</text>'
        )

    def legend(self, entries: Sequence[tuple[str, str]], at_top: bool) -> None:
        """A row of legend entries, each a swatch (SVG drawn in a 16 by 5.6 point box at the
        origin) and its label, inside the axes at their top or bottom left."""
        size = 8
        x = self.left + 0.5 * size + 0.4 * size
        middle = (
            self.ceiling + 0.9 * size + 0.35 * size
            if at_top
            else self.floor - 0.9 * size - 0.35 * size
        )
        for swatch, label in entries:
            self.body.append(f'<g transform="translate({_n(x)} {_n(middle - 2.8)})">{swatch}</g>')
            self.text(x + 2.8 * size, middle + MIDDLE_TO_BASELINE * size, label, size, "start")
            x += 2.8 * size + len(label) * CHARACTER * size + 2 * size


def value_ticks(top: float, most: int = 6) -> list[float]:
    """Round values from 0 up to ``top``: a step of 1, 2, 2.5 or 5 times a power of ten, the
    smallest giving at most ``most`` steps."""
    if top <= 0:
        return [0]
    power = 10 ** math.floor(math.log10(top / most))
    step = next(s * power for s in (1, 2, 2.5, 5, 10, 20) if top / (s * power) <= most)
    return [n * step for n in range(int(top // step) + 1)]


def count_label(value: float) -> str:
    """A tick's count as matplotlib labels it: "2000", "0.25"."""
    return f"{value:.0f}" if value == int(value) else f"{value:g}"


def month_label(month: str) -> str:
    """'2020-03' as 'Mar 2020'."""
    names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    year, number = month.split("-")
    return f"{names[int(number) - 1]} {year}"


def _n(value: float) -> str:
    """A coordinate to a hundredth of a point, without trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")
