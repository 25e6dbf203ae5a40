"""The highlight report's free text, grouped: identical answers once, with their count.

Auditors and families often write the same sentence ("Timely multi-agency meetings."): the report
shows each distinct text once, with how many gave it, most frequent first, and only a handful of
them (``[report] quotes_shown``), then the quotes the APS team chose to feature for that section
(``[report] featured_quotes`` at most, each a text that occurs in the section that month). The
rest are counted ("and 37 more answers") and listed in the appendix CSV.

Two texts are the same when they are equal after trimming and case-folding; the text shown is the
first-seen spelling, trimmed. Ties keep the order first seen, so the same answers in the same
order always group the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rules.cohorts import COHORTS
from rules.completion import FEEDBACK_KINDS, REFLECTION_QUESTIONS
from rules.errors import RuleError


class QuoteError(RuleError):
    """A choice of featured quotes that cannot be recorded; the message says why."""


@dataclass(frozen=True)
class TextCount:
    """One distinct answer and how many gave it (``{"text", "count"}`` in the report's JSON)."""

    text: str
    count: int


@dataclass(frozen=True)
class Picked:
    """What the report shows of one group of answers."""

    top: tuple[TextCount, ...]  # the most frequent, at most ``quotes_shown``
    more_answers: int  # answers neither in ``top`` nor featured: "and N more answers"
    more_texts: int  # distinct texts behind ``more_answers``


def fold(text: str) -> str:
    """The key two answers share when they are "the same": trimmed and case-folded."""
    return text.strip().casefold()


def grouped_counts(texts: Iterable[str]) -> tuple[TextCount, ...]:
    """Identical texts (after trimming and case-folding) once each with their count, most
    frequent first, ties in first-seen order; blank texts are left out."""
    spelling: dict[str, str] = {}
    counts: dict[str, int] = {}
    for text in texts:
        key = fold(text)
        if not key:
            continue
        spelling.setdefault(key, text.strip())
        counts[key] = counts.get(key, 0) + 1
    # sorted() is stable: equal counts stay in the order first seen (dicts keep insertion order).
    ordered = sorted(counts, key=lambda key: -counts[key])
    return tuple(TextCount(spelling[key], counts[key]) for key in ordered)


def pick_quotes(
    groups: Mapping[str, Sequence[TextCount]], shown: int, featured: Sequence[str]
) -> tuple[dict[str, Picked], tuple[TextCount, ...]]:
    """For a section whose answers are in ``groups`` (a theme's judgements; one group for
    feedback or a reflection question): each group's ``shown`` most frequent, and the featured
    quotes not already among them, in the APS team's order, as their groups' entries. A featured
    text that no longer occurs is left out. Answers featured are not counted as "more"."""
    tops = {name: tuple(counts[:shown]) for name, counts in groups.items()}
    on_show = {fold(item.text) for top in tops.values() for item in top}
    found = {fold(item.text): item for counts in groups.values() for item in counts}
    extra: list[TextCount] = []
    for text in featured:
        key = fold(text)
        if key in found and key not in on_show:
            extra.append(found[key])
            on_show.add(key)
    picked = {}
    for name, counts in groups.items():
        rest = [item for item in counts if fold(item.text) not in on_show]
        picked[name] = Picked(tops[name], sum(item.count for item in rest), len(rest))
    return picked, tuple(extra)


# --- featured quotes -------------------------------------------------------------------------


def section_keys() -> tuple[str, ...]:
    """Every section of the report that can feature quotes: ``theme:<cohort>``,
    ``feedback:strength``, ``feedback:improvement``, ``reflection:<question_key>``."""
    return (
        *(f"theme:{cohort}" for cohort in COHORTS),
        *(f"feedback:{kind}" for kind in FEEDBACK_KINDS),
        *(f"reflection:{key}" for key in REFLECTION_QUESTIONS),
    )


def check_section_key(key: str) -> str:
    if key not in section_keys():
        raise QuoteError(
            f"unknown report section {key!r}: theme:<cohort>, feedback:strength, "
            "feedback:improvement or reflection:<question>",
            field="section_key",
        )
    return key


def check_featured(texts: Sequence[str], available: Sequence[str], limit: int) -> tuple[str, ...]:
    """The quotes to feature, each as first spelt among ``available`` (the section's answers that
    month), duplicates dropped, in the order given. Refused: more than ``limit``, or a text that
    does not occur in the section."""
    spelling: dict[str, str] = {}
    for text in available:
        if fold(text):
            spelling.setdefault(fold(text), text.strip())
    chosen: list[str] = []
    for text in texts:
        key = fold(text)
        if key not in spelling:
            shown = text.strip()[:60]
            raise QuoteError(
                f"{shown!r} is not an answer in this section this month: only its answers can "
                "be featured",
                field="texts",
            )
        if spelling[key] not in chosen:
            chosen.append(spelling[key])
    if len(chosen) > limit:
        raise QuoteError(
            f"{len(chosen)} quotes chosen: at most {limit} can be featured in a section",
            field="texts",
        )
    return tuple(chosen)
