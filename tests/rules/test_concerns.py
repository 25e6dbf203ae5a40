"""rules.concerns: who raises and acknowledges a concern, and what each chase run does with an
open one, against a hand-worked December 2026 (Christmas Day Fri 25, Boxing Day moved to Mon 28)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from rules.concerns import (
    MAX_ACKNOWLEDGE_NOTE,
    MAX_CONCERN_TEXT,
    ConcernError,
    chase_stage,
    check_acknowledge,
    check_raise,
    median_hours_to_acknowledge,
)

# raised_on, today, escalate_after -> the run's stage
#   Thu 24 Dec raised; Fri 25, Sat 26, Sun 27, Mon 28 are not working days; Tue 29 is the next.
CHASE_DAYS = [
    (date(2026, 12, 7), date(2026, 12, 7), 1, None),  # Mon: the day it was raised
    (date(2026, 12, 7), date(2026, 12, 8), 1, "concern_escalation"),  # Tue: 1 working day
    (date(2026, 12, 7), date(2026, 12, 8), 2, "concern_open"),
    (date(2026, 12, 7), date(2026, 12, 9), 2, "concern_escalation"),  # Wed: 2 working days
    (date(2026, 12, 24), date(2026, 12, 29), 1, "concern_escalation"),
    (date(2026, 12, 24), date(2026, 12, 29), 2, "concern_open"),  # Tue 29: only 1 working day
    (date(2026, 12, 24), date(2026, 12, 30), 2, "concern_escalation"),
    (date(2026, 12, 26), date(2026, 12, 29), 1, "concern_escalation"),  # raised on a Saturday
    (date(2026, 12, 9), date(2026, 12, 8), 1, None),  # a run dated before it was raised
]


@pytest.mark.parametrize(("raised_on", "today", "after", "stage"), CHASE_DAYS)
def test_each_run_re_sends_and_escalates_after_the_working_days(
    raised_on: date, today: date, after: int, stage: str | None
) -> None:
    assert chase_stage(raised_on, today, after) == stage


def test_raising_needs_the_auditor_or_aps_a_live_audit_and_a_text() -> None:
    assert check_raise("  seen bruising  ", "allocated", True, "TM1") == "seen bruising"
    assert check_raise("x", "completed", True, "TM1") == "x"
    with pytest.raises(ConcernError, match="only its auditor or the APS team") as refused:
        check_raise("x", "allocated", False, "TM9")
    assert refused.value.field == "by"
    with pytest.raises(ConcernError, match="the audit is withdrawn"):
        check_raise("x", "withdrawn", True, "TM1")
    with pytest.raises(ConcernError, match="the text is needed") as blank:
        check_raise(" \n ", "allocated", True, "TM1")
    assert blank.value.field == "text"
    assert len(check_raise("y" * MAX_CONCERN_TEXT, "allocated", True, "TM1")) == MAX_CONCERN_TEXT
    with pytest.raises(ConcernError, match="at most 4000"):
        check_raise("y" * (MAX_CONCERN_TEXT + 1), "allocated", True, "TM1")


def test_acknowledging_once_by_the_case_teams_managers_or_aps_with_a_note() -> None:
    assert check_acknowledge("open", " visiting today ", True, "TM2") == "visiting today"
    with pytest.raises(ConcernError, match="already acknowledged"):
        check_acknowledge("acknowledged", "x", True, "TM2")
    with pytest.raises(ConcernError, match="case team's Team Manager or Service Manager"):
        check_acknowledge("open", "x", False, "D1")
    with pytest.raises(ConcernError, match="a note is needed"):
        check_acknowledge("open", "  ", True, "TM2")
    with pytest.raises(ConcernError, match="at most 2000"):
        check_acknowledge("open", "n" * (MAX_ACKNOWLEDGE_NOTE + 1), True, "TM2")


def test_the_median_time_to_acknowledge_in_hours() -> None:
    raised = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    spans = [(raised, raised + timedelta(hours=h)) for h in (2, 5, 26)]
    assert median_hours_to_acknowledge(spans) == 5.0
    assert median_hours_to_acknowledge(spans[:2]) == 3.5
    assert median_hours_to_acknowledge([(raised, raised + timedelta(minutes=20))]) == 0.3
    assert median_hours_to_acknowledge([]) is None
