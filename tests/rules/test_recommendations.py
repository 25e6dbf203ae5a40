"""Recommendation and commentary rules (no database)."""

from __future__ import annotations

import pytest

from rules.recommendations import (
    RecommendationError,
    check_removal,
    check_text,
    check_theme,
    place,
    renumbered,
)

# number asked for, recommendations already there -> (number, replaces) or the error
PLACES = [
    (None, 0, (1, False)),
    (None, 3, (4, False)),
    (1, 0, (1, False)),
    (4, 3, (4, False)),  # one past the last: added
    (2, 3, (2, True)),
    (3, 3, (3, True)),
    (5, 3, "number 5 is out of range: 2026-11 has 3 \\(1 to 3 replaces one, 4 adds one\\)"),
    (0, 3, "number 0 is out of range"),
    (-1, 0, "number -1 is out of range"),
    (2, 0, "number 2 is out of range"),
]


@pytest.mark.parametrize(("number", "count", "expected"), PLACES)
def test_place(number: int | None, count: int, expected: tuple[int, bool] | str) -> None:
    if isinstance(expected, str):
        with pytest.raises(RecommendationError, match=expected):
            place("2026-11", number, count)
    else:
        assert place("2026-11", number, count) == expected


@pytest.mark.parametrize(
    ("number", "count", "error"),
    [(1, 0, "2026-11 has no recommendation 1 \\(its recommendations: none\\)"),
     (4, 3, "its recommendations: 1 to 3"), (0, 3, "no recommendation 0")],
)  # fmt: skip
def test_check_removal_refuses(number: int, count: int, error: str) -> None:
    with pytest.raises(RecommendationError, match=error):
        check_removal("2026-11", number, count)


def test_check_removal_allows_an_existing_number() -> None:
    check_removal("2026-11", 3, 3)


@pytest.mark.parametrize(
    ("numbers", "removed", "moves"),
    [([1, 2, 3, 4], 2, {3: 2, 4: 3}), ([1, 2, 3], 3, {}), ([2, 3], 1, {2: 1, 3: 2})],
)
def test_renumbered(numbers: list[int], removed: int, moves: dict[int, int]) -> None:
    assert renumbered(numbers, removed) == moves


@pytest.mark.parametrize(
    ("text", "expected"),
    [("  Supervision on time ", "Supervision on time"), ("", None), ("   ", None),
     ("x" * 2001, None), ("x" * 2000, "x" * 2000)],
)  # fmt: skip
def test_check_text(text: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(RecommendationError, match="the text"):
            check_text(text, "the text")
    else:
        assert check_text(text, "the text") == expected


def test_check_theme() -> None:
    assert check_theme("cin") == "cin"
    with pytest.raises(RecommendationError, match="unknown practice theme 'CiN'"):
        check_theme("CiN")
