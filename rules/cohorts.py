"""Cohorts: the practice themes a cycle's cases are drawn from, named as in the highlight report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import NamedTuple

from dateutil.relativedelta import relativedelta


class CaseFacts(NamedTuple):
    """What the programme knows about a case: its reference, team and the facts cohorts need.

    Never a child's name. ``date_of_birth`` is kept only because ``cp_under_5`` needs the age on
    the allocation date. ``in_latest_export`` is false for a case that the last export left out.
    (A named tuple, not a dataclass: a county has 100,000 cases, and tuples are built fastest.)
    """

    case_ref: str
    team: str
    service_area: str
    date_of_birth: date | None = None
    cin: bool = False
    cp_category: str | None = None
    cla: bool = False
    cse_risk: str | None = None
    missing_episodes_6m: int = 0
    status: str = "open"
    in_latest_export: bool = True


def _age_on(case: CaseFacts, day: date) -> int | None:
    if case.date_of_birth is None:
        return None
    return relativedelta(day, case.date_of_birth).years


def _cp_under_5(case: CaseFacts, day: date) -> bool:
    age = _age_on(case, day)
    return case.cp_category is not None and age is not None and age < 5


COHORTS: dict[str, tuple[str, Callable[[CaseFacts, date], bool]]] = {
    "cin": ("Children in Need (CiN)", lambda c, d: c.cin),
    "cp_under_5": ("Children under 5 subject to a Child Protection plan", _cp_under_5),
    "cp_sexual_abuse": (
        "Children subject to a CP plan under the category of sexual abuse",
        lambda c, d: c.cp_category == "sexual",
    ),
    "cse": ("Children identified at risk of CSE", lambda c, d: c.cse_risk is not None),
    "missing": (
        "Children reported missing in the last 6 months",
        lambda c, d: c.missing_episodes_6m >= 1,
    ),
    "missing_and_cse": (
        "Children reported missing in the last 6 months and at risk of CSE",
        lambda c, d: c.missing_episodes_6m >= 1 and c.cse_risk is not None,
    ),
    "all": ("All open cases", lambda c, d: True),
}


def cohort_title(cohort: str) -> str:
    return COHORTS[cohort][0]


def cohort_rule(cohort: str) -> Callable[[CaseFacts, date], bool]:
    """The test of membership of ``cohort``: ``rule(case, allocation_date)``."""
    try:
        return COHORTS[cohort][1]
    except KeyError:
        raise ValueError(f"unknown cohort {cohort!r} (one of {', '.join(COHORTS)})") from None


def in_cohort(case: CaseFacts, cohort: str, on: date) -> bool:
    """Whether ``case`` belongs to ``cohort`` on ``on`` (the cycle's allocation date)."""
    return cohort_rule(cohort)(case, on)
