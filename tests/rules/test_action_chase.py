"""Chasing audit actions: the audits' ladder from the day an action is set, routed to its owner,
their line manager and APS; hand-worked over Christmas 2026 (bank holidays Fri 25 Dec, Mon 28 Dec
(Boxing Day observed) and Fri 1 Jan)."""

from __future__ import annotations

from datetime import date, timedelta

from rules.action_chase import OWNER, OpenAction, plan_action_chase
from rules.chase import APS, LINE_MANAGER
from rules.policy import ReminderPolicy
from rules.working_days import is_working_day
from tests.rules.labelled_dates import day

POLICY = ReminderPolicy()
MANAGERS = {"TM1": "SM1", "TM2": "SM1", "TM3": None}
APS_TEAM = ["APS1", "APS2"]


def action(action_id: int, owner: str, set_on: str, due_on: str) -> OpenAction:
    return OpenAction(
        action_id, 100 + action_id, f"C{action_id}", owner, day(set_on),
        day(due_on),
    )  # fmt: skip


# Set Tue 1 Dec, due Thu 24 Dec: every rung, counted by hand on the calendar.
LONG = action(1, "TM1", "Tue 2026-12-01", "Thu 2026-12-24")
# Set Mon 21 Dec, due Wed 23 Dec: its 5-day reminder (Wed 16 Dec) falls before it was set.
SHORT = action(2, "TM2", "Mon 2026-12-21", "Wed 2026-12-23")


def run_every_day(actions: list[OpenAction], first: date, last: date) -> dict[date, dict[int, str]]:
    """Each working day's rungs, recording each as the flow would."""
    recorded: dict[tuple[int, date], set[str]] = {}
    seen: dict[date, dict[int, str]] = {}
    today = first
    while today <= last:
        if is_working_day(today):
            plan = plan_action_chase(actions, recorded, MANAGERS, APS_TEAM, today, POLICY)
            sent: dict[int, str] = {}
            for a, step in plan.steps:
                keys = recorded.setdefault((a.action_id, a.due_on), set())
                keys.update(r.key for r in step.superseded)
                if step.send is not None:
                    keys.add(step.send.key)
                    sent[a.action_id] = step.send.key
            if sent:
                seen[today] = sent
        today += timedelta(days=1)
    return seen


def test_the_ladder_over_christmas_counted_by_hand() -> None:
    seen = run_every_day([LONG, SHORT], day("Tue 2026-12-01"), day("Fri 2027-01-15"))
    assert seen == {
        day("Thu 2026-12-17"): {1: "due_in_5"},
        day("Tue 2026-12-22"): {2: "due_in_1"},
        day("Wed 2026-12-23"): {1: "due_in_1"},
        day("Thu 2026-12-24"): {2: "overdue"},
        day("Tue 2026-12-29"): {1: "overdue"},
        # 2: 5 working days after Wed 23 Dec: 24, 29, 30, 31 Dec, 4 Jan (25, 28, 1 Jan closed).
        day("Mon 2027-01-04"): {2: "escalation"},
        # 1: 5 working days after Thu 24 Dec: 29, 30, 31 Dec, 4, 5 Jan.
        day("Tue 2027-01-05"): {1: "escalation"},
        day("Mon 2027-01-11"): {2: "escalation_10"},
        day("Tue 2027-01-12"): {1: "escalation_10"},
    }


def test_routing_is_the_audits_with_the_owner_in_the_auditors_place() -> None:
    def routed(today: str) -> dict[tuple[str, str], list[int]]:
        plan = plan_action_chase([LONG, SHORT], {}, MANAGERS, APS_TEAM, day(today), POLICY)
        return {k: [n.action.action_id for n in v] for k, v in plan.digests.items()}

    assert routed("Thu 2026-12-17") == {("TM1", OWNER): [1]}
    assert routed("Tue 2026-12-29") == {
        ("APS1", APS): [1, 2],
        ("APS2", APS): [1, 2],
        ("TM1", OWNER): [1],
        ("TM2", OWNER): [2],
    }
    escalated = routed("Tue 2027-01-05")
    assert escalated[("SM1", LINE_MANAGER)] == [1, 2]
    assert escalated[("APS1", APS)] == [1, 2] and escalated[("TM2", OWNER)] == [2]


def test_missed_runs_send_only_the_most_advanced_rung_and_count_by_stage() -> None:
    plan = plan_action_chase([LONG], {}, MANAGERS, APS_TEAM, day("Tue 2026-12-29"), POLICY)
    [(_, step)] = plan.steps
    assert step.send is not None and step.send.key == "overdue"
    assert [r.key for r in step.superseded] == ["due_in_5", "due_in_1"]
    assert plan.items_by_stage() == {"action_overdue": 1}
    recorded = {(1, LONG.due_on): {"due_in_5", "due_in_1", "overdue"}}
    again = plan_action_chase([LONG], recorded, MANAGERS, APS_TEAM, day("Wed 2026-12-30"), POLICY)
    assert again.steps == [] and again.digests == {}


def test_an_escalation_with_no_line_manager_is_flagged_for_aps() -> None:
    orphan = action(3, "TM3", "Tue 2026-12-01", "Thu 2026-12-24")
    plan = plan_action_chase([orphan], {}, MANAGERS, APS_TEAM, day("Tue 2027-01-05"), POLICY)
    assert [n.action.action_id for n in plan.unrouted] == [3]
    assert set(plan.digests) == {("TM3", OWNER), ("APS1", APS), ("APS2", APS)}
    assert plan.items_by_stage() == {"action_escalation": 1}
