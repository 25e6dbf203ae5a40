"""Re-audit rules, table-driven with weekday labels (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from rules.pauses import PauseSpell
from rules.policy import ReauditPolicy
from rules.reaudits import ReauditError, choose_reauditor, reaudit_cycle, reaudit_due
from rules.requests import Candidate
from tests.rules.labelled_dates import day

DEFAULT = ReauditPolicy()
NOV_20 = day("Fri 2026-11-20")


@pytest.mark.parametrize(
    ("kind", "status", "judgement", "due"),
    [
        ("audit", "completed", "inadequate", True),
        ("audit", "completed", "requires_improvement", True),
        ("audit", "completed", "good", False),
        ("audit", "completed", "outstanding", False),
        # A re-audit's own judgement never schedules another: no chains.
        ("reaudit", "completed", "inadequate", False),
        # Only completed audits: the judgement of anything else is not final.
        ("audit", "allocated", None, False),
        ("audit", "exempted", None, False),
        ("audit", "withdrawn", None, False),
    ],
)
def test_which_completions_call_for_a_reaudit(
    kind: str, status: str, judgement: str | None, due: bool
) -> None:
    assert reaudit_due(kind, status, judgement, DEFAULT) is due


def test_the_policy_says_which_judgements() -> None:
    strict = ReauditPolicy(reaudit_on=("inadequate",))
    assert not reaudit_due("audit", "completed", "requires_improvement", strict)
    assert reaudit_due("audit", "completed", "inadequate", strict)
    assert not reaudit_due("audit", "completed", "inadequate", ReauditPolicy(reaudit_on=()))


# (audit's cycle, completed on, scheduled on, months after, pauses) -> the re-audit's cycle
CYCLES = [
    # Three months after the audit's own cycle (February is allocated on Mon 1 Feb 2027).
    ("2026-11", "Fri 2026-11-20", "Fri 2026-11-20", 3, [], "2027-02"),
    ("2026-11", "Fri 2026-11-20", "Fri 2026-11-20", 1, [], "2026-12"),
    ("2026-11", "Fri 2026-11-20", "Fri 2026-11-20", 12, [], "2027-11"),
    # Over a year end.
    ("2026-12", "Thu 2026-12-17", "Thu 2026-12-17", 3, [], "2027-03"),
    # Completed on February's allocation day: February still.
    ("2026-11", "Mon 2027-02-01", "Mon 2027-02-01", 3, [], "2027-02"),
    # Completed after February began (very late): March, never a cycle already under way.
    ("2026-11", "Tue 2027-02-02", "Tue 2027-02-02", 3, [], "2027-03"),
    # Scheduled late (a lost event, made good at the next allocation): the next cycle to begin.
    ("2026-11", "Fri 2026-11-20", "Wed 2027-02-03", 3, [], "2027-03"),
    # Scheduled by the allocation of February itself, on its allocation day: February.
    ("2026-11", "Fri 2026-11-20", "Mon 2027-02-01", 3, [], "2027-02"),
]
PAUSE_OVER_FEB_1 = PauseSpell(day("Mon 2027-01-25"), day("Wed 2027-02-10"), "inspection")
PAUSE_TO_MARCH = PauseSpell(day("Mon 2027-01-25"), day("Fri 2027-03-12"), "inspection")
RESUMED_EARLY = PauseSpell(
    day("Mon 2027-01-25"), day("Wed 2027-02-10"), "inspection", day("Fri 2027-01-29")
)
PAUSE_CYCLES = [
    # February's allocation day falls in a pause: February is never allocated, so March.
    ("2026-11", "Fri 2026-11-20", "Fri 2026-11-20", 3, [PAUSE_OVER_FEB_1], "2027-03"),
    ("2026-11", "Fri 2026-11-20", "Fri 2026-11-20", 3, [PAUSE_TO_MARCH], "2027-04"),
    # A pause resumed early (on Fri 29 Jan) no longer covers 1 February.
    ("2026-11", "Fri 2026-11-20", "Fri 2026-11-20", 3, [RESUMED_EARLY], "2027-02"),
]


@pytest.mark.parametrize(
    ("cycle", "completed", "today", "months", "pauses", "expected"), CYCLES + PAUSE_CYCLES
)
def test_the_cycle_of_a_reaudit(
    cycle: str,
    completed: str,
    today: str,
    months: int,
    pauses: list[PauseSpell],
    expected: str,
) -> None:
    policy = ReauditPolicy(reaudit_after_months=months)
    assert reaudit_cycle(cycle, day(completed), day(today), policy, pauses) == expected


def test_a_pause_without_end_in_sight_is_an_error_not_a_hang() -> None:
    forever = PauseSpell(date(2027, 1, 1), date(2099, 1, 1), "indefinite")
    with pytest.raises(ReauditError, match="no cycle without a pause"):
        reaudit_cycle("2026-11", NOV_20, NOV_20, DEFAULT, [forever])


def tm(staff_id: str, team: str, area: str, open_audits: int = 1) -> Candidate:
    return Candidate(staff_id, team, area, open_audits)


ELIGIBLE = [
    tm("TM1", "Assessment North", "North"),
    tm("TM2", "Family Support North", "North"),
    tm("TM3", "Assessment South", "South", open_audits=2),
    tm("TM4", "Family Support South", "South"),
]


def test_the_same_auditor_when_still_eligible() -> None:
    choice = choose_reauditor("TM1", "Assessment South", "South", ELIGIBLE, {})
    assert choice is not None and choice.auditor.staff_id == "TM1"
    assert choice.why == "the auditor of the audit, TM1, audits it again"


def test_a_leaver_is_replaced_by_the_allocation_rules() -> None:
    # TM1 has left: of the others outside the case's team (Assessment South), the fewest audits
    # in the cycle first (TM3 has 2), then another service area than the case's (TM2, North).
    eligible = [c for c in ELIGIBLE if c.staff_id != "TM1"]
    excluded = {"TM1": "marked inactive in the staff list"}
    choice = choose_reauditor("TM1", "Assessment South", "South", eligible, excluded)
    assert choice is not None and choice.auditor.staff_id == "TM2"
    assert choice.why.startswith("TM1 cannot: marked inactive in the staff list; TM2 of ")


def test_someone_no_longer_a_team_manager_is_replaced() -> None:
    eligible = [c for c in ELIGIBLE if c.staff_id != "TM1"]
    choice = choose_reauditor("TM1", "Assessment South", "South", eligible, {})
    assert choice is not None and choice.auditor.staff_id == "TM2"
    assert choice.why.startswith("TM1 cannot: no longer a Team Manager;")


def test_an_auditor_moved_into_the_case_team_is_replaced() -> None:
    # TM4 now manages the case's own team: never audits it, even again.
    choice = choose_reauditor("TM4", "Family Support South", "South", ELIGIBLE, {})
    assert choice is not None and choice.auditor.staff_id == "TM1"
    assert choice.why.startswith("TM4 is now in the case's team (Family Support South);")


def test_nobody_eligible_means_no_choice() -> None:
    only_case_team = [tm("TM3", "Assessment South", "South")]
    assert choose_reauditor("TM1", "Assessment South", "South", only_case_team, {}) is None
    assert choose_reauditor("TM1", "Assessment South", "South", [], {}) is None
