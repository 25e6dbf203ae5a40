"""Re-audit rules, table-driven with weekday labels (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from rules.pauses import PauseSpell
from rules.policy import DueDatePolicy, ReauditPolicy
from rules.reaudits import (
    ReauditError,
    choose_reauditor,
    cycle_after_pause,
    reaudit_cycle,
    reaudit_due,
)
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
CYCLES: list[tuple[str, str, str, int, list[PauseSpell], str]] = [
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


LAST_DAY = DueDatePolicy()
TEN_DAYS = DueDatePolicy("working_days_after_allocation", 10)
CANCELLED = PauseSpell(
    day("Mon 2027-01-25"), day("Wed 2027-02-10"), "inspection", day("Mon 2027-01-25")
)
OVER_MARCH_1 = PauseSpell(day("Fri 2027-02-26"), day("Tue 2027-03-02"), "cyber attack")
# (re-audit's month, day of the move, due-date policy, pauses) -> where it goes (None: stays).
# February 2027 is allocated Mon 1 Feb; March Mon 1 Mar (due Wed 31 Mar on the last working
# day, Mon 15 Mar ten working days on); April Thu 1 Apr.
MOVES = [
    ("2027-02", "Fri 2026-11-20", LAST_DAY, [], None),
    # Planned before the pause was entered (on Fri 20 Nov, or on its first day): the first
    # cycle after the pause.
    ("2027-02", "Fri 2026-11-20", LAST_DAY, [PAUSE_OVER_FEB_1], "2027-03"),
    ("2027-02", "Mon 2027-01-25", LAST_DAY, [PAUSE_OVER_FEB_1], "2027-03"),
    # A pause over two allocation days: past both.
    ("2027-02", "Fri 2026-11-20", LAST_DAY, [PAUSE_TO_MARCH], "2027-04"),
    ("2027-03", "Fri 2026-11-20", LAST_DAY, [PAUSE_TO_MARCH], "2027-04"),
    # Two pauses, one over each of February's and March's allocation days.
    ("2027-02", "Fri 2026-11-20", LAST_DAY, [PAUSE_OVER_FEB_1, OVER_MARCH_1], "2027-04"),
    # Entered after the fact, with March under way: March all the same, up to its due day.
    ("2027-02", "Fri 2027-03-05", LAST_DAY, [PAUSE_OVER_FEB_1], "2027-03"),
    ("2027-02", "Wed 2027-03-31", LAST_DAY, [PAUSE_OVER_FEB_1], "2027-03"),
    # March is over: never into the past, where it would be overdue on arrival.
    ("2027-02", "Thu 2027-04-01", LAST_DAY, [PAUSE_OVER_FEB_1], "2027-04"),
    ("2027-02", "Mon 2027-03-15", TEN_DAYS, [PAUSE_OVER_FEB_1], "2027-03"),
    ("2027-02", "Tue 2027-03-16", TEN_DAYS, [PAUSE_OVER_FEB_1], "2027-04"),
    # Resumed on Fri 29 Jan, before February's allocation day; or cancelled: it stays.
    ("2027-02", "Fri 2026-11-20", LAST_DAY, [RESUMED_EARLY], None),
    ("2027-02", "Fri 2026-11-20", LAST_DAY, [CANCELLED], None),
    # A month after the pause is left alone.
    ("2027-03", "Fri 2026-11-20", LAST_DAY, [PAUSE_OVER_FEB_1], None),
]


@pytest.mark.parametrize(("month", "today", "due_dates", "pauses", "expected"), MOVES)
def test_a_reaudit_in_a_paused_month_moves_to_the_first_cycle_after_the_pause(
    month: str,
    today: str,
    due_dates: DueDatePolicy,
    pauses: list[PauseSpell],
    expected: str | None,
) -> None:
    assert cycle_after_pause(month, day(today), due_dates, pauses) == expected


def test_a_move_past_a_pause_without_end_in_sight_is_an_error_not_a_hang() -> None:
    forever = PauseSpell(date(2027, 1, 1), date(2099, 1, 1), "indefinite")
    with pytest.raises(ReauditError, match="no cycle without a pause"):
        cycle_after_pause("2027-02", NOV_20, LAST_DAY, [forever])


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
