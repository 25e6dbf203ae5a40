"""Recurring findings: the practice findings (``[findings.tags]``) a completion carries.

The fixed list lets the report count what the seed's report could only list by hand
("supervision", "drift and delay", "core groups"): month by month, and by judgement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rules.errors import RuleError
from rules.months import add_months
from rules.policy import JUDGEMENTS

#: How many cycles the report's trend of each finding covers, the report's month the last.
TREND_MONTHS = 12


class TagError(RuleError):
    """A tag that is not on the programme's list; the message names it."""


def check_tags(tags: Iterable[str], known: Mapping[str, str]) -> tuple[str, ...]:
    """``tags`` trimmed, lower-cased and without repeats, in the programme file's order;
    raises :class:`TagError` naming the first tag that is not in ``known``."""
    given = {tag.strip().lower() for tag in tags if tag.strip()}
    unknown = sorted(given - set(known))
    if unknown:
        raise TagError(
            f"unknown finding tag {_short(unknown[0])} (one of {', '.join(known)})", "tags"
        )
    return tuple(tag for tag in known if tag in given)


def _short(tag: str) -> str:
    """A tag quoted for a message, cut short: a pasted paragraph is not echoed whole."""
    return repr(tag if len(tag) <= 40 else tag[:40] + "...")


def split_tags(cell: str) -> list[str]:
    """The tags of a completions CSV's ``tags`` cell, ``;``-separated."""
    return [part for part in cell.split(";") if part.strip()]


@dataclass(frozen=True)
class RecurringFinding:
    """One finding tag in the report of a month: ``recurring_findings`` of ``audits report
    --json``."""

    tag: str
    label: str
    this_month: int  # the month's completed audits and re-audits carrying it
    last_12_months: int  # the sum of ``by_month``
    by_month: dict[str, int]  # YYYY-MM -> count, the 12 cycles up to the report's month
    by_judgement: dict[str, int]  # JUDGEMENTS -> count, this month's completed audits with it


def trend_months(month: str) -> list[str]:
    """The :data:`TREND_MONTHS` cycles up to and including ``month``, earliest first."""
    return [add_months(month, back) for back in range(1 - TREND_MONTHS, 1)]


def recurring_findings(
    counts: Mapping[tuple[str, str, str], int], month: str, tags: Mapping[str, str]
) -> tuple[RecurringFinding, ...]:
    """Every tag of ``tags`` (the programme's ``[findings.tags]``, in its order) counted from
    ``counts`` (``(cycle, tag, judgement) -> audits``, as ``models.finding_store.tag_counts``
    reads them), most frequent first: this month, then the last 12 months, then the programme
    file's order. A tag no longer listed is left out; zeros are kept, so every tag has every
    month and every judgement."""
    months = trend_months(month)
    by_month = {tag: dict.fromkeys(months, 0) for tag in tags}
    by_judgement = {tag: dict.fromkeys(JUDGEMENTS, 0) for tag in tags}
    for (cycle, tag, judgement), count in counts.items():
        if tag not in tags or cycle not in by_month[tag]:
            continue
        by_month[tag][cycle] += count
        if cycle == month and judgement in by_judgement[tag]:
            by_judgement[tag][judgement] += count
    found = [
        RecurringFinding(
            tag=tag,
            label=label,
            this_month=by_month[tag][month],
            last_12_months=sum(by_month[tag].values()),
            by_month=by_month[tag],
            by_judgement=by_judgement[tag],
        )
        for tag, label in tags.items()
    ]
    order = {tag: n for n, tag in enumerate(tags)}
    return tuple(sorted(found, key=lambda f: (-f.this_month, -f.last_12_months, order[f.tag])))
