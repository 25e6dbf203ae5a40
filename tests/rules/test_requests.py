"""Extension and exemption rules, table-driven with weekday labels (no database)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from rules.requests import (
    AuditState,
    Candidate,
    RequestError,
    check_decision,
    check_exemption_category,
    check_extension_date,
    check_request,
    latest_extension,
    reallocated_due_date,
    reallocation_candidates,
)
from tests.rules.labelled_dates import day

NOV_30 = day("Mon 2026-11-30")


def state(
    due: str = "Mon 2026-11-30",
    original: str | None = None,
    status: str = "allocated",
    auditor: str = "TM001",
) -> AuditState:
    return AuditState(7, status, auditor, day(due), day(original or due))


# original due date -> the latest date an extension may give (10 working days later)
LATEST = [
    ("Mon 2026-11-30", "Mon 2026-12-14"),
    # Fri 1 Jan New Year's Day is not counted: Mon 4 .. Fri 15 Jan are the ten.
    ("Thu 2026-12-31", "Fri 2027-01-15"),
    # Good Friday 26 Mar and Easter Monday 29 Mar 2027 are not counted.
    ("Wed 2027-03-24", "Fri 2027-04-09"),
]


@pytest.mark.parametrize(("original", "latest"), LATEST)
def test_latest_extension_counts_ten_working_days(original: str, latest: str) -> None:
    assert latest_extension(day(original), 10) == day(latest)


def test_latest_extension_follows_the_policy_limit() -> None:
    assert latest_extension(NOV_30, 5) == day("Mon 2026-12-07")


@pytest.mark.parametrize("until", ["Mon 2026-11-30", "Fri 2026-11-27"])
def test_an_extension_must_be_after_the_due_date(until: str) -> None:
    with pytest.raises(RequestError, match="is not after the audit's due date 2026-11-30"):
        check_extension_date(state(), day(until), 10)


def test_an_extension_after_an_extension_must_be_after_the_new_due_date() -> None:
    extended = state("Mon 2026-12-07", original="Mon 2026-11-30")
    with pytest.raises(RequestError, match="due date 2026-12-07"):
        check_extension_date(extended, day("Fri 2026-12-04"), 10)
    check_extension_date(extended, day("Tue 2026-12-08"), 10)


@pytest.mark.parametrize(
    ("due", "original", "until", "latest"),
    [
        ("Mon 2026-11-30", None, "Tue 2026-12-15", "2026-12-14"),
        ("Thu 2026-12-31", None, "Mon 2027-01-18", "2027-01-15"),
        # The limit runs from the original due date, not from an extended one.
        ("Mon 2026-12-07", "Mon 2026-11-30", "Tue 2026-12-15", "2026-12-14"),
    ],
)
def test_an_extension_beyond_the_limit_names_the_latest_date(
    due: str, original: str | None, until: str, latest: str
) -> None:
    with pytest.raises(RequestError) as refused:
        check_extension_date(state(due, original), day(until), 10)
    message = str(refused.value)
    assert f"the latest date allowed is {latest}" in message
    assert "10 working days" in message and "\n" not in message


@pytest.mark.parametrize(
    ("due", "until", "next_one"),
    [
        ("Mon 2026-11-30", "Sat 2026-12-05", "2026-12-07"),
        ("Mon 2026-11-30", "Sun 2026-12-06", "2026-12-07"),
        ("Thu 2026-12-31", "Fri 2027-01-01 New Year's Day", "2027-01-04"),
        ("Wed 2027-03-24", "Fri 2027-03-26 Good Friday", "2027-03-30"),
    ],
)
def test_an_extension_to_a_day_off_names_the_next_working_day(
    due: str, until: str, next_one: str
) -> None:
    with pytest.raises(
        RequestError, match=f"is not a working day \\(the next one is {next_one}\\)"
    ):
        check_extension_date(state(due), day(until), 10)


@pytest.mark.parametrize(
    ("due", "until"),
    [
        ("Mon 2026-11-30", "Tue 2026-12-01"),
        ("Mon 2026-11-30", "Mon 2026-12-14"),  # exactly the limit
        ("Thu 2026-12-31", "Fri 2027-01-15"),
    ],
)
def test_an_extension_within_the_limit_to_a_working_day_is_allowed(due: str, until: str) -> None:
    check_extension_date(state(due), day(until), 10)  # raises RequestError if refused


@pytest.mark.parametrize("status", ["completed", "exempted", "withdrawn"])
def test_requests_are_only_for_audits_still_to_do(status: str) -> None:
    with pytest.raises(RequestError, match=f"audit 7 is {status}"):
        check_request(state(status=status), "TM001", False, None, day("Mon 2026-11-16"))


def test_someone_else_cannot_ask_for_the_auditor() -> None:
    with pytest.raises(RequestError, match="TM002 is not the auditor of audit 7 \\(TM001\\)"):
        check_request(state(), "TM002", False, None, day("Mon 2026-11-16"))


def test_aps_may_ask_on_the_auditors_behalf() -> None:
    assert check_request(state(), "APS01", True, None, day("Mon 2026-11-16")) is False


def test_one_open_request_at_a_time() -> None:
    with pytest.raises(RequestError, match="already has an open request \\(exemption request 3\\)"):
        check_request(state(), "TM001", False, "exemption request 3", day("Mon 2026-11-16"))


# the day the request is made -> late? Judged against the due date Mon 30 Nov, never today.
LATENESS = [
    ("Mon 2026-11-02", False),
    ("Fri 2026-11-27", False),
    ("Mon 2026-11-30", False),  # on the due date itself: not late
    ("Tue 2026-12-01", True),
    ("Sat 2026-12-05", True),
]


@pytest.mark.parametrize(("on", "late"), LATENESS)
def test_a_request_after_the_due_date_is_accepted_and_marked_late(on: str, late: bool) -> None:
    assert check_request(state(), "TM001", False, None, day(on)) is late


def test_lateness_is_against_the_extended_due_date() -> None:
    extended = state("Mon 2026-12-07", original="Mon 2026-11-30")
    assert check_request(extended, "TM001", False, None, day("Fri 2026-12-04")) is False
    assert check_request(extended, "TM001", False, None, day("Tue 2026-12-08")) is True


def test_exemption_categories() -> None:
    for category in ("leave", "sickness", "conflict_of_interest", "other"):
        check_exemption_category(category)
    with pytest.raises(RequestError, match="category must be one of leave, sickness"):
        check_exemption_category("holiday")


def decide(**changes: Any) -> None:
    arguments: dict[str, Any] = {
        "request_label": "extension request 4",
        "status": "pending",
        "decided_by": None,
        "decided_on": None,
        "requested_by": "TM001",
        "decider": "APS01",
        "decider_is_aps": True,
    }
    arguments.update(changes)
    check_decision(**arguments)


def test_an_aps_member_may_decide_someone_elses_pending_request() -> None:
    decide()  # raises RequestError if refused


def test_only_aps_decide() -> None:
    with pytest.raises(RequestError, match="TM009 is not an active member of the APS team"):
        decide(decider="TM009", decider_is_aps=False)


def test_nobody_decides_their_own_request() -> None:
    with pytest.raises(
        RequestError, match="APS01 made extension request 4: nobody decides their own request"
    ):
        decide(requested_by="APS01")


@pytest.mark.parametrize("status", ["approved", "rejected"])
def test_a_decided_request_says_who_decided_it_and_when(status: str) -> None:
    with pytest.raises(RequestError) as refused:
        decide(status=status, decided_by="APS02", decided_on=date(2026, 11, 18))
    assert str(refused.value) == f"extension request 4 was already {status} by APS02 on 2026-11-18"


# released audit's due date, decision date -> the reallocated audit's due date.
# Five or more working days left (after the decision day, up to the due date): the date stays;
# fewer: ten working days after the decision.
REALLOCATED = [
    ("Mon 2026-11-30", "Mon 2026-11-02", "Mon 2026-11-30"),
    ("Mon 2026-11-30", "Mon 2026-11-23", "Mon 2026-11-30"),  # 24, 25, 26, 27, 30: five left
    ("Mon 2026-11-30", "Tue 2026-11-24", "Tue 2026-12-08"),  # four left
    ("Mon 2026-11-30", "Mon 2026-11-30", "Mon 2026-12-14"),  # decided on the due date
    ("Mon 2026-11-30", "Tue 2026-12-01", "Tue 2026-12-15"),  # decided after it
    # Christmas 25, Boxing Day substitute Mon 28: 23, 24, 29, 30, 31 are the five left.
    ("Thu 2026-12-31", "Tue 2026-12-22", "Thu 2026-12-31"),
    # From Wed 23 Dec only four are left: 24, 29, 30, 31; ten from 23 Dec skip 1 Jan too.
    ("Thu 2026-12-31", "Wed 2026-12-23", "Mon 2027-01-11"),
]


@pytest.mark.parametrize(("due", "decided", "expected"), REALLOCATED)
def test_a_reallocated_audit_keeps_the_due_date_unless_under_five_working_days_remain(
    due: str, decided: str, expected: str
) -> None:
    assert reallocated_due_date(day(due), day(decided)) == day(expected)


def test_reallocation_candidates_follow_the_allocation_rules() -> None:
    candidates = [
        Candidate("TM001", "North Assessment", "North", 0),  # the case's team
        Candidate("TM002", "North Assessment", "North", 0),  # the case's team
        Candidate("TM003", "North Family Support", "North", 1),  # the released auditor
        Candidate("TM004", "North Family Support", "North", 1),  # same area as the case
        Candidate("TM005", "South Assessment", "South", 1),
        Candidate("TM006", "South Assessment", "South", 2),
        Candidate("TM007", "North Child Protection", "North", 0),
        Candidate("TM008", "East Assessment", "East", 1),
    ]
    chosen = reallocation_candidates(candidates, "North Assessment", "TM003", "North")
    assert [c.staff_id for c in chosen] == ["TM007", "TM005", "TM008", "TM004", "TM006"]
    assert all(c.team != "North Assessment" for c in chosen)
    assert "TM003" not in {c.staff_id for c in chosen}


def test_another_service_area_is_preferred_on_a_tie() -> None:
    same_area = Candidate("TM001", "North Family Support", "North", 1)
    other_area = Candidate("TM009", "South Assessment", "South", 1)
    chosen = reallocation_candidates([same_area, other_area], "North Assessment", "TM003", "North")
    assert chosen == [other_area, same_area]


def test_no_candidates_when_everyone_is_in_the_case_team() -> None:
    team = [Candidate(f"TM00{n}", "North Assessment", "North", 0) for n in range(1, 4)]
    assert reallocation_candidates(team, "North Assessment", "TM003", "North") == []
