"""The leave rules: what a record may say, who may record or remove it, overlaps, and how
allocation's eligibility names leave."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.eligibility import StaffFacts, eligible_auditors
from rules.leave import (
    MAX_DAYS,
    MAX_REASON,
    LeaveError,
    LeaveSpell,
    Recorder,
    check_dates,
    check_may_record,
    check_may_remove,
    check_no_overlap,
    check_reason,
    check_staff_id,
    overlapping,
)
from tests.rules.labelled_dates import day

NOV_2, NOV_30 = day("Mon 2026-11-02"), day("Mon 2026-11-30")
APS = Recorder("APS01", "aps", True)
TM = Recorder("TM001", "team_manager", True)


def spell(start: str, end: str, staff: str = "TM001", leave_id: int | None = 1) -> LeaveSpell:
    return LeaveSpell(staff, date.fromisoformat(start), date.fromisoformat(end), leave_id)


def test_a_leave_may_be_one_day_but_not_end_before_it_starts() -> None:
    check_dates(NOV_2, NOV_2)
    with pytest.raises(LeaveError, match=r"ends \(2026-11-01\) before it starts \(2026-11-02\)"):
        check_dates(NOV_2, NOV_2 - timedelta(days=1))


def test_a_leave_longer_than_two_years_is_a_mistyped_date() -> None:
    check_dates(NOV_2, NOV_2 + timedelta(days=MAX_DAYS - 1))
    with pytest.raises(LeaveError, match=f"is {MAX_DAYS + 1} days, more than {MAX_DAYS}"):
        check_dates(NOV_2, NOV_2 + timedelta(days=MAX_DAYS))


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("   ", "a reason is required"),
        ("x" * (MAX_REASON + 1), f"longer than {MAX_REASON} characters"),
        ("annual\nleave", "one line of text"),
        ("annual\x00leave", "one line of text"),
        ("bytes \udcff that were not UTF-8", "one line of text"),
    ],
)
def test_a_reason_is_one_short_line(reason: str, message: str) -> None:
    with pytest.raises(LeaveError, match=message):
        check_reason(reason)


def test_a_reason_is_kept_stripped_whatever_its_script() -> None:
    assert check_reason("  congé annuel — Ávila  ") == "congé annuel — Ávila"
    assert check_reason("x" * MAX_REASON) == "x" * MAX_REASON


@pytest.mark.parametrize("bad", ["", " ", "T" * 41, "TM\x00", "TM\n1", "\udcff"])
def test_a_staff_id_is_checked_before_any_lookup(bad: str) -> None:
    with pytest.raises(LeaveError, match="staff id"):
        check_staff_id(bad)
    assert check_staff_id(" TM001 ") == "TM001"


def test_overlaps_share_a_day_and_adjacent_leave_does_not() -> None:
    recorded = [spell("2026-11-02", "2026-11-06"), spell("2026-11-16", "2026-11-20", leave_id=2)]
    assert overlapping(spell("2026-11-06", "2026-11-10", leave_id=None), recorded) == recorded[0]
    assert overlapping(spell("2026-11-07", "2026-11-15", leave_id=None), recorded) is None
    assert overlapping(spell("2026-11-01", "2026-11-30", leave_id=None), recorded) == recorded[0]
    # Someone else's leave on the same days is no clash.
    assert overlapping(spell("2026-11-02", "2026-11-06", "TM002", None), recorded) is None
    with pytest.raises(LeaveError) as refused:
        check_no_overlap(spell("2026-11-18", "2026-11-18", leave_id=None), recorded)
    assert str(refused.value) == (
        "TM001 already has leave 2 from 2026-11-16 to 2026-11-20, which overlaps 2026-11-18 to "
        "2026-11-18: leave may not overlap (remove that one first, or record only the days not "
        "yet covered)"
    )


days = st.dates(date(2026, 1, 1), date(2027, 12, 31))


@given(days, st.integers(0, 40), days, st.integers(0, 40))
def test_overlap_is_symmetric_and_means_a_shared_day(
    a_start: date, a_len: int, b_start: date, b_len: int
) -> None:
    a = LeaveSpell("TM001", a_start, a_start + timedelta(days=a_len), 1)
    b = LeaveSpell("TM001", b_start, b_start + timedelta(days=b_len), 2)
    a_days = {a_start + timedelta(days=n) for n in range(a_len + 1)}
    shared = any(b_start + timedelta(days=n) in a_days for n in range(b_len + 1))
    assert (overlapping(a, [b]) is not None) == (overlapping(b, [a]) is not None) == shared


def test_aps_record_and_remove_anyones_leave() -> None:
    check_may_record(APS, "TM009")
    check_may_remove(APS, spell("2026-11-02", "2026-11-06", "TM009"))


def test_a_team_manager_records_and_removes_only_their_own() -> None:
    check_may_record(TM, "TM001")
    check_may_remove(TM, spell("2026-11-02", "2026-11-06", "TM001"))
    with pytest.raises(LeaveError, match="TM001 may record only their own leave: leave of TM002"):
        check_may_record(TM, "TM002")
    with pytest.raises(LeaveError, match="TM001 may remove only their own leave"):
        check_may_remove(TM, spell("2026-11-02", "2026-11-06", "TM002"))


@pytest.mark.parametrize(
    ("recorder", "message"),
    [
        (Recorder("SM01", "service_manager", True), "SM01 is a service_manager: only APS"),
        (Recorder("D01", "director", True), "D01 is a director: only APS"),
        (Recorder("APS02", "aps", False), "APS02 is marked inactive"),
        (Recorder("TM001", "team_manager", False), "TM001 is marked inactive"),
    ],
)
def test_nobody_else_records_leave(recorder: Recorder, message: str) -> None:
    with pytest.raises(LeaveError, match=message):
        check_may_record(recorder, recorder.staff_id)


def managers(*ids: str) -> list[StaffFacts]:
    return [StaffFacts(i, "team_manager", f"Team {i}", "Area") for i in ids]


def test_eligibility_names_the_leave_that_leaves_too_few_working_days() -> None:
    # November 2026: 21 working days from Mon 2 to Mon 30. Away to Fri 27 leaves 1 (Mon 30);
    # away Mon 2 to Fri 20 leaves 6; with the policy's 5, only the first is left out.
    leave = {
        "TM1": [(date(2026, 10, 26), date(2026, 11, 6)), (date(2026, 11, 9), date(2026, 11, 27))],
        "TM2": [(NOV_2, date(2026, 11, 20))],
        "TM3": [(date(2026, 12, 1), date(2026, 12, 31))],  # after the cycle: no matter
    }
    auditors, excluded = eligible_auditors(
        managers("TM1", "TM2", "TM3"),
        exemptions={},
        leave=leave,
        window=(NOV_2, NOV_30),
        min_available_working_days=5,
    )
    assert [a.staff_id for a in auditors] == ["TM2", "TM3"]
    assert [tuple(e) for e in excluded] == [
        (
            "TM1",
            "on recorded leave 2026-10-26 to 2026-11-06, 2026-11-09 to 2026-11-27: 1 working "
            "day(s) free between allocation (2026-11-02) and the due date (2026-11-30), fewer "
            "than 5",
        )
    ]


def test_eligibility_threshold_is_inclusive() -> None:
    # Exactly min_available_working_days free is enough: Mon 23 to Fri 27 is 5 working days.
    leave = {"TM1": [(NOV_2, date(2026, 11, 20)), (NOV_30, NOV_30)]}
    auditors, excluded = eligible_auditors(
        managers("TM1"), exemptions={}, leave=leave, window=(NOV_2, NOV_30),
        min_available_working_days=5,
    )  # fmt: skip
    assert [a.staff_id for a in auditors] == ["TM1"] and excluded == []
    auditors, excluded = eligible_auditors(
        managers("TM1"), exemptions={}, leave=leave, window=(NOV_2, NOV_30),
        min_available_working_days=6,
    )  # fmt: skip
    assert auditors == [] and "5 working day(s) free" in excluded[0].reason
