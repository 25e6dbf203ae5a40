"""Cohorts: which cases a cycle's theme draws from, decided on the cycle's allocation date."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from rules.cohorts import COHORTS, CaseFacts, cohort_title, in_cohort

# Thu 1 Oct 2026 is the first working day (the allocation date) of the cp_under_5 cycle 2026-10.
ALLOCATED = date(2026, 10, 1)
CP_CATEGORIES = ("neglect", "physical", "emotional", "sexual", "multiple")
CSE_RISKS = ("emerging", "experiencing", "significant")


def case(**facts: Any) -> CaseFacts:
    return CaseFacts(case_ref="C-1001", team="Team A", service_area="North", **facts)


def test_the_cohorts_are_those_the_programme_file_offers() -> None:
    assert set(COHORTS) == {
        "cin",
        "cp_under_5",
        "cp_sexual_abuse",
        "cse",
        "missing",
        "missing_and_cse",
        "all",
    }


@pytest.mark.parametrize(
    ("cohort", "words"),
    [
        ("cin", "Children in Need"),
        ("cp_under_5", "under 5"),
        ("cp_sexual_abuse", "sexual abuse"),
        ("cse", "CSE"),
        ("missing", "missing"),
        ("missing_and_cse", "missing in the last 6 months and at risk of CSE"),
        ("all", "All open cases"),
    ],
)
def test_cohort_title(cohort: str, words: str) -> None:
    assert words in cohort_title(cohort)


def test_cohort_titles_differ() -> None:
    titles = [cohort_title(cohort) for cohort in COHORTS]
    assert len(set(titles)) == len(titles)


MEMBERSHIP: list[tuple[str, dict[str, Any], bool]] = [
    # cin
    ("cin", {"cin": True}, True),
    ("cin", {}, False),
    ("cin", {"cin": False, "cp_category": "neglect"}, False),
    ("cin", {"cla": True}, False),
    # cp_under_5
    ("cp_under_5", {"cp_category": "neglect", "date_of_birth": date(2024, 6, 1)}, True),
    ("cp_under_5", {"cp_category": "sexual", "date_of_birth": date(2026, 9, 30)}, True),
    ("cp_under_5", {"cp_category": "multiple", "date_of_birth": date(2022, 1, 1)}, True),
    ("cp_under_5", {"cp_category": None, "date_of_birth": date(2024, 6, 1)}, False),
    ("cp_under_5", {"cin": True, "date_of_birth": date(2024, 6, 1)}, False),
    ("cp_under_5", {"cp_category": "neglect", "date_of_birth": date(2015, 3, 2)}, False),
    ("cp_under_5", {"cp_category": "neglect", "date_of_birth": None}, False),
    ("cp_under_5", {"cp_category": "neglect"}, False),
    # cp_sexual_abuse
    ("cp_sexual_abuse", {"cp_category": "sexual"}, True),
    ("cp_sexual_abuse", {"cp_category": "sexual", "date_of_birth": date(2012, 1, 1)}, True),
    ("cp_sexual_abuse", {"cp_category": "neglect"}, False),
    ("cp_sexual_abuse", {"cp_category": "multiple"}, False),
    ("cp_sexual_abuse", {"cp_category": None}, False),
    ("cp_sexual_abuse", {"cse_risk": "significant"}, False),
    # cse
    ("cse", {"cse_risk": "emerging"}, True),
    ("cse", {"cse_risk": "experiencing"}, True),
    ("cse", {"cse_risk": "significant"}, True),
    ("cse", {"cse_risk": None}, False),
    ("cse", {"cp_category": "sexual"}, False),
    ("cse", {"missing_episodes_6m": 2}, False),
    # missing
    ("missing", {"missing_episodes_6m": 1}, True),
    ("missing", {"missing_episodes_6m": 7}, True),
    ("missing", {"missing_episodes_6m": 0}, False),
    ("missing", {"cse_risk": "significant"}, False),
    # missing_and_cse
    ("missing_and_cse", {"missing_episodes_6m": 1, "cse_risk": "emerging"}, True),
    ("missing_and_cse", {"missing_episodes_6m": 4, "cse_risk": "significant"}, True),
    ("missing_and_cse", {"missing_episodes_6m": 3}, False),
    ("missing_and_cse", {"cse_risk": "significant"}, False),
    ("missing_and_cse", {"missing_episodes_6m": 0, "cse_risk": "experiencing"}, False),
    ("missing_and_cse", {}, False),
    # all
    ("all", {}, True),
    ("all", {"cin": True}, True),
    ("all", {"cla": True, "cp_category": "neglect", "missing_episodes_6m": 2}, True),
]


def _membership_id(row: tuple[str, dict[str, Any], bool]) -> str:
    cohort, facts, expected = row
    shown = ", ".join(f"{key}={value}" for key, value in facts.items()) or "no facts"
    return f"{cohort} {'has' if expected else 'lacks'} {shown}"


@pytest.mark.parametrize(
    ("cohort", "facts", "expected"), MEMBERSHIP, ids=[_membership_id(row) for row in MEMBERSHIP]
)
def test_in_cohort(cohort: str, facts: dict[str, Any], expected: bool) -> None:
    assert in_cohort(case(**facts), cohort, ALLOCATED) is expected


def test_every_cohort_has_members_and_non_members() -> None:
    for cohort in COHORTS:
        results = {expected for name, _, expected in MEMBERSHIP if name == cohort}
        assert results == ({True} if cohort == "all" else {True, False}), cohort


@pytest.mark.parametrize("category", CP_CATEGORIES)
def test_cp_under_5_takes_any_cp_category(category: str) -> None:
    assert in_cohort(
        case(cp_category=category, date_of_birth=date(2023, 5, 5)), "cp_under_5", ALLOCATED
    )


@pytest.mark.parametrize("risk", CSE_RISKS)
def test_missing_and_cse_takes_any_cse_risk(risk: str) -> None:
    facts = case(cse_risk=risk, missing_episodes_6m=1)
    assert in_cohort(facts, "missing_and_cse", ALLOCATED)
    assert in_cohort(facts, "cse", ALLOCATED)
    assert in_cohort(facts, "missing", ALLOCATED)


# --- cp_under_5: the age on the allocation date --------------------------------------------------

UNDER_5 = [
    # (label, date of birth, allocation date, under 5?)
    ("5th birthday the day after allocation", date(2021, 10, 2), date(2026, 10, 1), True),
    ("5th birthday on the allocation date", date(2021, 10, 1), date(2026, 10, 1), False),
    ("5th birthday the day before allocation", date(2021, 9, 30), date(2026, 10, 1), False),
    ("born on the allocation date", date(2026, 10, 1), date(2026, 10, 1), True),
    (
        "expected date of birth after allocation (pre-birth plan)",
        date(2027, 1, 15),
        ALLOCATED,
        True,
    ),
    ("4 years 364 days on Mon 4 Jan 2027", date(2022, 1, 5), date(2027, 1, 4), True),
    ("exactly 5 on Mon 4 Jan 2027", date(2022, 1, 4), date(2027, 1, 4), False),
    # 29 February birthdays: the 5th birthday falls in a year without a 29 February.
    ("29 Feb 2024, on Thu 1 Feb 2029", date(2024, 2, 29), date(2029, 2, 1), True),
    ("29 Feb 2024, on Tue 27 Feb 2029", date(2024, 2, 29), date(2029, 2, 27), True),
    ("29 Feb 2024, on Thu 1 Mar 2029", date(2024, 2, 29), date(2029, 3, 1), False),
    ("29 Feb 2020, on Mon 3 Feb 2025", date(2020, 2, 29), date(2025, 2, 3), True),
    ("29 Feb 2020, on Mon 3 Mar 2025", date(2020, 2, 29), date(2025, 3, 3), False),
    # 4th birthday on a real 29 February in a leap year: still under 5 either side of it.
    ("29 Feb 2024, on Tue 29 Feb 2028 (4th birthday)", date(2024, 2, 29), date(2028, 2, 29), True),
    ("29 Feb 2024, on Wed 1 Mar 2028", date(2024, 2, 29), date(2028, 3, 1), True),
    # born 28 Feb or 1 Mar in a leap year: the birthday is that date
    ("1 Mar 2024, on Wed 28 Feb 2029", date(2024, 3, 1), date(2029, 2, 28), True),
    ("1 Mar 2024, on Thu 1 Mar 2029", date(2024, 3, 1), date(2029, 3, 1), False),
    ("28 Feb 2024, on Wed 28 Feb 2029", date(2024, 2, 28), date(2029, 2, 28), False),
]


@pytest.mark.parametrize(
    ("born", "on", "expected"),
    [row[1:] for row in UNDER_5],
    ids=[row[0] for row in UNDER_5],
)
def test_cp_under_5_age_boundaries(born: date, on: date, expected: bool) -> None:
    assert in_cohort(case(cp_category="neglect", date_of_birth=born), "cp_under_5", on) is expected


def test_cp_under_5_is_decided_on_the_date_given() -> None:
    child = case(cp_category="physical", date_of_birth=date(2021, 11, 2))
    assert in_cohort(child, "cp_under_5", date(2026, 10, 1))  # Oct 2026 cycle: still 4
    assert not in_cohort(child, "cp_under_5", date(2026, 11, 2))  # Nov 2026 cycle: 5 that day


def test_no_date_of_birth_is_never_under_5() -> None:
    child = case(cp_category="neglect", date_of_birth=None)
    assert not in_cohort(child, "cp_under_5", ALLOCATED)
    assert in_cohort(child, "all", ALLOCATED)


# --- unknown cohorts ------------------------------------------------------------------------------


@pytest.mark.parametrize("cohort", ["CIN", "cp_under5", "looked_after", "", " all"])
def test_unknown_cohort_raises(cohort: str) -> None:
    with pytest.raises(ValueError, match="unknown cohort") as raised:
        in_cohort(case(cin=True), cohort, ALLOCATED)
    assert repr(cohort) in str(raised.value)
