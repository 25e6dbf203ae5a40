"""Routing a chase run: who gets which items, one digest each."""

from __future__ import annotations

from datetime import date

import pytest

from rules.chase import APS, AUDITOR, LINE_MANAGER, OutstandingAudit, plan_chase
from rules.completion import CompletionError, check_completion
from rules.policy import ReminderPolicy

POLICY = ReminderPolicy()
DUE = date(2026, 11, 30)  # Mon


def audit(audit_id: int, auditor: str, due: date = DUE) -> OutstandingAudit:
    return OutstandingAudit(audit_id, f"C{audit_id}", "audit", auditor, date(2026, 11, 2), due, due)


MANAGERS = {"TM1": "SM1", "TM2": "SM1", "TM3": None}
APS_TEAM = ["APS1", "APS2"]


def routed(today: date, audits: list[OutstandingAudit]) -> dict[tuple[str, str], list[int]]:
    plan = plan_chase(audits, {}, MANAGERS, APS_TEAM, today, POLICY)
    return {key: [n.audit.audit_id for n in notices] for key, notices in plan.digests.items()}


def test_reminders_go_to_the_auditor_only() -> None:
    assert routed(date(2026, 11, 23), [audit(1, "TM1"), audit(2, "TM1"), audit(3, "TM2")]) == {
        ("TM1", AUDITOR): [1, 2],
        ("TM2", AUDITOR): [3],
    }


def test_the_overdue_chase_is_copied_to_every_aps_member() -> None:
    assert routed(date(2026, 12, 1), [audit(1, "TM1"), audit(3, "TM2")]) == {
        ("APS1", APS): [1, 3],
        ("APS2", APS): [1, 3],
        ("TM1", AUDITOR): [1],
        ("TM2", AUDITOR): [3],
    }


def test_an_escalation_goes_to_the_line_manager_and_aps() -> None:
    got = routed(date(2026, 12, 7), [audit(1, "TM1"), audit(3, "TM2")])
    assert got[("SM1", LINE_MANAGER)] == [1, 3]
    assert got[("APS1", APS)] == [1, 3] and got[("TM1", AUDITOR)] == [1]


def test_an_escalation_with_no_line_manager_is_flagged_for_aps() -> None:
    plan = plan_chase([audit(5, "TM3")], {}, MANAGERS, APS_TEAM, date(2026, 12, 7), POLICY)
    assert [n.audit.audit_id for n in plan.unrouted] == [5]
    assert ("APS1", APS) in plan.digests and not any(r == LINE_MANAGER for _, r in plan.digests)


def test_recorded_rungs_are_not_sent_again_and_counts_are_by_stage() -> None:
    audits = [audit(1, "TM1"), audit(2, "TM2", due=date(2026, 12, 8))]
    today = date(2026, 12, 1)  # audit 1 overdue; audit 2 due in 5
    plan = plan_chase(audits, {}, MANAGERS, APS_TEAM, today, POLICY)
    assert plan.items_by_stage() == {"overdue": 1, "due_in_5": 1}
    recorded = {(1, DUE): {"due_in_5", "due_in_1", "overdue"}, (2, date(2026, 12, 8)): {"due_in_5"}}
    assert plan_chase(audits, recorded, MANAGERS, APS_TEAM, today, POLICY).digests == {}


@pytest.mark.parametrize(
    ("status", "on", "judgement", "message"),
    [
        ("allocated", date(2026, 11, 20), "great", "judgement must be one of"),
        ("completed", date(2026, 11, 20), "good", "audit 7 is completed"),
        ("withdrawn", date(2026, 11, 20), "good", "audit 7 is withdrawn"),
        ("allocated", date(2026, 10, 30), "good", "allocated on 2026-11-02"),
        ("allocated", date(2026, 11, 27), "good", "in the future"),
    ],
)
def test_a_completion_that_cannot_be_is_refused(
    status: str, on: date, judgement: str, message: str
) -> None:
    with pytest.raises(CompletionError, match=message):
        check_completion(7, status, date(2026, 11, 2), on, judgement, today=date(2026, 11, 26))


def test_a_completion_on_or_before_today_is_accepted() -> None:
    check_completion(
        7,
        "allocated",
        date(2026, 11, 2),
        date(2026, 11, 26),
        "inadequate",
        today=date(2026, 11, 26),
    )
