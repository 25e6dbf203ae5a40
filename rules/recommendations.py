"""The month's practice recommendations (numbered 1, 2, 3, ... with no gaps) and the APS team's
commentary on its practice themes (one per cohort)."""

from __future__ import annotations

from rules.cohorts import COHORTS
from rules.errors import RuleError

MAX_TEXT = 2000


class RecommendationError(RuleError):
    """A recommendation or commentary that cannot be recorded; the message says why."""


def check_text(text: str, what: str) -> str:
    """The text, trimmed; refused when blank or too long."""
    text = text.strip()
    if not text:
        raise RecommendationError(f"{what} is required", field="text")
    if len(text) > MAX_TEXT:
        raise RecommendationError(
            f"{what} is too long: {MAX_TEXT} characters at most", field="text"
        )
    return text


def place(month: str, number: int | None, count: int) -> tuple[int, bool]:
    """Where a recommendation goes among the month's ``count``: ``(number, replaces)``. No
    number adds one at the end; number ``count + 1`` does the same; 1 to ``count`` replaces
    that one."""
    if number is None:
        return count + 1, False
    if not 1 <= number <= count + 1:
        raise RecommendationError(
            f"recommendation number {number} is out of range: {month} has {count} "
            f"(1 to {count} replaces one, {count + 1} adds one)",
            field="number",
        )
    return number, number <= count


def check_removal(month: str, number: int, count: int) -> None:
    if not 1 <= number <= count:
        have = f"1 to {count}" if count else "none"
        raise RecommendationError(
            f"{month} has no recommendation {number} (its recommendations: {have})",
            field="number",
        )


def renumbered(numbers: list[int], removed: int) -> dict[int, int]:
    """After removing ``removed``, the new number of each one after it (old -> new)."""
    return {n: n - 1 for n in sorted(numbers) if n > removed}


def check_theme(theme: str) -> str:
    if theme not in COHORTS:
        raise RecommendationError(
            f"unknown practice theme {theme!r} (one of {', '.join(COHORTS)})", field="theme"
        )
    return theme
