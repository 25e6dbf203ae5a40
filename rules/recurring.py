"""Recurring findings: the practice findings (``[findings.tags]``) a completion carries.

The fixed list lets the report count what the seed's report could only list by hand
("supervision", "drift and delay", "core groups"): month by month, and by judgement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rules.errors import RuleError


class TagError(RuleError):
    """A tag that is not on the programme's list; the message names it."""


def check_tags(tags: Iterable[str], known: Mapping[str, str]) -> tuple[str, ...]:
    """``tags`` trimmed, lower-cased and without repeats, in the programme file's order;
    raises :class:`TagError` naming the first tag that is not in ``known``."""
    given = {tag.strip().lower() for tag in tags if tag.strip()}
    unknown = sorted(given - set(known))
    if unknown:
        raise TagError(f"unknown finding tag {unknown[0]!r} (one of {', '.join(known)})", "tags")
    return tuple(tag for tag in known if tag in given)


def split_tags(cell: str) -> list[str]:
    """The tags of a completions CSV's ``tags`` cell, ``;``-separated."""
    return [part for part in cell.split(";") if part.strip()]
