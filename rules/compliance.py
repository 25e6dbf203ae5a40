"""Compliance arithmetic of the highlight report (docs/domain.md, "Compliance").

Per cents are whole, rounded half up, in integer arithmetic so that no float ever decides a
report's figure: 1,298 of 1,632 is 80%, 361 of 456 is 79%, 1 of 8 (12.5%) is 13%.

"Allocated" leaves out audits released by an approved exemption or withdrawn; they are counted
as "released" beside it. A reallocation is a new audit, counted in its own right. An audit is
completed on time when it was completed on or before its due date, the extended one where an
extension was approved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import TypedDict

from rules.months import add_months, month_of, parse_month
from rules.policy import JUDGEMENTS

RELEASED_STATUSES = ("exempted", "withdrawn")
TIMELINESS = ("on_time", "late", "outstanding", "released")


class ComplianceFields(TypedDict):
    """The fields of ``models.figures.Compliance`` (rules import nothing of the reports)."""

    allocated: int
    completed: int
    released: int
    pct: int | None
    allocated_with_released: int
    pct_with_released: int | None
    on_time: int
    on_time_pct: int | None


class RowFields(TypedDict):
    """The figures of a ``models.figures.ComplianceRow`` beside its area and team."""

    allocated: int
    on_time: int
    late: int
    outstanding: int
    released: int
    pct: int | None


def whole_percent(part: int, whole: int) -> int | None:
    """``part`` of ``whole`` as a whole per cent, half up; None when ``whole`` is 0."""
    if part < 0 or whole < 0:
        raise ValueError(f"counts cannot be negative: {part} of {whole}")
    if whole == 0:
        return None
    # 100 * part / whole + 1/2, floored: (200 * part + whole) // (2 * whole).
    return (200 * part + whole) // (2 * whole)


def compliance(allocated: int, completed: int, released: int, on_time: int = 0) -> ComplianceFields:
    """The compliance figures from counts; ``allocated`` already leaves out ``released``.
    ``Compliance(**compliance(...))`` makes the report's dataclass of them."""
    if completed > allocated:
        raise ValueError(f"{completed} completed of only {allocated} allocated")
    if on_time > completed:
        raise ValueError(f"{on_time} on time of only {completed} completed")
    return ComplianceFields(
        allocated=allocated,
        completed=completed,
        released=released,
        pct=whole_percent(completed, allocated),
        allocated_with_released=allocated + released,
        pct_with_released=whole_percent(completed, allocated + released),
        on_time=on_time,
        on_time_pct=whole_percent(on_time, allocated),
    )


def compliance_from_statuses(counts: Mapping[str, int], on_time: int = 0) -> ComplianceFields:
    """Compliance given the audits counted by status (``allocated``, ``completed``, ``exempted``,
    ``withdrawn``; a status not given counts 0)."""
    released = sum(counts.get(status, 0) for status in RELEASED_STATUSES)
    completed = counts.get("completed", 0)
    return compliance(completed + counts.get("allocated", 0), completed, released, on_time)


def is_on_time(completed_on: date, due_on: date) -> bool:
    """Completed by the (extended) due date: the due date itself is still on time."""
    return completed_on <= due_on


def timeliness(status: str, completed_on: date | None, due_on: date) -> str:
    """Which column of the compliance table an audit falls in: one of :data:`TIMELINESS`."""
    on_time = None if completed_on is None else is_on_time(completed_on, due_on)
    return timeliness_of(status, on_time)


def timeliness_of(status: str, on_time: bool | None) -> str:
    """:func:`timeliness` from ``completed_on <= due_on`` as a database gives it (None when
    there is no completion date: a completion not shown to be on time counts as late, so that
    the table's completions always add up to the headline's)."""
    if status in RELEASED_STATUSES:
        return "released"
    if status == "completed":
        return "on_time" if on_time else "late"
    return "outstanding"


def compliance_row(counts: Mapping[str, int]) -> RowFields:
    """A row of the compliance table given the audits counted by :func:`timeliness`:
    ``ComplianceRow(area, team, **compliance_row(counts))``."""
    on_time, late = counts.get("on_time", 0), counts.get("late", 0)
    outstanding = counts.get("outstanding", 0)
    allocated = on_time + late + outstanding
    return RowFields(
        allocated=allocated,
        on_time=on_time,
        late=late,
        outstanding=outstanding,
        released=counts.get("released", 0),
        pct=whole_percent(on_time + late, allocated),
    )


def no_judgements() -> dict[str, int]:
    """Every judgement, counted 0, in the order of :data:`JUDGEMENTS`."""
    return dict.fromkeys(JUDGEMENTS, 0)


def inadequate_share(judgements: Mapping[str, int]) -> int | None:
    """The share of completed audits judged inadequate, whole per cent; None when none."""
    return whole_percent(judgements.get("inadequate", 0), sum(judgements.values()))


def months_from(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` inclusive, in order (empty if ``last`` is first's
    predecessor or earlier)."""
    (fy, fm), (ly, lm) = parse_month(first), parse_month(last)
    count = (ly * 12 + lm) - (fy * 12 + fm) + 1
    return [add_months(first, offset) for offset in range(max(count, 0))]


def months_covered(starts_on: date, last_day: date, first: str, last: str) -> tuple[str, ...]:
    """The cycles from ``first`` to ``last`` that a pause from ``starts_on`` to ``last_day``
    (inclusive) touches: a month with any paused day is marked paused on the report's chart."""
    if last_day < starts_on:
        return ()
    span = months_from(max(month_of(starts_on), first), min(month_of(last_day), last))
    return tuple(span)


PAUSED, PARTLY_PAUSED = "paused", "partly paused"


def paused_months(spells: Iterable[tuple[date, date]], first: str, last: str) -> dict[str, str]:
    """The cycles ``first`` to ``last`` that pauses (first and last paused day, inclusive; they
    never overlap) touch: ``"paused"`` when every day of the month is paused, else ``"partly
    paused"`` (a pause from 24 March leaves March partly paused: its audits still count)."""
    paused_days: dict[str, int] = {}
    for starts_on, last_day in spells:
        day = starts_on
        while day <= last_day:
            month = month_of(day)
            following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
            through = min(last_day, following - timedelta(days=1))
            if first <= month <= last:
                paused_days[month] = paused_days.get(month, 0) + (through - day).days + 1
            day = following
    return {
        month: PAUSED if days >= _days_in(month) else PARTLY_PAUSED
        for month, days in sorted(paused_days.items())
    }


def _days_in(month: str) -> int:
    year, number = parse_month(month)
    following = date(year + number // 12, number % 12 + 1, 1)
    return (following - date(year, number, 1)).days


def judgements_by_month(
    rows: Iterable[tuple[str, str, int]], months: Iterable[str]
) -> dict[str, dict[str, int]]:
    """``{month: {judgement: n}}`` for every month of ``months`` (zeros where none) from
    ``(month, judgement, count)`` rows; rows of other months or unknown judgements are refused."""
    table = {month: no_judgements() for month in months}
    for month, judgement, count in rows:
        if month not in table or judgement not in JUDGEMENTS:
            raise ValueError(f"no column for judgement {judgement!r} in month {month!r}")
        table[month][judgement] += count
    return table
