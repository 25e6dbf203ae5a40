"""The recurring findings' rules: tags checked against the programme's list, the CSV cell split,
and the report's ``recurring_findings`` from counts worked out by hand."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.policy import DEFAULT_FINDING_TAGS
from rules.recurring import (
    RecurringFinding,
    TagError,
    check_tags,
    recurring_findings,
    split_tags,
    trend_months,
)

TAGS = {"supervision": "Supervision", "drift_and_delay": "Drift and delay", "planning": "Planning"}


def test_the_twelve_months_end_with_the_reports() -> None:
    assert trend_months("2026-03") == [
        "2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09", "2025-10", "2025-11",
        "2025-12", "2026-01", "2026-02", "2026-03",
    ]  # fmt: skip


def test_counts_by_month_and_judgement_most_frequent_first() -> None:
    counts = {
        ("2026-03", "planning", "good"): 2,
        ("2026-03", "planning", "inadequate"): 1,
        ("2026-03", "supervision", "inadequate"): 3,
        ("2026-01", "drift_and_delay", "good"): 4,
        ("2025-04", "planning", "good"): 1,  # the first of the 12 months
        ("2025-03", "supervision", "good"): 9,  # 13 months back: not counted
        ("2026-04", "supervision", "good"): 9,  # after the report's month: not counted
        ("2026-03", "gardening", "good"): 9,  # no longer on the list: left out
    }
    found = recurring_findings(counts, "2026-03", TAGS)
    zero = {"outstanding": 0, "good": 0, "requires_improvement": 0, "inadequate": 0}
    # Planning and supervision both 3 this month: planning's 4 in the 12 months comes first.
    assert [(f.tag, f.this_month, f.last_12_months) for f in found] == [
        ("planning", 3, 4),
        ("supervision", 3, 3),
        ("drift_and_delay", 0, 4),
    ]
    planning = found[0]
    assert planning.by_judgement == {**zero, "good": 2, "inadequate": 1}
    assert planning.by_month == {**dict.fromkeys(trend_months("2026-03"), 0), "2025-04": 1,
                                 "2026-03": 3}  # fmt: skip
    assert found[2].by_judgement == zero  # January's do not count this month


def test_ties_keep_the_programme_files_order() -> None:
    found = recurring_findings({}, "2026-03", TAGS)
    assert [f.tag for f in found] == list(TAGS)
    assert all(
        f == RecurringFinding(f.tag, f.label, 0, 0, f.by_month, f.by_judgement) for f in found
    )
    assert all(set(f.by_month.values()) == {0} and len(f.by_month) == 12 for f in found)


def test_tags_are_checked_against_the_list() -> None:
    assert check_tags([" Planning", "supervision", "SUPERVISION", ""], TAGS) == (
        "supervision",
        "planning",
    )
    with pytest.raises(TagError, match=r"unknown finding tag 'gardening' \(one of supervision, "):
        check_tags(["supervision", "gardening"], TAGS)
    with pytest.raises(TagError) as error:
        check_tags(["x" * 5000], TAGS)
    assert len(str(error.value)) < 200 and error.value.field == "tags"


def test_the_csv_cell_is_split_on_semicolons() -> None:
    assert split_tags("supervision; planning;;") == ["supervision", " planning"]
    assert split_tags("") == [] and split_tags(" ; ") == []


@given(st.lists(st.text(max_size=12) | st.sampled_from(list(DEFAULT_FINDING_TAGS)), max_size=5))
def test_any_tags_are_taken_or_refused_naming_one(tags: list[str]) -> None:
    try:
        taken = check_tags(tags, DEFAULT_FINDING_TAGS)
    except TagError as error:
        assert "\n" not in str(error)
        return
    assert set(taken) == {t.strip().lower() for t in tags if t.strip()}
    assert list(taken) == [t for t in DEFAULT_FINDING_TAGS if t in taken]
