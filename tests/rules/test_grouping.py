"""Grouping the report's free text (rules/grouping.py), against counts worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.compliance import paused_months
from rules.grouping import (
    Picked,
    QuoteError,
    TextCount,
    check_featured,
    check_section_key,
    grouped_counts,
    pick_quotes,
    section_keys,
)

ANSWERS = [
    "Timely multi-agency meetings.",
    "Caseload pressures",
    "  timely MULTI-agency meetings.  ",  # the same as the first once trimmed and folded
    "Building trust",
    "   ",  # blank: left out
    "caseload pressures",
    "TIMELY MULTI-AGENCY MEETINGS.",
    "Direct work",
    "Building trust ",
]


def test_identical_answers_once_with_their_count_most_frequent_first() -> None:
    # Timely x3, Caseload x2, Building trust x2 (tie: Caseload seen first), Direct work x1.
    assert grouped_counts(ANSWERS) == (
        TextCount("Timely multi-agency meetings.", 3),
        TextCount("Caseload pressures", 2),
        TextCount("Building trust", 2),
        TextCount("Direct work", 1),
    )


def test_the_first_seen_spelling_is_shown_trimmed() -> None:
    assert grouped_counts(["  joint VISITS ", "Joint visits"]) == (TextCount("joint VISITS", 2),)


def test_case_folding_is_more_than_lower_case() -> None:
    assert grouped_counts(["Straße", "STRASSE"]) == (TextCount("Straße", 2),)


def test_nothing_to_group() -> None:
    assert grouped_counts([]) == () and grouped_counts(["", " \n"]) == ()


@given(st.lists(st.text(max_size=8), max_size=30))
def test_counts_add_up_and_never_rise(texts: list[str]) -> None:
    groups = grouped_counts(texts)
    assert sum(g.count for g in groups) == sum(1 for t in texts if t.strip().casefold())
    assert [g.count for g in groups] == sorted((g.count for g in groups), reverse=True)
    assert len({g.text.casefold() for g in groups}) == len(groups)


# --- a handful shown, then the featured quotes ---------------------------------------------------

GOOD = grouped_counts(["A", "a", "a", "B", "B", "C", "D", "E"])  # A3 B2 C1 D1 E1
POOR = grouped_counts(["X", "Y", "Y"])  # Y2 X1


def test_the_most_frequent_then_the_featured_then_how_many_more() -> None:
    picked, featured = pick_quotes({"good": GOOD, "poor": POOR}, 2, ["e", "y", "nowhere", "E"])
    # Two of each group; E featured (Y is already shown; "nowhere" no longer occurs; E once).
    assert picked["good"] == Picked((TextCount("A", 3), TextCount("B", 2)), 2, 2)  # C, D
    assert picked["poor"] == Picked((TextCount("Y", 2), TextCount("X", 1)), 0, 0)
    assert featured == (TextCount("E", 1),)


def test_no_featured_quotes() -> None:
    picked, featured = pick_quotes({"": GOOD}, 5, [])
    assert (picked[""].top, picked[""].more_answers, featured) == (GOOD, 0, ())


def test_featured_quotes_must_be_answers_of_the_section() -> None:
    answers = ["Joint visits", "Caseload", "joint visits"]
    assert check_featured([" JOINT visits", "caseload", "Joint visits"], answers, 3) == (
        "Joint visits",
        "Caseload",
    )
    with pytest.raises(QuoteError, match="not an answer in this section") as refused:
        check_featured(["Something else"], answers, 3)
    assert refused.value.field == "texts"
    with pytest.raises(QuoteError, match="at most 1 can be featured"):
        check_featured(["Joint visits", "Caseload"], answers, 1)
    assert check_featured([], answers, 0) == ()


def test_section_keys() -> None:
    assert "theme:cin" in section_keys() and "reflection:done_well" in section_keys()
    assert {"feedback:strength", "feedback:improvement"} <= set(section_keys())
    for bad in ("theme:nobody", "feedback:", "reflection:why", "", "THEME:cin"):
        with pytest.raises(QuoteError, match="unknown report section"):
            check_section_key(bad)


# --- paused months -------------------------------------------------------------------------------


def test_a_pause_from_24_march_leaves_march_partly_paused() -> None:
    spells = [(date(2020, 3, 24), date(2020, 5, 31))]
    assert paused_months(spells, "2019-11", "2020-09") == {
        "2020-03": "partly paused",
        "2020-04": "paused",
        "2020-05": "paused",
    }
    # Only the report's months; a one-day pause; a leap February paused whole.
    assert paused_months(spells, "2020-04", "2020-04") == {"2020-04": "paused"}
    assert paused_months([(date(2024, 2, 1), date(2024, 2, 29))], "2024-01", "2024-12") == {
        "2024-02": "paused"
    }
    assert paused_months([(date(2024, 2, 1), date(2024, 2, 28))], "2024-01", "2024-12") == {
        "2024-02": "partly paused"
    }
    # Two pauses in one month that together cover it.
    both = [(date(2021, 6, 1), date(2021, 6, 15)), (date(2021, 6, 16), date(2021, 6, 30))]
    assert paused_months(both, "2021-01", "2021-12") == {"2021-06": "paused"}
    # A pause across the new year; a cancelled one (last day before the first) pauses nothing.
    assert paused_months([(date(2021, 12, 20), date(2022, 1, 3))], "2021-01", "2022-12") == {
        "2021-12": "partly paused",
        "2022-01": "partly paused",
    }
    assert paused_months([(date(2021, 5, 3), date(2021, 5, 2))], "2021-01", "2021-12") == {}
