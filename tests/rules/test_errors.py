"""A refused rule is a RuleError: its text is the one-line message the CLI prints, word for word,
and its field names the argument refused (None: the record as it stands, or who asks)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rules.completion import (
    CompletionError,
    FeedbackEntry,
    check_completion,
    check_feedback,
    reflection_from,
)
from rules.errors import RuleError
from rules.leave import LeaveError, Recorder, check_dates, check_may_record, check_reason
from rules.pauses import PauseError, PauseSpell, check_new_pause, check_resume
from rules.recommendations import RecommendationError, check_text, check_theme, place
from rules.requests import (
    AuditState,
    RequestError,
    check_decision,
    check_exemption_category,
    check_extension_date,
    check_request,
)
from tests.rules.labelled_dates import day

AUDIT = AuditState(7, "allocated", "TM001", day("Mon 2026-11-30"), day("Mon 2026-11-30"))
PAUSE_1 = PauseSpell(day("Mon 2026-11-16"), day("Fri 2026-11-20"), "Ofsted", pause_id=1)
NOV_2, NOV_20 = day("Mon 2026-11-02"), day("Fri 2026-11-20")

# (the refused call, its family, the exact message, the field)
REFUSALS: list[tuple[Callable[[], object], type[RuleError], str, str | None]] = [
    (lambda: check_extension_date(AUDIT, day("Sat 2026-12-05"), 10), RequestError,
     "2026-12-05 is not a working day (the next one is 2026-12-07)", "until"),
    (lambda: check_extension_date(AUDIT, day("Fri 2026-11-27"), 10), RequestError,
     "2026-11-27 is not after the audit's due date 2026-11-30", "until"),
    (lambda: check_exemption_category("holiday"), RequestError,
     "category must be one of leave, sickness, conflict_of_interest, other, not 'holiday'",
     "category"),
    (lambda: check_request(AUDIT, "TM001", False, "extension request 3", NOV_2), RequestError,
     "audit 7 already has an open request (extension request 3): one at a time", None),
    (lambda: check_decision("extension request 3", "approved", "APS02", NOV_2, "TM001", "APS01",
                            True), RequestError,
     "extension request 3 was already approved by APS02 on 2026-11-02", None),
    (lambda: check_new_pause(NOV_20, NOV_2, "Ofsted", []), PauseError,
     "a pause must end after it starts: 2026-11-02 is before 2026-11-20", "ends_on"),
    (lambda: check_new_pause(NOV_2, NOV_20, " ", []), PauseError,
     "a reason is required", "reason"),
    (lambda: check_new_pause(NOV_2, NOV_20, "Cyber attack", [PAUSE_1]), PauseError,
     "it overlaps pause 1 (2026-11-16 to 2026-11-20): pauses may not overlap", "starts_on"),
    (lambda: check_resume(NOV_2, [PAUSE_1]), PauseError,
     "no pause is in force on 2026-11-02: there is nothing to resume", None),
    (lambda: place("2026-11", 5, 1), RecommendationError,
     "recommendation number 5 is out of range: 2026-11 has 1 (1 to 1 replaces one, 2 adds one)",
     "number"),
    (lambda: check_text("", "the commentary"), RecommendationError,
     "the commentary is required", "text"),
    (lambda: check_theme("cse2"), RecommendationError,
     "unknown practice theme 'cse2' (one of cin, cp_under_5, cp_sexual_abuse, cse, missing, "
     "missing_and_cse, all)", "theme"),
    (lambda: check_completion(7, "allocated", NOV_2, day("Mon 2026-11-23"), "good", NOV_20),
     CompletionError, "2026-11-23 is in the future: a completion is recorded once it happens",
     "on"),
    (lambda: check_completion(7, "allocated", NOV_2, NOV_20, "fine", NOV_20), CompletionError,
     "judgement must be one of outstanding, good, requires_improvement, inadequate, not 'fine'",
     "judgement"),
    (lambda: check_completion(7, "exempted", NOV_2, NOV_20, "good", NOV_20), CompletionError,
     "audit 7 is exempted: only an allocated audit can be completed", None),
    (lambda: check_feedback(FeedbackEntry("neighbour", "strength", "Kind")), CompletionError,
     "feedback source must be one of parent, child, carer, partner_agency, not 'neighbour'",
     "feedback"),
    (lambda: reflection_from({"done_well": "Visits"}), CompletionError,
     "the reflection needs all four answers: challenges, enough_tools, do_differently missing",
     "reflection"),
    (lambda: check_reason(""), LeaveError, "a reason is required", "reason"),
    (lambda: check_dates(NOV_20, NOV_2), LeaveError,
     "the leave ends (2026-11-02) before it starts (2026-11-20)", "ends_on"),
    (lambda: check_may_record(Recorder("TM002", "team_manager", True), "TM001"), LeaveError,
     "TM002 may record only their own leave: leave of TM001 needs a member of the APS team",
     None),
]  # fmt: skip


@pytest.mark.parametrize(("call", "family", "message", "field"), REFUSALS)
def test_a_refusal_is_its_message_and_names_its_field(
    call: Callable[[], object], family: type[RuleError], message: str, field: str | None
) -> None:
    with pytest.raises(family) as refused:
        call()
    assert isinstance(refused.value, ValueError)  # callers catching ValueError still do
    assert str(refused.value) == refused.value.message == message
    assert refused.value.field == field
