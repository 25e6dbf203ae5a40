"""Completion rules: the judgement, the dates, and what a completion carries (no database)."""

from __future__ import annotations

import pytest

from rules.completion import (
    MAX_TEXT,
    CompletionDetails,
    CompletionError,
    FeedbackEntry,
    ReflectionAnswers,
    check_details,
    completion_problems,
    reflection_from,
)
from tests.rules.labelled_dates import day

ALLOCATED = day("Mon 2026-11-02")
TODAY = day("Fri 2026-11-20")


def test_every_problem_is_named_with_what_it_is_about() -> None:
    problems = completion_problems(7, "exempted", ALLOCATED, day("Fri 2026-10-30"), "fine", TODAY)
    assert [what for what, _ in problems] == ["judgement", "status", "on"]
    assert problems[1][1] == "audit 7 is exempted: only an allocated audit can be completed"
    future = completion_problems(7, "allocated", ALLOCATED, day("Mon 2026-11-23"), "good", TODAY)
    assert future == [
        ("on", "2026-11-23 is in the future: a completion is recorded once it happens")
    ]
    assert completion_problems(7, "allocated", ALLOCATED, TODAY, "good", TODAY) == []


def test_details_are_checked_and_tidied() -> None:
    details = check_details(
        CompletionDetails(
            findings=(("CIN ", " Visits on time; plan progressing. "),),
            reflection=ReflectionAnswers(" Planning ", "Caseload", "Yes", "Earlier review"),
            feedback=(FeedbackEntry("Parent", "Strength", " Listened to us "),),
        )
    )
    assert details.findings == (("cin", "Visits on time; plan progressing."),)
    assert details.reflection == ReflectionAnswers("Planning", "Caseload", "Yes", "Earlier review")
    assert details.feedback == (FeedbackEntry("parent", "strength", "Listened to us"),)
    assert check_details(CompletionDetails()) == CompletionDetails()


@pytest.mark.parametrize(
    ("details", "message"),
    [
        (CompletionDetails(findings=(("all_cases", "x"),)), "unknown theme 'all_cases'"),
        (
            CompletionDetails(findings=(("cin", "a"), ("cin", "b"))),
            "theme cin is given twice: one descriptor per theme",
        ),
        (CompletionDetails(findings=(("cse", "  "),)), "the descriptor for cse is blank"),
        (
            CompletionDetails(findings=(("cse", "x" * (MAX_TEXT + 1)),)),
            f"the descriptor for cse is longer than {MAX_TEXT} characters",
        ),
        (
            CompletionDetails(feedback=(FeedbackEntry("neighbour", "strength", "x"),)),
            "feedback source must be one of parent, child, carer, partner_agency",
        ),
        (
            CompletionDetails(feedback=(FeedbackEntry("child", "complaint", "x"),)),
            "feedback kind must be one of strength, improvement",
        ),
        (
            CompletionDetails(feedback=(FeedbackEntry("carer", "strength", ""),)),
            "carer feedback is blank",
        ),
        (
            CompletionDetails(reflection=ReflectionAnswers("a", "b", "c", " ")),
            "the reflection needs all four answers: do_differently missing",
        ),
    ],
)
def test_bad_details_are_refused_in_one_line(details: CompletionDetails, message: str) -> None:
    with pytest.raises(CompletionError, match=message) as raised:
        check_details(details)
    assert "\n" not in str(raised.value)


def test_a_reflection_is_all_four_answers_or_none() -> None:
    assert reflection_from({}) is None
    assert reflection_from({"done_well": " ", "challenges": None}) is None
    with pytest.raises(CompletionError, match="challenges, enough_tools missing"):
        reflection_from({"done_well": "a", "do_differently": "d"})
    full: dict[str, str | None] = {
        "done_well": "a",
        "challenges": "b",
        "enough_tools": "c",
        "do_differently": "d",
    }
    assert reflection_from(full) == ReflectionAnswers("a", "b", "c", "d")
