"""Who may audit in a cycle, and which cases may be audited: each exclusion with its reason."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from rules.cohorts import CaseFacts
from rules.working_days import is_working_day


@dataclass(frozen=True, slots=True)
class StaffFacts:
    """What allocation needs to know about a member of staff."""

    staff_id: str
    role: str
    team: str | None
    service_area: str | None
    active: bool = True
    in_latest_export: bool = True


@dataclass(frozen=True, slots=True)
class Auditor:
    staff_id: str
    team: str
    service_area: str


class Exclusion(NamedTuple):
    subject: str  # a staff_id or a case_ref
    reason: str


def eligible_auditors(
    staff: Iterable[StaffFacts],
    *,
    exemptions: Mapping[str, str],
    leave: Mapping[str, Sequence[tuple[date, date]]],
    window: tuple[date, date],
    min_available_working_days: int,
) -> tuple[list[Auditor], list[Exclusion]]:
    """Active Team Managers with a team, no approved exemption for the cycle, and enough
    working days outside recorded leave between allocation (``window[0]``) and the due date."""
    auditors: list[Auditor] = []
    excluded: list[Exclusion] = []
    for person in sorted(staff, key=lambda s: s.staff_id):
        if person.role != "team_manager":
            continue
        reason = _auditor_exclusion(person, exemptions, leave, window, min_available_working_days)
        if reason:
            excluded.append(Exclusion(person.staff_id, reason))
        else:
            assert person.team and person.service_area
            auditors.append(Auditor(person.staff_id, person.team, person.service_area))
    return auditors, excluded


def _auditor_exclusion(
    person: StaffFacts,
    exemptions: Mapping[str, str],
    leave: Mapping[str, Sequence[tuple[date, date]]],
    window: tuple[date, date],
    min_days: int,
) -> str | None:
    if not person.active:
        return "marked inactive in the staff list"
    if not person.in_latest_export:
        return "not in the latest staff export"
    if not person.team or not person.service_area:
        return "has no team, so cannot be kept from their own team's cases"
    if person.staff_id in exemptions:
        return f"approved exemption for this cycle ({exemptions[person.staff_id]})"
    spells = [s for s in leave.get(person.staff_id, ()) if s[0] <= window[1] and window[0] <= s[1]]
    if spells:
        available = available_working_days(window, spells)
        if available < min_days:
            # The leave's own dates, so that the explanation can be checked against the record.
            dates = ", ".join(f"{start} to {end}" for start, end in sorted(spells))
            return (
                f"on recorded leave {dates}: {available} working day(s) free between "
                f"allocation ({window[0]}) and the due date ({window[1]}), fewer than {min_days}"
            )
    return None


def available_working_days(window: tuple[date, date], leave: Sequence[tuple[date, date]]) -> int:
    """Working days from ``window[0]`` to ``window[1]`` inclusive not covered by any leave."""
    day, end, count = window[0], window[1], 0
    while day <= end:
        if is_working_day(day) and not any(start <= day <= stop for start, stop in leave):
            count += 1
        day += timedelta(days=1)
    return count


def eligible_cases(
    cases: Iterable[CaseFacts],
    *,
    recent_audits: Mapping[str, Collection[str]],
    in_this_cycle: Iterable[str],
    exclusion_cycles: int,
) -> tuple[list[CaseFacts], dict[str, list[str]]]:
    """Open cases in the latest export, not audited in this cycle or the ``exclusion_cycles``
    before it; and the references of the others, by reason. ``recent_audits`` maps each of
    those earlier cycles to the references of the cases audited in it.

    A case audited in this cycle or recently is excluded whatever else is known of it, so the
    caller may leave such cases out of ``cases`` (the store does, to read fewer rows): they are
    listed among the exclusions all the same, a case audited more than once under its latest
    cycle. (Grouped by reason because a county excludes tens of thousands of cases a month,
    nearly all for a handful of reasons.)
    """
    cases = list(cases)
    already = set(in_this_cycle)
    blocked = already.union(*recent_audits.values())
    # The test of _case_exclusion written out for the common case (an eligible one), which a
    # county meets 100,000 times a month; the others go through it for their reason.
    eligible = [
        case
        for case in cases
        if case.status == "open" and case.in_latest_export and case.case_ref not in blocked
    ]
    excluded: dict[str, list[str]] = defaultdict(list)
    if len(eligible) < len(cases):
        chosen = {case.case_ref for case in eligible}
        others = [case for case in cases if case.case_ref not in chosen]
        latest = _latest_cycles(recent_audits, {case.case_ref for case in others})
        for case in others:
            reason = _case_exclusion(case, latest, already, exclusion_cycles)
            assert reason is not None
            excluded[reason].append(case.case_ref)
    seen = {case.case_ref for case in cases}
    excluded[IN_THIS_CYCLE].extend(sorted(already - seen))
    # The newest cycle first, so that a case audited twice is listed under its latest.
    listed = seen | already
    for cycle in sorted(recent_audits, reverse=True):
        refs = [ref for ref in dict.fromkeys(recent_audits[cycle]) if ref not in listed]
        listed.update(refs)
        excluded[_recent(cycle, exclusion_cycles)].extend(refs)
    return eligible, {reason: refs for reason, refs in excluded.items() if refs}


def _latest_cycles(recent_audits: Mapping[str, Collection[str]], refs: set[str]) -> dict[str, str]:
    """The latest cycle of each of ``refs`` audited recently (only these: a county's closed
    cases are a few, its recent audits tens of thousands)."""
    latest: dict[str, str] = {}
    for cycle in sorted(recent_audits, reverse=True):
        for ref in refs.intersection(recent_audits[cycle]):
            latest.setdefault(ref, cycle)
    return latest


IN_THIS_CYCLE = "already has an audit in this cycle"


@lru_cache(maxsize=256)
def _recent(cycle: str, cycles: int) -> str:
    return f"allocated in {cycle}, within the last {cycles} cycles"


def _case_exclusion(
    case: CaseFacts, recent: Mapping[str, str], already: set[str], cycles: int
) -> str | None:
    if case.status != "open":
        return "closed"
    if not case.in_latest_export:
        return "not in the latest case export"
    if case.case_ref in already:
        return IN_THIS_CYCLE
    if case.case_ref in recent:
        return _recent(recent[case.case_ref], cycles)
    return None
