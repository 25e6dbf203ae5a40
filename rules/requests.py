"""Extension and exemption requests, and the APS team's decisions: what is allowed.

Each check raises :class:`RequestError` with one readable line and the argument it refuses, if
any (``rules.errors``); lateness and the extension limit are judged against the audit's due
dates, never against today.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from rules.errors import RuleError
from rules.working_days import (
    add_working_days,
    is_working_day,
    next_working_day,
    working_days_between,
)

EXEMPTION_CATEGORIES = ("leave", "sickness", "conflict_of_interest", "other")
#: A reallocated audit keeps the released audit's due date unless fewer working days than this
#: remain, in which case it gets REALLOCATION_WORKING_DAYS from the decision.
MIN_WORKING_DAYS_LEFT = 5
REALLOCATION_WORKING_DAYS = 10


class RequestError(RuleError):
    """The request or decision breaks a rule; the message says which, in one line."""


@dataclass(frozen=True)
class AuditState:
    audit_id: int
    status: str
    auditor_id: str
    due_on: date
    original_due_on: date


def latest_extension(original_due_on: date, max_working_days: int) -> date:
    """The latest due date an extension may give: N working days after the original one."""
    return add_working_days(original_due_on, max_working_days)


def check_request(
    audit: AuditState, requester: str, requester_is_aps: bool, open_request: str | None, on: date
) -> bool:
    """Whether a request may be made (raises if not); returns whether it is late."""
    if audit.status != "allocated":
        raise RequestError(
            f"audit {audit.audit_id} is {audit.status}: requests are for audits still to be done"
        )
    if requester != audit.auditor_id and not requester_is_aps:
        raise RequestError(
            f"{requester} is not the auditor of audit {audit.audit_id} "
            f"({audit.auditor_id}) nor a member of the APS team"
        )
    if open_request is not None:
        raise RequestError(
            f"audit {audit.audit_id} already has an open request ({open_request}): one at a time"
        )
    return on > audit.due_on


def check_extension_date(audit: AuditState, until: date, max_working_days: int) -> None:
    latest = latest_extension(audit.original_due_on, max_working_days)
    if until <= audit.due_on:
        raise RequestError(
            f"{until} is not after the audit's due date {audit.due_on}",
            field="until",
        )
    if until > latest:
        raise RequestError(
            f"{until} is more than {max_working_days} working days after the original due date "
            f"{audit.original_due_on}: the latest date allowed is {latest}",
            field="until",
        )
    if not is_working_day(until):
        raise RequestError(
            f"{until} is not a working day (the next one is {next_working_day(until)})",
            field="until",
        )


def check_exemption_category(category: str) -> None:
    if category not in EXEMPTION_CATEGORIES:
        raise RequestError(
            f"category must be one of {', '.join(EXEMPTION_CATEGORIES)}, not {category!r}",
            field="category",
        )


def check_decision(
    request_label: str,
    status: str,
    decided_by: str | None,
    decided_on: date | None,
    requested_by: str,
    decider: str,
    decider_is_aps: bool,
) -> None:
    if not decider_is_aps:
        raise RequestError(f"{decider} is not an active member of the APS team: only APS decide")
    if decider == requested_by:
        raise RequestError(f"{decider} made {request_label}: nobody decides their own request")
    if status != "pending":
        raise RequestError(f"{request_label} was already {status} by {decided_by} on {decided_on}")


def reallocated_due_date(released_due_on: date, decided_on: date) -> date:
    """The due date of an audit reallocated after an exemption."""
    if working_days_between(decided_on, released_due_on) < MIN_WORKING_DAYS_LEFT:
        return add_working_days(decided_on, REALLOCATION_WORKING_DAYS)
    return released_due_on


@dataclass(frozen=True)
class Candidate:
    staff_id: str
    team: str
    service_area: str
    open_audits: int  # audits still to do in the cycle


def reallocation_candidates(
    candidates: Sequence[Candidate], case_team: str, released_auditor: str, case_area: str
) -> list[Candidate]:
    """Auditors who may take a released case, by the allocation rules: never the case's own team
    nor the released auditor; those with the fewest audits to do first, then those from another
    service area than the case's."""
    eligible = [c for c in candidates if c.team != case_team and c.staff_id != released_auditor]
    return sorted(eligible, key=lambda c: (c.open_audits, c.service_area == case_area, c.staff_id))
