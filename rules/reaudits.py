"""Re-audits: whether a completed audit calls for one, in which cycle, and who does it.

docs/domain.md: a judgement in ``reaudit_on`` schedules a re-audit for the cycle
``reaudit_after_months`` after the audit's own cycle, to the same auditor where still eligible,
otherwise to another Team Manager by the allocation rules. Re-audits come on top of
``audits_per_auditor`` and are not bound by the 12-month rule. Re-audits planned into a cycle
whose allocation day falls in a pause move on to the first cycle after it, so that none is left
outstanding in a cycle that will never be allocated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from rules.due_dates import allocation_date, due_date
from rules.months import add_months
from rules.pauses import PauseSpell, pause_on
from rules.policy import DueDatePolicy, ReauditPolicy
from rules.requests import Candidate, reallocation_candidates

#: How far past the planned cycle a pause may push a re-audit before the rule gives up (a pause
#: ends, so this only guards against a pause recorded with an absurd end date).
MAX_MONTHS_PUSHED = 120


class ReauditError(ValueError):
    """No cycle can be found for the re-audit; the message says why."""


def reaudit_due(kind: str, status: str, judgement: str | None, policy: ReauditPolicy) -> bool:
    """Whether a completed audit calls for a re-audit.

    Only audits of kind ``audit``: a re-audit's own judgement is reported (separately), and the
    case comes round again through the ordinary allocation, so chains of re-audits never form.
    """
    return kind == "audit" and status == "completed" and judgement in policy.reaudit_on


def reaudit_cycle(
    audit_cycle: str,
    completed_on: date,
    today: date,
    policy: ReauditPolicy,
    pauses: Iterable[PauseSpell] = (),
) -> str:
    """The cycle of the re-audit: ``reaudit_after_months`` after the audit's own cycle.

    Moved on a month at a time while that cycle is unusable: one that began (its allocation
    date) before the audit was completed or before the re-audit is scheduled (``today``), since
    a re-audit never starts before the audit it follows up nor in the past; or one whose
    allocation date falls in a pause, since a paused month is never allocated.
    """
    spells = list(pauses)
    earliest = max(completed_on, today)
    month = add_months(audit_cycle, policy.reaudit_after_months)
    for _ in range(MAX_MONTHS_PUSHED):
        starts = allocation_date(month)
        if starts >= earliest and pause_on(starts, spells) is None:
            return month
        month = add_months(month, 1)
    raise ReauditError(f"no cycle without a pause within {MAX_MONTHS_PUSHED} months of {month}")


def cycle_after_pause(
    month: str, today: date, due_dates: DueDatePolicy, pauses: Iterable[PauseSpell] = ()
) -> str | None:
    """Where a re-audit planned into ``month``, a cycle not allocated, must go on ``today``;
    None when it stays.

    It stays unless ``month``'s allocation day falls in a pause: a paused month is never
    allocated, and a re-audit left in it would be outstanding for ever, never emailed nor
    chased. Then it moves on to the first later cycle whose allocation day is not paused and
    that is not over on ``today`` (its due date is ``today`` or later), with that cycle's dates.
    That is the first cycle after the pause whether the re-audit was planned before the pause
    was entered or the pause was entered after the fact, so long as that cycle is not over; a
    cycle under way is taken (the re-audit joins it and is told at once), but one already over
    is not, as the re-audit would be overdue on arrival: a database repaired long after the
    pause moves its re-audits into the cycle of the day.
    """
    spells = list(pauses)
    if pause_on(allocation_date(month), spells) is None:
        return None
    candidate = add_months(month, 1)
    for _ in range(MAX_MONTHS_PUSHED):
        unpaused = pause_on(allocation_date(candidate), spells) is None
        if unpaused and due_date(candidate, due_dates) >= today:
            return candidate
        candidate = add_months(candidate, 1)
    raise ReauditError(f"no cycle without a pause within {MAX_MONTHS_PUSHED} months of {month}")


@dataclass(frozen=True)
class ReauditorChoice:
    auditor: Candidate
    why: str


def choose_reauditor(
    previous: str,
    case_team: str,
    case_area: str,
    eligible: Sequence[Candidate],
    excluded: Mapping[str, str],
) -> ReauditorChoice | None:
    """The auditor of the re-audit: the one who did the audit when they are still an eligible
    Team Manager outside the case's team; otherwise, by the allocation rules, an eligible Team
    Manager outside the case's team, those with the fewest audits in the cycle first (then one
    from another service area than the case's). None when nobody is eligible.

    ``eligible``: the cycle's eligible Team Managers with their audits in it; ``excluded``: why
    each Team Manager who is not eligible was left out (staff id -> reason).
    """
    same = next((c for c in eligible if c.staff_id == previous), None)
    if same is not None and same.team != case_team:
        return ReauditorChoice(same, f"the auditor of the audit, {previous}, audits it again")
    if same is not None:
        why_not = f"{previous} is now in the case's team ({case_team})"
    else:
        why_not = f"{previous} cannot: {excluded.get(previous, 'no longer a Team Manager')}"
    ranked = reallocation_candidates(eligible, case_team, previous, case_area)
    if not ranked:
        return None
    chosen = ranked[0]
    return ReauditorChoice(
        chosen,
        f"{why_not}; {chosen.staff_id} of {chosen.team} ({chosen.service_area}) has the fewest "
        "audits in the cycle of the eligible Team Managers outside the case's team",
    )
